#include "policy/history.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string_view>
#include <tuple>

#include "policy/string_hash.hpp"

namespace fleetpatch::policy {
namespace {

/// (package, advisory) of one finding in one snapshot. Views into the snapshots' findings, so
/// tracking a host allocates only these vectors (a fleet report tracks 100,000 hosts); ordered by
/// a hash of the two first, so sorting and searching rarely compare the strings themselves.
struct Pair {
  std::uint64_t hash = 0;
  std::string_view package;
  std::string_view advisory;
  core::TimePoint seen{};
  Pair() = default;
  Pair(std::string_view p, std::string_view a, core::TimePoint t)
      : hash(fast_hash(p) * 0x9e3779b97f4a7c15ULL ^ fast_hash(a)),
        package(p),
        advisory(a),
        seen(t) {}
  bool operator<(const Pair& o) const {
    if (hash != o.hash) return hash < o.hash;
    return std::tie(package, advisory) < std::tie(o.package, o.advisory);
  }
};

bool same_key(const Pair& a, const Pair& b) {
  return a.hash == b.hash && a.package == b.package && a.advisory == b.advisory;
}

/// The pair in sorted `pairs`, or nullptr.
const Pair* find(const std::vector<Pair>& pairs, const Pair& probe) {
  const auto it = std::lower_bound(pairs.begin(), pairs.end(), probe);
  return it != pairs.end() && same_key(*it, probe) ? &*it : nullptr;
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

  // Earliest time each (package, advisory) pair was seen: sorted by pair, then time, the first
  // of each pair is kept.
  std::vector<Pair> first_seen;
  for (const std::size_t i : order) {
    for (const auto& f : snapshots[i].findings->findings) {
      for (const auto& a : f.advisories) {
        first_seen.emplace_back(f.package, a, snapshots[i].collected_at);
      }
    }
  }
  std::sort(first_seen.begin(), first_seen.end(), [](const Pair& a, const Pair& b) {
    if (a < b) return true;
    if (b < a) return false;
    return a.seen < b.seen;
  });
  first_seen.erase(std::unique(first_seen.begin(), first_seen.end(), same_key), first_seen.end());

  std::vector<Pair> present;
  out.first_seen.reserve(current.findings->findings.size());
  for (const auto& f : current.findings->findings) {
    core::TimePoint seen = current.collected_at;
    for (const auto& a : f.advisories) {
      const Pair probe(f.package, a, {});
      if (const Pair* p = find(first_seen, probe)) seen = std::min(seen, p->seen);
      present.push_back(probe);
    }
    out.first_seen.push_back(seen);
  }
  if (order.size() == 1) return out;
  std::sort(present.begin(), present.end());

  // Walk the earlier snapshots newest first: the first time a gone finding shows up is the last
  // snapshot that had it, and the snapshot after that one is when it was fixed.
  std::vector<Pair> reported;  // sorted (package, first advisory) of findings reported
  for (std::size_t pos = order.size() - 1; pos-- > 0;) {
    const Snapshot& snap = snapshots[order[pos]];
    const core::TimePoint fixed_at = snapshots[order[pos + 1]].collected_at;
    for (const auto& f : snap.findings->findings) {
      if (f.advisories.empty()) continue;  // nothing to track it by
      bool still_there = false;
      core::TimePoint seen = snap.collected_at;
      for (const auto& a : f.advisories) {
        const Pair probe(f.package, a, {});
        if (find(present, probe) != nullptr) {
          still_there = true;
          break;
        }
        if (const Pair* p = find(first_seen, probe)) seen = std::min(seen, p->seen);
      }
      if (still_there) continue;
      const Pair key(f.package, f.advisories.front(), {});
      const auto at = std::lower_bound(reported.begin(), reported.end(), key);
      if (at != reported.end() && same_key(*at, key)) continue;
      reported.insert(at, key);
      out.fixed.push_back({f, seen, fixed_at});
    }
  }
  // Oldest fixes first, each snapshot's in its own (matcher) order.
  std::stable_sort(
      out.fixed.begin(), out.fixed.end(),
      [](const FixedFinding& a, const FixedFinding& b) { return a.fixed_at < b.fixed_at; });
  return out;
}

}  // namespace fleetpatch::policy
