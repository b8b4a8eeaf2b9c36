// FIRST's Exploit Prediction Scoring System scores (https://www.first.org/epss/data_stats), the
// daily CSV "epss_scores-YYYY-MM-DD.csv.gz", gzip-compressed or plain:
//
//   #model_version:v2023.03.01,score_date:2023-03-06T00:00:00+0000
//   cve,epss,percentile
//   CVE-1999-0001,0.01009,0.82744
//
// Comment lines start with '#'; the one naming model_version and score_date is kept. The header
// row names the columns (any order; cve and epss are required, percentile optional). fleetpatch
// keeps the imported scores in <data-dir>/epss.csv in this same format (write_csv), and the
// compliance report reads them for its risk score (docs/policy.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/result.hpp"

namespace fleetpatch::feed::epss {

struct EpssRow {
  std::string cve;
  double epss = 0;        // [0, 1]
  double percentile = 0;  // [0, 1]
};

struct EpssData {
  std::string model_version;  // "v2023.03.01"; empty when the file does not say
  std::string score_date;     // as the file gives it ("2023-03-06T00:00:00+0000")
  std::vector<EpssRow> rows;  // in file order
};

/// Parses the CSV text. No header row naming "cve" and "epss" is an error; a malformed row (bad
/// CVE id, a score outside [0, 1], missing columns) is a diagnostic "SOURCE:LINE: ..." and is
/// left out.
core::Result<EpssData> parse_csv(std::string_view text, std::string_view source,
                                 core::Diagnostics& diags);

/// True when the start of a (decompressed) text looks like an EPSS CSV: a "#model_version"
/// comment or a "cve,epss" header first.
bool looks_like_epss(std::string_view head);

/// Decompresses gzip data (any member count); plain text is returned as is.
core::Result<std::string> maybe_gunzip(std::string_view bytes, std::string_view source);

/// Reads a plain or gzip-compressed EPSS CSV file.
core::Result<EpssData> read_file(const std::string& path, core::Diagnostics& diags);

/// True when the file at `path` is an EPSS CSV (plain or gzip); false when it is not or cannot
/// be read (the caller's normal reading reports that).
bool is_epss_file(const std::string& path);

/// The data as a plain EPSS CSV (the stored form), rows sorted by CVE.
std::string write_csv(const EpssData& data);

}  // namespace fleetpatch::feed::epss
