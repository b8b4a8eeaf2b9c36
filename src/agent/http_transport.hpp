// Moving the agent's requests: an interface the exchange logic talks to, and its libcurl
// implementation. TLS peer and host verification are always on for https:// (the only way to
// trust a private CA is --ca-file, never switching verification off).
#pragma once

#include <functional>
#include <string>

#include "agent/protocol.hpp"
#include "core/result.hpp"

namespace fleetpatch::agent {

/// Sends one request. An error means there was no HTTP answer at all (refused, timed out, TLS
/// failed, cancelled); any HTTP status, 500 included, is a response.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual core::Result<HttpResponse> send(const HttpRequest& request) = 0;
};

struct CurlTransportOptions {
  std::string base_url;  // normalize_server_url's form
  std::string ca_file;   // PEM bundle trusted instead of the system store; empty = system
  long connect_timeout_seconds = 15;
  long timeout_seconds = 120;  // a whole request, upload of a large report included
  std::size_t max_response_bytes = 1u << 20;
  std::string user_agent = "fleetpatch-agent";
  /// Polled during transfers; returning true aborts the transfer (SIGTERM while sending).
  std::function<bool()> cancelled;
};

/// Not thread-safe (one curl handle, reused to keep the connection alive between requests).
class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlTransportOptions options);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  core::Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  CurlTransportOptions options_;
  void* handle_ = nullptr;  // CURL*
};

}  // namespace fleetpatch::agent
