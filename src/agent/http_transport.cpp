#include "agent/http_transport.hpp"

#include <curl/curl.h>

#include <cctype>
#include <charconv>
#include <string_view>

namespace fleetpatch::agent {
namespace {

struct Exchange {
  std::string body;
  std::size_t limit = 0;
  bool too_large = false;
  std::optional<std::int64_t> retry_after;
  const std::function<bool()>* cancelled = nullptr;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* context) {
  auto* exchange = static_cast<Exchange*>(context);
  const std::size_t bytes = size * count;
  if (exchange->body.size() + bytes > exchange->limit) {
    exchange->too_large = true;
    return 0;
  }
  exchange->body.append(data, bytes);
  return bytes;
}

// Only the delta-seconds form of Retry-After; an HTTP date is ignored (plain backoff applies).
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* context) {
  auto* exchange = static_cast<Exchange*>(context);
  const std::size_t bytes = size * count;
  std::string_view line(data, bytes);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (std::size_t i = 0; i < kName.size() && match; ++i) {
      match = std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
    }
    if (match) {
      line.remove_prefix(kName.size());
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      std::int64_t seconds = 0;
      const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), seconds);
      if (ec == std::errc() && end != line.data() && seconds >= 0) exchange->retry_after = seconds;
    }
  }
  return bytes;
}

int on_progress(void* context, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* exchange = static_cast<Exchange*>(context);
  return exchange->cancelled != nullptr && *exchange->cancelled && (*exchange->cancelled)() ? 1 : 0;
}

}  // namespace

CurlTransport::CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
  handle_ = curl_easy_init();
}

CurlTransport::~CurlTransport() {
  if (handle_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(handle_));
}

core::Result<HttpResponse> CurlTransport::send(const HttpRequest& request) {
  auto* curl = static_cast<CURL*>(handle_);
  if (curl == nullptr) return core::Error{core::ErrorCode::kInternal, "libcurl: no handle"};
  const std::string url = options_.base_url + request.path;
  curl_easy_reset(curl);
  Exchange exchange;
  exchange.limit = options_.max_response_bytes;
  exchange.cancelled = &options_.cancelled;
  char error_buffer[CURL_ERROR_SIZE] = {};

  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  // curl would otherwise send "Expect: 100-continue" for large bodies and wait for the server.
  headers = curl_slist_append(headers, "Expect:");
  std::string authorization;
  if (!request.bearer_token.empty()) {
    authorization = "Authorization: Bearer " + request.bearer_token;
    headers = curl_slist_append(headers, authorization.c_str());
  }

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect would drop the body
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, options_.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);

  const std::string where = request.method + " " + url;
  if (exchange.too_large) {
    return core::Error{
        core::ErrorCode::kNetwork,
        where + ": reply larger than " + std::to_string(options_.max_response_bytes) + " bytes"};
  }
  if (code != CURLE_OK) {
    const std::string reason = code == CURLE_ABORTED_BY_CALLBACK ? "cancelled"
                               : error_buffer[0] != '\0'         ? error_buffer
                                                                 : curl_easy_strerror(code);
    return core::Error{core::ErrorCode::kNetwork, where + ": " + reason};
  }
  HttpResponse response;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(exchange.body);
  response.retry_after_seconds = exchange.retry_after;
  return response;
}

}  // namespace fleetpatch::agent
