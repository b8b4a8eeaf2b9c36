// The EPSS scores `feed import` stores for the compliance report: <data-dir>/epss.csv, FIRST's
// CSV format (plain, sorted by CVE), kept apart from the advisory index (docs/policy.md "EPSS
// scores"). Each import replaces it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "core/result.hpp"
#include "policy/risk.hpp"

namespace fleetpatch::cli {

/// <data-dir>/epss.csv.
std::string epss_store_path(const Context& ctx);

/// Imports every EPSS CSV among `paths` (recognised by content, plain or gzip) into the store
/// and returns the other paths in `rest`. Prints what it stored; returns an exit code.
int import_epss_files(Context& ctx, const std::vector<std::string>& paths,
                      std::vector<std::string>& rest);

/// The EPSS scores for the risk score (`scan`, `report`): the CSV at `path` (plain or gzip) when
/// given, else the stored scores when `feed import` stored some, else nullopt. Bad rows are a
/// warning on ctx.err; an unreadable file is an error. `model` gets "EPSS v2023.03.01
/// (2023-03-06)" (or "" without scores).
core::Result<std::optional<policy::EpssScores>> load_epss_scores(const Context& ctx,
                                                                 const std::string& path,
                                                                 std::string* model = nullptr);

}  // namespace fleetpatch::cli
