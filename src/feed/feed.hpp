// Entry point of the feed layer: read any mix of inputs, recognised by content, into one batch.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/result.hpp"
#include "feed/feed_batch.hpp"

namespace fleetpatch::feed {

/// What an input holds.
enum class InputKind {
  kOsvDirectory,          // a directory tree of OSV records (and archives/bundles inside it)
  kOsvZip,                // a zip archive of OSV records, like osv.dev's per-ecosystem all.zip,
                          // or a compressed tarball of them (Canonical's osv-all.tar.xz)
  kOsvBundle,             // a zstd-compressed JSON lines bundle (osv/bundle.hpp)
  kKev,                   // CISA's KEV catalog JSON, plain or zstd-compressed
  kOsvJson,               // one OSV record
  kCsaf,                  // one CSAF document (Red Hat/SUSE advisory or per-CVE VEX)
  kCsafDirectory,         // a directory tree of CSAF documents
  kCsafArchive,           // a tar/zip archive of CSAF documents (Red Hat .tar.zst, SUSE .tar.bz2)
  kDebianTrackerJson,     // the Debian security tracker's all-releases JSON
  kDebianAdvisoryList,    // the tracker's DSA/list, DLA/list or DTSA/list text
  kAlpineSecdb,           // one Alpine secdb document (JSON or the older YAML)
  kAlpineSecdbDirectory,  // a directory tree of Alpine secdb documents
};

/// Recognises an input by its content (directory, zip and zstd magic bytes, the KEV catalog's
/// field names, the Debian tracker's and Alpine secdb's fields, a DSA/DLA list header), not by
/// its name; a zstd file by what it decompresses to (a KEV catalog, else an OSV bundle). Errors
/// when the path cannot be read, and for a zstd-compressed document of another format (read
/// only uncompressed).
core::Result<InputKind> detect(const std::string& path);

/// The origin word (core::AffectedPackage::origin) of entries read from this kind of input:
/// "osv", "csaf", "debian-tracker", "dsa-list" (read_paths refines it to "dla-list" or
/// "dtsa-list" by the advisory id), "alpine-secdb"; "kev" for the KEV catalog.
std::string_view origin_of(InputKind kind);

/// Reads every path and merges the results in the order given, one advisory per id and one
/// KEV entry per CVE (FeedBatch::deduplicate). Every affected entry gets its origin. A path that
/// cannot be read is an error (the caller keeps its previous index); problems inside inputs are
/// diagnostics.
core::Result<FeedBatch> read_paths(const std::vector<std::string>& paths, core::Diagnostics& diags);

}  // namespace fleetpatch::feed
