#include "agent/schedule.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>

namespace fleetpatch::agent {
namespace {

double clamp01(double u) {
  if (!(u >= 0.0)) return 0.0;  // also NaN
  return u >= 1.0 ? std::nextafter(1.0, 0.0) : u;
}

}  // namespace

core::Result<Millis> parse_duration(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return core::invalid_argument("duration '" + std::string(text) + "': " + std::string(why) +
                                  " (examples: 90s, 10m, 1h30m, 500ms)");
  };
  if (text.empty()) return bad("empty");
  if (text == "0") return Millis{0};
  std::int64_t total = 0;
  std::size_t i = 0;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max() / 1000;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad("expected a number");
    std::int64_t number = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      number = number * 10 + (text[i] - '0');
      if (number > kMax) return bad("too large");
      ++i;
    }
    std::size_t unit_end = i;
    while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end]))) {
      ++unit_end;
    }
    const std::string_view unit = text.substr(i, unit_end - i);
    std::int64_t scale = 0;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else if (unit == "d") {
      scale = 86'400'000;
    } else {
      return bad(unit.empty() ? "missing unit" : "unknown unit '" + std::string(unit) + "'");
    }
    if (number > (kMax - total) / scale) return bad("too large");
    total += number * scale;
    i = unit_end;
  }
  return Millis{total};
}

std::string format_duration(Millis duration) {
  std::int64_t ms = duration.count();
  if (ms <= 0) return "0s";
  std::string out;
  const struct {
    std::int64_t scale;
    const char* unit;
  } units[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& u : units) {
    if (ms >= u.scale) {
      out += std::to_string(ms / u.scale) + u.unit;
      ms %= u.scale;
    }
  }
  return out;
}

Millis retry_delay(const BackoffPolicy& policy, int attempt, double uniform01) {
  const std::int64_t max = std::max<std::int64_t>(policy.max.count(), 1);
  std::int64_t ceiling = std::clamp<std::int64_t>(policy.initial.count(), 1, max);
  // Doubling stops at the cap, so a long outage cannot overflow.
  for (int n = 1; n < attempt && ceiling < max; ++n) ceiling = std::min(ceiling * 2, max);
  const std::int64_t half = ceiling / 2;
  const auto spread =
      static_cast<std::int64_t>(clamp01(uniform01) * static_cast<double>(ceiling - half + 1));
  return Millis{std::max<std::int64_t>(1, std::min(ceiling, half + spread))};
}

Millis retry_delay_with_hint(const BackoffPolicy& policy, int attempt, double uniform01,
                             Millis retry_after) {
  const Millis backoff = retry_delay(policy, attempt, uniform01);
  return std::max(backoff, std::min(retry_after, policy.max));
}

Millis next_run_delay(Millis interval, Millis jitter, double uniform01) {
  const auto extra = static_cast<std::int64_t>(
      clamp01(uniform01) * static_cast<double>(std::max<std::int64_t>(jitter.count(), 0)));
  return interval + Millis{extra};
}

}  // namespace fleetpatch::agent
