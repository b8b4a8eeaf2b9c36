// Alpine's security database (secdb): per release and repository, the fixes each source package
// (aport) received, as listed in its APKBUILD's "secfixes" comment. Two shapes:
//  - JSON, as https://secdb.alpinelinux.org/ publishes it (v3.19/main.json, ...):
//      {"apkurl": ..., "archs": [...], "reponame": "main", "urlprefix": ...,
//       "distroversion": "v3.19",
//       "packages": [{"pkg": {"name": "openssl", "secfixes": {"3.1.4-r1": ["CVE-2023-5678"],
//                                                              "0": ["CVE-2022-1234"]}}}]}
//  - the older YAML of the deprecated alpinelinux/alpine-secdb repository (v3.x/main.yaml), the
//    same fields in YAML. Only that fixed shape is read (a small line reader, not a general YAML
//    parser): top-level "key: value" lines, and under "packages:" items "- pkg:" with "name:",
//    "secfixes:", version keys and "- id" lists; comments and odd indentation are tolerated.
//
// Every vulnerability of a document becomes one core::Advisory "ALPINE-" + its id
// ("ALPINE-CVE-2023-5678"; the prefix keeps an Alpine record from sharing an id with another
// vendor's per-CVE record, see FeedBatch::deduplicate) with one entry per package naming the
// source package, release key from distroversion through the distro table ("v3.19" ->
// "alpine:3.19"):
//   - a version key: kFixed in that version (events introduced "0", fixed VERSION);
//   - key "0": kNotAffected: Alpine's convention for "this package was never affected".
// "edge" (the development branch) has no release key: its documents give no advisories.
// An entry string names its vulnerability by its first CVE id; entries as maintainers write
// them are accepted: "CVE-2017-14450 TALOS-2017-0499" (CVE plus reference), "CVE_2019-2426",
// "CVE-2017-17434-1" and "CVE-2017-8073.patch" (the CVE id with something glued on), "CVE
// 2018-16859"; an entry with no CVE id is named by its first other id ("XSA-207",
// "wnpa-sec-2017-18", "CVE-????-????? XSA-295" -> "XSA-295") and has no CVE. Secdb gives no
// severities or dates. A version key that is not an apk version ("4.8.0.-r1", "2.7.16-33": typos
// in the older repository) is reported and its fixes left out: guessing the intended version
// could mark a vulnerable package fixed.
//
// Problems (a field of the wrong type, an invalid version key, an entry without any id, a YAML
// line that fits nothing) are diagnostics naming the file, line (YAML) and package; that part is
// skipped. JSON that does not parse, or a document that is not an object, is an error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/advisory.hpp"
#include "core/diagnostics.hpp"
#include "core/result.hpp"
#include "feed/feed_batch.hpp"

namespace fleetpatch::feed::alpine_secdb {

/// Prefix of the advisory ids this reader makes.
inline constexpr std::string_view kSecdbIdPrefix = "ALPINE-";

/// What one document held.
struct SecdbStats {
  std::string distroversion;  // "v3.19", "edge"
  std::string reponame;       // "main", "community"
  std::size_t packages = 0;
  std::size_t fixes = 0;    // (package, version key) pairs
  std::size_t entries = 0;  // affected entries made
};

/// Parses a JSON document (as secdb.alpinelinux.org publishes it).
core::Result<std::vector<core::Advisory>> parse_secdb_json(std::string_view json,
                                                           const std::string& source,
                                                           core::Diagnostics& diags,
                                                           SecdbStats* stats = nullptr);

/// Parses a YAML document of the older alpine-secdb repository.
core::Result<std::vector<core::Advisory>> parse_secdb_yaml(std::string_view yaml,
                                                           const std::string& source,
                                                           core::Diagnostics& diags,
                                                           SecdbStats* stats = nullptr);

/// True when a text starts like a JSON secdb document (names "distroversion" and "packages"
/// or "secfixes").
bool looks_like_secdb_json(std::string_view head);
/// True when a text starts like a YAML secdb document.
bool looks_like_secdb_yaml(std::string_view head);

/// Reads a secdb file (JSON or YAML, told apart by content) or a directory tree of them
/// (*.json and *.yaml files, in sorted path order, read on several threads). Advisories of the
/// same id from several documents (one CVE fixed in main of v3.18 and v3.19) are merged into
/// one. Format "alpine-secdb"; one SourceInfo per document. An unreadable or unrecognised single
/// file is an error; inside a directory it is a diagnostic.
core::Result<FeedBatch> read_secdb(const std::string& path, core::Diagnostics& diags);

/// True when `path` is a directory holding secdb documents (its first few *.json/*.yaml
/// files, searched recursively, look like secdb).
bool is_secdb_directory(const std::string& path);

}  // namespace fleetpatch::feed::alpine_secdb
