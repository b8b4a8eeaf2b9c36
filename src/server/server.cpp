#include "server/server.hpp"

namespace fleetpatch::server {

core::Result<std::unique_ptr<Server>> Server::create(store::Store& store, const core::Clock& clock,
                                                     ServerOptions options) {
  std::unique_ptr<Server> server(new Server());
  server->api_ = std::make_unique<Api>(store, clock, std::move(options.api));
  if (auto status = server->api_->load_index(); !status.ok()) return status.error();
  Api* api = server->api_.get();
  auto http = HttpServer::create(
      options.http, [api](const HttpRequest& request) { return api->handle(request); },
      [api](const HttpRequest& request, int status, std::string_view reason) {
        return api->reject(request, status, reason);
      });
  if (!http.ok()) return http.error();
  server->http_ = std::move(http).value();
  return server;
}

}  // namespace fleetpatch::server
