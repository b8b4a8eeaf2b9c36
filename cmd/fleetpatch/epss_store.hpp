// The EPSS scores `feed import` stores for the compliance report: <data-dir>/epss.csv, FIRST's
// CSV format (plain, sorted by CVE), kept apart from the advisory index (docs/policy.md "EPSS
// scores"). Each import replaces it.
#pragma once

#include <string>
#include <vector>

#include "context.hpp"

namespace fleetpatch::cli {

/// <data-dir>/epss.csv.
std::string epss_store_path(const Context& ctx);

/// Imports every EPSS CSV among `paths` (recognised by content, plain or gzip) into the store
/// and returns the other paths in `rest`. Prints what it stored; returns an exit code.
int import_epss_files(Context& ctx, const std::vector<std::string>& paths,
                      std::vector<std::string>& rest);

}  // namespace fleetpatch::cli
