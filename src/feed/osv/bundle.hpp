// The OSV bundle: a snapshot of OSV records shipped as one file (*.jsonl.zst). Format: a zstd
// frame (or several, concatenated) whose content is JSON lines, one OSV record per line,
// stripped to the machine-readable fields. Readers treat each line as a record; empty lines are
// ignored. The format is plain OSV so any tool that reads JSON lines can read it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/result.hpp"
#include "feed/feed_batch.hpp"

namespace fleetpatch::feed::osv {

/// Fields kept by strip_record(). Top level: id, summary, published, modified, withdrawn,
/// aliases, related, upstream, severity, database_specific, affected; in each affected entry:
/// package, ranges, severity, ecosystem_specific, database_specific. Dropped: details,
/// references, credits, affected[].versions (long version lists that no matcher needs).
/// Returns the record as one line of compact JSON, or an error when it is not a JSON object.
core::Result<std::string> strip_record(std::string_view osv_json);

/// Writes `osv_json_records` (in order) stripped, as a zstd-compressed JSON lines bundle at
/// `path`, through a temporary file renamed into place, so a reader never sees half a bundle.
/// An unparsable record fails the whole write, naming its index and id. `level` is the zstd
/// compression level (19 gives about 1.1 MB for the whole AlmaLinux feed).
core::Status write_bundle(const std::vector<std::string>& osv_json_records, const std::string& path,
                          int level = 19);

/// Reads a bundle file. A corrupt or truncated compressed stream is a diagnostic naming the
/// file and the last complete line; the complete lines before it are still read.
core::Result<FeedBatch> read_bundle(const std::string& path, core::Diagnostics& diags);

/// Reads a bundle already in memory (the compressed bytes); `source` names it in diagnostics.
FeedBatch read_bundle_bytes(std::string_view compressed, const std::string& source,
                            core::Diagnostics& diags);

}  // namespace fleetpatch::feed::osv
