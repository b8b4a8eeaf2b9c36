// How one `feed import` changes the index: the sources it brings — a feed kind for a release,
// "osv:almalinux:9", "debian-tracker:debian:12" — and the KEV catalog replace what the previous
// index held from those same sources; everything else (other releases, and other feeds for the
// same release) is carried over. The previous index is
// decoded back into feed values for that, so no raw feed files need to be kept
// (docs/index-format.md, "Imports").
#pragma once

#include <string>
#include <vector>

#include "core/advisory.hpp"
#include "index/index.hpp"

namespace fleetpatch::index {

/// Source name of the KEV catalog in SourceInfo; advisory sources are named by source_key().
inline constexpr std::string_view kKevSourceName = "cisa-kev";

/// The source an affected entry belongs to: "<origin>:<release>" ("dsa-list:debian:12"), or
/// the bare release key when the origin is unknown.
std::string source_key(std::string_view origin, std::string_view release);

/// What one import brings.
struct IndexUpdate {
  std::vector<core::Advisory> advisories;
  std::vector<core::KevEntry> kev;
  /// Every source key (source_key()) the update covers: the previous index's entries from these
  /// sources are dropped, even where the update has no advisory for a package any more (a
  /// withdrawn advisory goes). Entries of other sources for the same release stay.
  std::vector<std::string> replaced_sources;
  /// The update carries a KEV catalog, which replaces the previous one whole.
  bool replaces_kev = false;
  /// Source records for what the update replaces (named by source key, or kKevSourceName).
  std::vector<SourceInfo> sources;
};

/// The builder of the next index: `previous` (may be null: first import) minus what `update`
/// replaces, plus `update`. An advisory id present in both keeps the previous entries of
/// sources the update does not cover, next to the update's entries.
IndexBuilder apply_update(const Index* previous, IndexUpdate update);

}  // namespace fleetpatch::index
