// What one import produces: advisories and KEV entries from any number of inputs, with the
// counts `feed status` shows. Feeds are pure: bytes in, core values out (no network here).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/advisory.hpp"

namespace fleetpatch::feed {

/// One input that was read, for `feed status`.
struct SourceInfo {
  std::string path;
  std::string format;        // "osv-json", "osv-directory", "osv-zip", "osv-bundle", "kev"
  std::string version;       // KEV catalogVersion; "" for OSV
  std::string date;          // KEV dateReleased; for OSV the newest record's `modified`
  std::size_t records = 0;   // records read, errors and skipped ones included
  std::size_t accepted = 0;  // advisories or KEV entries produced
};

/// The result of reading feed inputs. Records with problems are named in the caller's
/// core::Diagnostics; they are left out here and the rest is kept.
struct FeedBatch {
  std::vector<core::Advisory> advisories;
  std::vector<core::KevEntry> kev;
  /// Advisories per release key ("almalinux:9"); an advisory naming two releases counts twice.
  std::map<std::string, std::size_t> advisories_per_release;
  /// Records skipped because none of their ecosystems maps to a supported release, by
  /// ecosystem ("PyPI", "Red Hat:..."); "" = the record named no package at all.
  std::map<std::string, std::size_t> skipped_ecosystems;
  /// Records marked `withdrawn` by their publisher, left out.
  std::size_t withdrawn = 0;
  /// Records dropped by deduplicate() because another record had the same id (AlmaLinux
  /// ships an advisory covering two releases once in each release's folder).
  std::size_t duplicates = 0;
  std::vector<SourceInfo> sources;

  /// Appends another batch (advisories and KEV entries in order, counts summed).
  void merge(FeedBatch other);

  /// Keeps one advisory per id, at the position of its first occurrence: the one with the
  /// newest `modified` (on a tie the first read), with the affected entries of the others that
  /// had the same `modified` added, so nothing a publisher split over two files is lost.
  /// Recomputes advisories_per_release and counts the dropped records in `duplicates`. KEV
  /// entries are deduplicated by CVE (the later catalog wins).
  void deduplicate();
};

}  // namespace fleetpatch::feed
