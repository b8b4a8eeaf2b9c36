// How one `feed import` changes the index: the releases (and the KEV catalog) it brings replace
// what the previous index held for them; everything else is carried over. The previous index is
// decoded back into feed values for that, so no raw feed files need to be kept
// (docs/index-format.md, "Imports").
#pragma once

#include <string>
#include <vector>

#include "core/advisory.hpp"
#include "index/index.hpp"

namespace fleetpatch::index {

/// Source name of the KEV catalog in SourceInfo; advisory sources are named by release key.
inline constexpr std::string_view kKevSourceName = "cisa-kev";

/// What one import brings.
struct IndexUpdate {
  std::vector<core::Advisory> advisories;
  std::vector<core::KevEntry> kev;
  /// Every release key the update covers: the previous index's entries for these are dropped,
  /// even where the update has no advisory for a package any more (a withdrawn advisory goes).
  std::vector<std::string> releases;
  /// The update carries a KEV catalog, which replaces the previous one whole.
  bool replaces_kev = false;
  /// Source records for what the update replaces (named by release key, or kKevSourceName).
  std::vector<SourceInfo> sources;
};

/// The builder of the next index: `previous` (may be null: first import) minus what `update`
/// replaces, plus `update`. An advisory id present in both keeps the previous entries for
/// releases the update does not cover, next to the update's entries.
IndexBuilder apply_update(const Index* previous, IndexUpdate update);

}  // namespace fleetpatch::index
