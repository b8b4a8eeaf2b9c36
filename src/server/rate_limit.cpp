#include "server/rate_limit.hpp"

#include <charconv>
#include <cmath>

namespace fleetpatch::server {

RateLimiter::RateLimiter(double per_second, double burst)
    : per_second_(per_second), burst_(std::max(1.0, burst)) {}

std::optional<long> RateLimiter::acquire(std::string_view key, Clock::time_point now) {
  if (!enabled()) return std::nullopt;
  std::lock_guard lock(mutex_);
  evict_idle(now);
  auto [it, inserted] = buckets_.try_emplace(std::string(key));
  Bucket& b = it->second;
  if (inserted) {
    b.tokens = burst_;
  } else {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * per_second_);
  }
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait = (1.0 - b.tokens) / per_second_;
  return std::max(1L, static_cast<long>(std::ceil(wait)));
}

void RateLimiter::evict_idle(Clock::time_point now) {
  // A bucket idle long enough to be full again carries no state: dropping it bounds the map by
  // the callers of the last minute, not by every caller ever seen.
  if (now - last_eviction_ < std::chrono::seconds(60)) return;
  last_eviction_ = now;
  const auto refill = std::chrono::duration<double>(burst_ / per_second_);
  std::erase_if(buckets_, [&](const auto& entry) {
    return std::chrono::duration<double>(now - entry.second.updated) > refill;
  });
}

std::optional<double> parse_rate(std::string_view text) {
  double per = 1.0;
  if (text.ends_with("/s")) {
    text.remove_suffix(2);
  } else if (text.ends_with("/m")) {
    text.remove_suffix(2);
    per = 60.0;
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || text.empty()) {
    return std::nullopt;
  }
  return value / per;
}

}  // namespace fleetpatch::server
