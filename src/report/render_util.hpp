// Small pieces shared by the SARIF, CycloneDX VEX and HTML renderers of the compliance report, so
// that the three say the same thing the same way (dates, status phrases, the identifier a
// finding is filed under). Internal to src/report.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "report/compliance_report.hpp"

namespace fleetpatch::report::detail {

/// "2026-11-26" (UTC date of a time point).
std::string date_only(core::TimePoint t);

/// The identifier a finding is filed under: its first advisory, else its first CVE, else
/// "package@installed_version" (never empty).
std::string finding_id(const ComplianceFinding& f);

/// The CVEs and advisories of a finding as one list without repeats: CVEs first.
std::vector<std::string> finding_ids(const ComplianceFinding& f);

/// "overdue by 12 days (deadline 2026-11-14)", "due in 3 days (deadline ...)", "due 2027-01-01",
/// "no deadline", "mitigated by EX-2", "excepted by EX-1", "fixed 2026-11-01".
std::string status_phrase(const ComplianceFinding& f);

/// RFC 3986 percent-encoding of everything but unreserved characters (ALPHA DIGIT - . _ ~).
std::string percent_encode(std::string_view text);

/// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one (overlong,
/// surrogate, out of range or truncated). Every renderer escapes strings with it.
std::size_t utf8_sequence(std::string_view s, std::size_t i);

/// Appends `s` as a quoted JSON string: escapes per RFC 8259, invalid UTF-8 bytes become U+FFFD
/// (inventory strings are arbitrary input). Shared by the scan and compliance JSON writers.
void append_json_string(std::string& out, std::string_view s);

/// Valid UTF-8 copy of `text` (invalid bytes become U+FFFD): inventory strings are arbitrary.
std::string valid_utf8(std::string_view text);

/// Exception records of the report by id.
std::unordered_map<std::string, const policy::ExceptionRecord*> exceptions_by_id(
    const ComplianceReport& report);

/// Why a mitigated/excepted finding is so: the record's justification with its approver and
/// expiry, or, for a livepatch-mitigated finding without a record, that a livepatch covers it.
std::string suppression_justification(const ComplianceFinding& f,
                                      const policy::ExceptionRecord* record);

/// CVSS-like number for a severity when no CVSS score is known (security-severity in SARIF):
/// critical 9.5, high 8.0, medium 5.5, low 2.0, unknown 5.0.
double severity_score(core::Severity severity);

}  // namespace fleetpatch::report::detail
