// History: several inventories of the same host over time tell when a finding was first seen and
// when it went away (fixed). A finding is identified by (package, advisory id); a finding of an
// earlier snapshot is fixed when none of its (package, advisory) pairs is in the latest snapshot,
// and it was fixed at the collection time of the first snapshot after the last one showing it.
// First seen = the earliest snapshot showing any of its pairs. Pure.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "core/finding.hpp"
#include "core/time.hpp"

namespace fleetpatch::policy {

/// One inventory of a host and its findings.
struct Snapshot {
  core::TimePoint collected_at{};
  const core::HostFindings* findings = nullptr;
};

/// A finding gone from the latest snapshot.
struct FixedFinding {
  core::Finding finding;  // as the last snapshot showing it had it
  core::TimePoint first_seen{};
  core::TimePoint fixed_at{};
};

struct HostHistory {
  /// First-seen time of each finding of the latest snapshot, parallel to its findings.
  std::vector<core::TimePoint> first_seen;
  /// Findings fixed since, in the order they were last seen (deterministic).
  std::vector<FixedFinding> fixed;
};

/// `snapshots` of ONE host in any order; the one with the latest collected_at is current (ties:
/// the last given). Empty input gives an empty history.
HostHistory track_history(std::span<const Snapshot> snapshots);

}  // namespace fleetpatch::policy
