// The HTTP boundary of the fleet server: requests and responses as plain values, and a server
// that hands every request to one handler. The server is http_server.cpp (epoll, OpenSSL) over
// the wire format of http_parse.hpp; the API (api.cpp) knows neither.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace fleetpatch::server {

struct HttpRequest {
  std::string method;  // "GET", "PUT", ... (a HEAD request is "GET"; its answer has no body)
  std::string path;    // percent-decoded, without the query
  std::map<std::string, std::string> query;                  // first value of each parameter
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  std::string remote_addr;

  /// The first header named `name` (lowercase), else nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
  /// The query parameter, else nullopt.
  std::optional<std::string_view> param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8443;       // 0: any free port (see HttpServer::port)
  std::string tls_cert;  // PEM files; both empty = plain HTTP
  std::string tls_key;
  std::size_t max_body = 16u << 20;
  /// Worker threads: each answers one request at a time. Connections are not tied to a thread,
  /// so this bounds the requests being handled at once, not the connections.
  unsigned threads = 8;
  /// A keep-alive connection with no request for this long is closed.
  std::chrono::milliseconds idle_timeout{30'000};
  /// A request (or TLS handshake) that stops arriving, or a client that stops reading its
  /// answer, for this long: the connection is closed.
  std::chrono::milliseconds io_timeout{30'000};
};

class HttpServer {
 public:
  /// Answers a request that reached the server in full.
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  /// Answers a request the server refused before the handler saw it (413: the body exceeds
  /// max_body; 400 and others: an unreadable request), with the parser's reason. The body is
  /// empty; method, path and headers are set when the request's head could be read. The
  /// connection is closed after the answer.
  using RejectHandler =
      std::function<HttpResponse(const HttpRequest&, int status, std::string_view reason)>;

  virtual ~HttpServer() = default;

  /// Creates the server and binds its socket (so a bad address or a busy port fails here, and
  /// port() is known before run()).
  static core::Result<std::unique_ptr<HttpServer>> create(const HttpServerOptions& options,
                                                          Handler handler, RejectHandler reject);

  /// The bound port.
  virtual int port() const = 0;
  /// Serves until stop(); returns once in-flight requests have been answered.
  virtual core::Status run() = 0;
  /// Stops accepting; safe to call from any thread (a signal-watching one), more than once.
  virtual void stop() = 0;
};

/// Splits "HOST:PORT" ("127.0.0.1:8443", "[::1]:8443", ":8443" = 127.0.0.1).
core::Result<std::pair<std::string, int>> parse_listen_address(std::string_view text);

}  // namespace fleetpatch::server
