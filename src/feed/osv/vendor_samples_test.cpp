// Real OSV records of Ubuntu, SUSE and Rocky Linux (tests/data/feeds/osv-samples), read by the
// generic reader and refined by each family's Distro::refine_advisory. Expected values were
// read by hand from the files.
#include <gtest/gtest.h>

#include <algorithm>

#include "feed/osv/osv.hpp"
#include "feed/osv/test_util.hpp"

namespace fleetpatch::feed::osv {
namespace {

using namespace fleetpatch::feed::testing;
using Type = core::VersionEvent::Type;

std::string describe(const core::AffectedPackage& entry) {
  std::string text = entry.release + " " + entry.name;
  text += entry.state == core::FixState::kFixed ? " fixed" : " unfixed";
  if (entry.state == core::FixState::kFixed) text += " " + entry.events.back().version;
  return text;
}

struct Case {
  std::string file;
  std::string id;  // "" = the record yields no advisory
  core::AdvisoryKind kind;
  core::Severity severity;
  std::string vendor_severity;
  std::optional<double> cvss;
  std::string published;
  std::size_t cve_count;
  std::vector<std::string> some_cves;
  std::size_t entry_count;
  std::vector<std::string> some_entries;
};

TEST(OsvVendorSamples, EachParsesWithoutErrors) {
  const Case cases[] = {
      // A USN: three kernel source packages in 22.04 and 24.04; Ubuntu advisories name source
      // packages, so the `binaries` lists are not expanded. No priority in USNs. `related` has
      // 394 ids: 197 CVEs and the same 197 as UBUNTU-CVE records.
      {"USN-7095-1.json",
       "USN-7095-1",
       core::AdvisoryKind::kSecurity,
       core::Severity::kUnknown,
       "",
       std::nullopt,
       "2024-11-07T09:49:52.411702Z",
       197,
       {"CVE-2023-52887", "CVE-2024-45001"},
       3,
       {"ubuntu:22.04 linux-nvidia-6.8 fixed 6.8.0-1017.19~22.04.1",
        "ubuntu:24.04 linux-nvidia fixed 6.8.0-1017.19",
        "ubuntu:24.04 linux-nvidia-lowlatency fixed 6.8.0-1017.19.1"}},
      // An UBUNTU-CVE record: ubuntu_priority "medium" in ecosystem_specific, four releases.
      {"UBUNTU-CVE-2024-51988.json",
       "UBUNTU-CVE-2024-51988",
       core::AdvisoryKind::kSecurity,
       core::Severity::kMedium,
       "medium",
       std::nullopt,
       "2024-11-07T00:00:00Z",
       1,
       {"CVE-2024-51988"},
       4,
       {"ubuntu:20.04 rabbitmq-server fixed 3.8.3-0ubuntu0.1",
        "ubuntu:24.10 rabbitmq-server fixed 3.12.1-1ubuntu2"}},
      // SUSE: SLES 12 and 12 SP1 map (Desktop, SAP, SDK and Workstation Extension do not); each
      // source package plus its binaries, the source's own name once per release.
      {"SUSE-SU-403.json",
       "SUSE-SU-403",
       core::AdvisoryKind::kSecurity,
       core::Severity::kUnknown,
       "",
       std::nullopt,
       "2014-10-24T22:07:03Z",
       54,
       {"CVE-2006-7250", "CVE-2015-4000"},
       26,
       {"sles:12 libqt4 fixed 4.8.6-7.1", "sles:12.1 libqt4-devel-doc fixed 4.8.6-7.3",
        "sles:12.1 libqt4-x11-32bit fixed 4.8.6-7.1"}},
      // The same record under an id with a space in it (a real quirk of SUSE's feed).
      {"SUSE-SU-403+Forbidden-1.json",
       "SUSE-SU-403 Forbidden-1",
       core::AdvisoryKind::kSecurity,
       core::Severity::kUnknown,
       "",
       std::nullopt,
       "2014-10-24T22:07:03Z",
       54,
       {},
       26,
       {"sles:12 libqt4-sql-plugins fixed 4.8.6-7.1"}},
      // Rocky Linux 9 and 8 (RLSA), read as before this issue: severity from the summary, score
      // from the CVSS vector, CVEs from `related` or `upstream`.
      {"RLSA-2023-0005.json",
       "RLSA-2023:0005",
       core::AdvisoryKind::kSecurity,
       core::Severity::kHigh,
       "Important",
       8.1,
       "2023-01-02T06:07:03Z",
       1,
       {"CVE-2022-42920"},
       1,
       {"rocky:9 bcel fixed 0:6.4.1-9.el9_1"}},
      {"RLSA-2025-8056.json",
       "RLSA-2025:8056",
       core::AdvisoryKind::kSecurity,
       core::Severity::kHigh,
       "Important",
       7.8,
       "2025-07-29T13:38:26.982620Z",
       3,
       {"CVE-2024-40906", "CVE-2024-44970", "CVE-2025-21756"},
       1,
       {"rocky:8 kernel fixed 0:4.18.0-553.53.1.el8_10"}},
      // No `affected` at all; openSUSE Package Hub and Rocky's RXSA (SIG) are not mapped.
      {"SUSE-SU-2015-0011-2.json"},
      {"openSUSE-SU-2016-1623-1.json"},
      {"RXSA-2023-0101.json"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    core::Diagnostics diags;
    auto advisory = parse_record(slurp(test_data("osv-samples/" + c.file)), c.file, diags);
    EXPECT_TRUE(diags.empty()) << diags.items().front().to_string();
    if (c.id.empty()) {
      EXPECT_FALSE(advisory.has_value());
      continue;
    }
    ASSERT_TRUE(advisory.has_value());
    EXPECT_EQ(advisory->id, c.id);
    EXPECT_EQ(advisory->kind, c.kind);
    EXPECT_EQ(advisory->severity, c.severity);
    EXPECT_EQ(advisory->vendor_severity, c.vendor_severity);
    if (c.cvss) {
      ASSERT_TRUE(advisory->cvss_score.has_value());
      EXPECT_NEAR(*advisory->cvss_score, *c.cvss, 1e-9);
    } else {
      EXPECT_FALSE(advisory->cvss_score.has_value());
    }
    EXPECT_EQ(advisory->published, c.published);
    EXPECT_EQ(advisory->cves.size(), c.cve_count);
    for (const auto& cve : c.some_cves) {
      EXPECT_TRUE(std::binary_search(advisory->cves.begin(), advisory->cves.end(), cve)) << cve;
    }
    EXPECT_EQ(advisory->affected.size(), c.entry_count);
    std::vector<std::string> got;
    for (const auto& entry : advisory->affected) got.push_back(describe(entry));
    for (const auto& entry : c.some_entries) {
      EXPECT_NE(std::find(got.begin(), got.end(), entry), got.end()) << entry;
    }
  }
}

/// Ubuntu OSV as Canonical documents it in 2025 (schema 1.7): USNs name their CVEs through the
/// UBUNTU-CVE records in `upstream`; an UBUNTU-CVE record's priority is a `severity` entry of
/// type "Ubuntu"; an unfixed package (needs-triage, needed, deferred, ignored, ...) has no fixed
/// event; a Pro entry's fix carries "+esm".
TEST(OsvVendorSamples, UbuntuCurrentFormat) {
  const std::string usn = R"({"schema_version":"1.7.0","id":"USN-7648-1","upstream":
      ["UBUNTU-CVE-2025-6491","UBUNTU-CVE-2025-1220"],"related":[],"published":"2025-07-15T00:00:00Z",
      "affected":[{"package":{"ecosystem":"Ubuntu:Pro:18.04:LTS","name":"php7.2"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"7.2.24-0ubuntu0.18.04.17+esm8"}]}],
        "ecosystem_specific":{"availability":"Available with Ubuntu Pro: https://ubuntu.com/pro"}}]})";
  core::Diagnostics diags;
  auto advisory = parse_record(usn, "usn", diags);
  ASSERT_TRUE(advisory.has_value());
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(advisory->cves, (std::vector<std::string>{"CVE-2025-1220", "CVE-2025-6491"}));
  ASSERT_EQ(advisory->affected.size(), 1u);
  EXPECT_EQ(advisory->affected[0].release, "ubuntu:18.04");
  EXPECT_EQ(advisory->affected[0].events.back(),
            (core::VersionEvent{Type::kFixed, "7.2.24-0ubuntu0.18.04.17+esm8"}));

  const std::string cve_record = R"({"schema_version":"1.7.0","id":"UBUNTU-CVE-2025-6491",
      "upstream":["CVE-2025-6491"],"related":["USN-7648-1"],
      "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H"},
                  {"type":"Ubuntu","score":"negligible"}],
      "affected":[{"package":{"ecosystem":"Ubuntu:Pro:16.04:LTS","name":"php7.0"},
                   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}],"ecosystem_specific":{}},
                  {"package":{"ecosystem":"Ubuntu:22.04:LTS","name":"php8.1"},
                   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"8.1.2-1ubuntu2.22"}]}]}]})";
  advisory = parse_record(cve_record, "cve", diags);
  ASSERT_TRUE(advisory.has_value());
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(advisory->cves, std::vector<std::string>{"CVE-2025-6491"});
  // The vendor's priority wins over the CVSS band (5.9 would be medium).
  EXPECT_EQ(advisory->vendor_severity, "negligible");
  EXPECT_EQ(advisory->severity, core::Severity::kLow);
  ASSERT_EQ(advisory->affected.size(), 2u);
  EXPECT_EQ(describe(advisory->affected[0]), "ubuntu:16.04 php7.0 unfixed");
  EXPECT_EQ(describe(advisory->affected[1]), "ubuntu:22.04 php8.1 fixed 8.1.2-1ubuntu2.22");

  // Livepatch notices are dropped by the Ubuntu family (counted as not applicable).
  FeedBatch batch;
  RecordParser parser;
  parser.parse(R"({"id":"LSN-0113-1","upstream":["UBUNTU-CVE-2024-50047"],"affected":[
      {"package":{"ecosystem":"Ubuntu:Pro:16.04:LTS","name":"linux-aws"},
       "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"4.4.0-1182.197"}]}]}]})",
               "lsn", 0, batch, diags);
  EXPECT_TRUE(batch.advisories.empty());
  EXPECT_EQ(batch.skipped_ecosystems.at("ubuntu (not applicable)"), 1u);
}

}  // namespace
}  // namespace fleetpatch::feed::osv
