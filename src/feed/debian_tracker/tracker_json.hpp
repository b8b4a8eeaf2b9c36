// The Debian security tracker's all-releases JSON (https://security-tracker.debian.org/tracker/
// data/json, about 70 MB), one object per source package, then per issue, then per release:
//
//   {"openssl": {"CVE-2023-0286": {"description": "...", "scope": "remote", "debianbug": 1,
//       "releases": {"bookworm": {"status": "resolved", "fixed_version": "3.0.8-1",
//                                 "urgency": "high", "repositories": {"bookworm": "3.0.11-1"}},
//                    "bullseye": {"status": "open", "urgency": "low", "nodsa": "Minor issue",
//                                 "nodsa_reason": "postponed", "repositories": {...}}}}}}
//
// Every issue becomes one core::Advisory with id "DEBIAN-" + the tracker's id
// ("DEBIAN-CVE-2023-0286", "DEBIAN-TEMP-0000000-ABCDEF", the ids osv.dev gives Debian's per-CVE
// records), its CVE (none for TEMP ids) and the description as summary; every (package,
// release) an entry naming the source package, release key from the codename
// (distro::debian_release_for_codename; "sid" and other unnumbered suites are skipped):
//   - resolved, fixed_version "0": kNotAffected (the tracker's "never vulnerable");
//   - resolved, fixed_version V: kFixed in V (events introduced "0", fixed V);
//   - open: kUnfixed, except kWillNotFix when nodsa_reason is "ignored" or urgency is
//     "end-of-life". The tracker's documentation (https://security-team.debian.org/
//     security_tracker.html, "Issues not warranting a security advisory") defines <ignored> as
//     "no updates will be provided" and <postponed> as an issue that "deserves an update via a
//     security advisory" but not one of its own, "also used if a fix is already queued up for a
//     future security advisory": a fix is expected, so postponed (and a plain no-dsa) stays
//     unfixed. "end-of-life" means security support for the package ended in that release (the
//     summary gets a note naming the package and releases);
//   - undetermined: kUnfixed (the documentation uses it when it is "abundantly clear" the
//     package is affected but nobody researched it yet).
// Severity: the highest urgency among the releases (unimportant/low/medium/high; a trailing
// "*" the tracker adds to guesses from NVD is dropped; "not yet assigned" and "end-of-life"
// are not severities); vendor_severity keeps the word. The tracker gives no dates: published
// and modified stay empty.
//
// The advisory id is prefixed so that a Debian per-CVE advisory never shares an id with another
// vendor's per-CVE record (Alpine OSV, Red Hat VEX): FeedBatch::deduplicate keeps one record per
// id, so a bare CVE id would let one vendor's record replace another's.
//
// Problems inside the document (a field of the wrong type, an unknown status, an invalid
// version) are diagnostics naming the issue, and only that entry is skipped. A document that is
// not JSON, or not an object, is an error.
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

/// Prefix of the advisory ids this reader makes.
inline constexpr std::string_view kTrackerIdPrefix = "DEBIAN-";

/// What one document held.
struct TrackerStats {
  std::size_t packages = 0;          // source packages
  std::size_t issues = 0;            // (package, issue) pairs
  std::size_t entries = 0;           // entries kept
  std::size_t skipped_releases = 0;  // (package, issue, release) for sid and other suites
};

/// Parses a document. `json` must be followed by simdjson's padding: readable bytes up to
/// `capacity` >= json.size() + 64 (feed::read_file gives that), so that 70 MB are not copied.
core::Result<std::vector<core::Advisory>> parse_tracker_json_padded(std::string_view json,
                                                                    std::size_t capacity,
                                                                    const std::string& source,
                                                                    core::Diagnostics& diags,
                                                                    TrackerStats* stats = nullptr);

/// The same for any input (copies it once into a padded buffer).
core::Result<std::vector<core::Advisory>> parse_tracker_json(std::string_view json,
                                                             const std::string& source,
                                                             core::Diagnostics& diags,
                                                             TrackerStats* stats = nullptr);

/// True when the start of a JSON text looks like the tracker document (a package object whose
/// issues have "releases" with "status" and "urgency").
bool looks_like_tracker_json(std::string_view head);

/// Reads the document into a batch (format "debian-tracker-json"; records = issues).
core::Result<FeedBatch> read_tracker_json(const std::string& path, core::Diagnostics& diags);

}  // namespace fleetpatch::feed::debian_tracker
