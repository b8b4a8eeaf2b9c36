// `fleetpatch report` end to end: the hand-written advisories of tests/data/scan/feeds/ and the
// hosts, history, exceptions, policy and EPSS files of tests/data/report/ (see its README.md).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using fleetpatch::testsupport::CommandRun;
using fleetpatch::testsupport::slurp;

std::string data(const std::string& rel) { return std::string(FLEETPATCH_TEST_DATA) + "/" + rel; }

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fleetpatch-report-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const CommandRun r =
        run("feed import " + data("scan/feeds/alma") + " " + data("scan/feeds/kev.json"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void TearDown() override { fs::remove_all(dir_); }

  CommandRun run(const std::string& args) const {
    const fs::path err_path = dir_ / "stderr.txt";
    const std::string cmd = std::string(FLEETPATCH_BIN) + " --data-dir " +
                            (dir_ / "data").string() + " " + args + " 2>" + err_path.string();
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

  /// The two hosts, web-1's earlier inventory and the exceptions, at `as_of`.
  nlohmann::json report(const std::string& as_of, const std::string& extra = "") const {
    const CommandRun r =
        run("report --inventory " + data("report/hosts/web-1.json") + " " +
            data("report/hosts/web-2.json") + " --history " + data("report/history") +
            " --exceptions " + data("report/exceptions.toml") + " --as-of " + as_of + " " + extra);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  static const nlohmann::json& finding(const nlohmann::json& j, const std::string& host,
                                       const std::string& package) {
    for (const auto& f : j["findings"]) {
      if (f["host"] == host && f["package"] == package) return f;
    }
    static const nlohmann::json none;
    ADD_FAILURE() << "no finding " << host << " " << package;
    return none;
  }

  fs::path dir_;
};

// 2023-02-06: bash on web-1 due 02-09 (due soon); openssl on web-1 fixed 02-05 (159 days after
// its fix was published); openssl on web-2 overdue but excepted until 2023-03-01.
TEST_F(ReportCli, HistoryExceptionsAndStatuses) {
  const auto j = report("2023-02-06");
  EXPECT_EQ(j["schema"], "fleetpatch.report/1");
  EXPECT_EQ(j["policy"], "soc2");
  EXPECT_EQ(j["as_of"], "2023-02-06T00:00:00Z");
  const auto& s = j["summary"];
  EXPECT_EQ(s["hosts"], 2);
  EXPECT_EQ(s["hosts_compliant"], 2);
  EXPECT_EQ(s["findings"], 2);
  EXPECT_EQ(s["due_soon"], 1);
  EXPECT_EQ(s["excepted"], 1);
  EXPECT_EQ(s["overdue"], 0);
  EXPECT_EQ(s["fixed"], 1);
  const auto& bash = finding(j, "web-1", "bash");
  EXPECT_EQ(bash["status"], "due-soon");
  EXPECT_EQ(bash["deadline"], "2023-02-09T00:00:00Z");
  EXPECT_EQ(bash["deadline_reason"], "soc2: high within 30 days of fix-available");
  EXPECT_EQ(bash["first_seen"], "2023-01-20T00:00:00Z");
  const auto& fixed = finding(j, "web-1", "openssl-libs");
  EXPECT_EQ(fixed["status"], "fixed");
  EXPECT_EQ(fixed["fixed_at"], "2023-02-05T00:00:00Z");
  EXPECT_EQ(fixed["days_to_fix"], 159);
  EXPECT_EQ(j["time_to_fix"]["mean"], 159);
  const auto& excepted = finding(j, "web-2", "openssl-libs");
  EXPECT_EQ(excepted["status"], "excepted");
  EXPECT_EQ(excepted["exception"], "EX-1");
  EXPECT_EQ(excepted["deadline_reason"],
            "soc2: KEV due date 2022-10-22 (earlier than medium within 90 days of fix-available)");
  ASSERT_EQ(j["exceptions_expiring"].size(), 1u);
  EXPECT_EQ(j["exceptions_expiring"][0]["id"], "EX-1");
  EXPECT_EQ(j["exceptions_expiring"][0]["days_to_expiry"], 23);
  // Burn-down: web-1 alone on 01-20; both hosts from 02-05 (web-2's openssl past its KEV date).
  ASSERT_EQ(j["burndown"].size(), 2u);
  EXPECT_EQ(j["burndown"][0]["findings"], 2);
  EXPECT_EQ(j["burndown"][1]["findings"], 2);
  EXPECT_EQ(j["burndown"][1]["overdue"], 1);
  EXPECT_EQ(j["history_snapshots"], 1);
}

// A month later the exception has expired and says so; bash is overdue.
TEST_F(ReportCli, ExpiredExceptionStopsCounting) {
  const auto j = report("2023-03-02");
  EXPECT_EQ(j["summary"]["overdue"], 2);
  EXPECT_EQ(j["summary"]["excepted"], 0);
  EXPECT_EQ(j["summary"]["hosts_compliant"], 0);
  const auto& f = finding(j, "web-2", "openssl-libs");
  EXPECT_EQ(f["status"], "overdue");
  EXPECT_NE(f["note"].get<std::string>().find("exception EX-1 expired 2023-03-01"),
            std::string::npos);
  EXPECT_EQ(j["exceptions"][0]["state"], "expired");
  EXPECT_TRUE(j["exceptions_expiring"].empty());
}

TEST_F(ReportCli, CustomPolicyTierShortensDeadline) {
  const auto j = report("2023-02-06", "--policy " + data("report/tiered.toml"));
  EXPECT_EQ(j["policy"], "tiered");
  const auto& bash = finding(j, "web-1", "bash");
  EXPECT_EQ(bash["deadline"], "2023-01-25T00:00:00Z");  // 30 x 0.5 days: prod tier
  EXPECT_EQ(bash["status"], "overdue");
  EXPECT_EQ(bash["deadline_reason"],
            "tiered: high within 15 days of fix-available (tier tag:prod)");
}

TEST_F(ReportCli, BuiltinPoliciesDiffer) {
  // cisa-bod-22-01: no KEV on bash, high = 30 days; the KEV openssl is due on its KEV date.
  const auto j = report("2023-02-06", "--policy cisa-bod-22-01");
  EXPECT_EQ(finding(j, "web-1", "bash")["deadline"], "2023-02-09T00:00:00Z");
  EXPECT_EQ(finding(j, "web-2", "openssl-libs")["deadline_reason"],
            "cisa-bod-22-01: KEV due date 2022-10-22");
}

TEST_F(ReportCli, EpssRaisesRiskAndExplains) {
  const auto plain = report("2023-02-06", "--explain");
  const auto with = report("2023-02-06", "--explain --epss " + data("report/epss.csv"));
  const double before = finding(plain, "web-1", "bash")["risk"];
  const double after = finding(with, "web-1", "bash")["risk"];
  EXPECT_DOUBLE_EQ(after, std::round(before * 1.5 * 10) / 10);  // epss 0.5: x1.5
  EXPECT_EQ(finding(with, "web-1", "bash")["epss"], 0.5);
  EXPECT_NE(with["epss_model"].get<std::string>().find("v2023.03.01"), std::string::npos);
  EXPECT_NE(finding(with, "web-1", "bash")["risk_breakdown"]["explain"].get<std::string>().find(
                "epss 1.5 (CVE-2022-3715 0.500)"),
            std::string::npos);
}

TEST_F(ReportCli, FeedImportStoresEpssForReports) {
  const auto before = report("2023-02-06");
  const CommandRun r = run("feed import " + data("report/epss.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("imported 2 EPSS scores (model v2023.03.01)"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir_ / "data" / "epss.csv"));
  const auto after = report("2023-02-06");
  EXPECT_TRUE(finding(before, "web-1", "bash")["epss"].is_null());
  EXPECT_EQ(finding(after, "web-1", "bash")["epss"], 0.5);
  // The advisory index is untouched: the same findings.
  EXPECT_EQ(after["summary"], before["summary"]);
}

TEST_F(ReportCli, CsvAndOutputFile) {
  const fs::path out = dir_ / "report.csv";
  const CommandRun r =
      run("report --format csv -o " + out.string() + " --as-of 2023-02-06 --inventory " +
          data("report/hosts/web-1.json") + " " + data("report/hosts/web-2.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote " + out.string() + ": soc2, 2 host(s)"), std::string::npos) << r.out;
  const std::string csv = slurp(out);
  std::size_t rows = 0;
  for (std::size_t pos = 0; (pos = csv.find("\r\n", pos)) != std::string::npos; pos += 2) ++rows;
  EXPECT_EQ(rows, 1u + 2u);  // header + bash on web-1 + openssl on web-2 (no history: no fixed)
  EXPECT_EQ(csv.rfind("host,hostname,package,", 0), 0u);
}

TEST_F(ReportCli, ErrorsAreClear) {
  CommandRun r = run("report --as-of 2023-02-06");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no hosts selected"), std::string::npos) << r.err;
  r = run("report --policy " + data("report/bad-policy.toml") + " --inventory " +
          data("report/hosts/web-1.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad-policy.toml:5: \"high\" must be a number of days"), std::string::npos)
      << r.err;
  r = run("report --policy hipaa --inventory " + data("report/hosts/web-1.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no built-in policy \"hipaa\""), std::string::npos) << r.err;
  r = run("report --as-of yesterday --inventory " + data("report/hosts/web-1.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--as-of"), std::string::npos) << r.err;
}

TEST_F(ReportCli, FailOnOverdue) {
  const std::string hosts = data("report/hosts/web-1.json") + " " + data("report/hosts/web-2.json");
  EXPECT_EQ(run("report --fail-on-overdue --summary --as-of 2023-02-06 --inventory " + hosts +
                " --exceptions " + data("report/exceptions.toml"))
                .exit_code,
            0);
  EXPECT_EQ(
      run("report --fail-on-overdue --summary --as-of 2023-03-02 --inventory " + hosts).exit_code,
      3);
}

TEST_F(ReportCli, ScanAcceptsAsOf) {
  const CommandRun r =
      run("scan --format json --as-of 2023-02-06 --inventory " + data("report/hosts/web-1.json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(run("scan --as-of never --inventory " + data("report/hosts/web-1.json")).exit_code, 2);
}

}  // namespace
