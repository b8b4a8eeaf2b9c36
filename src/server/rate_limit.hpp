// Per-caller request rate limit: one token bucket per key (a token id, or the client address for
// calls without a token). Thread-safe. Time is passed in so tests need no sleeping.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fleetpatch::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// `per_second` requests per second sustained, bursts of up to `burst`; per_second <= 0
  /// disables the limit.
  RateLimiter(double per_second, double burst);

  /// Takes one request from `key`'s bucket: nullopt when allowed, else the whole seconds (at
  /// least 1) after which a retry will be allowed (the Retry-After value).
  std::optional<long> acquire(std::string_view key, Clock::time_point now);

  bool enabled() const { return per_second_ > 0; }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated{};
  };
  void evict_idle(Clock::time_point now);

  double per_second_;
  double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  Clock::time_point last_eviction_{};
};

/// Parses "N/s", "N/m", "N" (per second) or "0" (off): requests per second.
std::optional<double> parse_rate(std::string_view text);

}  // namespace fleetpatch::server
