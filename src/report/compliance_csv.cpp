// One CSV row per finding (RFC 4180). Text cells that a spreadsheet would run as a formula
// (starting with = + - @, tab or CR) get a leading apostrophe: host names and package names come
// from inventories, which are untrusted input.
#include <charconv>
#include <cmath>

#include "report/compliance_report.hpp"
#include "report/scan_report.hpp"

namespace fleetpatch::report {
namespace {

void text_cell(std::string& out, std::string_view s) {
  const bool formula = !s.empty() && (s.front() == '=' || s.front() == '+' || s.front() == '-' ||
                                      s.front() == '@' || s.front() == '\t' || s.front() == '\r');
  const bool quote = formula || s.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out.append(s);
    return;
  }
  out.push_back('"');
  if (formula) out.push_back('\'');
  for (const char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void joined(std::string& out, const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) {
    if (!s.empty()) s.push_back(' ');
    s += i;
  }
  text_cell(out, s);
}

void number(std::string& out, double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void time_cell(std::string& out, const std::optional<core::TimePoint>& t) {
  if (t) out += core::format_rfc3339(*t);
}

}  // namespace

void write_compliance_csv(std::ostream& out, const ComplianceReport& report) {
  std::string line =
      "host,hostname,package,source_package,installed_version,fixed_version,state,severity,cvss,"
      "cves,advisories,kev_due_date,epss,exposure,status,clock_start,clock_start_basis,deadline,"
      "days_left,deadline_reason,first_seen,fixed_at,days_to_fix,exception,risk,note\r\n";
  out << line;
  for (const auto& f : report.findings) {
    line.clear();
    text_cell(line, f.host);
    line += ',';
    text_cell(line, f.hostname);
    line += ',';
    text_cell(line, f.package);
    line += ',';
    text_cell(line, f.source_package);
    line += ',';
    text_cell(line, f.installed_version);
    line += ',';
    text_cell(line, f.fixed_version);
    line += ',';
    line += core::to_string(f.state);
    line += ',';
    line += core::to_string(f.severity);
    line += ',';
    if (f.cvss) number(line, *f.cvss);
    line += ',';
    joined(line, f.cves);
    line += ',';
    joined(line, f.advisories);
    line += ',';
    if (f.kev_due_date) text_cell(line, *f.kev_due_date);
    line += ',';
    if (f.risk.epss_probability) number(line, *f.risk.epss_probability);
    line += ',';
    line += to_string(f.exposure);
    line += ',';
    line += policy::to_string(f.status);
    line += ',';
    time_cell(line, f.deadline.clock_start);
    line += ',';
    line += policy::to_string(f.deadline.basis);
    line += ',';
    time_cell(line, f.deadline.deadline);
    line += ',';
    if (f.days_left) line += std::to_string(*f.days_left);
    line += ',';
    text_cell(line, f.deadline.reason);
    line += ',';
    time_cell(line, f.first_seen);
    line += ',';
    time_cell(line, f.fixed_at);
    line += ',';
    if (f.days_to_fix) number(line, std::round(*f.days_to_fix * 100.0) / 100.0);
    line += ',';
    text_cell(line, f.exception_id);
    line += ',';
    number(line, f.risk.score);
    line += ',';
    text_cell(line, f.note);
    line += "\r\n";
    out << line;
  }
}

}  // namespace fleetpatch::report
