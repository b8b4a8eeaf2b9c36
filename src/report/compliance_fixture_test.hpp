// A small hand-built compliance report for the SARIF, CycloneDX VEX and HTML renderer tests: the
// renderers only format, so they are tested on a report whose every number is known, without
// running the policy engine.
#pragma once

#include <string>

#include "report/compliance_report.hpp"

namespace fleetpatch::report::testing {

inline core::TimePoint at(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

inline ComplianceFinding finding(std::string host, std::string package,
                                 std::vector<std::string> cves, std::vector<std::string> advisories,
                                 core::Severity severity, policy::Status status, double risk) {
  ComplianceFinding f;
  f.host = host;
  f.hostname = host + ".example";
  f.package = package;
  f.source_package = package;
  f.installed_version = "1.0-1";
  f.fixed_version = "1.0-2";
  f.cves = std::move(cves);
  f.advisories = std::move(advisories);
  f.severity = severity;
  f.status = status;
  f.deadline.clock_start = at(2026, 10, 1);
  f.deadline.deadline = at(2026, 10, 31);
  f.deadline.reason =
      "soc2: " + std::string(core::to_string(severity)) + " within 30 days of fix-available";
  f.days_left = status == policy::Status::kOverdue ? -26 : 4;
  f.risk.score = risk;
  return f;
}

/// Three hosts; web-1 has an overdue critical (two CVEs), a due-soon high and an excepted
/// medium; db-1 a livepatch-mitigated kernel finding and a fixed one; cache-1 nothing.
inline ComplianceReport sample_report() {
  using core::Severity;
  using policy::Status;
  ComplianceReport r;
  r.policy = "soc2";
  r.policy_description = "SOC 2: critical and high within 30 days";
  r.policy_source = "builtin:soc2";
  r.as_of = at(2026, 11, 26);

  ComplianceFinding overdue =
      finding("web-1", "openssl-libs", {"CVE-2026-0001", "CVE-2026-0002"}, {"ALSA-2026:0001"},
              Severity::kCritical, Status::kOverdue, 91.5);
  overdue.cvss = 9.8;
  overdue.kev_due_date = "2026-11-01";
  ComplianceFinding due = finding("web-1", "bash", {"CVE-2026-0003"}, {"ALSA-2026:0002"},
                                  Severity::kHigh, Status::kDueSoon, 60.0);
  ComplianceFinding excepted = finding("web-1", "curl", {"CVE-2026-0004"}, {"ALSA-2026:0003"},
                                       Severity::kMedium, Status::kExcepted, 30.0);
  excepted.exception_id = "EX-1";
  ComplianceFinding mitigated = finding("db-1", "kernel", {"CVE-2026-0001"}, {"ALSA-2026:0004"},
                                        Severity::kHigh, Status::kMitigated, 20.0);
  mitigated.state = core::FindingState::kMitigated;
  ComplianceFinding fixed = finding("db-1", "zlib", {"CVE-2026-0005"}, {"ALSA-2026:0005"},
                                    Severity::kLow, Status::kFixed, 5.0);
  fixed.fixed_at = at(2026, 11, 10);
  fixed.days_to_fix = 40;
  r.findings = {overdue, due, excepted, mitigated, fixed};
  r.fix_first = {overdue, due};

  r.summary.hosts = 3;
  r.summary.hosts_compliant = 2;
  for (const ComplianceFinding& f : r.findings) r.summary.counts.add(f.status);
  for (Severity s : {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow,
                     Severity::kUnknown}) {
    SeverityRow row{.severity = s};
    for (const ComplianceFinding& f : r.findings) {
      if (f.severity == s) row.counts.add(f.status);
    }
    r.by_severity.push_back(row);
  }

  HostRow web{.id = "web-1",
              .hostname = "web-1.example",
              .tags = {"prod", "dmz"},
              .os = "AlmaLinux 9.4",
              .collected_at = at(2026, 11, 25),
              .compliant = false};
  web.counts.add(Status::kOverdue);
  web.counts.add(Status::kDueSoon);
  web.counts.add(Status::kExcepted);
  web.max_risk = 91.5;
  HostRow db{.id = "db-1", .hostname = "db-1.example", .os = "AlmaLinux 9.4"};
  db.counts.add(Status::kMitigated);
  db.counts.add(Status::kFixed);
  db.max_risk = 20;
  HostRow cache{.id = "cache-1", .hostname = "cache-1.example", .os = "Debian GNU/Linux 12"};
  r.per_host = {web, db, cache};

  CveRow cve1{
      .cve = "CVE-2026-0001", .severity = Severity::kCritical, .hosts = 2, .max_risk = 91.5};
  cve1.counts.add(Status::kOverdue);
  cve1.counts.add(Status::kMitigated);
  r.per_cve = {cve1};

  ExceptionRow ex;
  ex.record.id = "EX-1";
  ex.record.kind = policy::ExceptionKind::kException;
  ex.record.cve = "CVE-2026-0004";
  ex.record.justification = "curl is not reachable from the network on web-1";
  ex.record.approver = "ciso@example.com";
  ex.record.created = at(2026, 11, 1);
  ex.record.expires = at(2026, 12, 10);
  ex.days_to_expiry = 14;
  ex.findings = 1;
  r.exceptions = {ex};
  r.exceptions_expiring = {ex};

  r.time_to_fix = TimeToFix{.fixed = 1, .mean_days = 40, .p90_days = 40};
  r.version_sprawl = {SprawlRow{.package = "openssl-libs",
                                .versions = {{.version = "1:3.0.7-27.el9", .hosts = {"web-1"}},
                                             {.version = "1:3.0.7-25.el9", .hosts = {"db-1"}},
                                             {.version = "1:3.0.1-41.el9", .hosts = {"cache-1"}}},
                                .hosts = 3}};
  r.history_snapshots = 2;
  return r;
}

}  // namespace fleetpatch::report::testing
