#include "policy/history.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace fleetpatch::policy {
namespace {

/// (package, advisory) as one string key; '\x1f' cannot appear in either.
std::string pair_key(const core::Finding& f, const std::string& advisory) {
  std::string k;
  k.reserve(f.package.size() + advisory.size() + 1);
  k += f.package;
  k += '\x1f';
  k += advisory;
  return k;
}

/// A finding's identity across snapshots: its package and sorted advisories.
std::string finding_key(const core::Finding& f) {
  std::string k = f.package;
  for (const auto& a : f.advisories) {
    k += '\x1f';
    k += a;
  }
  return k;
}

}  // namespace

HostHistory track_history(std::span<const Snapshot> snapshots) {
  HostHistory out;
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    if (snapshots[i].findings != nullptr) order.push_back(i);
  }
  if (order.empty()) return out;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return snapshots[a].collected_at < snapshots[b].collected_at;
  });
  const Snapshot& current = snapshots[order.back()];

  // Earliest time each (package, advisory) pair was seen.
  std::unordered_map<std::string, core::TimePoint> first_seen;
  for (const std::size_t i : order) {
    for (const auto& f : snapshots[i].findings->findings) {
      for (const auto& a : f.advisories)
        first_seen.try_emplace(pair_key(f, a), snapshots[i].collected_at);
    }
  }

  std::unordered_set<std::string> present;
  out.first_seen.reserve(current.findings->findings.size());
  for (const auto& f : current.findings->findings) {
    core::TimePoint seen = current.collected_at;
    for (const auto& a : f.advisories) {
      std::string k = pair_key(f, a);
      if (const auto it = first_seen.find(k); it != first_seen.end())
        seen = std::min(seen, it->second);
      present.insert(std::move(k));
    }
    out.first_seen.push_back(seen);
  }

  // Walk the earlier snapshots newest first: the first time a gone finding shows up is the last
  // snapshot that had it, and the snapshot after that one is when it was fixed.
  std::unordered_set<std::string> reported;
  for (std::size_t pos = order.size() - 1; pos-- > 0;) {
    const Snapshot& snap = snapshots[order[pos]];
    const core::TimePoint fixed_at = snapshots[order[pos + 1]].collected_at;
    for (const auto& f : snap.findings->findings) {
      bool still_there = f.advisories.empty();  // nothing to track it by
      core::TimePoint seen = snap.collected_at;
      for (const auto& a : f.advisories) {
        const std::string k = pair_key(f, a);
        if (present.count(k) != 0) still_there = true;
        if (const auto it = first_seen.find(k); it != first_seen.end())
          seen = std::min(seen, it->second);
      }
      if (still_there) continue;
      if (!reported.insert(finding_key(f)).second) continue;
      out.fixed.push_back({f, seen, fixed_at});
    }
  }
  std::reverse(out.fixed.begin(), out.fixed.end());
  return out;
}

}  // namespace fleetpatch::policy
