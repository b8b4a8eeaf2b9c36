// `fleetpatch agent` end to end: the real binary, a fixture root, the test server on 127.0.0.1.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/fake_fleet_server.hpp"
#include "agent/test_support.hpp"

extern char** environ;

namespace fleetpatch::agent {
namespace {

using testing::FakeFleetServer;
using testing::TempDir;

constexpr const char* kRoot = FLEETPATCH_TEST_DATA "/hoststate/hosts/debian-web";
constexpr const char* kMachineId = "3d1219c7c4c5404aaa1f6d2a48adfda4";  // its etc/machine-id

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

/// A started `fleetpatch agent ...` (or, with `command`, another subcommand) with its stderr in
/// a file.
class AgentProcess {
 public:
  AgentProcess(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
               const std::string& stderr_path, std::vector<std::string> command = {"agent"})
      : stderr_path_(stderr_path) {
    std::vector<std::string> argv_storage = {FLEETPATCH_BIN};
    argv_storage.insert(argv_storage.end(), command.begin(), command.end());
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argv_storage.size() + 1);
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    // The caller's FLEETPATCH_* settings must not leak into the test.
    std::vector<std::string> env_storage;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string_view(*e).rfind("FLEETPATCH_", 0) != 0) env_storage.emplace_back(*e);
    }
    env_storage.insert(env_storage.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> envp;
    envp.reserve(env_storage.size() + 1);
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    if (posix_spawn(&pid_, FLEETPATCH_BIN, &actions, nullptr, argv.data(), envp.data()) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~AgentProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool started() const { return pid_ > 0; }
  void signal(int sig) const { ::kill(pid_, sig); }
  /// Exit code, or -1 when it did not exit within `timeout` (or died of a signal).
  int wait(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  std::string stderr_text() const { return read_text(stderr_path_); }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string stderr_path_;
};

class AgentCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok());
    std::ofstream(secret_file_) << "enroll-me\n";
  }
  /// Runs to completion; returns the exit code.
  int run(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    AgentProcess process(args, env, tmp_.path() + "/stderr.txt");
    if (!process.started()) return -100;
    const int code = process.wait(std::chrono::seconds(120));
    stderr_ = process.stderr_text();
    return code;
  }
  std::vector<std::string> once_args() {
    return {"--server",   server_.url(),     "--once",   "--root",
            kRoot,        "--state-dir",     state_dir_, "--enroll-secret-file",
            secret_file_, "--retry-initial", "10ms"};
  }

  TempDir tmp_;
  FakeFleetServer server_;
  std::string state_dir_ = tmp_.path() + "/state";
  std::string secret_file_ = tmp_.path() + "/secret";
  std::string stderr_;
};

std::string report_path() { return std::string("/api/v1/hosts/") + kMachineId + "/report"; }

TEST_F(AgentCli, OnceEnrollsReportsTheFixtureRootThenSendsUnchanged) {
  ASSERT_EQ(run(once_args()), 0) << stderr_;
  EXPECT_EQ(server_.calls(), (std::vector<std::string>{"POST /api/v1/enroll -> 201",
                                                       "PUT " + report_path() + " -> 200"}));
  const auto report = server_.report_of(kMachineId);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->host.hostname, "web-1");
  EXPECT_EQ(report->os.id, "debian");
  EXPECT_FALSE(report->packages.empty());
  EXPECT_NE(stderr_.find("report accepted (full"), std::string::npos) << stderr_;
  EXPECT_TRUE(std::filesystem::exists(state_dir_ + "/token.json"));
  EXPECT_FALSE(std::filesystem::exists(state_dir_ + "/spool/report.json"));

  server_.clear_requests();
  ASSERT_EQ(run(once_args()), 0) << stderr_;
  EXPECT_EQ(server_.calls(),
            (std::vector<std::string>{"POST " + report_path() + "/unchanged -> 200"}));
  EXPECT_NE(stderr_.find("report accepted (unchanged"), std::string::npos) << stderr_;
}

TEST_F(AgentCli, ServerAndSecretFromTheEnvironmentAndTagsAndHostIdFromFlags) {
  const int code = run(
      {"--once", "--root", kRoot, "--state-dir", state_dir_, "--host-id", "custom-id", "--hostname",
       "renamed", "--tag", "prod", "--tag", "eu"},
      {"FLEETPATCH_SERVER=" + server_.url() + "/api/v1/", "FLEETPATCH_ENROLL_SECRET=enroll-me"});
  ASSERT_EQ(code, 0) << stderr_;
  const auto report = server_.report_of("custom-id");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->host.hostname, "renamed");
  EXPECT_EQ(report->host.tags, (std::vector<std::string>{"prod", "eu"}));
}

TEST_F(AgentCli, OnceGivesUpWithAClearMessageWhenTheServerIsAway) {
  auto args = once_args();
  args[1] = "http://127.0.0.1:" + std::to_string(testing::unused_port());
  args.insert(args.end(), {"--max-attempts", "2"});
  EXPECT_EQ(run(args), 1) << stderr_;
  EXPECT_NE(stderr_.find("error: server http://127.0.0.1"), std::string::npos) << stderr_;
  EXPECT_NE(stderr_.find("not reachable after 2 attempts"), std::string::npos) << stderr_;
  EXPECT_TRUE(std::filesystem::exists(state_dir_ + "/spool/report.json"));
}

TEST_F(AgentCli, UsageErrors) {
  const std::string empty_root = tmp_.path() + "/empty-root";
  std::filesystem::create_directories(empty_root);
  const struct {
    const char* name;
    std::vector<std::string> args;
    const char* message;
  } cases[] = {
      {"no machine id",
       {"--server", server_.url(), "--once", "--root", empty_root},
       "give --host-id"},
      {"bad url", {"--server", "ftp://x", "--once", "--root", kRoot}, "server URL"},
      {"bad interval",
       {"--server", server_.url(), "--root", kRoot, "--interval", "soon"},
       "--interval"},
      {"no server", {"--once", "--root", kRoot}, "--server"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(run(c.args), 2) << c.name << ": " << stderr_;
    EXPECT_NE(stderr_.find(c.message), std::string::npos) << c.name << ": " << stderr_;
  }
}

TEST_F(AgentCli, DaemonReportsThenStopsCleanlyOnSigterm) {
  AgentProcess daemon({"--server", server_.url(), "--root", kRoot, "--state-dir", state_dir_,
                       "--enroll-secret-file", secret_file_, "--interval", "1h", "--jitter", "1s"},
                      {}, tmp_.path() + "/daemon.txt");
  ASSERT_TRUE(daemon.started());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!server_.report_of(kMachineId) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(server_.report_of(kMachineId).has_value()) << daemon.stderr_text();
  // Give it the moment to log its next run and start waiting, then stop it.
  for (int i = 0; i < 250 && daemon.stderr_text().find("next run in") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(std::chrono::seconds(20)), 0) << daemon.stderr_text();
  const std::string log = daemon.stderr_text();
  EXPECT_NE(log.find("next run in "), std::string::npos) << log;
  EXPECT_NE(log.find("daemon: stopped"), std::string::npos) << log;
}

// The contract from the other side: the real `fleetpatch serve` (src/server/) on a temporary data
// directory, not the test server. Skipped in a build without the serve command.
TEST_F(AgentCli, WorksAgainstTheRealServer) {
  {
    AgentProcess probe({"--help"}, {}, tmp_.path() + "/probe.txt", {"serve"});
    if (probe.wait(std::chrono::seconds(60)) != 0) {
      GTEST_SKIP() << "this build has no `fleetpatch serve`: " << probe.stderr_text();
    }
  }
  const int port = testing::unused_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const std::string server_secret = tmp_.path() + "/server-secret";
  std::ofstream(server_secret) << "a-long-enough-enrollment-secret\n";
  AgentProcess serve({"--data-dir", tmp_.path() + "/server-data", "serve", "--listen",
                      "127.0.0.1:" + std::to_string(port), "--enroll-secret-file", server_secret},
                     {}, tmp_.path() + "/serve.txt", {});
  ASSERT_TRUE(serve.started());
  httplib::Client client("127.0.0.1", port);
  bool healthy = false;
  for (int i = 0; i < 600 && !healthy; ++i) {
    const auto res = client.Get("/healthz");
    healthy = res && res->status == 200;
    if (!healthy) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(healthy) << serve.stderr_text();

  std::vector<std::string> args = {"--server",   url,           "--once",   "--root",
                                   kRoot,        "--state-dir", state_dir_, "--enroll-secret-file",
                                   server_secret};
  ASSERT_EQ(run(args), 0) << stderr_ << serve.stderr_text();
  EXPECT_NE(stderr_.find("enrolled as"), std::string::npos) << stderr_;
  EXPECT_NE(stderr_.find("report accepted (full, seq 1, content changed, delta allowed)"),
            std::string::npos)
      << stderr_;
  ASSERT_EQ(run(args), 0) << stderr_;
  EXPECT_NE(stderr_.find("report accepted (unchanged, seq 2"), std::string::npos) << stderr_;
  // Another enrollment of the same host revokes this agent's token: it re-enrolls once.
  const std::string other_state = tmp_.path() + "/other-state";
  std::vector<std::string> other = args;
  other[6] = other_state;
  ASSERT_EQ(run(other), 0) << stderr_;
  ASSERT_EQ(run(args), 0) << stderr_;
  EXPECT_NE(stderr_.find("HTTP 401: token refused, enrolling again"), std::string::npos) << stderr_;
  EXPECT_NE(stderr_.find("report accepted (unchanged, seq 4"), std::string::npos) << stderr_;

  serve.signal(SIGTERM);
  EXPECT_GE(serve.wait(std::chrono::seconds(30)), 0) << serve.stderr_text();
}

}  // namespace
}  // namespace fleetpatch::agent
