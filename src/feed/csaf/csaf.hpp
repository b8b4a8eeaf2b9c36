// CSAF 2.0 documents (https://docs.oasis-open.org/csaf/csaf/v2.0/) as Red Hat and SUSE publish
// them: one document per advisory (RHSA-2023:7207, SUSE-SU-2015:0011-2) or, in the VEX
// profile, one per CVE (Red Hat's CVE-2023-6238.json). Each document becomes one
// core::Advisory:
//
//  - products: every product id named in `vulnerabilities[].product_status` is resolved through
//    `product_tree.relationships` to a (platform, component) pair. The platform's CPE gives the
//    release key (product.hpp, release_for_cpe: unmapped platforms are left out, counted in
//    FeedBatch::skipped_ecosystems by CPE); the component's purl, or its product id when it has
//    none, gives the RPM name, version and module stream (container images, Flatpak builds and
//    other non-RPM content are left out).
//  - states, per product:
//      fixed, first_fixed                         -> kFixed, at the component's version
//      known_affected, first_affected,
//      last_affected, under_investigation         -> by the product's remediation:
//        no_fix_planned "Will not fix"            -> kWillNotFix
//        no_fix_planned "Out of support scope"    -> kWillNotFix (the vendor's reason is not
//                                                    kept: AffectedPackage has no field for it)
//        none_available "Affected" / "Deferred"
//                  / "Fix deferred"               -> kUnfixed (a fix may still come)
//        no remediation (under investigation)     -> kUnfixed
//      known_not_affected                         -> kNotAffected
//      recommended                                -> ignored
//    (Red Hat's wording: security-data-guidelines, docs/csaf-vex.md, "Remediations".)
//  - one entry per (release, package, module): when several products of one release name the
//    same package (rhel-8.9.0.z and rhel-8.10.z, or several CVEs of one RHSA), the most useful
//    statement wins: fixed > unfixed > will-not-fix > not-affected; among fixed versions the
//    highest, except that builds differing only in their module build suffix
//    (".module+el8.6.0+..." and ".module+el8.8.0+...") keep the lowest, as RhelLike does.
//    The matcher would otherwise read a will-not-fix entry as affecting a host already past
//    the fix of the same advisory.
//  - advisory documents list binary RPMs; their source RPM entries (arch "src") are dropped.
//    Per-CVE (VEX) documents name source RPMs ("kernel", fixed ones by the SRPM's NVR) and
//    keep them: the matcher judges every binary of that source by them
//    (distro::Rhel::entry_names_source).
//  - id: `document.tracking.id`; a per-CVE document's "CVE-..." id gets the publisher's
//    prefix ("REDHAT-CVE-2023-6238", "SUSE-CVE-..."), as Ubuntu's "UBUNTU-CVE-..." records do,
//    so that it never collides with another feed's record named after the same CVE.
//  - cves: every `vulnerabilities[].cve`; severity: `document.aggregate_severity.text`, else the
//    highest `threats[category=impact].details` ("Important" -> high); cvss: the highest
//    `scores[].cvss_v3.baseScore` (else cvss_v2); summary: the title without "Red Hat ...
//    Advisory: "; published: `tracking.initial_release_date` for advisories, for per-CVE
//    documents the earliest `vendor_fix` remediation date of a mapped fixed product (when the fix
//    became available), else the initial release date; modified: `current_release_date`.
//    Dates are normalised to RFC 3339 UTC ("...Z").
//  - kind: security (a CSAF document exists because it states vulnerabilities, even when Red
//    Hat ships the fix in an RHBA), after the release family's Distro::refine_advisory.
// Problems (bad JSON, wrong types, a fixed product without a version) are diagnostics naming
// the source and document id; reading goes on with the next document.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/advisory.hpp"
#include "core/diagnostics.hpp"
#include "core/result.hpp"
#include "feed/feed_batch.hpp"

namespace fleetpatch::feed::csaf {

/// True when the start of a JSON text looks like a CSAF document (it names "csaf_version", or
/// "document" together with "product_tree" or "tracking").
bool looks_like_csaf(std::string_view head);

/// True when `path` is a directory whose first *.json file (in directory order, searched
/// recursively) is a CSAF document.
bool is_csaf_directory(const std::string& path);

/// True when `path` is a tar or zip archive (any compression) whose first *.json member is a
/// CSAF document, like Red Hat's csaf_vex_YYYY-MM-DD.tar.zst or SUSE's csaf.tar.bz2.
bool looks_like_csaf_archive(const std::string& path);

/// Reusable document parser (keeps simdjson's buffers). Not thread-safe: one per thread.
class DocumentParser {
 public:
  DocumentParser();
  ~DocumentParser();
  DocumentParser(const DocumentParser&) = delete;
  DocumentParser& operator=(const DocumentParser&) = delete;

  /// Parses one document and appends its advisory (if any) and counts to `batch`.
  void parse(std::string_view json, const std::string& source, FeedBatch& batch,
             core::Diagnostics& diags);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One document to one advisory: nullopt when it is malformed (diagnostics say why) or names
/// no supported release.
std::optional<core::Advisory> parse_document(std::string_view json, const std::string& source,
                                             core::Diagnostics& diags);

/// Reads a CSAF JSON file, a directory tree of them (every *.json, in sorted path order, on
/// several threads), or an archive of them (tar/zip, any compression libarchive reads: Red
/// Hat's .tar.zst, SUSE's .tar.bz2). Advisories sharing an id are kept once
/// (FeedBatch::deduplicate). An unreadable path is an error; problems inside are diagnostics.
core::Result<FeedBatch> read_path(const std::string& path, core::Diagnostics& diags);

}  // namespace fleetpatch::feed::csaf
