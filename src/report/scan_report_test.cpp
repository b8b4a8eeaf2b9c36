#include "report/scan_report.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace fleetpatch::report {
namespace {

core::HostFindings sample_host() {
  core::HostFindings h;
  h.host = {"m-1", "web-1", {"prod"}};
  h.os.id = "almalinux";
  h.os.version_id = "9.0";
  h.os.name = "AlmaLinux 9.0";
  h.release = "almalinux:9";
  core::Finding f;
  f.package = "openssl-libs";
  f.source_package = "openssl";
  f.installed_version = "1:3.0.1-41.el9_0";
  f.fixed_version = "1:3.0.1-43.el9_0";
  f.state = core::FindingState::kFixed;
  f.advisories = {"ALSA-2022:5003"};
  f.cves = {"CVE-2022-1292", "CVE-2022-2068"};
  f.severity = core::Severity::kMedium;
  f.vendor_severity = "Moderate";
  f.fix_available_since = "2022-06-16T00:00:00Z";
  f.exposure = core::Exposure::kNetwork;
  h.findings.push_back(f);
  core::Finding u;
  u.package = "bash";
  u.source_package = "bash";
  u.installed_version = "5.1.8-4.el9";
  u.state = core::FindingState::kWillNotFix;
  u.advisories = {"CVE-2022-3715"};
  u.cves = {"CVE-2022-3715", "CVE-2022-0001", "CVE-2022-0002", "CVE-2022-0003"};
  u.severity = core::Severity::kHigh;
  u.cvss_score = 7.8;
  u.kev_due_date = "2023-01-01";
  h.findings.push_back(u);
  return h;
}

TEST(ScanJson, FieldNamesAndValuesFollowTheContract) {
  core::HostFindings unknown;
  unknown.host.id = "box";
  unknown.os.id = "fedora";
  unknown.notes = {"unknown or unsupported operating system"};
  const core::HostFindings hosts[] = {sample_host(), unknown};
  for (bool pretty : {true, false}) {
    SCOPED_TRACE(pretty ? "pretty" : "compact");
    const auto j = nlohmann::json::parse(scan_json(hosts, {.pretty = pretty}));
    EXPECT_EQ(j["schema"], "fleetpatch.scan/1");
    ASSERT_EQ(j["hosts"].size(), 2u);
    const auto& h = j["hosts"][0];
    EXPECT_EQ(h["host"]["id"], "m-1");
    EXPECT_EQ(h["host"]["hostname"], "web-1");
    EXPECT_EQ(h["os"]["id"], "almalinux");
    EXPECT_EQ(h["os"]["version_id"], "9.0");
    EXPECT_EQ(h["release"], "almalinux:9");
    const auto& f = h["findings"][0];
    EXPECT_EQ(f["package"], "openssl-libs");
    EXPECT_EQ(f["source_package"], "openssl");
    EXPECT_EQ(f["installed_version"], "1:3.0.1-41.el9_0");
    EXPECT_EQ(f["fixed_version"], "1:3.0.1-43.el9_0");
    EXPECT_EQ(f["state"], "fixed");
    EXPECT_EQ(f["advisories"], nlohmann::json({"ALSA-2022:5003"}));
    EXPECT_EQ(f["cves"], nlohmann::json({"CVE-2022-1292", "CVE-2022-2068"}));
    EXPECT_EQ(f["severity"], "medium");
    EXPECT_EQ(f["vendor_severity"], "Moderate");
    EXPECT_TRUE(f["cvss"].is_null());
    EXPECT_EQ(f["fix_available_since"], "2022-06-16T00:00:00Z");
    EXPECT_TRUE(f["kev_due_date"].is_null());
    EXPECT_EQ(f["exposure"], "network");
    const auto& u = h["findings"][1];
    EXPECT_TRUE(u["fixed_version"].is_null());
    EXPECT_EQ(u["state"], "will-not-fix");
    EXPECT_EQ(u["cvss"], 7.8);
    EXPECT_EQ(u["kev_due_date"], "2023-01-01");
    EXPECT_TRUE(u["fix_available_since"].is_null());
    EXPECT_TRUE(u["vendor_severity"].is_null());
    EXPECT_EQ(f["mitigated_by"], nlohmann::json::array());
    EXPECT_EQ(f["pending_restart"], nlohmann::json::array());
    EXPECT_TRUE(j["hosts"][1]["release"].is_null());
    EXPECT_EQ(j["hosts"][1]["notes"][0], "unknown or unsupported operating system");
    EXPECT_TRUE(j["hosts"][1]["findings"].empty());
  }
}

// Issue 5's runtime fields: livepatches covering a finding and processes pending a restart.
TEST(ScanJson, RuntimeFieldsFollowTheContract) {
  core::HostFindings h;
  h.host.id = "m-1";
  core::Finding m;
  m.package = "kernel-core";
  m.installed_version = "5.14.0-70.13.1.el9_0";
  m.fixed_version = "5.14.0-70.22.1.el9_0";
  m.state = core::FindingState::kMitigated;
  m.advisories = {"ALSA-2022:0825"};
  m.cves = {"CVE-2022-0847"};
  m.mitigated_by = {{"kpatch_5_14_0_70_1_1", "kpatch", {"CVE-2022-0847"}}, {"lp2", "klp", {}}};
  h.findings.push_back(m);
  core::Finding r;
  r.package = "openssl-libs";
  r.installed_version = "1:3.0.1-43.el9_0";
  r.fixed_version = "1:3.0.1-43.el9_0";
  r.state = core::FindingState::kFixedPendingRestart;
  r.advisories = {"ALSA-2022:5003"};
  r.pending_restart = {{812, "/usr/sbin/nginx", "nginx.service"}, {900, "/usr/bin/x", ""}};
  h.findings.push_back(r);
  const core::HostFindings hosts[] = {h};
  for (bool pretty : {true, false}) {
    SCOPED_TRACE(pretty ? "pretty" : "compact");
    const auto j = nlohmann::json::parse(scan_json(hosts, {.pretty = pretty}));
    const auto& findings = j["hosts"][0]["findings"];
    EXPECT_EQ(findings[0]["state"], "mitigated");
    EXPECT_EQ(findings[0]["mitigated_by"],
              nlohmann::json::parse(R"([{"livepatch": "kpatch_5_14_0_70_1_1", "tool": "kpatch",
                                         "cves": ["CVE-2022-0847"]},
                                        {"livepatch": "lp2", "tool": "klp", "cves": []}])"));
    EXPECT_EQ(findings[1]["state"], "fixed-pending-restart");
    EXPECT_EQ(findings[1]["pending_restart"],
              nlohmann::json::parse(R"([{"pid": 812, "exe": "/usr/sbin/nginx",
                                         "unit": "nginx.service"},
                                        {"pid": 900, "exe": "/usr/bin/x", "unit": null}])"));
  }
  std::ostringstream out;
  write_scan_table(out, hosts);
  EXPECT_NE(out.str().find("5.14.0-70.22.1.el9_0 (mitigated)"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("1:3.0.1-43.el9_0 (fixed-pending-restart)"), std::string::npos)
      << out.str();
}

TEST(ScanJson, CompactOutputIsExact) {
  core::HostFindings h;
  h.host.id = "a";
  core::Finding f;
  f.package = "p";
  f.source_package = "p";
  f.installed_version = "1";
  f.fixed_version = "2";
  f.advisories = {"A-1"};
  f.cves = {"CVE-1"};
  f.severity = core::Severity::kLow;
  h.findings.push_back(f);
  const core::HostFindings hosts[] = {h};
  EXPECT_EQ(scan_json(hosts, {.pretty = false}),
            R"({"schema":"fleetpatch.scan/1","hosts":[{"host":{"id":"a","hostname":"","tags":[]},)"
            R"("os":{"id":"","version_id":"","name":""},"release":null,"findings":[{"package":"p",)"
            R"("source_package":"p","installed_version":"1","fixed_version":"2","state":"fixed",)"
            R"("advisories":["A-1"],"cves":["CVE-1"],"severity":"low","vendor_severity":null,)"
            R"("cvss":null,"fix_available_since":null,"kev_due_date":null,"exposure":"none",)"
            R"("mitigated_by":[],"pending_restart":[],"end_of_life":null}],)"
            R"("notes":[]}]})");
  EXPECT_EQ(scan_json({}, {.pretty = false}), R"({"schema":"fleetpatch.scan/1","hosts":[]})");
  EXPECT_NO_THROW((void)nlohmann::json::parse(scan_json({})));
}

TEST(ScanJson, InvalidUtf8DoesNotThrow) {
  core::HostFindings h;
  h.host.id = std::string("bad\xff");
  const core::HostFindings hosts[] = {h};
  const auto j = nlohmann::json::parse(scan_json(hosts));
  EXPECT_EQ(j["hosts"][0]["host"]["id"], "bad\xEF\xBF\xBD");
}

TEST(ScanJson, EscapesRoundTrip) {
  const std::string tricky[] = {"quote\" backslash\\ slash/", "tab\tnew\nline\r\x01\x1f",
                                "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x92", ""};
  for (const auto& text : tricky) {
    core::HostFindings h;
    h.host.id = text;
    h.notes = {text};
    const core::HostFindings hosts[] = {h};
    for (bool pretty : {true, false}) {
      const auto j = nlohmann::json::parse(scan_json(hosts, {.pretty = pretty}));
      EXPECT_EQ(j["hosts"][0]["host"]["id"], text);
      EXPECT_EQ(j["hosts"][0]["notes"][0], text);
    }
  }
  // Overlong, surrogate and truncated sequences are not UTF-8.
  for (const std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\xE2\x82", "\xF5\x80\x80\x80"}) {
    core::HostFindings h;
    h.host.id = bad;
    const core::HostFindings hosts[] = {h};
    const auto j = nlohmann::json::parse(scan_json(hosts));
    const std::string id = j["hosts"][0]["host"]["id"];
    EXPECT_NE(id.find("\xEF\xBF\xBD"), std::string::npos);
  }
}

TEST(ScanJson, PrettyLayoutOneFindingPerLine) {
  core::HostFindings h = sample_host();
  h.findings.resize(1);
  h.notes = {"a note"};
  const core::HostFindings hosts[] = {h};
  EXPECT_EQ(scan_json(hosts),
            R"({
  "schema": "fleetpatch.scan/1",
  "hosts": [
    {
      "host": {"id": "m-1", "hostname": "web-1", "tags": ["prod"]},
      "os": {"id": "almalinux", "version_id": "9.0", "name": "AlmaLinux 9.0"},
      "release": "almalinux:9",
      "findings": [
        {"package": "openssl-libs", "source_package": "openssl", "installed_version": "1:3.0.1-41.el9_0", "fixed_version": "1:3.0.1-43.el9_0", "state": "fixed", "advisories": ["ALSA-2022:5003"], "cves": ["CVE-2022-1292", "CVE-2022-2068"], "severity": "medium", "vendor_severity": "Moderate", "cvss": null, "fix_available_since": "2022-06-16T00:00:00Z", "kev_due_date": null, "exposure": "network", "mitigated_by": [], "pending_restart": [], "end_of_life": null}
      ],
      "notes": [
        "a note"
      ]
    }
  ]
})");
}

TEST(ScanTable, RowsNotesAndFleetSummary) {
  core::HostFindings empty;
  empty.host.id = "m-2";
  empty.os.id = "debian";
  empty.os.version_id = "12";
  empty.release = "debian:12";
  empty.notes = {"no advisories imported for debian:12"};
  const core::HostFindings hosts[] = {sample_host(), empty};
  std::ostringstream out;
  write_scan_table(out, hosts);
  const std::string text = out.str();
  // Long lines are split into adjacent literals, which the missing-comma check mistakes.
  // NOLINTBEGIN(bugprone-suspicious-missing-comma)
  const std::string want_lines[] = {
      "web-1 - AlmaLinux 9.0 (almalinux:9) - 2 findings: 1 high, 1 medium; 1 on the CISA KEV list",
      "  PACKAGE       INSTALLED         FIXED IN          SEVERITY  ADVISORIES      CVES" +
          std::string(46, ' ') + "KEV DUE",
      "  openssl-libs  1:3.0.1-41.el9_0  1:3.0.1-43.el9_0  medium    ALSA-2022:5003  "
      "CVE-2022-1292, CVE-2022-2068",
      "  bash          5.1.8-4.el9       (will-not-fix)    high      CVE-2022-3715   "
      "CVE-2022-3715, CVE-2022-0001, CVE-2022-0002 (+1)  2023-01-01",
      "m-2 - debian 12 (debian:12) - 0 findings",
      "  note: no advisories imported for debian:12",
      "fleet: 2 hosts, 1 with findings; 2 findings: 1 high, 1 medium; 1 on the CISA KEV list",
  };
  // NOLINTEND(bugprone-suspicious-missing-comma)
  for (const auto& line : want_lines) {
    EXPECT_NE(text.find(line + "\n"), std::string::npos) << "missing: " << line << "\n" << text;
  }
}

// Issue 4: the per-host end-of-life finding in both forms.
// With risk scores (policy::sort_by_risk) both forms carry them, in the findings' order; the
// breakdown only with explain; without scores neither shows a trace of them.
TEST(ScanReport, RiskScoresAndBreakdown) {
  core::HostFindings h = sample_host();
  const std::vector<std::vector<policy::RiskBreakdown>> risk = {
      policy::sort_by_risk(h.findings, nullptr)};
  // bash: cvss 7.8 x kev 2 = 15.6 -> 26.0; openssl-libs: medium 5 x network 1.5 = 7.5 -> 12.5.
  ASSERT_EQ(h.findings[0].package, "bash");
  const core::HostFindings hosts[] = {h};
  for (const bool explain : {false, true}) {
    SCOPED_TRACE(explain);
    const auto j = nlohmann::json::parse(
        scan_json(hosts, {.pretty = false, .risk = risk, .explain = explain}));
    const auto& findings = j["hosts"][0]["findings"];
    EXPECT_EQ(findings[0]["risk"], 26.0);
    EXPECT_EQ(findings[1]["risk"], 12.5);
    EXPECT_EQ(findings[0].contains("risk_breakdown"), explain);
    if (explain) {
      const auto& b = findings[0]["risk_breakdown"];
      EXPECT_EQ(b["base"], 7.8);
      EXPECT_EQ(b["base_source"], "cvss 7.8");
      EXPECT_EQ(b["kev"], 2);
      EXPECT_TRUE(b["epss_probability"].is_null());
      EXPECT_EQ(b["raw"], 15.6);
      EXPECT_EQ(b["explain"], risk[0][0].explain());
      EXPECT_EQ(findings[1]["risk_breakdown"]["exposure"], 1.5);
    }
    std::ostringstream out;
    write_scan_table(out, hosts, {.risk = risk, .explain = explain});
    const std::string text = out.str();
    EXPECT_NE(text.find("SEVERITY  RISK  ADVISORIES"), std::string::npos) << text;
    const std::size_t bash = text.find("  bash  ");
    const std::size_t openssl = text.find("  openssl-libs  ");
    ASSERT_NE(bash, std::string::npos) << text;
    ASSERT_NE(openssl, std::string::npos) << text;
    EXPECT_LT(bash, openssl) << text;
    EXPECT_NE(text.find("  high      26.0  "), std::string::npos) << text;
    EXPECT_EQ(text.find("      risk: cvss 7.8 x kev 2 x epss 1 x exposure 1 x tier 1 = 15.60 -> "
                        "26.0/100\n") != std::string::npos,
              explain)
        << text;
  }
  const std::string plain = scan_json(hosts, {.pretty = false});
  EXPECT_EQ(plain.find("risk"), std::string::npos);
  std::ostringstream table;
  write_scan_table(table, hosts);
  EXPECT_EQ(table.str().find("RISK"), std::string::npos);
}

TEST(ScanReport, EndOfLifeFinding) {
  core::HostFindings h;
  h.host = {"r-1", "legacy", {}};
  h.os = {"rhel", "7.7", "Red Hat Enterprise Linux Server 7.7", {}, ""};
  h.release = "rhel:7";
  core::Finding f;
  f.installed_version = "7.7";
  f.state = core::FindingState::kEndOfLife;
  f.advisories = {"EOL:rhel:7"};
  f.severity = core::Severity::kHigh;
  f.end_of_life = core::EndOfLife{"rhel:7",
                                  "2024-06-30",
                                  "2024-07-01T00:00:00Z",
                                  "https://access.redhat.com/support/policy/updates/errata",
                                  "RHEL ELS",
                                  "2028-06-30"};
  h.findings.push_back(f);
  core::HostFindings d = h;
  d.findings[0].end_of_life->paid_program.clear();
  d.findings[0].end_of_life->paid_until.clear();
  const core::HostFindings hosts[] = {h, d};
  const auto j = nlohmann::json::parse(scan_json(hosts));
  const auto& e = j["hosts"][0]["findings"][0];
  EXPECT_EQ(e["state"], "end-of-life");
  EXPECT_EQ(e["package"], "");
  EXPECT_TRUE(e["fixed_version"].is_null());
  EXPECT_EQ(e["end_of_life"], nlohmann::json::parse(R"({"release": "rhel:7",
      "last_supported_day": "2024-06-30", "since": "2024-07-01T00:00:00Z",
      "source": "https://access.redhat.com/support/policy/updates/errata",
      "paid_program": "RHEL ELS", "paid_until": "2028-06-30"})"));
  EXPECT_TRUE(j["hosts"][1]["findings"][0]["end_of_life"]["paid_program"].is_null());
  EXPECT_TRUE(j["hosts"][1]["findings"][0]["end_of_life"]["paid_until"].is_null());

  std::ostringstream out;
  write_scan_table(out, hosts);
  const std::string text = out.str();
  for (const std::string line : {
           "  (release rhel:7)  7.7        (end-of-life)  high      EOL:rhel:7",
           "  end of life: rhel:7 was supported until 2024-06-30 "
           "(https://access.redhat.com/support/policy/updates/errata); RHEL ELS (paid) runs "
           "until 2028-06-30",
           "  end of life: rhel:7 was supported until 2024-06-30 "
           "(https://access.redhat.com/support/policy/updates/errata)",
       }) {
    EXPECT_NE(text.find(line + "\n"), std::string::npos) << "missing: " << line << "\n" << text;
  }
}

}  // namespace
}  // namespace fleetpatch::report
