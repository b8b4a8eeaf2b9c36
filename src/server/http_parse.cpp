#include "server/http_parse.hpp"

#include <charconv>
#include <ctime>
#include <utility>

namespace fleetpatch::server::http1 {
namespace {

constexpr std::size_t kMaxRequestLine = 8u << 10;
constexpr std::size_t kMaxChunkLine = 1u << 10;
// A request body kept for reuse by the next request of the connection only up to this size.
constexpr std::size_t kKeptBodyCapacity = 1u << 20;

// RFC 9110 5.6.2: the characters of a token (method, header name, transfer coding).
bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_tchar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(element) for each element of a comma-separated list, trimmed, empty ones skipped.
template <typename Fn>
void for_each_list_element(std::string_view list, Fn&& fn) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view element = trim(list.substr(0, comma));
    if (!element.empty()) fn(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool percent_decode(std::string_view text, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return false;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return false;
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return false;
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

RequestParser::State RequestParser::fail(int status, std::string reason) {
  error_status_ = status;
  error_reason_ = std::move(reason);
  // A head that did not parse shows none of the fields of the connection's previous request.
  if (phase_ == Phase::kHead) request_.headers.resize(header_count_);
  expect_continue_ = false;
  keep_alive_ = false;
  return State::kError;
}

void RequestParser::reset() {
  request_.method.clear();
  request_.path.clear();
  request_.query.clear();
  if (request_.body.capacity() > kKeptBodyCapacity) {
    std::string().swap(request_.body);
  } else {
    request_.body.clear();
  }
  phase_ = Phase::kHead;
  head_start_ = 0;
  header_count_ = 0;
  line_checked_ = false;
  head_started_ = false;
  scan_ = 0;
  body_start_ = 0;
  chunked_origin_ = 0;
  body_length_ = 0;
  chunk_left_ = 0;
  consumed_ = 0;
  expect_continue_ = false;
  keep_alive_ = true;
  head_method_ = false;
  error_status_ = 0;
  error_reason_.clear();
}

RequestParser::State RequestParser::parse(std::string_view buffer) {
  if (error_status_ != 0) return State::kError;
  if (phase_ == Phase::kDone) return State::kComplete;
  if (phase_ == Phase::kHead) {
    // Empty lines before a request line are ignored (RFC 9112 2.2), also when they arrive in
    // pieces: the head starts with its first byte that is not part of one.
    if (!head_started_) {
      while (head_start_ + 1 < buffer.size() && buffer[head_start_] == '\r' &&
             buffer[head_start_ + 1] == '\n') {
        head_start_ += 2;
      }
      if (head_start_ > kMaxRequestLine) return fail(400, "too many empty lines before a request");
      if (head_start_ == buffer.size() ||
          (head_start_ + 1 == buffer.size() && buffer[head_start_] == '\r')) {
        return State::kNeedMore;
      }
      head_started_ = true;
    }
    const std::string_view head = buffer.substr(head_start_);
    // The request line is judged as soon as it is complete, before the size of the head, and
    // the same way whether or not the rest of the head has arrived: where the TCP segments
    // happen to split a request never changes the answer. (A TLS handshake sent to a plain port
    // is refused at once instead of after max_head bytes.)
    const auto eol = head.find('\n');
    if (eol == std::string_view::npos ? head.size() > kMaxRequestLine : eol > kMaxRequestLine) {
      return fail(414, "the request line is too long");
    }
    if (eol != std::string_view::npos && !line_checked_) {
      const std::string_view line = head.substr(0, eol);
      const auto sp = line.find(' ');
      if (line.empty() || line.back() != '\r' || sp == std::string_view::npos ||
          !is_token(line.substr(0, sp))) {
        return fail(400, "malformed request line");
      }
      line_checked_ = true;
    }
    const auto end = head.find("\r\n\r\n", scan_ >= 3 ? scan_ - 3 : 0);
    if (end == std::string_view::npos) {
      if (head.size() > limits_.max_head) {
        return fail(431, "the request head exceeds " + std::to_string(limits_.max_head) + " bytes");
      }
      scan_ = head.size();
      return State::kNeedMore;
    }
    if (end + 4 > limits_.max_head) {
      return fail(431, "the request head exceeds " + std::to_string(limits_.max_head) + " bytes");
    }
    header_count_ = 0;
    const State s = parse_head(head.substr(0, end + 2));
    request_.headers.resize(header_count_);  // fields of an earlier request are reused, not freed
    if (s == State::kError) return s;
    body_start_ = head_start_ + end + 4;
    chunked_origin_ = body_start_;
    if (phase_ == Phase::kLengthBody && body_length_ == 0) {
      consumed_ = body_start_;
      phase_ = Phase::kDone;
      return State::kComplete;
    }
  }
  if (phase_ == Phase::kLengthBody) {
    if (buffer.size() - body_start_ < body_length_) return State::kNeedMore;
    request_.body.assign(buffer.data() + body_start_, body_length_);
    consumed_ = body_start_ + body_length_;
    phase_ = Phase::kDone;
    expect_continue_ = false;
    return State::kComplete;
  }
  return parse_chunked(buffer);
}

RequestParser::State RequestParser::parse_head(std::string_view head) {
  // `head` ends with the CRLF of its last line. Every line must end with CRLF: a bare CR or LF
  // is how requests are smuggled past proxies that read lines differently.
  std::size_t line_no = 0;
  bool http10 = false;
  bool has_length = false;
  bool chunked = false;
  bool has_transfer_encoding = false;
  bool connection_close = false;
  bool connection_keep_alive = false;
  std::size_t length = 0;
  while (!head.empty()) {
    const auto lf = head.find('\n');
    if (lf == std::string_view::npos || lf == 0 || head[lf - 1] != '\r') {
      return fail(400, "a line of the request head does not end with CRLF");
    }
    const std::string_view line = head.substr(0, lf - 1);
    head.remove_prefix(lf + 1);
    if (line.find('\r') != std::string_view::npos)
      return fail(400, "a bare CR in the request head");
    if (line_no++ == 0) {
      const auto sp1 = line.find(' ');
      const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
      if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
        return fail(400, "malformed request line");
      }
      const std::string_view method = line.substr(0, sp1);
      const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      const std::string_view version = line.substr(sp2 + 1);
      if (!is_token(method)) return fail(400, "malformed request method");
      if (version == "HTTP/1.1") {
        http10 = false;
      } else if (version == "HTTP/1.0") {
        http10 = true;
      } else if (version.size() == 8 && version.starts_with("HTTP/") && version[6] == '.') {
        return fail(505, "HTTP version not supported: " + std::string(version));
      } else {
        return fail(400, "malformed HTTP version");
      }
      head_method_ = method == "HEAD";
      request_.method.assign(head_method_ ? std::string_view("GET") : method);
      std::string_view origin = target;
      if (origin.starts_with("http://") || origin.starts_with("https://")) {
        // absolute-form: the path starts after the authority.
        const std::string_view rest = origin.substr(origin.find("//") + 2);
        const auto slash = rest.find_first_of("/?");
        origin = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
      }
      if (target == "*") {
        request_.path = "*";
        continue;
      }
      if (origin.empty() || (origin.front() != '/' && origin.front() != '?')) {
        return fail(400, "malformed request target");
      }
      for (const char c : origin) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
          return fail(400, "malformed request target");
        }
      }
      const auto question = origin.find('?');
      if (!percent_decode(origin.substr(0, question), false, request_.path)) {
        return fail(400, "malformed percent-encoding in the request path");
      }
      if (request_.path.empty()) request_.path = "/";
      if (question != std::string_view::npos) {
        std::string_view query = origin.substr(question + 1);
        std::string key;
        std::string value;
        while (!query.empty()) {
          const auto amp = query.find('&');
          const std::string_view pair = query.substr(0, amp);
          query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
          if (pair.empty()) continue;
          const auto eq = pair.find('=');
          if (!percent_decode(pair.substr(0, eq), true, key) ||
              !percent_decode(
                  eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true,
                  value)) {
            return fail(400, "malformed percent-encoding in the query");
          }
          request_.query.emplace(key, value);  // the first value of a parameter wins
        }
      }
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      return fail(400, "obsolete line folding in a header field");
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
      return fail(400, "malformed header field");
    }
    const std::string_view value = trim(line.substr(colon + 1));
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && u != '\t') || u == 0x7f) {
        return fail(400, "a control character in a header field value");
      }
    }
    if (header_count_ == limits_.max_headers) {
      return fail(431, "more than " + std::to_string(limits_.max_headers) + " header fields");
    }
    if (header_count_ == request_.headers.size()) request_.headers.emplace_back();
    auto& [name, stored] = request_.headers[header_count_++];
    name.resize(colon);
    for (std::size_t i = 0; i < colon; ++i) name[i] = ascii_lower(line[i]);
    stored.assign(value);
    if (name == "content-length") {
      // A list of equal values is one value (RFC 9112 6.3); differing ones are refused.
      std::size_t values = 0;
      bool bad = false;
      for_each_list_element(value, [&](std::string_view element) {
        std::size_t n = 0;
        const auto [p, ec] = std::from_chars(element.data(), element.data() + element.size(), n);
        if (ec != std::errc() || p != element.data() + element.size() ||
            ((has_length || values > 0) && n != length)) {
          bad = true;
        }
        length = n;
        ++values;
      });
      if (bad || values == 0) return fail(400, "malformed or conflicting Content-Length");
      has_length = true;
    } else if (name == "transfer-encoding") {
      if (has_transfer_encoding) return fail(400, "more than one Transfer-Encoding field");
      has_transfer_encoding = true;
      // Only "chunked" alone: any other coding is one this server cannot undo.
      std::size_t codings = 0;
      bool only_chunked = true;
      for_each_list_element(value, [&](std::string_view coding) {
        ++codings;
        only_chunked = only_chunked && iequals(coding, "chunked");
      });
      if (codings != 1 || !only_chunked) {
        return fail(501, "transfer coding not supported: " + std::string(value));
      }
      chunked = true;
    } else if (name == "connection") {
      for_each_list_element(value, [&](std::string_view option) {
        if (iequals(option, "close")) connection_close = true;
        if (iequals(option, "keep-alive")) connection_keep_alive = true;
      });
    } else if (name == "expect") {
      expect_continue_ = iequals(value, "100-continue");
    } else if (name == "content-encoding" && !iequals(value, "identity")) {
      return fail(415,
                  "request bodies with a content coding are not accepted: " + std::string(value));
    }
  }
  if (has_transfer_encoding && has_length) {
    return fail(400, "both Content-Length and Transfer-Encoding");
  }
  if (has_transfer_encoding && http10) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
  keep_alive_ = http10 ? connection_keep_alive && !connection_close : !connection_close;
  if (chunked) {
    phase_ = Phase::kChunkSize;
  } else {
    if (length > limits_.max_body) {
      return fail(413, "the request body (" + std::to_string(length) + " bytes) exceeds " +
                           std::to_string(limits_.max_body) + " bytes");
    }
    body_length_ = length;
    phase_ = Phase::kLengthBody;
    if (length == 0) expect_continue_ = false;
  }
  return State::kNeedMore;
}

RequestParser::State RequestParser::parse_chunked(std::string_view buffer) {
  // The chunked framing (size lines, extensions, trailers) gets a quarter of the body limit on
  // top of it, so that a client cannot make the server buffer without bound in tiny chunks.
  const std::size_t max_wire = limits_.max_body + limits_.max_body / 4 + limits_.max_head;
  std::size_t pos = body_start_;
  for (;;) {
    if (pos - chunked_origin_ > max_wire) {
      return fail(413, "the chunked request body exceeds " + std::to_string(limits_.max_body) +
                           " bytes with its framing");
    }
    if (phase_ == Phase::kChunkData) {
      if (buffer.size() - pos < chunk_left_ + 2) break;
      request_.body.append(buffer.data() + pos, chunk_left_);
      if (buffer[pos + chunk_left_] != '\r' || buffer[pos + chunk_left_ + 1] != '\n') {
        return fail(400, "a chunk does not end with CRLF");
      }
      pos += chunk_left_ + 2;
      chunk_left_ = 0;
      phase_ = Phase::kChunkSize;
      continue;
    }
    const auto lf = buffer.find('\n', pos);
    const std::size_t max_line = phase_ == Phase::kTrailers ? limits_.max_head : kMaxChunkLine;
    if ((lf == std::string_view::npos ? buffer.size() : lf) - pos > max_line) {
      return fail(400, "a chunk size or trailer line is too long");
    }
    if (lf == std::string_view::npos) break;
    if (lf == pos || buffer[lf - 1] != '\r')
      return fail(400, "a chunk line does not end with CRLF");
    const std::string_view line = buffer.substr(pos, lf - 1 - pos);
    pos = lf + 1;
    if (phase_ == Phase::kTrailers) {
      if (line.empty()) {
        consumed_ = pos;
        phase_ = Phase::kDone;
        expect_continue_ = false;
        return State::kComplete;
      }
      if (line.find('\r') != std::string_view::npos || line.find(':') == std::string_view::npos) {
        return fail(400, "malformed trailer field");
      }
      continue;  // trailer fields are read and ignored
    }
    const std::string_view size_text = trim(line.substr(0, line.find(';')));
    std::size_t size = 0;
    const auto [p, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || ec != std::errc() || p != size_text.data() + size_text.size()) {
      return fail(400, "malformed chunk size");
    }
    if (size == 0) {
      phase_ = Phase::kTrailers;
      continue;
    }
    if (size > limits_.max_body || request_.body.size() + size > limits_.max_body) {
      return fail(413, "the request body exceeds " + std::to_string(limits_.max_body) + " bytes");
    }
    chunk_left_ = size;
    phase_ = Phase::kChunkData;
  }
  body_start_ = pos;
  return State::kNeedMore;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

namespace {

// The IMF-fixdate of the current second, formatted once per second per thread.
std::string_view http_date() {
  thread_local std::time_t cached_second = -1;
  thread_local char text[40];
  thread_local std::size_t length = 0;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return {text, length};
}

void append_number(std::string& out, std::size_t n) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

}  // namespace

void append_response(std::string& out, const HttpResponse& response, bool close, bool head_method) {
  const int status = response.status;
  const bool bodiless = (status >= 100 && status < 200) || status == 204 || status == 304;
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::size_t>(status));
  out.push_back(' ');
  out.append(reason_phrase(status));
  out.append("\r\nDate: ");
  out.append(http_date());
  if (!bodiless) {
    if (!response.content_type.empty()) {
      out.append("\r\nContent-Type: ");
      out.append(response.content_type);
    }
    out.append("\r\nContent-Length: ");
    append_number(out, response.body.size());
  }
  for (const auto& [name, value] : response.headers) {
    out.append("\r\n");
    out.append(name);
    out.append(": ");
    out.append(value);
  }
  if (close) out.append("\r\nConnection: close");
  out.append("\r\n\r\n");
  if (!bodiless && !head_method) out.append(response.body);
}

}  // namespace fleetpatch::server::http1
