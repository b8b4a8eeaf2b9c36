// OSV (https://ossf.github.io/osv-schema/) as the distributions publish it: one JSON record per
// advisory, shipped as single files, directory trees, osv.dev's per-ecosystem all.zip, or our
// own compact bundle (bundle.hpp). Records become core::Advisory values:
//  - the release of each affected entry comes from the distro table (an ecosystem no family
//    claims is left out; a record with no claimed ecosystem is skipped and counted by
//    ecosystem, not reported as an error);
//  - events of the ECOSYSTEM ranges are kept in order; an entry with a `fixed` event is
//    kFixed, one without is kUnfixed;
//  - CVEs come from `aliases`, `related`, `upstream` and the record's own id, each either a
//    CVE id or a vendor's per-CVE record id ("UBUNTU-CVE-2024-51988" names CVE-2024-51988:
//    Ubuntu's USNs list those in `upstream`);
//  - severity: the highest vendor word found in `severity` entries of type "Ubuntu",
//    `database_specific`/`ecosystem_specific` "severity", "ubuntu_priority" and "urgency";
//    the CVSS v3 (else v2) base score computed from the `severity` vectors; with no vendor
//    word, severity follows the score bands (9.0 critical, 7.0 high, 4.0 medium, else low);
//  - for families whose advisories name binary packages, an entry's
//    `ecosystem_specific.binaries` (SUSE: objects binary -> version; Ubuntu: binary_name /
//    binary_version) adds one fixed entry per binary;
//  - identical entries are merged, then the family's Distro::refine_advisory runs.
// Problems in one record (bad JSON, missing id, wrong types) go to core::Diagnostics naming the
// source and record id; the record is dropped and reading goes on.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/advisory.hpp"
#include "core/diagnostics.hpp"
#include "core/result.hpp"
#include "feed/feed_batch.hpp"

namespace fleetpatch::feed::osv {

/// Reusable OSV record parser: keeps its parsing buffers between records, which matters when
/// reading thousands of files. Not thread-safe: one per thread.
class RecordParser {
 public:
  RecordParser();
  ~RecordParser();
  RecordParser(const RecordParser&) = delete;
  RecordParser& operator=(const RecordParser&) = delete;

  /// Parses one record and appends its advisory (if any) and counts to `batch`. `source`
  /// names the input in diagnostics ("dir/ALSA-2022:5003.json", "all.zip!ALSA-....json").
  /// `line` is the 1-based line for line-oriented inputs (bundles), 0 otherwise.
  void parse(std::string_view json, const std::string& source, std::size_t line, FeedBatch& batch,
             core::Diagnostics& diags);

  /// The same, for input that already has simdjson's padding (64 readable bytes past
  /// `json.size()`, up to `capacity`): avoids a copy.
  void parse_padded(std::string_view json, std::size_t capacity, const std::string& source,
                    std::size_t line, FeedBatch& batch, core::Diagnostics& diags);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One record to one advisory: nullopt when the record is malformed (diagnostics say why),
/// withdrawn, or names no supported ecosystem.
std::optional<core::Advisory> parse_record(std::string_view json, const std::string& source,
                                           core::Diagnostics& diags);

/// Reads a path: a single OSV JSON file, a directory (recursively: *.json records, *.zip
/// archives and *.jsonl.zst bundles, in sorted path order), a zip archive of records (members
/// not ending in ".json" are ignored), or a bundle. Records sharing an id are kept once
/// (FeedBatch::deduplicate). An unreadable or unrecognised path is an
/// error; problems inside it (bad records, a truncated archive) are diagnostics.
core::Result<FeedBatch> read_path(const std::string& path, core::Diagnostics& diags);

/// Reads every record of a zip (or other libarchive-readable) archive.
core::Result<FeedBatch> read_zip(const std::string& path, core::Diagnostics& diags);

}  // namespace fleetpatch::feed::osv
