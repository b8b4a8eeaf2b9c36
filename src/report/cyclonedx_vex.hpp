// CycloneDX 1.5 VEX rendering of a compliance report: which installed packages on which hosts
// are affected by which vulnerabilities, and what is being done about each. Validated against
// the published CycloneDX 1.5 schema by the report_formats test (tests/js/validate.mjs).
//
// Mapping (docs/compliance-report.md "CycloneDX VEX"):
//   components        one "device" per host (tags and OS as properties) holding one "library"
//                     per installed package version that has a finding
//   vulnerabilities   one per (CVE, status, analysis): a finding naming three CVEs appears under
//                     each; a finding without CVE is filed under its advisory id. `affects`
//                     lists the package components, `ratings` the severity (and CVSS)
//   analysis          open / due-soon / overdue: exploitable, response update (a fix exists),
//                     will_not_fix or can_not_fix (none released); excepted (risk accepted):
//                     exploitable, response will_not_fix, detail = the exception's justification;
//                     mitigated: not_affected, justification protected_at_runtime (a kernel
//                     livepatch) or protected_by_mitigating_control (a mitigation record)
//   properties        "fleetpatch:*": status, policy, earliest deadline, advisories
// Findings that history shows fixed are left out: the document describes the fleet at as_of.
// The serial number is derived from the content, so the same report gives the same document.
#pragma once

#include <ostream>
#include <string>

#include "report/compliance_report.hpp"

namespace fleetpatch::report {

struct VexOptions {
  std::string tool_version;  // fleetpatch's version, e.g. "0.1.0"
  bool pretty = true;
};

/// Writes the CycloneDX 1.5 JSON document (its `findings`; the fix-first list when the report
/// was built without findings).
void write_compliance_vex(std::ostream& out, const ComplianceReport& report,
                          const VexOptions& options);

}  // namespace fleetpatch::report
