// The agent against a real HTTP server on 127.0.0.1 (fake_fleet_server.hpp) through the real
// libcurl transport and a real state directory; only the waits are recorded instead of slept.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/agent.hpp"
#include "agent/fake_fleet_server.hpp"
#include "agent/test_support.hpp"
#include "hoststate/host_report_json.hpp"

namespace fleetpatch::agent {
namespace {

using testing::FakeFleetServer;
using testing::TempDir;

constexpr const char* kHostId = "3d1219c7c4c5404aaa1f6d2a48adfda4";

core::HostReport sample_report(const std::string& collected_at, const std::string& openssl) {
  core::HostReport r;
  r.host = {kHostId, "web-1", {"prod"}};
  r.os = {"debian", "12", "Debian GNU/Linux 12 (bookworm)", {}, "bookworm"};
  r.kernel.running = "6.1.0-18-amd64";
  r.package_format = core::PackageFormat::kDpkg;
  r.packages = {{"openssl", openssl, "amd64", "openssl", openssl, std::nullopt},
                {"bash", "5.2.15-2+b2", "amd64", "bash", "5.2.15-2", std::nullopt}};
  r.collected_at = collected_at;
  r.collector = "fleetpatch test";
  return r;
}

/// Records the waits instead of sleeping; can request a stop after some waits.
class RecordingWaiter final : public Waiter {
 public:
  bool wait(std::chrono::milliseconds duration) override {
    waits.push_back(duration);
    if (stop_after >= 0 && static_cast<int>(waits.size()) > stop_after) stopped = true;
    return !stopped;
  }
  bool stop_requested() override { return stopped; }
  std::vector<std::chrono::milliseconds> waits;
  int stop_after = -1;
  bool stopped = false;
};

class AgentHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << "cannot bind the test server on 127.0.0.1";
    auto state = StateDir::open(tmp_.path() + "/agent");
    ASSERT_TRUE(state.ok()) << state.error().message;
    state_.emplace(std::move(*state));
  }

  CycleResult run(const std::string& url, core::Result<core::HostReport> report,
                  int max_attempts = 3, const std::string& ca_file = "",
                  std::optional<std::chrono::steady_clock::time_point> deadline = {},
                  const CollectFn& daemon_collect = {}) {
    AgentConfig config;
    config.server = *normalize_server_url(url);
    config.host_id = kHostId;
    config.enroll_secret = [this]() -> core::Result<std::string> { return secret_; };
    config.backoff = {std::chrono::milliseconds(100), std::chrono::seconds(2)};
    config.max_attempts = max_attempts;
    CurlTransportOptions options;
    options.base_url = config.server;
    options.ca_file = ca_file;
    options.connect_timeout_seconds = 5;
    options.timeout_seconds = 20;
    CurlTransport transport(options);
    Agent agent(
        config, transport, *state_, waiter_, clock_, [] { return 0.5; },
        [this](std::string_view line) { log_.emplace_back(line); });
    if (daemon_collect) {
      agent.run_daemon(daemon_collect, std::chrono::hours(1), std::chrono::minutes(10));
      return {};
    }
    return agent.run_cycle(std::move(report), deadline);
  }
  CycleResult run(core::Result<core::HostReport> report, int max_attempts = 3) {
    return run(server_.url(), std::move(report), max_attempts);
  }

  std::string log_text() const {
    std::string out;
    for (const auto& line : log_) out += line + "\n";
    return out;
  }
  std::optional<std::string> spooled() const {
    auto text = state_->read_spool();
    return text.ok() ? *text : std::nullopt;
  }

  TempDir tmp_;
  FakeFleetServer server_;
  std::optional<StateDir> state_;
  RecordingWaiter waiter_;
  core::FixedClock clock_{core::TimePoint{std::chrono::seconds(1'795'000'000)}};
  std::vector<std::string> log_;
  std::string secret_ = "enroll-me";
};

std::string report_path() { return std::string("/api/v1/hosts/") + kHostId + "/report"; }

TEST_F(AgentHttp, EnrollsSendsFullThenUnchangedThenFullAgainWhenContentChanges) {
  const auto first = run(sample_report("2026-11-26T01:00:00Z", "3.0.11-1~deb12u2"));
  ASSERT_EQ(first.outcome, CycleOutcome::kAccepted) << first.message << "\n" << log_text();
  EXPECT_EQ(first.sent_as, SendKind::kFull);
  EXPECT_EQ(server_.calls(), (std::vector<std::string>{"POST /api/v1/enroll -> 201",
                                                       "PUT " + report_path() + " -> 200"}));
  // The token is kept, private, and used as a bearer token.
  struct stat st {};
  ASSERT_EQ(::stat((state_->path() + "/token.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(server_.requests()[1].authorization, "Bearer fpt_1_secret");
  EXPECT_EQ(server_.report_of(kHostId)->packages.size(), 2u);
  EXPECT_FALSE(spooled().has_value()) << "an acknowledged report leaves the spool";
  const auto last = state_->read_last_accepted();
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_TRUE((*last)->delta);

  // Same content, collected an hour later: only the unchanged marker travels.
  server_.clear_requests();
  const auto second = run(sample_report("2026-11-26T02:00:00Z", "3.0.11-1~deb12u2"));
  ASSERT_EQ(second.outcome, CycleOutcome::kAccepted) << second.message << "\n" << log_text();
  EXPECT_EQ(second.sent_as, SendKind::kUnchanged);
  EXPECT_EQ(server_.calls(),
            (std::vector<std::string>{"POST " + report_path() + "/unchanged -> 200"}));
  EXPECT_EQ(server_.collected_at_of(kHostId), "2026-11-26T02:00:00Z");
  ASSERT_TRUE(second.ack.has_value());
  EXPECT_FALSE(second.ack->changed);
  EXPECT_EQ(second.ack->report_seq, 2);

  // An update landed: the full report again.
  server_.clear_requests();
  const auto third = run(sample_report("2026-11-26T03:00:00Z", "3.0.13-1~deb12u1"));
  ASSERT_EQ(third.outcome, CycleOutcome::kAccepted) << third.message;
  EXPECT_EQ(third.sent_as, SendKind::kFull);
  EXPECT_EQ(server_.calls(), (std::vector<std::string>{"PUT " + report_path() + " -> 200"}));
  EXPECT_EQ(server_.report_of(kHostId)->packages[0].version, "3.0.13-1~deb12u1");
}

TEST_F(AgentHttp, WithoutDeltaFromTheServerEveryReportIsFull) {
  server_.set_delta(false);
  ASSERT_EQ(run(sample_report("2026-11-26T01:00:00Z", "1")).outcome, CycleOutcome::kAccepted);
  server_.clear_requests();
  const auto second = run(sample_report("2026-11-26T02:00:00Z", "1"));
  ASSERT_EQ(second.outcome, CycleOutcome::kAccepted);
  EXPECT_EQ(second.sent_as, SendKind::kFull);
  EXPECT_EQ(server_.calls(), (std::vector<std::string>{"PUT " + report_path() + " -> 200"}));
}

TEST_F(AgentHttp, ConflictOnUnchangedSendsTheFullReport) {
  ASSERT_EQ(run(sample_report("2026-11-26T01:00:00Z", "1")).outcome, CycleOutcome::kAccepted);
  server_.forget_reports();
  server_.clear_requests();
  const auto second = run(sample_report("2026-11-26T02:00:00Z", "1"));
  ASSERT_EQ(second.outcome, CycleOutcome::kAccepted) << second.message << "\n" << log_text();
  EXPECT_EQ(second.sent_as, SendKind::kFull);
  EXPECT_EQ(server_.calls(),
            (std::vector<std::string>{"POST " + report_path() + "/unchanged -> 409",
                                      "PUT " + report_path() + " -> 200"}));
  EXPECT_EQ(server_.collected_at_of(kHostId), "2026-11-26T02:00:00Z");
}

TEST_F(AgentHttp, RevokedTokenReEnrollsOnceAndResends) {
  ASSERT_EQ(run(sample_report("2026-11-26T01:00:00Z", "1")).outcome, CycleOutcome::kAccepted);
  server_.revoke_tokens();
  server_.clear_requests();
  const auto second = run(sample_report("2026-11-26T02:00:00Z", "1"));
  ASSERT_EQ(second.outcome, CycleOutcome::kAccepted) << second.message << "\n" << log_text();
  EXPECT_EQ(server_.calls(),
            (std::vector<std::string>{"POST " + report_path() + "/unchanged -> 401",
                                      "POST /api/v1/enroll -> 201",
                                      "POST " + report_path() + "/unchanged -> 200"}));
  EXPECT_EQ(server_.requests()[2].authorization, "Bearer fpt_2_secret");
  EXPECT_EQ(state_->read_token()->value().token, "fpt_2_secret") << "the new token is kept";
}

TEST_F(AgentHttp, WrongEnrollmentSecretFailsWithoutRetrying) {
  secret_ = "not-the-secret";
  const auto result = run(sample_report("2026-11-26T01:00:00Z", "1"));
  EXPECT_EQ(result.outcome, CycleOutcome::kFailed);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_TRUE(waiter_.waits.empty());
  EXPECT_NE(result.message.find("401"), std::string::npos) << result.message;
  EXPECT_EQ(server_.calls(), (std::vector<std::string>{"POST /api/v1/enroll -> 401"}));
  EXPECT_TRUE(spooled().has_value()) << "a report not acknowledged stays spooled";
}

TEST_F(AgentHttp, TransientErrorsAreRetriedWithBackoffWithinOneRun) {
  server_.fail_next(2, 503);
  const auto result = run(sample_report("2026-11-26T01:00:00Z", "1"), 5);
  ASSERT_EQ(result.outcome, CycleOutcome::kAccepted) << result.message << "\n" << log_text();
  EXPECT_EQ(result.attempts, 3);
  // u = 0.5 with initial 100ms: attempt 1 waits within [50, 100], attempt 2 within [100, 200].
  ASSERT_EQ(waiter_.waits.size(), 2u);
  EXPECT_GE(waiter_.waits[0].count(), 50);
  EXPECT_LE(waiter_.waits[0].count(), 100);
  EXPECT_GE(waiter_.waits[1].count(), 100);
  EXPECT_LE(waiter_.waits[1].count(), 200);
  EXPECT_EQ(
      server_.calls(),
      (std::vector<std::string>{"POST /api/v1/enroll -> 503", "POST /api/v1/enroll -> 503",
                                "POST /api/v1/enroll -> 201", "PUT " + report_path() + " -> 200"}));
}

TEST_F(AgentHttp, RetryAfterFromTheServerIsHonouredUpToTheCap) {
  server_.fail_next(1, 429, 1);
  const auto result = run(sample_report("2026-11-26T01:00:00Z", "1"), 5);
  ASSERT_EQ(result.outcome, CycleOutcome::kAccepted) << result.message;
  ASSERT_EQ(waiter_.waits.size(), 1u);
  EXPECT_EQ(waiter_.waits[0], std::chrono::seconds(1));

  server_.fail_next(1, 503, 3600);  // an hour: capped at the policy's 2s
  waiter_.waits.clear();
  ASSERT_EQ(run(sample_report("2026-11-26T02:00:00Z", "2"), 5).outcome, CycleOutcome::kAccepted);
  ASSERT_EQ(waiter_.waits.size(), 1u);
  EXPECT_EQ(waiter_.waits[0], std::chrono::seconds(2));
}

TEST_F(AgentHttp, ServerAwaySpoolsGivesUpThenTheSpooledReportIsSentLater) {
  const int port = testing::unused_port();
  ASSERT_GT(port, 0);
  const std::string away = "http://127.0.0.1:" + std::to_string(port);
  const auto result = run(away, sample_report("2026-11-26T01:00:00Z", "1"), 3);
  EXPECT_EQ(result.outcome, CycleOutcome::kGaveUp);
  EXPECT_EQ(result.attempts, 3);
  EXPECT_EQ(waiter_.waits.size(), 2u) << "no wait after the last attempt";
  EXPECT_NE(result.message.find("not reachable after 3 attempts"), std::string::npos)
      << result.message;
  const auto spool = spooled();
  ASSERT_TRUE(spool.has_value());
  EXPECT_EQ(hoststate::host_report_from_json(*spool, "spool")->collected_at,
            "2026-11-26T01:00:00Z");

  // The server comes back on that port; this run cannot collect: the spooled report goes.
  FakeFleetServer back(port);
  ASSERT_TRUE(back.ok());
  const auto later = run(away, core::Result<core::HostReport>(core::io_error("dpkg locked")));
  ASSERT_EQ(later.outcome, CycleOutcome::kAccepted) << later.message << "\n" << log_text();
  EXPECT_EQ(back.collected_at_of(kHostId), "2026-11-26T01:00:00Z");
  EXPECT_FALSE(spooled().has_value());
  EXPECT_NE(log_text().find("sending the spooled report"), std::string::npos) << log_text();
}

TEST_F(AgentHttp, AFreshReportSupersedesTheSpooledOne) {
  ASSERT_TRUE(
      state_->write_spool(hoststate::to_json(sample_report("2026-11-25T01:00:00Z", "1"))).ok());
  const auto result = run(sample_report("2026-11-26T05:00:00Z", "2"));
  ASSERT_EQ(result.outcome, CycleOutcome::kAccepted) << result.message;
  EXPECT_EQ(server_.calls(), (std::vector<std::string>{"POST /api/v1/enroll -> 201",
                                                       "PUT " + report_path() + " -> 200"}));
  EXPECT_EQ(server_.collected_at_of(kHostId), "2026-11-26T05:00:00Z");
  EXPECT_NE(log_text().find("supersedes"), std::string::npos) << log_text();
}

TEST_F(AgentHttp, NothingToSendIsAFailureNamingTheCollectionError) {
  const auto result = run(core::Result<core::HostReport>(core::not_found("no package database")));
  EXPECT_EQ(result.outcome, CycleOutcome::kFailed);
  EXPECT_NE(result.message.find("no package database"), std::string::npos) << result.message;
  EXPECT_TRUE(server_.calls().empty());
}

TEST_F(AgentHttp, ASpooledReportOfAnotherHostIsNotSent) {
  core::HostReport other = sample_report("2026-11-25T01:00:00Z", "1");
  other.host.id = "another-host";
  ASSERT_TRUE(state_->write_spool(hoststate::to_json(other)).ok());
  const auto result = run(core::Result<core::HostReport>(core::io_error("collect failed")));
  EXPECT_EQ(result.outcome, CycleOutcome::kFailed);
  EXPECT_TRUE(server_.calls().empty());
  EXPECT_FALSE(spooled().has_value()) << "the unusable spool is discarded";
}

TEST_F(AgentHttp, ATokenOfAnotherHostIdIsNotUsed) {
  ASSERT_TRUE(
      state_->write_token({*normalize_server_url(server_.url()), "old-id", "fpt_old"}).ok());
  ASSERT_EQ(run(sample_report("2026-11-26T01:00:00Z", "1")).outcome, CycleOutcome::kAccepted);
  EXPECT_EQ(server_.calls().front(), "POST /api/v1/enroll -> 201");
}

TEST_F(AgentHttp, AStopWhileWaitingEndsTheRunAndKeepsTheSpool) {
  waiter_.stop_after = 0;
  const std::string away = "http://127.0.0.1:" + std::to_string(testing::unused_port());
  const auto result = run(away, sample_report("2026-11-26T01:00:00Z", "1"), 0);
  EXPECT_EQ(result.outcome, CycleOutcome::kStopped);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_TRUE(spooled().has_value());
}

TEST_F(AgentHttp, TheDaemonRetriesOnlyUntilItsNextRunIsDue) {
  const std::string away = "http://127.0.0.1:" + std::to_string(testing::unused_port());
  // The next wait (50..100ms at attempt 1) would end after the deadline: the run ends instead.
  const auto result = run(away, sample_report("2026-11-26T01:00:00Z", "1"), 0, "",
                          std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
  EXPECT_EQ(result.outcome, CycleOutcome::kGaveUp);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_TRUE(waiter_.waits.empty());
  EXPECT_NE(result.message.find("next run is due"), std::string::npos) << result.message;
  EXPECT_TRUE(spooled().has_value());
}

TEST_F(AgentHttp, TheDaemonCollectsSendsAndWaitsIntervalPlusJitterUntilStopped) {
  waiter_.stop_after = 2;  // two waits between runs complete, the third is the stop
  int collections = 0;
  run(server_.url(), core::Result<core::HostReport>(core::not_found("unused")), 3, "", {},
      [&]() -> core::Result<core::HostReport> {
        ++collections;
        return sample_report("2026-11-26T0" + std::to_string(collections) + ":00:00Z", "1");
      });
  EXPECT_EQ(collections, 3);
  EXPECT_EQ(server_.calls(), (std::vector<std::string>{
                                 "POST /api/v1/enroll -> 201", "PUT " + report_path() + " -> 200",
                                 "POST " + report_path() + "/unchanged -> 200",
                                 "POST " + report_path() + "/unchanged -> 200"}));
  ASSERT_EQ(waiter_.waits.size(), 3u);
  for (const auto wait : waiter_.waits) {
    // u = 0.5: 1h + 5m, less the little time the run itself took.
    EXPECT_LE(wait, std::chrono::minutes(65));
    EXPECT_GE(wait, std::chrono::minutes(65) - std::chrono::seconds(30));
  }
  EXPECT_NE(log_text().find("daemon: stopped"), std::string::npos) << log_text();
}

// ---- TLS: verification is on; --ca-file is the way to trust a private CA ------------------

class AgentTls : public AgentHttp {};

TEST_F(AgentTls, VerifiesTheServerCertificateAndTrustsTheGivenCa) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "openssl command not found: cannot make the test certificate";
  }
  const std::string cert = tmp_.path() + "/cert.pem";
  const std::string key = tmp_.path() + "/key.pem";
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj /CN=fleet-test -addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  httplib::SSLServer tls(cert.c_str(), key.c_str());
  ASSERT_TRUE(tls.is_valid());
  tls.Post("/api/v1/enroll", [](const httplib::Request&, httplib::Response& res) {
    res.status = 201;
    res.set_content(R"({"host_id": "x", "token": "fpt_tls"})", "application/json");
  });
  tls.Put(R"(/api/v1/hosts/([^/]+)/report)", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"accepted": true, "host_id": "x", "report_seq": 1, "changed": true,
                        "report_hash": "h", "delta": false})",
                    "application/json");
  });
  const int port = tls.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread thread([&] { tls.listen_after_bind(); });
  while (!tls.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::string url = "https://127.0.0.1:" + std::to_string(port);

  const auto untrusted = run(url, sample_report("2026-11-26T01:00:00Z", "1"), 1);
  EXPECT_EQ(untrusted.outcome, CycleOutcome::kGaveUp) << "a self-signed certificate is refused";
  EXPECT_NE(untrusted.message.find("certificate"), std::string::npos) << untrusted.message;

  const auto trusted = run(url, sample_report("2026-11-26T01:00:00Z", "1"), 1, cert);
  EXPECT_EQ(trusted.outcome, CycleOutcome::kAccepted) << trusted.message << "\n" << log_text();
  tls.stop();
  thread.join();
}

}  // namespace
}  // namespace fleetpatch::agent
