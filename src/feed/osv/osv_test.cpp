#include "feed/osv/osv.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace fleetpatch::feed::osv {
namespace {

using Type = core::VersionEvent::Type;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string data(const std::string& relative) {
  return std::string(FLEETPATCH_TEST_DATA) + "/feeds/" + relative;
}

/// A record with one affected entry; `extra` is spliced into the top-level object.
std::string record(const std::string& id, const std::string& ecosystem,
                   const std::string& events = R"([{"introduced":"0"},{"fixed":"1.0-2"}])",
                   const std::string& extra = "") {
  return R"({"id":")" + id + R"(",)" + extra + R"("affected":[{"package":{"ecosystem":")" +
         ecosystem + R"(","name":"pkg"},"ranges":[{"type":"ECOSYSTEM","events":)" + events +
         "}]}]}";
}

TEST(OsvRecord, RealAlmaLinuxModuleAdvisory) {
  core::Diagnostics diags;
  auto advisory = parse_record(slurp(data("almalinux/almalinux8/ALSA-2022:8833.json")),
                               "ALSA-2022:8833.json", diags);
  ASSERT_TRUE(advisory.has_value());
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(advisory->id, "ALSA-2022:8833");
  EXPECT_EQ(advisory->kind, core::AdvisoryKind::kSecurity);
  EXPECT_EQ(advisory->severity, core::Severity::kMedium);
  EXPECT_EQ(advisory->vendor_severity, "Moderate");
  EXPECT_EQ(advisory->cves, (std::vector<std::string>{"CVE-2022-3517", "CVE-2022-43548"}));
  EXPECT_EQ(advisory->published, "2022-12-06T00:00:00Z");
  ASSERT_FALSE(advisory->affected.empty());
  for (const auto& entry : advisory->affected) {
    EXPECT_EQ(entry.release, "almalinux:8");
    EXPECT_EQ(entry.module, "nodejs:18") << entry.name;
    EXPECT_EQ(entry.state, core::FixState::kFixed);
  }
  const auto& nodejs = advisory->affected.front();
  EXPECT_EQ(nodejs.name, "nodejs");
  EXPECT_EQ(nodejs.events, (std::vector<core::VersionEvent>{
                               {Type::kIntroduced, "0"},
                               {Type::kFixed, "1:18.12.1-2.module_el8.7.0+3370+40ccb2a8"}}));
}

TEST(OsvRecord, RealAlmaLinuxModuleCases) {
  struct Case {
    std::string file;
    std::string package;
    std::vector<std::string> want;  // "module fixed-version" of the package's entries
  };
  const Case cases[] = {
      // Two streams named in the summary: the entry applies to each; the two builds of one
      // version-release (+2880 and +3161) collapse to the lower.
      {"almalinux/almalinux8/ALSA-2023:6980.json",
       "hivex",
       {"virt:rhel 1.3.18-23.module_el8.6.0+2880+7d9e3703",
        "virt-devel:rhel 1.3.18-23.module_el8.6.0+2880+7d9e3703"}},
      // A bug-fix summary naming the module without a stream; three builds of one fix.
      {"almalinux/almalinux8/ALBA-2019:0973.json",
       "oci-umount",
       {"container-tools 2:2.3.4-2.git87f9237.module_el8.3.0+2044+12421f43"}},
      // Not a module build: no module.
      {"almalinux/almalinux9/ALSA-2022:6224.json", "openssl-libs", {" 1:3.0.1-41.el9_0"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    core::Diagnostics diags;
    auto advisory = parse_record(slurp(data(c.file)), c.file, diags);
    ASSERT_TRUE(advisory.has_value());
    std::vector<std::string> got;
    for (const auto& entry : advisory->affected) {
      if (entry.name == c.package) got.push_back(entry.module + " " + entry.events.back().version);
    }
    EXPECT_EQ(got, c.want);
  }
}

TEST(OsvRecord, RealSamplesOfOtherDistributions) {
  struct Case {
    std::string file;
    std::string id;  // "" = record is skipped
    std::string first_release;
    std::string first_name;
    std::size_t entries;
    core::Severity severity;
    std::vector<std::string> cves;
  };
  const Case cases[] = {
      {"almalinux/almalinux9/ALSA-2022:6224.json",
       "ALSA-2022:6224",
       "almalinux:9",
       "openssl",
       4,
       core::Severity::kMedium,
       {"CVE-2022-1292", "CVE-2022-1343", "CVE-2022-1473", "CVE-2022-2068", "CVE-2022-2097"}},
      {"almalinux/almalinux8/ALBA-2019:0973.json",
       "ALBA-2019:0973",
       "almalinux:8",
       "oci-systemd-hook",
       2,
       core::Severity::kUnknown,
       {}},
      {"osv-samples/RLSA-2024-8121.json",
       "RLSA-2024:8121",
       "rocky:9",
       "java-11-openjdk",
       2,
       core::Severity::kMedium,
       {"CVE-2023-48161", "CVE-2024-21208", "CVE-2024-21210", "CVE-2024-21217", "CVE-2024-21235"}},
      {"osv-samples/UBUNTU-CVE-2024-51988.json",
       "UBUNTU-CVE-2024-51988",
       "ubuntu:20.04",
       "rabbitmq-server",
       0,
       core::Severity::kMedium,
       {"CVE-2024-51988"}},
      {"osv-samples/CVE-2023-46850.json",
       "CVE-2023-46850",
       "alpine:3.18",
       "openvpn",
       1,
       core::Severity::kCritical,
       {"CVE-2023-46850"}},
      {"osv-samples/DLA-0001-1.json",
       "DLA-0001-1",
       "debian:6",
       "gnutls26",
       1,
       core::Severity::kUnknown,
       {"CVE-2014-3466"}},
      {"osv-samples/openSUSE-SU-2016-1623-1.json", "", "", "", 0, core::Severity::kUnknown, {}},
      {"osv-samples/RXSA-2023-0101.json", "", "", "", 0, core::Severity::kUnknown, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    core::Diagnostics diags;
    auto advisory = parse_record(slurp(data(c.file)), c.file, diags);
    EXPECT_TRUE(diags.empty()) << diags.items().front().to_string();
    if (c.id.empty()) {
      EXPECT_FALSE(advisory.has_value());
      continue;
    }
    ASSERT_TRUE(advisory.has_value());
    EXPECT_EQ(advisory->id, c.id);
    EXPECT_EQ(advisory->affected.front().release, c.first_release);
    EXPECT_EQ(advisory->affected.front().name, c.first_name);
    if (c.entries != 0) {
      EXPECT_EQ(advisory->affected.size(), c.entries);
    }
    EXPECT_EQ(advisory->severity, c.severity);
    EXPECT_EQ(advisory->cves, c.cves);
  }
}

TEST(OsvRecord, AlpineCvssVectorGivesScore) {
  core::Diagnostics diags;
  auto advisory = parse_record(slurp(data("osv-samples/CVE-2023-46850.json")), "x", diags);
  ASSERT_TRUE(advisory.has_value());
  ASSERT_TRUE(advisory->cvss_score.has_value());
  EXPECT_DOUBLE_EQ(*advisory->cvss_score, 9.8);
  EXPECT_EQ(advisory->vendor_severity, "");
}

TEST(OsvRecord, FixStatesAndEvents) {
  struct Case {
    std::string events;
    core::FixState state;
    std::vector<core::VersionEvent> want;
  };
  const Case cases[] = {
      {R"([{"introduced":"0"},{"fixed":"1:2.0-1"}])",
       core::FixState::kFixed,
       {{Type::kIntroduced, "0"}, {Type::kFixed, "1:2.0-1"}}},
      {R"([{"introduced":"0"}])", core::FixState::kUnfixed, {{Type::kIntroduced, "0"}}},
      {R"([{"introduced":"1.0"},{"last_affected":"1.5"}])",
       core::FixState::kUnfixed,
       {{Type::kIntroduced, "1.0"}, {Type::kLastAffected, "1.5"}}},
      {R"([{"introduced":"0"},{"limit":"9"},{"fixed":"2"}])",
       core::FixState::kFixed,
       {{Type::kIntroduced, "0"}, {Type::kFixed, "2"}}},
  };
  for (const auto& c : cases) {
    core::Diagnostics diags;
    auto advisory = parse_record(record("DSA-1-1", "Debian:12", c.events), "t", diags);
    ASSERT_TRUE(advisory.has_value()) << c.events;
    EXPECT_EQ(advisory->affected.front().state, c.state) << c.events;
    EXPECT_EQ(advisory->affected.front().events, c.want) << c.events;
  }
}

TEST(OsvRecord, GitRangesAreIgnored) {
  core::Diagnostics diags;
  auto advisory = parse_record(
      R"({"id":"X-1","affected":[{"package":{"ecosystem":"Debian:12","name":"p"},"ranges":[
          {"type":"GIT","repo":"r","events":[{"introduced":"abc"},{"fixed":"def"}]},
          {"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2-1"}]}]}]})",
      "t", diags);
  ASSERT_TRUE(advisory.has_value());
  EXPECT_EQ(advisory->affected.front().events,
            (std::vector<core::VersionEvent>{{Type::kIntroduced, "0"}, {Type::kFixed, "1.2-1"}}));
}

TEST(OsvRecord, CvesFromAliasesRelatedUpstreamAndId) {
  core::Diagnostics diags;
  auto advisory = parse_record(
      record("CVE-2024-0001", "Alpine:v3.19", R"([{"introduced":"0"},{"fixed":"1-r0"}])",
             R"("aliases":["CVE-2024-0003","GHSA-xxxx"],"related":["CVE-2024-0002","DSA-1"],)"
             R"("upstream":["CVE-2024-0003"],)"),
      "t", diags);
  ASSERT_TRUE(advisory.has_value());
  EXPECT_EQ(advisory->cves,
            (std::vector<std::string>{"CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003"}));
}

TEST(OsvRecord, SeverityWordsAndScores) {
  struct Case {
    std::string extra;
    core::Severity severity;
    std::string vendor;
    std::optional<double> score;
  };
  const Case cases[] = {
      {R"("severity":[{"type":"Ubuntu","score":"high"}],)", core::Severity::kHigh, "high", {}},
      {R"("database_specific":{"severity":"Important"},)", core::Severity::kHigh, "Important", {}},
      {R"("database_specific":{"severity":{"nested":1}},)", core::Severity::kUnknown, "", {}},
      {R"("severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],)",
       core::Severity::kHigh, "", 7.5},
      {R"("severity":[{"type":"CVSS_V2","score":"AV:N/AC:M/Au:N/C:N/I:P/A:N"}],)",
       core::Severity::kMedium, "", 4.3},
      {R"("severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],)"
       R"("database_specific":{"severity":"low"},)",
       core::Severity::kLow, "low", 9.8},
      {R"("severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N"}],)",
       core::Severity::kUnknown,
       "",
       {}},
  };
  for (const auto& c : cases) {
    core::Diagnostics diags;
    auto advisory = parse_record(
        record("DSA-1-1", "Debian:12", R"([{"introduced":"0"},{"fixed":"1"}])", c.extra), "t",
        diags);
    ASSERT_TRUE(advisory.has_value()) << c.extra;
    EXPECT_TRUE(diags.empty()) << c.extra;
    EXPECT_EQ(advisory->severity, c.severity) << c.extra;
    EXPECT_EQ(advisory->vendor_severity, c.vendor) << c.extra;
    EXPECT_EQ(advisory->cvss_score, c.score) << c.extra;
  }
}

TEST(OsvRecord, AffectedLevelPriorityCounts) {
  core::Diagnostics diags;
  auto advisory = parse_record(
      R"({"id":"UBUNTU-CVE-1","affected":[{"package":{"ecosystem":"Ubuntu:22.04:LTS","name":"p"},
          "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}],
          "ecosystem_specific":{"ubuntu_priority":"negligible"}}]})",
      "t", diags);
  ASSERT_TRUE(advisory.has_value());
  EXPECT_EQ(advisory->severity, core::Severity::kLow);
  EXPECT_EQ(advisory->vendor_severity, "negligible");
}

TEST(OsvRecord, SuseBinariesBecomeEntries) {
  core::Diagnostics diags;
  auto advisory = parse_record(
      R"({"id":"SUSE-SU-2024:0001-1","affected":[
          {"package":{"ecosystem":"SUSE:Linux Enterprise Module for Basesystem 15 SP5","name":"openssl-3"},
           "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.8-150500.5.20.1"}]}],
           "ecosystem_specific":{"binaries":[{"libopenssl3":"3.0.8-150500.5.20.1","openssl-3":"3.0.8-150500.5.20.1"}]}},
          {"package":{"ecosystem":"SUSE:Linux Enterprise Server 15 SP5","name":"openssl-3"},
           "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.8-150500.5.20.1"}]}]}]})",
      "t", diags);
  ASSERT_TRUE(advisory.has_value());
  std::vector<std::string> names;
  for (const auto& entry : advisory->affected) {
    EXPECT_EQ(entry.release, "sles:15.5");
    EXPECT_EQ(entry.events.back().version, "3.0.8-150500.5.20.1");
    names.push_back(entry.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"libopenssl3", "openssl-3"}));
}

TEST(OsvRecord, UbuntuBinariesAreNotExpanded) {
  core::Diagnostics diags;
  auto advisory = parse_record(slurp(data("osv-samples/UBUNTU-CVE-2024-51988.json")), "t", diags);
  ASSERT_TRUE(advisory.has_value());
  for (const auto& entry : advisory->affected) EXPECT_EQ(entry.name, "rabbitmq-server");
}

TEST(OsvRecord, UnknownEcosystemsAreSkippedAndCounted) {
  RecordParser parser;
  FeedBatch batch;
  core::Diagnostics diags;
  parser.parse(record("GHSA-1", "PyPI"), "a", 0, batch, diags);
  parser.parse(record("GHSA-2", "PyPI"), "b", 0, batch, diags);
  parser.parse(R"({"id":"SUSE-SU-1","summary":"no affected"})", "c", 0, batch, diags);
  parser.parse(record("ALSA-2024:1", "AlmaLinux:9"), "d", 0, batch, diags);
  parser.parse(record("ALSA-2024:2", "AlmaLinux:9", R"([{"introduced":"0"}])",
                      R"("withdrawn":"2024-01-01T00:00:00Z",)"),
               "e", 0, batch, diags);
  EXPECT_TRUE(diags.empty());
  ASSERT_EQ(batch.advisories.size(), 1u);
  EXPECT_EQ(batch.advisories[0].id, "ALSA-2024:1");
  EXPECT_EQ(batch.skipped_ecosystems, (std::map<std::string, std::size_t>{{"PyPI", 2}, {"", 1}}));
  EXPECT_EQ(batch.advisories_per_release, (std::map<std::string, std::size_t>{{"almalinux:9", 1}}));
  EXPECT_EQ(batch.withdrawn, 1u);
}

TEST(OsvRecord, MixedEcosystemsKeepTheKnownOnes) {
  core::Diagnostics diags;
  auto advisory = parse_record(
      R"({"id":"CVE-2024-9","affected":[
          {"package":{"ecosystem":"PyPI","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]},
          {"package":{"ecosystem":"Debian:12","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]},
          {"package":{"ecosystem":"Debian:12","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]})",
      "t", diags);
  ASSERT_TRUE(advisory.has_value());
  ASSERT_EQ(advisory->affected.size(), 1u);
  EXPECT_EQ(advisory->affected[0].release, "debian:12");
}

TEST(OsvRecord, MalformedRecordsAreNamedInDiagnostics) {
  struct Case {
    std::string json;
    std::string want_record;   // the id the diagnostic names
    std::string want_message;  // a substring of its message
  };
  const Case cases[] = {
      {"", "", "malformed OSV record"},
      {"not json", "", "malformed OSV record"},
      {"[1,2]", "", "malformed OSV record"},
      {R"({"id":"ALSA-2024:7","affected":[{"package":{"ecosystem":"AlmaLinux:9")", "ALSA-2024:7",
       "malformed OSV record"},
      {R"({"id":"ALSA-2024:8","affected":{"oops":1}})", "ALSA-2024:8", "affected"},
      {R"({"id":"ALSA-2024:9","summary":5})", "ALSA-2024:9", "summary"},
      {R"({"id":"ALSA-2024:10","affected":[{"package":{"ecosystem":"AlmaLinux:9","name":"p"},)"
       R"("ranges":[{"type":"ECOSYSTEM","events":[{"fixed":7}]}]}]})",
       "ALSA-2024:10", "events"},
      {R"({"summary":"no id","affected":[]})", "", "no id"},
      {R"({"id":"ALSA-2024:11"} trailing)", "ALSA-2024:11", "malformed"},
      {R"({"affected":[{"package":{"ecosystem":"AlmaLinux:9"}}],"id":"ALSA-2024:12"})",
       "ALSA-2024:12", "no ecosystem or no name"},
  };
  for (const auto& c : cases) {
    core::Diagnostics diags;
    auto advisory = parse_record(c.json, "dir/file.json", diags);
    SCOPED_TRACE(c.json);
    EXPECT_FALSE(advisory.has_value());
    ASSERT_EQ(diags.size(), 1u);
    const auto& d = diags.items().front();
    EXPECT_EQ(d.source, "dir/file.json");
    EXPECT_EQ(d.record, c.want_record);
    EXPECT_NE(d.message.find(c.want_message), std::string::npos) << d.message;
  }
}

TEST(OsvRecord, ParserIsReusableAfterErrors) {
  RecordParser parser;
  FeedBatch batch;
  core::Diagnostics diags;
  parser.parse("{\"id\":", "bad", 0, batch, diags);
  parser.parse(record("DSA-1-1", "Debian:12"), "good", 0, batch, diags);
  EXPECT_EQ(diags.size(), 1u);
  ASSERT_EQ(batch.advisories.size(), 1u);
  EXPECT_EQ(batch.advisories[0].id, "DSA-1-1");
}

}  // namespace
}  // namespace fleetpatch::feed::osv
