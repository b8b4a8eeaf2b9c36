// Prometheus metrics of the fleet server, rendered in the text exposition format (version 0.0.4):
//   fleetpatch_http_requests_total{route,code}      counter
//   fleetpatch_http_request_seconds{route}          histogram
//   fleetpatch_reports_accepted_total{kind}         counter, kind = full | unchanged
//   fleetpatch_hosts                                gauge (asked of the store at scrape time)
//   fleetpatch_index_loaded                         gauge 0/1
// `route` is the route pattern ("/api/v1/hosts/{id}/report"), never the raw path, so label
// cardinality stays bounded. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fleetpatch::server {

class Metrics {
 public:
  /// Upper bounds of the latency histogram buckets, in seconds (+Inf is implicit).
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

  void observe_request(std::string_view route, int code, double seconds);
  void report_accepted(bool full);

  /// The exposition text; `hosts` and `index_loaded` are gauges the caller reads at scrape time.
  std::string render(std::optional<std::int64_t> hosts, bool index_loaded) const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};  // non-cumulative per bucket
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram, std::less<>> latency_;
  std::uint64_t reports_full_ = 0;
  std::uint64_t reports_unchanged_ = 0;
};

}  // namespace fleetpatch::server
