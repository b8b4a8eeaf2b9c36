#include "report/compliance_report.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "report/cyclonedx_vex.hpp"
#include "report/html_report.hpp"
#include "report/sarif.hpp"

namespace fleetpatch::report {
namespace {

using core::Severity;
using policy::Status;

core::TimePoint at(std::string_view text) { return core::parse_rfc3339(text).value(); }

core::Finding finding(std::string package, Severity severity, std::string advisory,
                      std::vector<std::string> cves, std::string published = "2026-01-01") {
  core::Finding f;
  f.package = package;
  f.source_package = std::move(package);
  f.installed_version = "1.0-1";
  f.fixed_version = "1.0-2";
  f.advisories = {std::move(advisory)};
  f.cves = std::move(cves);
  f.severity = severity;
  f.fix_available_since = std::move(published) + "T00:00:00Z";
  return f;
}

struct Host {
  core::HostReport report;
  core::HostFindings findings;
};

Host host(const std::string& id, std::vector<std::string> tags, std::vector<core::Finding> findings,
          std::string collected_at = "2026-02-01T00:00:00Z",
          const std::vector<std::pair<std::string, std::string>>& packages = {}) {
  Host h;
  h.report.host = {id, id + ".example", std::move(tags)};
  h.report.os = {"almalinux", "9.0", "AlmaLinux 9.0", {}, ""};
  h.report.collected_at = std::move(collected_at);
  for (const auto& [name, version] : packages) {
    core::Package p;
    p.name = name;
    p.version = version;
    h.report.packages.push_back(std::move(p));
  }
  h.findings.host = h.report.host;
  h.findings.os = h.report.os;
  h.findings.findings = std::move(findings);
  return h;
}

ComplianceReport build(const std::vector<Host>& hosts, std::string_view now,
                       const policy::ExceptionSet* exceptions = nullptr,
                       BuildOptions options = {}) {
  static const policy::Policy soc2 = policy::builtin_policy("soc2").value();
  const core::FixedClock clock(at(now));
  const policy::Evaluator ev(soc2, exceptions, nullptr, clock);
  ComplianceBuilder b(ev, exceptions, options);
  for (const auto& h : hosts) b.add_host(h.report, h.findings);
  return b.finish();
}

// soc2 at 2026-02-01: high published 01-01 is overdue (due 01-31); high published 01-20 is due
// soon (02-19 is 18 days away: open; published 01-05 -> due 02-04: due soon); medium open.
std::vector<Host> fleet() {
  return {
      host("web-1", {"prod"},
           {finding("openssl", Severity::kHigh, "A-1", {"CVE-2026-0001"}),
            finding("bash", Severity::kMedium, "A-2", {"CVE-2026-0002"})},
           "2026-02-01T00:00:00Z", {{"openssl", "1.0-1"}, {"bash", "5.1-1"}}),
      host("web-2", {"prod", "dmz"},
           {finding("openssl", Severity::kHigh, "A-1", {"CVE-2026-0001"}),
            finding("curl", Severity::kCritical, "A-3", {"CVE-2026-0003", "CVE-2026-0004"},
                    "2026-01-05")},
           "2026-02-01T00:00:00Z", {{"openssl", "1.0-0"}, {"curl", "7.0-1"}}),
      host("db-1", {}, {finding("zlib", Severity::kLow, "A-4", {"CVE-2026-0005"}, "2026-01-20")},
           "2026-02-01T00:00:00Z", {{"openssl", "0.9-9"}}),
  };
}

TEST(ComplianceReport, SummaryAndSections) {
  const ComplianceReport r = build(fleet(), "2026-02-01T00:00:00Z");
  EXPECT_EQ(r.policy, "soc2");
  EXPECT_EQ(r.as_of, at("2026-02-01"));
  EXPECT_EQ(r.summary.hosts, 3u);
  EXPECT_EQ(r.summary.hosts_compliant, 1u);  // db-1
  EXPECT_EQ(r.summary.counts.findings, 5u);
  EXPECT_EQ(r.summary.counts.overdue, 2u);
  EXPECT_EQ(r.summary.counts.due_soon, 1u);
  EXPECT_EQ(r.summary.counts.open, 2u);
  ASSERT_EQ(r.by_severity.size(), 5u);
  EXPECT_EQ(r.by_severity[0].severity, Severity::kCritical);
  EXPECT_EQ(r.by_severity[0].counts.due_soon, 1u);
  EXPECT_EQ(r.by_severity[1].counts.overdue, 2u);

  // Findings: present, by risk. The critical (base 9) first.
  ASSERT_EQ(r.findings.size(), 5u);
  EXPECT_EQ(r.findings[0].package, "curl");
  EXPECT_EQ(r.findings[0].status, Status::kDueSoon);
  EXPECT_EQ(r.findings[0].days_left, 3);
  for (std::size_t i = 1; i < r.findings.size(); ++i) {
    EXPECT_GE(r.findings[i - 1].risk.score, r.findings[i].risk.score);
  }
  EXPECT_EQ(r.fix_first.size(), 5u);

  ASSERT_EQ(r.per_host.size(), 3u);
  EXPECT_FALSE(r.per_host[0].compliant);
  EXPECT_EQ(r.per_host.back().id, "db-1");
  EXPECT_TRUE(r.per_host.back().compliant);
  EXPECT_EQ(r.per_host.back().os, "AlmaLinux 9.0");

  // CVE-2026-0001 on two hosts.
  const auto cve = std::find_if(r.per_cve.begin(), r.per_cve.end(),
                                [](const CveRow& c) { return c.cve == "CVE-2026-0001"; });
  ASSERT_NE(cve, r.per_cve.end());
  EXPECT_EQ(cve->hosts, 2u);
  EXPECT_EQ(cve->counts.overdue, 2u);
  EXPECT_EQ(r.per_cve.size(), 5u);

  EXPECT_FALSE(r.time_to_fix);  // no history
  EXPECT_TRUE(r.burndown.empty());
  ASSERT_EQ(r.version_sprawl.size(), 1u);  // openssl in 3 versions (the default minimum)
  EXPECT_EQ(r.version_sprawl[0].package, "openssl");
}

// per_host next_deadline is the earliest deadline still ahead (open or due-soon findings): an
// overdue finding's passed deadline is what the overdue count says, not the date to plan for.
TEST(ComplianceReport, NextDeadlineIsTheEarliestUpcomingOne) {
  std::vector<Host> hosts = fleet();
  hosts.push_back(
      host("old-1", {}, {finding("openssl", Severity::kHigh, "A-1", {"CVE-2026-0001"})}));
  const ComplianceReport r = build(hosts, "2026-02-01T00:00:00Z");
  const struct {
    std::string host;
    std::optional<std::string> next;
    std::size_t overdue;
  } cases[] = {
      // openssl (high, due 01-31) is overdue; bash (medium, 90 days from 01-01) is next.
      {"web-1", "2026-04-01", 1},
      // openssl overdue; curl (critical, 30 days from 01-05) due soon.
      {"web-2", "2026-02-04", 1},
      {"db-1", "2026-07-19", 0},   // zlib (low, 180 days from 01-20)
      {"old-1", std::nullopt, 1},  // nothing ahead, only an overdue finding
  };
  ASSERT_EQ(r.per_host.size(), std::size(cases));
  for (const auto& c : cases) {
    SCOPED_TRACE(c.host);
    const auto row = std::find_if(r.per_host.begin(), r.per_host.end(),
                                  [&c](const HostRow& h) { return h.id == c.host; });
    ASSERT_NE(row, r.per_host.end());
    EXPECT_EQ(row->counts.overdue, c.overdue);
    if (c.next) {
      ASSERT_TRUE(row->next_deadline);
      EXPECT_EQ(*row->next_deadline, at(*c.next));
    } else {
      EXPECT_FALSE(row->next_deadline) << core::format_rfc3339(*row->next_deadline);
    }
  }
  // The JSON carries the same dates.
  std::ostringstream out;
  write_compliance_json(out, r, {.pretty = false, .include_findings = false});
  const auto j = nlohmann::json::parse(out.str());
  for (const auto& h : j["per_host"]) {
    if (h["host"] == "old-1") {
      EXPECT_TRUE(h["next_deadline"].is_null());
    } else if (h["host"] == "web-1") {
      EXPECT_EQ(h["next_deadline"], "2026-04-01T00:00:00Z");
    }
  }
}

TEST(ComplianceReport, VersionSprawl) {
  BuildOptions options;
  options.sprawl_min_versions = 2;
  options.sprawl_max_hosts = 1;
  auto hosts = fleet();
  const ComplianceReport r = build(hosts, "2026-02-01T00:00:00Z", nullptr, options);
  ASSERT_EQ(r.version_sprawl.size(), 1u);
  const SprawlRow& s = r.version_sprawl[0];
  EXPECT_EQ(s.package, "openssl");
  EXPECT_EQ(s.hosts, 3u);
  ASSERT_EQ(s.versions.size(), 3u);
  for (const auto& v : s.versions) {
    EXPECT_EQ(v.host_count, 1u);
    EXPECT_EQ(v.hosts.size(), 1u);
  }
  EXPECT_EQ(s.versions[0].version, "0.9-9");  // equal counts: by version
  EXPECT_EQ(s.versions[0].hosts[0], "db-1");
}

// Clones (the same package set) take the cached path: counts must be the same as looking every
// package up, including a package installed twice (two architectures) counting once.
TEST(ComplianceReport, VersionSprawlOfClones) {
  BuildOptions options;
  options.sprawl_min_versions = 2;
  std::vector<Host> hosts;
  hosts.reserve(7);  // five clones, then "odd" and one more clone
  for (int i = 0; i < 5; ++i) {
    hosts.push_back(host("clone-" + std::to_string(i), {}, {}, "2026-02-01T00:00:00Z",
                         {{"curl", "7.0-1"}, {"curl", "7.0-1"}, {"zlib", "1.0"}}));
  }
  hosts.push_back(host("odd", {}, {}, "2026-02-01T00:00:00Z", {{"curl", "7.1-1"}}));
  hosts.push_back(host("clone-5", {}, {}, "2026-02-01T00:00:00Z",
                       {{"curl", "7.0-1"}, {"curl", "7.0-1"}, {"zlib", "1.0"}}));
  const ComplianceReport r = build(hosts, "2026-02-01T00:00:00Z", nullptr, options);
  ASSERT_EQ(r.version_sprawl.size(), 1u);
  const SprawlRow& s = r.version_sprawl[0];
  EXPECT_EQ(s.package, "curl");
  EXPECT_EQ(s.hosts, 7u);
  ASSERT_EQ(s.versions.size(), 2u);
  EXPECT_EQ(s.versions[0].version, "7.0-1");
  EXPECT_EQ(s.versions[0].host_count, 6u);
  EXPECT_EQ(s.versions[0].hosts.size(), 6u);
  EXPECT_EQ(s.versions[0].hosts.back(), "clone-5");
  EXPECT_EQ(s.versions[1].host_count, 1u);
}

TEST(ComplianceReport, ExceptionsMitigationsAndExpiring) {
  const policy::ExceptionSet set = policy::parse_exceptions(R"(
[[exception]]
id = "EX-1"
cve = "CVE-2026-0001"
host = "web-1"
justification = "j"
approver = "a"
created = 2026-01-01
expires = 2026-02-20

[[mitigation]]
id = "MIT-1"
tag = "dmz"
justification = "j"
approver = "a"
created = 2026-01-01

[[exception]]
id = "EX-OLD"
package = "zlib"
justification = "j"
approver = "a"
created = 2025-01-01
expires = 2026-01-15
)",
                                                            "ex.toml")
                                       .value();
  const ComplianceReport r = build(fleet(), "2026-02-01T00:00:00Z", &set);
  EXPECT_EQ(r.summary.counts.excepted, 1u);
  EXPECT_EQ(r.summary.counts.mitigated, 2u);  // both web-2 findings
  EXPECT_EQ(r.summary.counts.overdue, 0u);
  EXPECT_EQ(r.summary.hosts_compliant, 3u);
  ASSERT_EQ(r.exceptions.size(), 3u);
  EXPECT_EQ(r.exceptions[0].findings, 1u);
  EXPECT_EQ(r.exceptions[1].findings, 2u);
  EXPECT_EQ(r.exceptions[2].state, ExceptionRow::State::kExpired);
  EXPECT_EQ(r.exceptions[2].findings, 1u);
  ASSERT_EQ(r.exceptions_expiring.size(), 1u);
  EXPECT_EQ(r.exceptions_expiring[0].record.id, "EX-1");
  EXPECT_EQ(r.exceptions_expiring[0].days_to_expiry, 19);
  const auto zlib = std::find_if(r.findings.begin(), r.findings.end(),
                                 [](const ComplianceFinding& f) { return f.package == "zlib"; });
  ASSERT_NE(zlib, r.findings.end());
  EXPECT_NE(zlib->note.find("exception EX-OLD expired"), std::string::npos);
  EXPECT_EQ(zlib->status, Status::kOpen);
  // Mitigated/excepted findings are not in the fix-first list.
  EXPECT_EQ(r.fix_first.size(), 2u);
}

// The issue's walk: one host, one soc2 high finding published 2026-01-01 (due 01-31), seen in
// an inventory of 01-05; the clock advances; an inventory of 02-09 without it makes it fixed.
TEST(ComplianceReport, OpenDueSoonOverdueFixedWithHistory) {
  const policy::Policy soc2 = policy::builtin_policy("soc2").value();
  const Host before = host("web-1", {}, {finding("curl", Severity::kHigh, "A-3", {"CVE-1"})},
                           "2026-01-05T00:00:00Z");
  const Host after = host("web-1", {}, {}, "2026-02-09T00:00:00Z");
  struct Case {
    std::string now;
    bool new_inventory;
    Status status;
  };
  const Case cases[] = {
      {"2026-01-10", false, Status::kOpen},
      {"2026-01-26", false, Status::kDueSoon},
      {"2026-02-05", false, Status::kOverdue},
      {"2026-02-10", true, Status::kFixed},
  };
  for (const auto& c : cases) {
    const core::FixedClock clock(at(c.now));
    const policy::Evaluator ev(soc2, nullptr, nullptr, clock);
    ComplianceBuilder b(ev, nullptr);
    if (c.new_inventory) {
      const policy::Snapshot history[] = {{at("2026-01-05"), &before.findings}};
      b.add_host(after.report, after.findings, history);
    } else {
      b.add_host(before.report, before.findings);
    }
    const ComplianceReport r = b.finish();
    SCOPED_TRACE(c.now);
    ASSERT_EQ(r.findings.size(), 1u);
    EXPECT_EQ(r.findings[0].status, c.status);
    EXPECT_EQ(r.findings[0].deadline.deadline, at("2026-01-31"));
    EXPECT_EQ(r.summary.hosts_compliant, c.status == Status::kOverdue ? 0u : 1u);
    if (c.new_inventory) {
      EXPECT_EQ(r.summary.counts.findings, 0u);
      EXPECT_EQ(r.summary.counts.fixed, 1u);
      EXPECT_EQ(r.findings[0].fixed_at, at("2026-02-09"));
      ASSERT_TRUE(r.time_to_fix);
      EXPECT_EQ(r.time_to_fix->fixed, 1u);
      EXPECT_DOUBLE_EQ(r.time_to_fix->mean_days, 39.0);
      EXPECT_EQ(r.history_snapshots, 1u);
      ASSERT_EQ(r.burndown.size(), 2u);
      EXPECT_EQ(r.burndown[0].findings, 1u);
      EXPECT_EQ(r.burndown[1].findings, 0u);
    }
  }
}

// Issue 4: an end-of-life finding is overdue from the end of support, makes its host
// non-compliant, is tracked by history like any finding, and every format renders it.
TEST(ComplianceReport, EndOfLifeFinding) {
  core::Finding eol;
  eol.installed_version = "10.13";
  eol.state = core::FindingState::kEndOfLife;
  eol.advisories = {"EOL:debian:10"};
  eol.severity = Severity::kHigh;
  eol.end_of_life = core::EndOfLife{
      "debian:10", "2024-06-30", "2024-07-01T00:00:00Z", "https://wiki.debian.org/LTS", "", ""};
  Host old = host("legacy", {}, {eol}, "2024-08-01T00:00:00Z");
  old.report.os = {"debian", "10.13", "Debian GNU/Linux 10 (buster)", {}, "buster"};
  Host upgraded = host("legacy", {}, {}, "2024-09-01T00:00:00Z");
  const policy::Policy soc2 = policy::builtin_policy("soc2").value();
  struct Case {
    const char* name;
    bool upgraded;
    Status status;
    std::size_t compliant;
  };
  const Case cases[] = {
      {"still on the release", false, Status::kOverdue, 0},
      {"moved to a supported release", true, Status::kFixed, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const core::FixedClock clock(at("2024-10-01"));
    const policy::Evaluator ev(soc2, nullptr, nullptr, clock);
    ComplianceBuilder b(ev, nullptr);
    const policy::Snapshot history[] = {{at("2024-08-01"), &old.findings}};
    if (c.upgraded) {
      b.add_host(upgraded.report, upgraded.findings, history);
    } else {
      b.add_host(old.report, old.findings);
    }
    const ComplianceReport r = b.finish();
    ASSERT_EQ(r.findings.size(), 1u);
    const ComplianceFinding& f = r.findings[0];
    EXPECT_EQ(f.state, core::FindingState::kEndOfLife);
    EXPECT_EQ(f.status, c.status);
    EXPECT_EQ(f.deadline.basis, policy::ClockStart::kEndOfLife);
    EXPECT_EQ(f.deadline.deadline, at("2024-07-01"));
    EXPECT_EQ(r.summary.hosts_compliant, c.compliant);
    if (c.upgraded) {
      EXPECT_EQ(f.fixed_at, at("2024-09-01"));
      ASSERT_TRUE(f.days_to_fix);
      EXPECT_DOUBLE_EQ(*f.days_to_fix, 62.0);  // from the end of support
    } else {
      EXPECT_EQ(f.days_left, -92);
      EXPECT_EQ(r.per_host[0].counts.overdue, 1u);
      EXPECT_TRUE(r.per_cve.empty());
    }

    std::ostringstream json, csv, sarif, vex, html;
    write_compliance_json(json, r);
    const auto j = nlohmann::json::parse(json.str());
    EXPECT_EQ(j["findings"][0]["state"], "end-of-life");
    EXPECT_EQ(j["findings"][0]["clock_start_basis"], "end-of-life");
    EXPECT_EQ(j["findings"][0]["deadline_reason"],
              "soc2: debian:10 past its vendor's support since 2024-07-01, due on its "
              "end-of-life date (no grace period)");
    write_compliance_csv(csv, r);
    EXPECT_NE(csv.str().find(",end-of-life,high,"), std::string::npos) << csv.str();
    write_compliance_sarif(sarif, r, {.tool_version = "test"});
    const auto sarif_json = nlohmann::json::parse(sarif.str());
    EXPECT_EQ(sarif_json["runs"][0]["results"].size(), c.upgraded ? 0u : 1u);
    write_compliance_vex(vex, r, {.tool_version = "test"});
    const auto v = nlohmann::json::parse(vex.str());
    if (!c.upgraded) {
      EXPECT_EQ(v["vulnerabilities"][0]["id"], "EOL:debian:10");
      EXPECT_EQ(v["vulnerabilities"][0]["analysis"]["response"][0], "can_not_fix");
    }
    write_compliance_html(html, r, {.tool_version = "test"});
    EXPECT_NE(html.str().find("EOL:debian:10"), std::string::npos);
  }
}

// build_compliance_report on several threads gives the report one builder gives, byte for
// byte: contiguous host ranges merged in host order (the version sprawl host lists, cut at a few
// hosts here, keep the first hosts in input order).
TEST(ComplianceReport, ParallelBuildEqualsOneBuilder) {
  const std::vector<Host> base = fleet();
  std::vector<Host> hosts;
  std::vector<Host> earlier;
  for (int i = 0; i < 300; ++i) {
    Host h = base[static_cast<std::size_t>(i) % base.size()];
    const std::string id = "h-" + std::to_string(1000 + i);
    h.report.host.id = h.findings.host.id = id;
    h.report.host.hostname = h.findings.host.hostname = id + ".example";
    h.report.packages.push_back({});
    h.report.packages.back().name = "sprawl";
    h.report.packages.back().version = "1." + std::to_string(i % 7);
    if (i % 5 == 0) h.findings.notes.push_back("note " + std::to_string(i));
    Host old = h;
    old.report.collected_at = "2026-01-15T00:00:00Z";
    old.findings.findings.push_back(
        finding("gone-" + std::to_string(i % 4), Severity::kHigh, "A-9", {"CVE-2026-0009"}));
    hosts.push_back(std::move(h));
    earlier.push_back(std::move(old));
  }
  std::vector<std::vector<policy::Snapshot>> history(hosts.size());
  std::vector<HostInput> inputs;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    history[i].push_back({at(earlier[i].report.collected_at), &earlier[i].findings});
    inputs.push_back({&hosts[i].report, &hosts[i].findings, history[i]});
  }
  const policy::Policy soc2 = policy::builtin_policy("soc2").value();
  const core::FixedClock clock(at("2026-02-01"));
  const policy::Evaluator ev(soc2, nullptr, nullptr, clock);
  BuildOptions options;
  options.sprawl_min_versions = 2;
  options.sprawl_max_hosts = 5;
  options.fix_first = 7;
  const auto json = [](const ComplianceReport& r) {
    std::ostringstream out;
    write_compliance_json(out, r, {.pretty = false, .include_findings = true, .explain = true});
    return out.str();
  };
  ComplianceBuilder one(ev, nullptr, options);
  for (const auto& in : inputs) one.add_host(*in.current, *in.findings, in.history);
  const std::string want = json(one.finish());
  const auto j = nlohmann::json::parse(want);
  ASSERT_EQ(j["summary"]["hosts"], 300);
  ASSERT_GT(j["summary"]["fixed"], 0);
  ASSERT_EQ(j["version_sprawl"][0]["package"], "sprawl");
  for (const unsigned threads : {1u, 2u, 3u, 4u}) {
    SCOPED_TRACE(threads);
    EXPECT_EQ(json(build_compliance_report(ev, nullptr, options, inputs, threads)), want);
  }
}

TEST(ComplianceReport, TimeToFixMeanAndP90) {
  const policy::Policy soc2 = policy::builtin_policy("soc2").value();
  const core::FixedClock clock(at("2026-06-01"));
  const policy::Evaluator ev(soc2, nullptr, nullptr, clock);
  ComplianceBuilder b(ev, nullptr);
  // Ten findings all published 01-01, fixed on days 1..10 (one snapshot per day).
  std::vector<Host> snaps;
  for (int day = 0; day <= 10; ++day) {
    std::vector<core::Finding> present;
    for (int k = day + 1; k <= 10; ++k) {
      present.push_back(finding("p" + std::to_string(k), Severity::kHigh, "A-" + std::to_string(k),
                                {"CVE-" + std::to_string(k)}));
    }
    char date[32];
    std::snprintf(date, sizeof date, "2026-01-%02dT00:00:00Z", day + 1);
    snaps.push_back(host("h", {}, std::move(present), date));
  }
  std::vector<policy::Snapshot> history;
  history.reserve(10);
  for (int day = 0; day < 10; ++day) {
    history.push_back({at(snaps[day].report.collected_at), &snaps[day].findings});
  }
  b.add_host(snaps[10].report, snaps[10].findings, history);
  const ComplianceReport r = b.finish();
  ASSERT_TRUE(r.time_to_fix);
  EXPECT_EQ(r.time_to_fix->fixed, 10u);
  EXPECT_DOUBLE_EQ(r.time_to_fix->mean_days, 5.5);  // 1..10
  EXPECT_DOUBLE_EQ(r.time_to_fix->p90_days, 9.0);   // nearest rank 9 of 10
  EXPECT_EQ(r.burndown.size(), 11u);
  EXPECT_EQ(r.burndown.front().findings, 10u);
  EXPECT_EQ(r.burndown.back().findings, 0u);
}

TEST(ComplianceReport, AggregatesOnlyKeepsTopFixFirst) {
  BuildOptions options;
  options.keep_findings = false;
  options.fix_first = 2;
  const ComplianceReport all = build(fleet(), "2026-02-01T00:00:00Z");
  const ComplianceReport r = build(fleet(), "2026-02-01T00:00:00Z", nullptr, options);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_FALSE(r.findings_included);
  EXPECT_EQ(r.summary.counts.findings, all.summary.counts.findings);
  ASSERT_EQ(r.fix_first.size(), 2u);
  EXPECT_EQ(r.fix_first[0].package, all.fix_first[0].package);
  EXPECT_EQ(r.fix_first[1].host, all.fix_first[1].host);
  EXPECT_EQ(r.fix_first[1].package, all.fix_first[1].package);
}

// Several builders over disjoint hosts, merged, give the report one builder gives.
TEST(ComplianceReport, MergedBuildersEqualOne) {
  const policy::Policy soc2 = policy::builtin_policy("soc2").value();
  const core::FixedClock clock(at("2026-02-01"));
  const policy::Evaluator ev(soc2, nullptr, nullptr, clock);
  BuildOptions options;
  options.sprawl_min_versions = 2;
  options.fix_first = 3;
  const auto hosts = fleet();
  ComplianceBuilder one(ev, nullptr, options);
  for (const auto& h : hosts) one.add_host(h.report, h.findings);
  const ComplianceReport a = one.finish();
  ComplianceBuilder first(ev, nullptr, options);
  ComplianceBuilder second(ev, nullptr, options);
  first.add_host(hosts[0].report, hosts[0].findings);
  second.add_host(hosts[1].report, hosts[1].findings);
  second.add_host(hosts[2].report, hosts[2].findings);
  first.merge(std::move(second));
  const ComplianceReport b = first.finish();
  std::ostringstream ja, jb;
  write_compliance_json(ja, a);
  write_compliance_json(jb, b);
  EXPECT_EQ(ja.str(), jb.str());
  EXPECT_EQ(b.summary.hosts, 3u);
  EXPECT_EQ(b.fix_first.size(), 3u);
}

TEST(ComplianceJson, ArchitectureFieldNames) {
  const ComplianceReport r = build(fleet(), "2026-02-01T00:00:00Z");
  for (const bool pretty : {true, false}) {
    std::ostringstream out;
    write_compliance_json(out, r, {.pretty = pretty, .include_findings = true, .explain = true});
    const auto j = nlohmann::json::parse(out.str());
    EXPECT_EQ(j["schema"], "fleetpatch.report/1");
    EXPECT_EQ(j["policy"], "soc2");
    EXPECT_EQ(j["as_of"], "2026-02-01T00:00:00Z");
    const auto& s = j["summary"];
    EXPECT_EQ(s["hosts"], 3);
    EXPECT_EQ(s["hosts_compliant"], 1);
    EXPECT_EQ(s["findings"], 5);
    EXPECT_EQ(s["overdue"], 2);
    EXPECT_EQ(s["due_soon"], 1);
    EXPECT_EQ(s["mitigated"], 0);
    EXPECT_EQ(s["excepted"], 0);
    ASSERT_EQ(j["findings"].size(), 5u);
    for (const auto& f : j["findings"]) {
      for (const char* key : {"host", "package", "cves", "advisories", "severity", "status",
                              "clock_start", "deadline", "deadline_reason", "risk"}) {
        EXPECT_TRUE(f.contains(key)) << key;
      }
      EXPECT_TRUE(f["risk"].is_number());
      EXPECT_TRUE(f.contains("risk_breakdown"));
    }
    const auto& first = j["findings"][0];
    EXPECT_EQ(first["package"], "curl");
    EXPECT_EQ(first["status"], "due-soon");
    EXPECT_EQ(first["deadline"], "2026-02-04T00:00:00Z");
    EXPECT_EQ(first["deadline_reason"], "soc2: critical within 30 days of fix-available");
    EXPECT_EQ(first["clock_start"], "2026-01-05T00:00:00Z");
    EXPECT_DOUBLE_EQ(first["risk"].get<double>(), r.findings[0].risk.score);
    for (const char* key : {"by_severity", "fix_first", "per_host", "per_cve", "exceptions",
                            "exceptions_expiring", "time_to_fix", "version_sprawl"}) {
      EXPECT_TRUE(j.contains(key)) << key;
    }
    EXPECT_TRUE(j["time_to_fix"].is_null());
  }
  // Pretty: one finding per line.
  std::ostringstream out;
  write_compliance_json(out, r);
  std::size_t lines_with_host = 0;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"deadline_reason\"") != std::string::npos) ++lines_with_host;
  }
  EXPECT_EQ(lines_with_host, 5u + r.fix_first.size());
  // Summary only.
  std::ostringstream summary;
  write_compliance_json(summary, r, {.pretty = false, .include_findings = false});
  EXPECT_FALSE(nlohmann::json::parse(summary.str()).contains("findings"));
}

TEST(ComplianceJson, EscapesAndReplacesInvalidUtf8) {
  auto hosts = fleet();
  hosts[0].findings.host.hostname = "we\"b\n\x01\xff";
  const ComplianceReport r = build(hosts, "2026-02-01T00:00:00Z");
  std::ostringstream out;
  write_compliance_json(out, r);
  const auto j = nlohmann::json::parse(out.str());
  bool found = false;
  for (const auto& h : j["per_host"]) {
    if (h["host"] == "web-1") {
      EXPECT_EQ(h["hostname"], "we\"b\n\x01\xEF\xBF\xBD");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(ComplianceCsv, OneRowPerFindingWithQuoting) {
  auto hosts = fleet();
  hosts[0].findings.host.hostname = "=cmd|' /C calc'!A0";
  hosts[0].findings.findings[0].package = "open,\"ssl\"";
  const ComplianceReport r = build(hosts, "2026-02-01T00:00:00Z");
  std::ostringstream out;
  write_compliance_csv(out, r);
  const std::string csv = out.str();
  std::size_t rows = 0;
  for (std::size_t pos = 0; (pos = csv.find("\r\n", pos)) != std::string::npos; pos += 2) ++rows;
  EXPECT_EQ(rows, 1u + r.findings.size());
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")).substr(0, 30), "host,hostname,package,source_p");
  EXPECT_NE(csv.find("\"'=cmd|' /C calc'!A0\""), std::string::npos);
  EXPECT_NE(csv.find("\"open,\"\"ssl\"\"\""), std::string::npos);
  EXPECT_NE(csv.find(",overdue,"), std::string::npos);
  EXPECT_NE(csv.find("soc2: high within 30 days of fix-available"), std::string::npos);
}

}  // namespace
}  // namespace fleetpatch::report
