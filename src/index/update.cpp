#include "index/update.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <utility>

namespace fleetpatch::index {

std::string source_key(std::string_view origin, std::string_view release) {
  if (origin.empty()) return std::string(release);
  std::string key(origin);
  key += ':';
  key += release;
  return key;
}

IndexBuilder apply_update(const Index* previous, IndexUpdate update) {
  const std::set<std::string, std::less<>> replaced(update.replaced_sources.begin(),
                                                    update.replaced_sources.end());
  IndexBuilder builder;

  // Carried over: the previous advisories' entries for releases the update does not cover.
  std::unordered_map<std::string, core::Advisory> kept;
  if (previous != nullptr) {
    for (core::Advisory& advisory : previous->decode_advisories()) {
      auto& affected = advisory.affected;
      affected.erase(std::remove_if(affected.begin(), affected.end(),
                                    [&replaced](const core::AffectedPackage& p) {
                                      return replaced.contains(source_key(p.origin, p.release));
                                    }),
                     affected.end());
      if (affected.empty()) continue;
      std::string id = advisory.id;
      kept.emplace(std::move(id), std::move(advisory));
    }
  }
  for (core::Advisory& advisory : update.advisories) {
    // The update's record is the newer one; the previous entries it cannot speak for stay.
    if (auto it = kept.find(advisory.id); it != kept.end()) {
      for (auto& p : it->second.affected) advisory.affected.push_back(std::move(p));
      kept.erase(it);
    }
    builder.add(std::move(advisory));
  }
  for (auto& [id, advisory] : kept) builder.add(std::move(advisory));

  if (update.replaces_kev) {
    for (core::KevEntry& entry : update.kev) builder.add_kev(std::move(entry));
  } else if (previous != nullptr) {
    for (core::KevEntry& entry : previous->decode_kev()) builder.add_kev(std::move(entry));
  }

  if (previous != nullptr) {
    for (SourceInfo& source : previous->sources()) {
      const bool is_kev = source.name == kKevSourceName;
      if (is_kev ? update.replaces_kev : replaced.contains(source.name)) continue;
      builder.set_source_info(std::move(source));
    }
  }
  for (SourceInfo& source : update.sources) builder.set_source_info(std::move(source));
  return builder;
}

}  // namespace fleetpatch::index
