// Time: an injectable Clock and RFC 3339 (UTC, "Z") formatting and parsing. Policy code reads
// time only through a Clock so that tests and `--as-of` can fix it.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fleetpatch::core {

using TimePoint = std::chrono::sys_seconds;

/// Source of "now". Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

/// A clock that always answers the same instant (tests, `--as-of`).
class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint at) : at_(at) {}
  TimePoint now() const override { return at_; }

 private:
  TimePoint at_;
};

/// "2026-11-26T03:00:00Z".
std::string format_rfc3339(TimePoint t);

/// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" and the same with a space
/// instead of "T"; fractions are dropped. Returns UTC seconds.
Result<TimePoint> parse_rfc3339(std::string_view text);

}  // namespace fleetpatch::core
