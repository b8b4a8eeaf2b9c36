#include "policy/history.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "policy/string_hash.hpp"

namespace fleetpatch::policy {
namespace {

/// One (package, advisory) pair of the host's snapshots: views into the snapshots' findings, so
/// tracking a host allocates only the table (a fleet report tracks 100,000 hosts).
struct Pair {
  std::uint64_t hash = 0;  // 0 = empty slot
  std::string_view package;
  std::string_view advisory;
  core::TimePoint seen{};  // earliest snapshot showing it
  bool in_current = false;
  bool reported = false;  // a fixed finding keyed by it was reported
};

/// Open addressing with linear probing over the pairs' hashes: one probe per lookup where a
/// sorted vector costs a binary search of string comparisons. Reused between calls (per thread).
class PairTable {
 public:
  void reset(std::size_t pairs) {
    std::size_t capacity = 64;
    while (capacity < 2 * pairs) capacity *= 2;
    slots_.assign(capacity, Pair{});
    mask_ = capacity - 1;
  }

  static std::uint64_t hash_of(std::uint64_t package_hash, std::string_view advisory) {
    const std::uint64_t h = package_hash * 0x9e3779b97f4a7c15ULL ^ fast_hash(advisory);
    return h == 0 ? 1 : h;
  }

  /// The pair's slot, inserted with `seen` when new.
  Pair& insert(std::uint64_t hash, std::string_view package, std::string_view advisory,
               core::TimePoint seen) {
    std::size_t i = hash & mask_;
    while (slots_[i].hash != 0) {
      Pair& p = slots_[i];
      if (p.hash == hash && p.package == package && p.advisory == advisory) return p;
      i = (i + 1) & mask_;
    }
    Pair& p = slots_[i];
    p.hash = hash;
    p.package = package;
    p.advisory = advisory;
    p.seen = seen;
    return p;
  }

  /// The pair, or nullptr.
  Pair* find(std::uint64_t hash, std::string_view package, std::string_view advisory) {
    std::size_t i = hash & mask_;
    while (slots_[i].hash != 0) {
      Pair& p = slots_[i];
      if (p.hash == hash && p.package == package && p.advisory == advisory) return &p;
      i = (i + 1) & mask_;
    }
    return nullptr;
  }

 private:
  std::vector<Pair> slots_;
  std::size_t mask_ = 0;
};

/// A finding gone from the current snapshot, before its Finding is copied.
struct Gone {
  std::size_t snapshot;  // index into the snapshots
  std::size_t finding;
  core::TimePoint first_seen;
  core::TimePoint fixed_at;
};

}  // namespace

HostHistory track_history(std::span<const Snapshot> snapshots) {
  HostHistory out;
  std::vector<std::size_t> order;
  std::size_t pairs = 0;
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    if (snapshots[i].findings == nullptr) continue;
    order.push_back(i);
    for (const auto& f : snapshots[i].findings->findings) pairs += f.advisories.size();
  }
  if (order.empty()) return out;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return snapshots[a].collected_at < snapshots[b].collected_at;
  });
  const Snapshot& current = snapshots[order.back()];

  // Earliest time each (package, advisory) pair was seen: snapshots oldest first, so the first
  // insertion of a pair has its earliest time.
  thread_local PairTable table;
  table.reset(pairs);
  for (const std::size_t i : order) {
    for (const auto& f : snapshots[i].findings->findings) {
      const std::uint64_t ph = fast_hash(f.package);
      for (const auto& a : f.advisories) {
        table.insert(PairTable::hash_of(ph, a), f.package, a, snapshots[i].collected_at);
      }
    }
  }

  out.first_seen.reserve(current.findings->findings.size());
  for (const auto& f : current.findings->findings) {
    core::TimePoint seen = current.collected_at;
    const std::uint64_t ph = fast_hash(f.package);
    for (const auto& a : f.advisories) {
      Pair* p = table.find(PairTable::hash_of(ph, a), f.package, a);
      p->in_current = true;
      seen = std::min(seen, p->seen);
    }
    out.first_seen.push_back(seen);
  }
  if (order.size() == 1) return out;

  // Walk the earlier snapshots newest first: the first time a gone finding shows up is the last
  // snapshot that had it, and the snapshot after that one is when it was fixed.
  std::vector<Gone> gone;
  for (std::size_t pos = order.size() - 1; pos-- > 0;) {
    const Snapshot& snap = snapshots[order[pos]];
    const core::TimePoint fixed_at = snapshots[order[pos + 1]].collected_at;
    const auto& findings = snap.findings->findings;
    for (std::size_t k = 0; k < findings.size(); ++k) {
      const core::Finding& f = findings[k];
      if (f.advisories.empty()) continue;  // nothing to track it by
      const std::uint64_t ph = fast_hash(f.package);
      bool still_there = false;
      core::TimePoint seen = snap.collected_at;
      Pair* key = nullptr;  // (package, first advisory): a fixed finding is reported once
      for (const auto& a : f.advisories) {
        Pair* p = table.find(PairTable::hash_of(ph, a), f.package, a);
        if (key == nullptr) key = p;
        if (p->in_current) {
          still_there = true;
          break;
        }
        seen = std::min(seen, p->seen);
      }
      if (still_there || key->reported) continue;
      key->reported = true;
      gone.push_back({order[pos], k, seen, fixed_at});
    }
  }
  // Oldest fixes first, each snapshot's in its own (matcher) order.
  std::stable_sort(gone.begin(), gone.end(),
                   [](const Gone& a, const Gone& b) { return a.fixed_at < b.fixed_at; });
  out.fixed.reserve(gone.size());
  for (const Gone& g : gone) {
    // Braces, not emplace_back's parentheses: clang 14 (make fuzz) has no parenthesized
    // aggregate initialisation.
    out.fixed.push_back(FixedFinding{snapshots[g.snapshot].findings->findings[g.finding],
                                     g.first_seen, g.fixed_at});
  }
  return out;
}

}  // namespace fleetpatch::policy
