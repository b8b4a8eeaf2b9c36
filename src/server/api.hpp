// The fleet server's API v1 (docs/api.md, docs/openapi.json): routing, authentication, roles,
// rate limits, auditing and the handlers, over a Store and the loaded advisory index. It sees
// requests as plain values (server/http.hpp) and never touches a socket, so it is the same code
// whatever HTTP library carries it.
//
// Every mutating call is authorised first, then performed and audited (store::AuditEvent); a
// refused mutating call is audited as "denied" with the reason, never with the body. Rate-limited
// refusals (429) are counted in the metrics but not audited: a flooding client must not be able
// to grow the audit log at its own pace.
//
// Inside the handlers a refusal is thrown as a private ApiError and turned into the JSON error
// by the dispatcher: it never leaves api.cpp (handle() and reject() never throw), and it keeps
// each handler a straight line of checks.
//
// Thread-safety: handle() and reject() may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "index/index.hpp"
#include "match/matcher.hpp"
#include "server/http.hpp"
#include "server/metrics.hpp"
#include "server/rate_limit.hpp"
#include "server/token_cache.hpp"
#include "store/store.hpp"

namespace fleetpatch::server {

/// Imports feed files into <data-dir>/index the way `fleetpatch feed import` does (atomically
/// replacing the index file); returns what it imported, for people. Injected by the command
/// line, which owns the import logic.
using FeedImporter =
    std::function<core::Result<std::string>(const std::vector<std::string>& paths)>;

struct ApiConfig {
  std::string data_dir;
  /// The enrollment secret agents present; nullopt disables enrollment.
  std::optional<std::string> enroll_secret;
  /// Requests per second per token (per client address without one); 0 = no limit.
  double rate_limit = 50;
  /// Bucket size: how many requests a caller may send at once after being idle.
  double rate_burst = 100;
  /// Matcher threads for re-evaluations; 0 = all cores.
  unsigned eval_threads = 0;
  /// Null: POST /api/v1/feeds/import answers 503.
  FeedImporter import_feed;
  /// How long a token found valid is remembered (token_cache.hpp); 0 = look every token up.
  std::chrono::milliseconds token_cache_ttl{5000};
};

/// The loaded advisory index, swapped atomically after an import: a reader holds the shared_ptr
/// it got for as long as it needs the mapping, so a swap never unmaps an index in use.
class IndexHolder {
 public:
  std::shared_ptr<const index::Index> get() const;
  void set(std::shared_ptr<const index::Index> index);

  /// The index with a Matcher over it that every report evaluation shares, so each distinct
  /// (release, package, version) is matched once per day instead of once per report. The
  /// matcher judges end of life as of the start of `now`'s UTC day and is replaced when the day
  /// (or the index) changes; its cache then starts afresh. Empty when no index is loaded.
  struct Evaluator {
    std::shared_ptr<const index::Index> index;
    std::shared_ptr<const match::Matcher> matcher;
  };
  Evaluator evaluator(core::TimePoint now) const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const index::Index> index_;
  mutable std::shared_ptr<const match::Matcher> matcher_;  // over index_, or null
  mutable core::TimePoint matcher_day_{};
};

/// A route of the API: its method and path pattern ("{name}" matches one path segment).
struct RouteInfo {
  std::string_view method;
  std::string_view pattern;
};

class Api {
 public:
  Api(store::Store& store, const core::Clock& clock, ApiConfig config);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  /// Loads <data-dir>/index/advisories.fpi when present; a missing index is not an error (the
  /// server runs and /readyz says why it is not ready), a corrupt one is.
  core::Status load_index();

  /// Answers one request. Never throws.
  HttpResponse handle(const HttpRequest& request);
  /// Answers a request the HTTP layer refused before the handler saw it (413 for a body over
  /// the limit; 400, 414, 415, 431, 501 or 505 for one it cannot read), with the layer's reason.
  /// Never throws.
  HttpResponse reject(const HttpRequest& request, int status, std::string_view reason);

  /// Every route the API registers, in table order.
  static std::vector<RouteInfo> routes();

  const IndexHolder& index() const { return index_; }
  const Metrics& metrics() const { return metrics_; }

  struct Impl;

 private:
  store::Store& store_;
  const core::Clock& clock_;
  ApiConfig config_;
  IndexHolder index_;
  Metrics metrics_;
  RateLimiter limiter_;
  TokenCache tokens_;
  std::mutex fleet_mutex_;  // one import / re-evaluation at a time
  friend struct Impl;
};

/// The committed OpenAPI document (docs/openapi.json), compiled in.
std::string_view openapi_document();

}  // namespace fleetpatch::server
