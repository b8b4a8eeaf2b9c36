// The agent's timing, kept pure so it can be table-tested: duration flags ("1h", "10m30s"), the
// retry backoff while the server is away, and the daemon's interval with random jitter. The
// randomness comes in as a number in [0, 1) so that tests fix it and the agent draws it.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fleetpatch::agent {

using Millis = std::chrono::milliseconds;

/// Parses "90s", "10m", "1h30m", "500ms", "2d" (units ms, s, m, h, d; summed; no sign, no
/// fraction). A bare "0" is zero. Anything else is kInvalidArgument naming the text.
core::Result<Millis> parse_duration(std::string_view text);

/// "1h30m", "45s", "250ms", "0s": the shortest exact form, for log lines.
std::string format_duration(Millis duration);

/// Exponential backoff with "equal jitter": attempt n (1-based) waits between half and all of
/// min(max, initial * 2^(n-1)). Never zero (a server that just came back is not hammered by every
/// agent at once) and never above `max` (an agent retries at least that often).
struct BackoffPolicy {
  Millis initial{std::chrono::seconds(1)};
  Millis max{std::chrono::minutes(5)};
};

/// The wait after failed attempt `attempt` (1-based); `uniform01` is in [0, 1).
Millis retry_delay(const BackoffPolicy& policy, int attempt, double uniform01);

/// The wait after a server's 429/503 that named a Retry-After: at least that long, but capped
/// by the policy's max so a bad header cannot park the agent for days.
Millis retry_delay_with_hint(const BackoffPolicy& policy, int attempt, double uniform01,
                             Millis retry_after);

/// The daemon's wait until its next collection: interval + uniform01 * jitter, spreading a
/// fleet's reports over the jitter window instead of one burst on the hour.
Millis next_run_delay(Millis interval, Millis jitter, double uniform01);

}  // namespace fleetpatch::agent
