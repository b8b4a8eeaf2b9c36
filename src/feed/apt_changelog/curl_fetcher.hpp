// The real Fetcher: HTTP(S) downloads from the host's mirror with libcurl. Built as its own
// library (fleetpatch_feed_http) so that the feed layer proper stays free of network code; only
// the command line links it.
#pragma once

#include <cstddef>
#include <string>

#include "feed/apt_changelog/apt_changelog.hpp"

namespace fleetpatch::feed::apt_changelog {

struct CurlOptions {
  long connect_timeout_seconds = 15;
  long timeout_seconds = 300;  // a whole .deb
  std::size_t max_bytes = 512u << 20;
  std::string user_agent = "fleetpatch";
};

/// Fetches http:// and https:// URLs (other schemes, like apt's file: or cdrom:, are
/// kUnsupported). Follows redirects; a status other than 2xx is an error naming it. Not
/// thread-safe: one per thread.
class CurlFetcher final : public Fetcher {
 public:
  explicit CurlFetcher(CurlOptions options = {});
  ~CurlFetcher() override;
  CurlFetcher(const CurlFetcher&) = delete;
  CurlFetcher& operator=(const CurlFetcher&) = delete;

  core::Result<std::string> fetch(const std::string& url) override;

 private:
  CurlOptions options_;
  void* handle_ = nullptr;  // CURL*, reused so that connections to the mirror are kept alive
};

}  // namespace fleetpatch::feed::apt_changelog
