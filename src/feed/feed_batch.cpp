#include "feed/feed_batch.hpp"

#include <algorithm>
#include <iterator>
#include <set>
#include <string_view>
#include <unordered_map>

namespace fleetpatch::feed {

void FeedBatch::merge(FeedBatch other) {
  if (advisories.empty()) {
    advisories = std::move(other.advisories);
  } else {
    advisories.insert(advisories.end(), std::make_move_iterator(other.advisories.begin()),
                      std::make_move_iterator(other.advisories.end()));
  }
  kev.insert(kev.end(), std::make_move_iterator(other.kev.begin()),
             std::make_move_iterator(other.kev.end()));
  for (const auto& [release, count] : other.advisories_per_release) {
    advisories_per_release[release] += count;
  }
  for (const auto& [ecosystem, count] : other.skipped_ecosystems) {
    skipped_ecosystems[ecosystem] += count;
  }
  withdrawn += other.withdrawn;
  duplicates += other.duplicates;
  sources.insert(sources.end(), std::make_move_iterator(other.sources.begin()),
                 std::make_move_iterator(other.sources.end()));
}

void FeedBatch::deduplicate() {
  std::unordered_map<std::string, std::size_t> first;  // id -> index in `kept`
  std::vector<core::Advisory> kept;
  kept.reserve(advisories.size());
  for (auto& advisory : advisories) {
    auto [it, inserted] = first.emplace(advisory.id, kept.size());
    if (inserted) {
      kept.push_back(std::move(advisory));
      continue;
    }
    ++duplicates;
    core::Advisory& existing = kept[it->second];
    if (advisory == existing) continue;
    if (advisory.modified > existing.modified) {
      existing = std::move(advisory);
    } else if (advisory.modified == existing.modified) {
      for (auto& entry : advisory.affected) {
        if (std::find(existing.affected.begin(), existing.affected.end(), entry) ==
            existing.affected.end()) {
          existing.affected.push_back(std::move(entry));
        }
      }
    }
  }
  advisories = std::move(kept);

  advisories_per_release.clear();
  for (const auto& advisory : advisories) {
    std::set<std::string_view> releases;
    for (const auto& entry : advisory.affected) releases.insert(entry.release);
    for (auto release : releases) ++advisories_per_release[std::string(release)];
  }

  std::unordered_map<std::string, std::size_t> kev_index;
  std::vector<core::KevEntry> kev_kept;
  for (auto& entry : kev) {
    auto [it, inserted] = kev_index.emplace(entry.cve, kev_kept.size());
    if (inserted) {
      kev_kept.push_back(std::move(entry));
    } else {
      kev_kept[it->second] = std::move(entry);
    }
  }
  kev = std::move(kev_kept);
}

}  // namespace fleetpatch::feed
