// HTTP/1.1 on the wire, without sockets: an incremental request parser and the response
// serialiser used by the event-driven server (http_server.cpp). Pure, so the parser is unit
// tested and fuzzed on bytes alone (fuzz/fuzz_http_request.cpp).
//
// What it accepts (RFC 9112): a request line "METHOD TARGET HTTP/1.x", header fields, and a body
// framed by Content-Length or by the chunked transfer coding. It refuses what request smuggling
// is made of: both framings at once, differing Content-Length values, a transfer coding other
// than chunked, obsolete line folding, bare CR or LF in the head.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "server/http.hpp"

namespace fleetpatch::server::http1 {

struct ParserLimits {
  std::size_t max_head = 64u << 10;  // request line + header fields
  std::size_t max_headers = 100;     // header fields
  std::size_t max_body = 16u << 20;
};

class RequestParser {
 public:
  enum class State {
    kNeedMore,  // the buffer holds no complete request yet
    kComplete,  // request() is complete; consumed() bytes of the buffer belong to it
    kError,     // error_status()/error_reason(); the connection cannot be read further
  };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  /// Parses what `buffer` holds: the connection's unread bytes, starting with the request being
  /// parsed. Between calls for one request the caller may only append to the buffer (the parser
  /// remembers offsets into it). After kComplete the caller drops consumed() bytes from the front
  /// of the buffer, handles request() and calls reset() before the next request.
  State parse(std::string_view buffer);

  /// Forgets the request, keeping the capacity of its strings.
  void reset();

  HttpRequest& request() { return request_; }
  const HttpRequest& request() const { return request_; }
  std::size_t consumed() const { return consumed_; }
  /// True once the head is parsed (the request's method, path and headers are known).
  bool head_complete() const { return phase_ != Phase::kHead; }
  /// The client sent "Expect: 100-continue" and the body has not arrived yet.
  bool expects_continue() const { return expect_continue_; }
  /// The connection may carry another request after this one.
  bool keep_alive() const { return keep_alive_; }
  /// HEAD: the response carries no body.
  bool head_method() const { return head_method_; }
  int error_status() const { return error_status_; }
  const std::string& error_reason() const { return error_reason_; }

 private:
  enum class Phase { kHead, kLengthBody, kChunkSize, kChunkData, kTrailers, kDone };

  State fail(int status, std::string reason);
  State parse_head(std::string_view head);
  State parse_chunked(std::string_view buffer);

  ParserLimits limits_;
  HttpRequest request_;
  Phase phase_ = Phase::kHead;
  std::size_t head_start_ = 0;  // after empty lines preceding the request line
  std::size_t scan_ = 0;        // bytes of the head already searched for its end
  std::size_t header_count_ = 0;
  bool line_checked_ = false;
  bool head_started_ = false;
  std::size_t body_start_ = 0;  // offset of the body (or of the next chunk line)
  std::size_t chunked_origin_ = 0;
  std::size_t body_length_ = 0;
  std::size_t chunk_left_ = 0;
  std::size_t consumed_ = 0;
  bool expect_continue_ = false;
  bool keep_alive_ = true;
  bool head_method_ = false;
  int error_status_ = 0;
  std::string error_reason_;
};

/// "HTTP/1.1 <status> <reason>\r\n" + Content-Type, Content-Length, Date, the response's own
/// headers and "Connection: close" when `close`, then the body (omitted for HEAD). Appended to
/// `out`.
void append_response(std::string& out, const HttpResponse& response, bool close, bool head_method);

/// The reason phrase of a status code ("Not Found"), or "Unknown".
std::string_view reason_phrase(int status);

/// Percent-decodes `text`; `plus_is_space` for query components. False on a malformed escape.
bool percent_decode(std::string_view text, bool plus_is_space, std::string& out);

}  // namespace fleetpatch::server::http1
