// The Debian security tracker's advisory lists: data/DSA/list (Debian Security Advisories),
// data/DLA/list (Debian LTS Advisories) and data/DTSA/list (testing), plain text in the tracker
// repository (https://salsa.debian.org/security-tracker-team/security-tracker, format described
// in https://security-team.debian.org/security_tracker.html, "The DSA list"):
//
//   [29 Mar 2023] DSA-5380-1 xorg-server - security update
//           {CVE-2023-1393}
//           [bullseye] - xorg-server 2:1.20.11-1+deb11u6
//           [buster] - xorg-server <not-affected> (Vulnerable code not present)
//           NOTE: fixed in testing at time of DSA
//
// Each header becomes one core::Advisory: id "DSA-5380-1", published = the header date
// (00:00 UTC), summary = the rest of the header, CVEs from the {...} lines. Each
// "[codename] - package what" line becomes an entry for that release (codenames through
// distro::debian_release_for_codename) naming the source package:
//   - a version: kFixed in it (events introduced "0", fixed VERSION);
//   - <not-affected>: kNotAffected (suppresses the advisory for that package and release);
//   - <end-of-life> and <ignored>: kWillNotFix (the security team stopped supporting the
//     package there / decided no update will be issued);
//   - <unfixed>, <no-dsa>, <postponed>, <undetermined>: kUnfixed (affected, no fix published);
//   - <removed>, <itp>: no entry (the package is not in that release).
// A "(...)" after it is a note; a severity word in it (low, medium, high, unimportant) sets the
// advisory's severity (old entries carry one; the lists otherwise have none). Lines for "sid"
// or "experimental" (no release key) are skipped and counted. "NOTE:" and "TODO:" lines are
// comments (a "NOTE: [etch] - clamav <end-of-life>" line is an annotation, not an entry).
// Headers whose advisory names no package (announcements like "DSA-4205-1 jessie end-of-life")
// still give an advisory, without entries, so that a list imports whole.
//
// Problems (an unparsable header, date, CVE id, version or line) go to core::Diagnostics with
// the file and 1-based line; the line is skipped (a bad header skips its whole block).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/advisory.hpp"
#include "core/diagnostics.hpp"
#include "core/result.hpp"
#include "feed/feed_batch.hpp"

namespace fleetpatch::feed::debian_tracker {

/// What a list held besides its advisories.
struct ListStats {
  std::size_t headers = 0;           // advisory headers seen, bad ones included
  std::size_t entries = 0;           // package entries kept
  std::size_t skipped_releases = 0;  // entries for sid/experimental
  std::size_t without_entries = 0;   // advisories naming no package (announcements)
};

/// Parses a DSA/DLA/DTSA list. `source` names the input in diagnostics.
std::vector<core::Advisory> parse_advisory_list(std::string_view text, const std::string& source,
                                                core::Diagnostics& diags,
                                                ListStats* stats = nullptr);

/// True when a text starts like an advisory list: its first non-empty line is a header
/// "[DD Mon YYYY] DSA-..." (or DLA-, DTSA-).
bool looks_like_advisory_list(std::string_view head);

/// Reads a list file into a batch (format "debian-dsa-list"; records = headers).
core::Result<FeedBatch> read_advisory_list(const std::string& path, core::Diagnostics& diags);

}  // namespace fleetpatch::feed::debian_tracker
