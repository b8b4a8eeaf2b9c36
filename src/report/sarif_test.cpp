#include "report/sarif.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "report/compliance_fixture_test.hpp"

namespace fleetpatch::report {
namespace {

using Json = nlohmann::json;

Json render(const ComplianceReport& report, bool pretty = true) {
  std::ostringstream out;
  write_compliance_sarif(out, report, {.tool_version = "0.1.0", .pretty = pretty});
  return Json::parse(out.str());
}

TEST(Sarif, LogShapeToolAndRunProperties) {
  const Json log = render(testing::sample_report());
  EXPECT_EQ(log["version"], "2.1.0");
  EXPECT_EQ(log["$schema"], std::string(kSarifSchemaUri));
  ASSERT_EQ(log["runs"].size(), 1u);
  const Json& run = log["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "fleetpatch");
  EXPECT_EQ(run["tool"]["driver"]["version"], "0.1.0");
  EXPECT_EQ(run["properties"]["policy"], "soc2");
  EXPECT_EQ(run["properties"]["as_of"], "2026-11-26T00:00:00Z");
  EXPECT_EQ(run["properties"]["summary"]["overdue"], 1);
  EXPECT_EQ(run["properties"]["summary"]["hosts_compliant"], 2);
  EXPECT_EQ(run["automationDetails"]["id"], "fleetpatch-report/soc2/2026-11-26T00:00:00Z");
}

TEST(Sarif, OneResultPerPresentFindingWithLevelByStatus) {
  const ComplianceReport report = testing::sample_report();
  const Json run = render(report)["runs"][0];
  // Every finding but the fixed one, in report order.
  const struct {
    std::string package;
    std::string level;
    std::string status;
    bool suppressed;
  } want[] = {
      {"openssl-libs", "error", "overdue", false},
      {"bash", "warning", "due-soon", false},
      {"curl", "note", "excepted", true},
      {"kernel", "note", "mitigated", true},
  };
  ASSERT_EQ(run["results"].size(), std::size(want));
  for (std::size_t i = 0; i < std::size(want); ++i) {
    const Json& r = run["results"][i];
    SCOPED_TRACE(want[i].package);
    EXPECT_EQ(r["properties"]["package"], want[i].package);
    EXPECT_EQ(r["level"], want[i].level);
    EXPECT_EQ(r["kind"], "fail");
    EXPECT_EQ(r["properties"]["status"], want[i].status);
    EXPECT_EQ(r.contains("suppressions"), want[i].suppressed);
    EXPECT_DOUBLE_EQ(r["rank"].get<double>(), report.findings[i].risk.score);
    // ruleIndex points at the rule named by ruleId.
    const Json& rule = run["tool"]["driver"]["rules"][r["ruleIndex"].get<std::size_t>()];
    EXPECT_EQ(rule["id"], r["ruleId"]);
    EXPECT_EQ(r["ruleId"], report.findings[i].advisories.front());
  }
}

TEST(Sarif, SuppressionsCarryTheJustification) {
  const Json results = render(testing::sample_report())["runs"][0]["results"];
  const Json& excepted = results[2]["suppressions"][0];
  EXPECT_EQ(excepted["kind"], "external");
  EXPECT_EQ(excepted["status"], "accepted");
  const std::string text = excepted["justification"];
  EXPECT_NE(text.find("curl is not reachable"), std::string::npos) << text;
  EXPECT_NE(text.find("ciso@example.com"), std::string::npos) << text;
  EXPECT_NE(text.find("2026-12-10"), std::string::npos) << text;
  const std::string livepatch = results[3]["suppressions"][0]["justification"];
  EXPECT_NE(livepatch.find("livepatch"), std::string::npos) << livepatch;
}

TEST(Sarif, RulesAreUniqueWithSecuritySeverity) {
  ComplianceReport report = testing::sample_report();
  // The same advisory on a second host must not make a second rule.
  ComplianceFinding again = report.findings[0];
  again.host = "web-2";
  again.cvss.reset();
  report.findings.push_back(again);
  const Json run = render(report)["runs"][0];
  std::set<std::string> ids;
  for (const Json& rule : run["tool"]["driver"]["rules"]) {
    EXPECT_TRUE(ids.insert(rule["id"]).second) << rule["id"];
  }
  EXPECT_EQ(ids.size(), 4u);
  const Json& first = run["tool"]["driver"]["rules"][0];
  EXPECT_EQ(first["id"], "ALSA-2026:0001");
  EXPECT_EQ(first["properties"]["security-severity"], "9.8");  // the highest CVSS
  EXPECT_EQ(first["properties"]["cves"], Json({"CVE-2026-0001", "CVE-2026-0002"}));
  // Without CVSS the severity decides: high -> 8.0.
  EXPECT_EQ(run["tool"]["driver"]["rules"][1]["properties"]["security-severity"], "8.0");
  EXPECT_EQ(run["results"].size(), 5u);
  EXPECT_EQ(run["results"][4]["ruleIndex"], 0);
}

TEST(Sarif, LocationsAreEncodedAndTextIsValidUtf8) {
  ComplianceReport report = testing::sample_report();
  report.findings[0].host = "web 1/\xFF";
  report.findings[0].package = "libstdc++6";
  const Json run = render(report, /*pretty=*/false)["runs"][0];
  const Json& location = run["results"][0]["locations"][0];
  EXPECT_EQ(location["physicalLocation"]["artifactLocation"]["uri"],
            "hosts/web%201%2F%FF/packages/libstdc%2B%2B6");
  EXPECT_EQ(location["logicalLocations"][0]["name"], "libstdc++6");
  EXPECT_EQ(run["results"][0]["properties"]["host"], "web 1/\xEF\xBF\xBD");
}

TEST(Sarif, MessageSaysStatusDeadlineAndFix) {
  const Json results = render(testing::sample_report())["runs"][0]["results"];
  const std::string text = results[0]["message"]["text"];
  for (const char* part :
       {"openssl-libs 1.0-1 on web-1.example", "ALSA-2026:0001", "CVE-2026-0001, CVE-2026-0002",
        "critical", "overdue by 26 days", "deadline 2026-10-31", "Fixed in 1.0-2",
        "soc2: critical within 30 days"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << " in: " << text;
  }
}

TEST(Sarif, EmptyReportIsStillALog) {
  const Json log = render(ComplianceReport{});
  EXPECT_TRUE(log["runs"][0]["results"].empty());
  EXPECT_TRUE(log["runs"][0]["tool"]["driver"]["rules"].empty());
}

}  // namespace
}  // namespace fleetpatch::report
