#include "feed/apt_changelog/curl_fetcher.hpp"

#include <curl/curl.h>

namespace fleetpatch::feed::apt_changelog {
namespace {

struct Body {
  std::string data;
  std::size_t limit = 0;
  bool too_large = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* context) {
  auto* body = static_cast<Body*>(context);
  const std::size_t bytes = size * count;
  if (body->data.size() + bytes > body->limit) {
    body->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  body->data.append(data, bytes);
  return bytes;
}

}  // namespace

CurlFetcher::CurlFetcher(CurlOptions options) : options_(std::move(options)) {
  // curl_global_init is called by the first curl_easy_init; it is not thread-safe, so callers
  // create fetchers before starting threads (the command line creates one).
  handle_ = curl_easy_init();
}

CurlFetcher::~CurlFetcher() {
  if (handle_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(handle_));
}

core::Result<std::string> CurlFetcher::fetch(const std::string& url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return core::unsupported(url + ": only http:// and https:// mirrors are supported");
  }
  auto* curl = static_cast<CURL*>(handle_);
  if (curl == nullptr) return core::Error{core::ErrorCode::kInternal, "libcurl: no handle"};
  curl_easy_reset(curl);
  Body body;
  body.limit = options_.max_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, options_.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  const CURLcode code = curl_easy_perform(curl);
  if (body.too_large) {
    return core::Error{core::ErrorCode::kNetwork,
                       url + ": larger than " + std::to_string(options_.max_bytes) + " bytes"};
  }
  if (code != CURLE_OK) {
    std::string reason = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    return core::Error{core::ErrorCode::kNetwork, url + ": " + reason};
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    return core::Error{status == 404 ? core::ErrorCode::kNotFound : core::ErrorCode::kNetwork,
                       url + ": HTTP " + std::to_string(status)};
  }
  return std::move(body.data);
}

}  // namespace fleetpatch::feed::apt_changelog
