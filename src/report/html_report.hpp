// The compliance report as one self-contained HTML file: inline CSS, inline SVG charts
// (svg_chart.hpp), no external fetch of any kind, and one short inline script that only opens
// the collapsed per-host sections before printing. It reads on screen and on paper (print CSS:
// no navigation, tables that break between rows, repeated table headers).
//
// Sections: summary (hosts compliant, overdue, due soon, open, mitigated, excepted, by severity),
// charts (findings by age against the deadline, by severity and status, burn-down when history
// exists), the fix-first list, per-host and per-CVE views, exceptions expiring and all exception
// records, time to fix, version sprawl, each host's findings, notes.
//
// Machine-checkable numbers: every summary number is an element with a data-metric attribute
// named like the JSON report's summary field (`<span data-metric="overdue">97</span>`; by
// severity "by_severity.high.overdue"), so a test can compare the rendered page with the JSON.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include "report/compliance_report.hpp"

namespace fleetpatch::report {

struct HtmlOptions {
  std::string tool_version;             // fleetpatch's version, shown in the footer
  std::size_t max_table_rows = 500;     // per-host, per-CVE and sprawl tables (the rest counted)
  std::size_t max_finding_rows = 2000;  // the per-host findings section (the rest counted)
  std::size_t max_hosts_listed = 12;    // hosts named per version in the sprawl table
};

/// Writes the HTML document of `report`.
void write_compliance_html(std::ostream& out, const ComplianceReport& report,
                           const HtmlOptions& options);

}  // namespace fleetpatch::report
