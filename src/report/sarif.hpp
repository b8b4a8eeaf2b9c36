// SARIF 2.1.0 (OASIS) rendering of a compliance report, for code-scanning dashboards and any tool
// that reads static-analysis results. Validated against the published schema by the
// report_formats test (tests/js/validate.mjs).
//
// Mapping (docs/compliance-report.md "SARIF"):
//   run            one; tool.driver "fleetpatch"; run.properties hold the policy, as_of and summary
//   rule           one per advisory (the finding's first advisory, else its first CVE): the
//                  CVEs, the highest severity and "security-severity" (highest CVSS, else
//                  critical 9.5 / high 8.0 / medium 5.5 / low 2.0 / unknown 5.0)
//   result         one per finding still present (fixed findings are left out), in report order
//     level        overdue: error; due-soon: warning; open, mitigated, excepted: note
//     rank         the risk score (0-100)
//     location     artifact "hosts/<host id>/packages/<package>" (percent-encoded) and the
//                  logical location "<hostname>/<package>"
//     suppressions excepted: {kind external, status accepted, justification}; mitigated: the
//                  same with the mitigation's justification (or the livepatch that covers it)
//     properties   status, deadline and its reason, versions, CVEs, advisories, KEV due date,
//                  exception id, risk score
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "report/compliance_report.hpp"

namespace fleetpatch::report {

inline constexpr std::string_view kSarifSchemaUri =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

struct SarifOptions {
  std::string tool_version;  // fleetpatch's version, e.g. "0.1.0"
  bool pretty = true;
};

/// Writes the SARIF log of `report` (its `findings`; with findings_included false, only the
/// fix-first list is available and is what gets written).
void write_compliance_sarif(std::ostream& out, const ComplianceReport& report,
                            const SarifOptions& options);

}  // namespace fleetpatch::report
