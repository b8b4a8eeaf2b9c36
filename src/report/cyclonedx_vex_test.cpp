#include "report/cyclonedx_vex.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "report/compliance_fixture_test.hpp"

namespace fleetpatch::report {
namespace {

using Json = nlohmann::json;

Json render(const ComplianceReport& report) {
  std::ostringstream out;
  write_compliance_vex(out, report, {.tool_version = "0.1.0"});
  return Json::parse(out.str());
}

/// Every bom-ref of the component tree.
void collect_refs(const Json& components, std::multiset<std::string>& refs) {
  for (const Json& c : components) {
    refs.insert(c["bom-ref"].get<std::string>());
    if (c.contains("components")) collect_refs(c["components"], refs);
  }
}

std::string property(const Json& object, const std::string& name) {
  for (const Json& p : object["properties"]) {
    if (p["name"] == name) return p["value"];
  }
  return "";
}

TEST(Vex, DocumentHeader) {
  const Json bom = render(testing::sample_report());
  EXPECT_EQ(bom["bomFormat"], "CycloneDX");
  EXPECT_EQ(bom["specVersion"], "1.5");
  EXPECT_EQ(bom["version"], 1);
  EXPECT_EQ(bom["metadata"]["timestamp"], "2026-11-26T00:00:00Z");
  EXPECT_EQ(bom["metadata"]["tools"]["components"][0]["name"], "fleetpatch");
  EXPECT_EQ(property(bom["metadata"], "fleetpatch:overdue"), "1");
  EXPECT_EQ(property(bom["metadata"], "fleetpatch:policy"), "soc2");
  static const std::regex kSerial(
      "^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  EXPECT_TRUE(std::regex_match(bom["serialNumber"].get<std::string>(), kSerial))
      << bom["serialNumber"];
}

TEST(Vex, SerialNumberFollowsTheContent) {
  const ComplianceReport report = testing::sample_report();
  ComplianceReport other = report;
  other.findings[1].status = policy::Status::kOverdue;
  ComplianceReport later = report;
  later.as_of = testing::at(2026, 11, 27);
  const std::string serial = render(report)["serialNumber"];
  EXPECT_EQ(render(report)["serialNumber"], serial);  // reproducible
  EXPECT_NE(render(other)["serialNumber"], serial);
  EXPECT_NE(render(later)["serialNumber"], serial);
}

TEST(Vex, HostsHoldTheirAffectedPackagesAndEveryRefResolves) {
  const Json bom = render(testing::sample_report());
  ASSERT_EQ(bom["components"].size(), 3u);  // every host, in per-host order
  EXPECT_EQ(bom["components"][0]["type"], "device");
  EXPECT_EQ(bom["components"][0]["name"], "web-1.example");
  EXPECT_EQ(bom["components"][0]["components"].size(), 3u);
  EXPECT_EQ(bom["components"][1]["components"].size(), 1u);  // the fixed zlib is left out
  EXPECT_FALSE(bom["components"][2].contains("components"));

  std::multiset<std::string> refs;
  collect_refs(bom["components"], refs);
  EXPECT_EQ(std::set<std::string>(refs.begin(), refs.end()).size(), refs.size())
      << "bom-refs must be unique";
  for (const Json& v : bom["vulnerabilities"]) {
    for (const Json& a : v["affects"]) {
      EXPECT_EQ(refs.count(a["ref"].get<std::string>()), 1u) << a["ref"];
    }
  }
}

TEST(Vex, AnalysisByStatusAndFindingState) {
  const Json bom = render(testing::sample_report());
  // (id, affected package) -> expected analysis; CVE-2026-0001 appears twice (overdue on web-1,
  // mitigated on db-1) because the analyses differ.
  const struct {
    std::string id;
    std::string status;
    std::string state;
    std::string response;
    std::string justification;
  } want[] = {
      {"CVE-2026-0001", "overdue", "exploitable", "update", ""},
      {"CVE-2026-0002", "overdue", "exploitable", "update", ""},
      {"CVE-2026-0003", "due-soon", "exploitable", "update", ""},
      {"CVE-2026-0004", "excepted", "exploitable", "will_not_fix", ""},
      {"CVE-2026-0001", "mitigated", "not_affected", "", "protected_at_runtime"},
  };
  ASSERT_EQ(bom["vulnerabilities"].size(), std::size(want));
  for (std::size_t i = 0; i < std::size(want); ++i) {
    const Json& v = bom["vulnerabilities"][i];
    SCOPED_TRACE(want[i].id + " " + want[i].status);
    EXPECT_EQ(v["id"], want[i].id);
    EXPECT_EQ(property(v, "fleetpatch:status"), want[i].status);
    EXPECT_EQ(v["analysis"]["state"], want[i].state);
    if (want[i].response.empty()) {
      EXPECT_FALSE(v["analysis"].contains("response"));
    } else {
      EXPECT_EQ(v["analysis"]["response"], Json({want[i].response}));
    }
    EXPECT_EQ(v["analysis"].value("justification", ""), want[i].justification);
    EXPECT_EQ(v["source"]["name"], "NVD");
    EXPECT_EQ(v["affects"].size(), 1u);
  }
  const Json& excepted = bom["vulnerabilities"][3];
  EXPECT_NE(excepted["analysis"]["detail"].get<std::string>().find("curl is not reachable"),
            std::string::npos);
  EXPECT_EQ(bom["vulnerabilities"][0]["ratings"][0]["severity"], "critical");
  EXPECT_EQ(bom["vulnerabilities"][0]["ratings"][0]["score"], 9.8);
  EXPECT_EQ(bom["vulnerabilities"][0]["recommendation"], "Update to openssl-libs 1.0-2.");
  EXPECT_EQ(property(bom["vulnerabilities"][0], "fleetpatch:advisory"), "ALSA-2026:0001");
  EXPECT_EQ(property(bom["vulnerabilities"][0], "fleetpatch:earliest_deadline"),
            "2026-10-31T00:00:00Z");
}

TEST(Vex, FindingStatesWithoutAFixSayWhy) {
  const struct {
    core::FindingState state;
    std::string response;
  } cases[] = {
      {core::FindingState::kFixed, "update"},
      {core::FindingState::kUnfixed, "can_not_fix"},
      {core::FindingState::kWillNotFix, "will_not_fix"},
      {core::FindingState::kEndOfLife, "can_not_fix"},
      {core::FindingState::kFixedPendingReboot, "update"},
  };
  for (const auto& c : cases) {
    ComplianceReport report = testing::sample_report();
    report.findings = {report.findings[1]};
    report.findings[0].state = c.state;
    const Json v = render(report)["vulnerabilities"][0];
    EXPECT_EQ(v["analysis"]["response"], Json({c.response})) << core::to_string(c.state);
  }
}

TEST(Vex, AFindingWithoutCveIsFiledUnderItsAdvisory) {
  ComplianceReport report = testing::sample_report();
  report.findings = {report.findings[1]};
  report.findings[0].cves.clear();
  const Json v = render(report)["vulnerabilities"][0];
  EXPECT_EQ(v["id"], "ALSA-2026:0002");
  EXPECT_FALSE(v.contains("source"));
}

}  // namespace
}  // namespace fleetpatch::report
