// CISA's Known Exploited Vulnerabilities catalog (https://www.cisa.gov/known-exploited-
// vulnerabilities-catalog), JSON form: {title, catalogVersion, dateReleased, count,
// vulnerabilities: [{cveID, vendorProject, product, dateAdded, dueDate,
// knownRansomwareCampaignUse, ...}]}. Only the fields fleetpatch uses are read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/advisory.hpp"
#include "core/diagnostics.hpp"
#include "core/result.hpp"
#include "feed/feed_batch.hpp"

namespace fleetpatch::feed::kev {

struct KevCatalog {
  std::string title;
  std::string catalog_version;     // "2025.08.25"
  std::string date_released;       // RFC 3339
  std::size_t declared_count = 0;  // the catalog's own "count"; 0 when absent
  std::vector<core::KevEntry> entries;
};

/// Parses a catalog. Not JSON, not an object or no `vulnerabilities` array is an error. An
/// entry without a valid cveID (CVE-YYYY-N...) or with a date that is not YYYY-MM-DD is a
/// diagnostic naming the source and the entry, and is left out; a `count` that disagrees with
/// the entries is a diagnostic. Entries keep the catalog's order.
core::Result<KevCatalog> parse_catalog(std::string_view json, const std::string& source,
                                       core::Diagnostics& diags);

/// True when the start of a JSON text looks like a KEV catalog (it names "catalogVersion" or
/// "vulnerabilities" with "cveID"), for dispatching inputs by content.
bool looks_like_kev(std::string_view head);

/// Reads a catalog file into a batch (kev entries and one SourceInfo with the catalog's version
/// and release date).
core::Result<FeedBatch> read_kev(const std::string& path, core::Diagnostics& diags);

}  // namespace fleetpatch::feed::kev
