// The fleet server: the API (server/api.hpp) behind the HTTP layer (server/http.hpp). `fleetpatch
// serve` builds one and runs it until a signal; tests run one on a free port of 127.0.0.1.
#pragma once

#include <memory>

#include "core/result.hpp"
#include "core/time.hpp"
#include "server/api.hpp"
#include "server/http.hpp"
#include "store/store.hpp"

namespace fleetpatch::server {

struct ServerOptions {
  HttpServerOptions http;
  ApiConfig api;
};

class Server {
 public:
  /// Loads the advisory index (when there is one) and binds the listening socket. `store` and
  /// `clock` must outlive the server.
  static core::Result<std::unique_ptr<Server>> create(store::Store& store, const core::Clock& clock,
                                                      ServerOptions options);

  /// The bound port (the chosen one when options asked for port 0).
  int port() const { return http_->port(); }
  /// Serves until stop(); in-flight requests are answered before it returns.
  core::Status run() { return http_->run(); }
  /// Thread-safe; may be called before run() starts or more than once.
  void stop() { http_->stop(); }

  Api& api() { return *api_; }

 private:
  Server() = default;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace fleetpatch::server
