// Renderers for scan results (the matcher's HostFindings): the stable JSON document
// "fleetpatch.scan/1" (docs/scan-result.md) and a table for people. They write to a stream the
// caller owns and print nothing themselves.
#pragma once

#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "core/finding.hpp"
#include "policy/risk.hpp"

namespace fleetpatch::report {

inline constexpr std::string_view kScanSchema = "fleetpatch.scan/1";

/// Risk scores of a scan's findings (policy/risk.hpp): one vector per host, parallel to its
/// findings (policy::sort_by_risk gives them). Empty: the renderers show no risk.
using ScanRisk = std::span<const std::vector<policy::RiskBreakdown>>;

struct JsonOptions {
  /// Indented output (2 spaces); else one line.
  bool pretty = true;
  /// Adds "risk" to every finding; must have one vector per host when not empty.
  ScanRisk risk;
  /// With `risk`: adds "risk_breakdown", every factor of the score.
  bool explain = false;
};

/// Writes {"schema": "fleetpatch.scan/1", "hosts": [...]}: hosts in the given order, each with its
/// findings in the matcher's order. Field names are the contract of docs/scan-result.md.
void write_scan_json(std::ostream& out, std::span<const core::HostFindings> hosts,
                     const JsonOptions& options = {});

/// The same as a string.
std::string scan_json(std::span<const core::HostFindings> hosts, const JsonOptions& options = {});

/// "none", "local" or "network", as the JSON writes it.
std::string_view to_string(core::Exposure exposure);

struct TableOptions {
  /// Column limit for the CVE column; longer lists end with "(+N)".
  std::size_t max_cves = 3;
  /// Adds a RISK column (0-100); one vector per host when not empty.
  ScanRisk risk;
  /// With `risk`: a line under each finding with the score's breakdown.
  bool explain = false;
};

/// Per host: a heading with the release and counts by severity, one row per finding (package,
/// installed, fixed version or state, severity, risk when given, advisories, CVEs, KEV due date),
/// then the host's notes. A fleet summary closes a table of several hosts.
void write_scan_table(std::ostream& out, std::span<const core::HostFindings> hosts,
                      const TableOptions& options = {});

}  // namespace fleetpatch::report
