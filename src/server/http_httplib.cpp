// cpp-httplib behind server/http.hpp. Debian builds the library with OpenSSL, zlib and brotli
// support (pkg-config cpp-httplib gives the matching CPPHTTPLIB_* definitions).
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>

#include "server/http.hpp"

namespace fleetpatch::server {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

HttpRequest convert(const httplib::Request& req) {
  HttpRequest r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [name, value] : req.params) r.query.emplace(name, value);
  r.headers.reserve(req.headers.size());
  for (const auto& [name, value] : req.headers) r.headers.emplace_back(lower(name), value);
  r.remote_addr = req.remote_addr;
  return r;
}

void apply(const HttpResponse& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [name, value] : from.headers) to.set_header(name, value);
  to.set_content(from.body, from.content_type);
}

class HttplibServer final : public HttpServer {
 public:
  HttplibServer(std::unique_ptr<httplib::Server> server, int port)
      : server_(std::move(server)), port_(port) {}

  int port() const override { return port_; }

  core::Status run() override {
    if (!server_->listen_after_bind()) {
      if (stopped_) return {};
      return core::io_error("the HTTP server stopped accepting connections");
    }
    return {};
  }

  void stop() override {
    stopped_ = true;
    server_->stop();
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_;
  std::atomic<bool> stopped_{false};
};

}  // namespace

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> HttpRequest::param(std::string_view name) const {
  const auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return std::string_view(it->second);
}

core::Result<std::unique_ptr<HttpServer>> HttpServer::create(const HttpServerOptions& options,
                                                             Handler handler,
                                                             RejectHandler reject) {
  std::unique_ptr<httplib::Server> server;
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    if (options.tls_cert.empty() || options.tls_key.empty()) {
      return core::invalid_argument("TLS needs both --tls-cert and --tls-key");
    }
    auto tls =
        std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
    if (!tls->is_valid()) {
      return core::invalid_argument("cannot load the TLS certificate " + options.tls_cert +
                                    " and key " + options.tls_key);
    }
    server = std::move(tls);
  } else {
    server = std::make_unique<httplib::Server>();
  }
  const unsigned threads = std::max(1u, options.threads);
  server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server->set_payload_max_length(options.max_body);
  server->set_keep_alive_max_count(1000);
  server->set_tcp_nodelay(true);
  // cpp-httplib listens with a backlog of 5 (compiled into Debian's library): connections of a
  // fleet's agents arriving together were reset. Remember the listening socket, and raise the
  // backlog after binding (Linux updates it when listen() is called again).
  auto listening = std::make_shared<int>(-1);
  server->set_socket_options([listening](socket_t sock) {
    httplib::default_socket_options(sock);
    *listening = sock;
  });

  auto dispatch = [handler](const httplib::Request& req, httplib::Response& res) {
    HttpRequest r = convert(req);
    r.body = req.body;
    apply(handler(r), res);
  };
  const std::string any = ".*";
  server->Get(any, dispatch);
  server->Post(any, dispatch);
  server->Put(any, dispatch);
  server->Delete(any, dispatch);
  server->Patch(any, dispatch);
  server->Options(any, dispatch);
  // Requests the library answers itself (body over the limit, unparsable request line) reach
  // the error handler with an empty body; answers of our own handler already carry one.
  const httplib::Server::HandlerWithResponse on_error = [reject](const httplib::Request& req,
                                                                 httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    apply(reject(convert(req), res.status), res);
    return httplib::Server::HandlerResponse::Handled;
  };
  server->set_error_handler(on_error);
  server->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(R"({"error":{"code":"internal","message":"internal error"}})",
                        "application/json");
      });

  int port = options.port;
  if (port == 0) {
    port = server->bind_to_any_port(options.host);
    if (port < 0) return core::io_error("cannot listen on " + options.host + ": no free port");
  } else if (!server->bind_to_port(options.host, port)) {
    return core::io_error("cannot listen on " + options.host + ":" + std::to_string(port) +
                          " (address in use, or not an address of this machine)");
  }
  if (*listening >= 0) ::listen(*listening, SOMAXCONN);
  return std::unique_ptr<HttpServer>(std::make_unique<HttplibServer>(std::move(server), port));
}

core::Result<std::pair<std::string, int>> parse_listen_address(std::string_view text) {
  std::string host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return core::invalid_argument("listen address \"" + std::string(text) +
                                    "\": expected [IPV6]:PORT");
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return core::invalid_argument("listen address \"" + std::string(text) +
                                    "\": expected HOST:PORT");
    }
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (host.empty()) host = "127.0.0.1";
  int port = -1;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return core::invalid_argument("listen address \"" + std::string(text) + "\": bad port");
  }
  return std::pair{host, port};
}

}  // namespace fleetpatch::server
