// Debian changelogs (debian/changelog, shipped as usr/share/doc/<pkg>/changelog.Debian.gz;
// format: Debian Policy 4.4) and the advisory the entries of one upgrade make.
//
//   openssl (3.0.15-1~deb12u1) bookworm-security; urgency=medium
//
//     * New upstream release, fixing CVE-2024-5535 and CVE-2024-9143.
//
//    -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Sun, 03 Nov 2024 22:21:41 +0100
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/advisory.hpp"
#include "core/diagnostics.hpp"
#include "core/result.hpp"

namespace fleetpatch::feed::apt_changelog {

struct ChangelogEntry {
  std::string package;
  std::string version;
  std::string distributions;      // "bookworm-security"
  std::string urgency;            // "medium", lower case; "" when the header has none
  std::string date;               // the trailer's date as RFC 3339 UTC; "" when unreadable
  std::vector<std::string> cves;  // CVE ids named in the entry's change lines, sorted, unique
  std::size_t line = 0;           // 1-based line of the header
};

/// Parses entries from the top. Parsing stops, without a diagnostic, at the first line that
/// fits no entry (very old changelogs end in free-form history); only the entries above it
/// matter for recent upgrades. An entry whose header or trailer is malformed is a diagnostic
/// and is skipped; a text with no entry at all is one diagnostic.
std::vector<ChangelogEntry> parse_changelog(std::string_view text, const std::string& source,
                                            core::Diagnostics& diags);

/// Entries with `after` < version <= `up_to` (dpkg ordering), in changelog order. An entry
/// whose version does not parse is left out.
std::vector<ChangelogEntry> entries_between(const std::vector<ChangelogEntry>& entries,
                                            std::string_view after, std::string_view up_to);

/// "Tue, 01 Oct 2024 12:00:00 +0200" (RFC 2822, as dpkg writes it) -> "2024-10-01T10:00:00Z";
/// "" when it does not parse.
std::string rfc2822_to_rfc3339(std::string_view date);

/// The sorted, unique CVE ids ("CVE-2024-5535") that a text names.
std::vector<std::string> find_cves(std::string_view text);

/// Severity of a Debian urgency: low -> low, medium -> medium, high -> high, emergency and
/// critical -> critical, anything else unknown.
core::Severity severity_from_urgency(std::string_view urgency);

/// The advisory for upgrading source package `source` from `installed_version` to
/// `candidate_version` on release `release_key`, made of `entries` (entries_between):
///  - id "APT-<source>-<candidate version>";
///  - one affected entry (release, source, fixed at the candidate version): Debian and Ubuntu
///    advisories name source packages;
///  - cves: every CVE the entries name;
///  - published (when the fix became available from the mirror): the date of the newest
///    entry (the candidate's own), so that an SLA clock does not start before the upload the
///    host can actually install; modified the same;
///  - severity: the highest urgency of the entries, the word kept as vendor_severity;
///  - summary: "<source> <candidate version> (<suite>): <first change line>".
core::Advisory make_advisory(const std::string& release_key, const std::string& source,
                             const std::string& candidate_version, const std::string& suite,
                             const std::vector<ChangelogEntry>& entries,
                             std::string_view first_change = {});

/// The first change line ("* New upstream release, ...") of the entry at `line` in `text`.
std::string first_change_line(std::string_view text, std::size_t line);

/// Decompresses gzip data (changelog.Debian.gz). Errors on corrupt input or beyond
/// `max_size` bytes of output.
core::Result<std::string> gunzip(std::string_view data, std::size_t max_size = 64u << 20);

}  // namespace fleetpatch::feed::apt_changelog
