// `fleetpatch feed import`, `feed status` and `scan` end to end, on the hand-written feeds and
// host reports in tests/data/scan/ (see its README.md).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using fleetpatch::testsupport::CommandRun;
using fleetpatch::testsupport::slurp;

class ScanCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fleetpatch-scan-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CommandRun run(const std::string& args) const {
    const fs::path err_path = dir_ / "stderr.txt";
    const std::string cmd = std::string(FLEETPATCH_BIN) + " --data-dir " + data_dir() + " " + args +
                            " 2>" + err_path.string();
    CommandRun r;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (pipe == nullptr) return r;
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
    const int status = ::pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = slurp(err_path);
    return r;
  }

  static std::string data(const std::string& rel) {
    return std::string(FLEETPATCH_TEST_DATA) + "/scan/" + rel;
  }
  std::string data_dir() const { return (dir_ / "data").string(); }
  fs::path index_file() const { return dir_ / "data" / "index" / "advisories.fpi"; }

  void import_good() const {
    const CommandRun r = run("feed import " + data("feeds/alma") + " " + data("feeds/kev.json"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  fs::path dir_;
};

TEST_F(ScanCli, ImportThenScanFleetAsJson) {
  import_good();
  const CommandRun r = run("scan --format json --inventory " + data("hosts/alma9.json") + " " +
                           data("hosts/alma8-nodejs14.json") + " " +
                           data("hosts/alma8-nodejs16.json") + " " + data("hosts/debian12.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "fleetpatch.scan/1");
  ASSERT_EQ(j["hosts"].size(), 4u);
  std::set<std::string> got;
  for (const auto& host : j["hosts"]) {
    for (const auto& f : host["findings"]) {
      got.insert(host["host"]["id"].get<std::string>() + " " + f["package"].get<std::string>() +
                 " " + f["advisories"][0].get<std::string>() + " " +
                 f["fixed_version"].get<std::string>());
    }
  }
  // bash's ALBA bug-fix record never counts; nodejs:16 is not judged by a nodejs:14 advisory.
  const std::set<std::string> want = {
      "alma9 bash ALSA-2023:0001 5.1.8-6.el9_1",
      "alma9 openssl-libs ALSA-2022:6224 1:3.0.1-41.el9_0",
      "alma8-node14 nodejs ALSA-2023:0050 1:14.21.1-2.module_el8.7.0+3373+a4c18c43",
  };
  EXPECT_EQ(got, want);
  // openssl-libs first although the matcher lists bash first: medium x KEV outranks high.
  const auto& openssl = j["hosts"][0]["findings"][0];
  EXPECT_EQ(openssl["package"], "openssl-libs");
  EXPECT_EQ(openssl["risk"], 16.7);
  EXPECT_EQ(openssl["kev_due_date"], "2022-10-22");
  EXPECT_EQ(openssl["cves"], nlohmann::json({"CVE-2022-1292", "CVE-2022-2068"}));
  EXPECT_EQ(openssl["severity"], "medium");
  EXPECT_EQ(openssl["fix_available_since"], "2022-08-30T00:00:00Z");
  EXPECT_EQ(j["hosts"][3]["release"], "debian:12");
  ASSERT_EQ(j["hosts"][3]["notes"].size(), 1u);
  EXPECT_NE(
      j["hosts"][3]["notes"][0].get<std::string>().find("no advisories imported for debian:12"),
      std::string::npos);
}

// Each host's findings by risk score, highest first (docs/scan-result.md "Order"), with the
// score in the JSON and the table and, with --explain, its breakdown. The two findings of
// alma9 swap places when EPSS scores are given: the order must follow the score, not the
// matcher's package order.
TEST_F(ScanCli, FindingsByRiskWithBreakdown) {
  import_good();
  const std::string host = " --inventory " + data("hosts/alma9.json");
  const std::string epss = std::string(FLEETPATCH_TEST_DATA) + "/report/epss.csv";
  struct Case {
    std::string name;
    std::string args;
    bool import_epss;  // `feed import` the EPSS file first: scan reads the stored scores
    std::vector<std::pair<std::string, double>> want;  // package, risk, in output order
  };
  const Case cases[] = {
      // openssl-libs: medium 5 x KEV 2 = 10 -> 16.7; bash: high 7.5 -> 12.5.
      {"no epss", "", false, {{"openssl-libs", 16.7}, {"bash", 12.5}}},
      // bash's CVE-2022-3715 has EPSS 0.5: 7.5 x 1.5 = 11.25 -> 18.8; openssl-libs' best CVE
      // 0.02: 10 x 1.02 = 10.2 -> 17.0.
      {"--epss", "--epss " + epss, false, {{"bash", 18.8}, {"openssl-libs", 17.0}}},
      {"stored epss", "", true, {{"bash", 18.8}, {"openssl-libs", 17.0}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    if (c.import_epss) {
      const CommandRun imported = run("feed import " + epss);
      ASSERT_EQ(imported.exit_code, 0) << imported.err;
    }
    const CommandRun r = run("scan --format json --explain " + c.args + host);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto findings = nlohmann::json::parse(r.out)["hosts"][0]["findings"];
    ASSERT_EQ(findings.size(), c.want.size());
    for (std::size_t i = 0; i < c.want.size(); ++i) {
      EXPECT_EQ(findings[i]["package"], c.want[i].first) << i;
      EXPECT_EQ(findings[i]["risk"], c.want[i].second) << i;
      const auto& b = findings[i]["risk_breakdown"];
      EXPECT_EQ(b["score"], c.want[i].second);
      EXPECT_EQ(b["tier"], 1);  // no policy in a scan
      EXPECT_NE(b["explain"].get<std::string>().find(" x kev "), std::string::npos) << b;
    }

    // The table: a RISK column in the same order, and a breakdown line under each row.
    const CommandRun table = run("scan --explain " + c.args + host);
    ASSERT_EQ(table.exit_code, 0) << table.err;
    EXPECT_NE(table.out.find("SEVERITY  RISK  ADVISORIES"), std::string::npos) << table.out;
    std::size_t previous = 0;
    for (const auto& [package, risk] : c.want) {
      char score[16];
      std::snprintf(score, sizeof score, "%.1f", risk);
      const std::size_t row = table.out.find("  " + package + "  ");
      ASSERT_NE(row, std::string::npos) << package << "\n" << table.out;
      EXPECT_GT(row, previous) << package << " out of order\n" << table.out;
      previous = row;
      const std::size_t line_end = table.out.find('\n', row);
      EXPECT_NE(table.out.substr(row, line_end - row).find(std::string("  ") + score + "  "),
                std::string::npos)
          << table.out;
      const std::string next =
          table.out.substr(line_end + 1, table.out.find('\n', line_end + 1) - line_end - 1);
      EXPECT_EQ(next.rfind("      risk: ", 0), 0u) << next;
      EXPECT_NE(next.find(std::string("-> ") + score + "/100"), std::string::npos) << next;
    }
  }
  // Without --explain no breakdown; the score stays.
  const CommandRun plain = run("scan --format json --compact" + host);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("risk_breakdown"), std::string::npos);
  EXPECT_NE(plain.out.find("\"risk\":"), std::string::npos);
  const CommandRun table = run("scan" + host);
  EXPECT_EQ(table.out.find("risk: "), std::string::npos) << table.out;
  // An unreadable EPSS file is an error, not a silently unscored scan.
  EXPECT_EQ(run("scan --epss " + data("no-such-epss.csv") + host).exit_code, 1);
}

TEST_F(ScanCli, FiltersAndFailOn) {
  import_good();
  const std::string host = " --inventory " + data("hosts/alma9.json");
  struct Case {
    std::string args;
    int exit_code;
    std::size_t findings;
  };
  const Case cases[] = {
      {"", 0, 2},
      {"--fail-on medium", 3, 2},
      {"--fail-on high", 3, 2},
      {"--fail-on critical", 0, 2},
      {"--severity high", 0, 1},
      {"--severity low,critical --fail-on low", 0, 0},
      {"--severity important,moderate", 0, 2},  // vendor words are accepted
      {"--severity bogus", 2, 0},
      {"--fail-on bogus", 2, 0},
  };
  for (const auto& c : cases) {
    const CommandRun r = run("scan --format json " + c.args + host);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << "\n" << r.err;
    if (c.exit_code == 2) continue;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["hosts"][0]["findings"].size(), c.findings) << c.args;
  }
}

TEST_F(ScanCli, CorruptFeedLeavesThePreviousIndexAndNamesTheRecord) {
  import_good();
  const std::string before = slurp(index_file());
  const CommandRun bad = run("feed import " + data("feeds/broken"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("ALSA-2099:0001"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("not changed"), std::string::npos) << bad.err;
  EXPECT_EQ(slurp(index_file()), before);
  const CommandRun missing = run("feed import " + data("feeds/no-such-file.json"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(slurp(index_file()), before);
  // Scans still use the previous index.
  EXPECT_EQ(run("scan --fail-on medium --inventory " + data("hosts/alma9.json")).exit_code, 3);
  // Asked to, the import keeps the good records and drops the bad one.
  const CommandRun skip =
      run("feed import --skip-bad-records " + data("feeds/broken") + " " + data("feeds/alma"));
  EXPECT_EQ(skip.exit_code, 0) << skip.err;
  EXPECT_NE(skip.err.find("skipped bad record"), std::string::npos);
}

TEST_F(ScanCli, ReimportReplacesOnlyItsRelease) {
  import_good();
  // Re-importing one AlmaLinux 9 record drops the other almalinux:9 advisories, keeps
  // almalinux:8 and the KEV catalog.
  const CommandRun r = run("feed import " + data("feeds/alma/ALSA-2023-0001.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const CommandRun nine = run("scan --format json --inventory " + data("hosts/alma9.json"));
  const auto j9 = nlohmann::json::parse(nine.out);
  ASSERT_EQ(j9["hosts"][0]["findings"].size(), 1u);
  EXPECT_EQ(j9["hosts"][0]["findings"][0]["package"], "bash");
  const CommandRun eight =
      run("scan --format json --inventory " + data("hosts/alma8-nodejs14.json"));
  EXPECT_EQ(nlohmann::json::parse(eight.out)["hosts"][0]["findings"].size(), 1u);
  const CommandRun status = run("feed status");
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_NE(status.out.find("cisa-kev"), std::string::npos);
  EXPECT_NE(status.out.find("almalinux:8"), std::string::npos);
}

TEST_F(ScanCli, StatusShowsSourcesAndStaleness) {
  EXPECT_EQ(run("feed status").exit_code, 1);  // nothing imported yet
  import_good();
  const CommandRun r = run("feed status");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* want : {"almalinux:8", "almalinux:9", "cisa-kev", "4 advisories",
                           "may be stale: its newest record is"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
}

TEST_F(ScanCli, ClearErrorsWithoutAnIndexAndForUpdate) {
  const CommandRun scan = run("scan --inventory " + data("hosts/alma9.json"));
  EXPECT_EQ(scan.exit_code, 1);
  EXPECT_NE(scan.err.find("fleetpatch feed import"), std::string::npos) << scan.err;
  const CommandRun update = run("feed update");
  EXPECT_EQ(update.exit_code, 1);
  EXPECT_NE(update.err.find("feed import"), std::string::npos) << update.err;
}

TEST_F(ScanCli, TableOutput) {
  import_good();
  const CommandRun r = run("scan --inventory " + data("hosts/alma9.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("alma9 - AlmaLinux 9.0 (almalinux:9) - 2 findings: 1 high, 1 medium"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("openssl-libs  1:3.0.1-38.el9_0  1:3.0.1-41.el9_0  medium"),
            std::string::npos)
      << r.out;
}

}  // namespace
