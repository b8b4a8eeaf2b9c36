// The fleet end to end (issue 7): `fleetpatch serve` on a temporary data directory, three
// `fleetpatch agent --once` runs on this machine with different host identities and fixture
// roots (tests/data/e2e/roots), a feed import through the API, and the compliance report from
// the API compared with the CLI's `report` over the same inventories and the same feed.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using fleetpatch::testsupport::Background;
using fleetpatch::testsupport::CommandRun;
using nlohmann::json;

constexpr const char* kAsOf = "2026-11-26T00:00:00Z";

std::string data(const std::string& rel) { return std::string(FLEETPATCH_TEST_DATA) + "/" + rel; }

class FleetE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fleetpatch-e2e-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    server_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  CommandRun fleetpatch(const std::string& data_dir, std::vector<std::string> args) {
    std::vector<std::string> argv = {FLEETPATCH_BIN, "--data-dir", data_dir};
    argv.insert(argv.end(), args.begin(), args.end());
    return fleetpatch::testsupport::run(argv, dir_ / "stderr.txt");
  }

  /// Starts the server and waits until /readyz or /healthz answers.
  void start_server(const std::string& data_dir, const std::string& secret_file) {
    port_ = fleetpatch::testsupport::free_port();
    ASSERT_GT(port_, 0);
    server_ = std::make_unique<Background>(
        std::vector<std::string>{FLEETPATCH_BIN, "--data-dir", data_dir, "serve", "--listen",
                                 "127.0.0.1:" + std::to_string(port_), "--enroll-secret-file",
                                 secret_file},
        dir_ / "server.log");
    httplib::Client client("127.0.0.1", port_);
    for (int i = 0; i < 200; ++i) {
      if (auto res = client.Get("/healthz"); res && res->status == 200) return;
      ASSERT_TRUE(server_->running()) << "server exited:\n" << server_->log();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "server did not answer /healthz in 10 s:\n" << server_->log();
  }

  httplib::Client client(const std::string& token) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_bearer_token_auth(token.c_str());
    c.set_read_timeout(60, 0);
    return c;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<Background> server_;
};

/// Findings as comparable tuples: (host, package, advisories, status, deadline).
std::set<std::tuple<std::string, std::string, std::string, std::string, std::string>> finding_set(
    const json& report) {
  std::set<std::tuple<std::string, std::string, std::string, std::string, std::string>> out;
  for (const auto& f : report.at("findings")) {
    out.emplace(f.value("host", ""), f.value("package", ""), f.at("advisories").dump(),
                f.value("status", ""), f.value("deadline", json()).dump());
  }
  return out;
}

TEST_F(FleetE2e, ThreeAgentsFeedImportAndComplianceEqualTheCli) {
  const std::string server_data = (dir_ / "server").string();
  const std::string secret_file = (dir_ / "enroll-secret").string();
  std::ofstream(secret_file) << "e2e-enroll-secret-0123456789\n";

  // An admin token, created on the store before the server starts (the local bootstrap).
  const CommandRun token =
      fleetpatch(server_data, {"token", "create", "--name", "e2e-admin", "--role", "admin"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(token.out, m, std::regex("fpt_[A-Za-z0-9_-]+"))) << token.out;
  const std::string admin = m.str();

  start_server(server_data, secret_file);
  if (HasFatalFailure()) return;

  // Three agents, each its own state directory, root and identity.
  const std::vector<std::string> roots = {"web-1", "web-2", "db-1"};
  for (const auto& root : roots) {
    const std::string state = (dir_ / ("agent-" + root)).string();
    const CommandRun agent =
        fleetpatch(state, {"agent", "--server", url(), "--enroll-secret-file", secret_file,
                           "--root", data("e2e/roots/" + root), "--once", "--state-dir", state});
    ASSERT_EQ(agent.exit_code, 0) << root << ":\n" << agent.out << agent.err << server_->log();
  }

  // The feed through the API (the index did not exist before: hosts had no advisories).
  const std::string feed_path = data("e2e/feed/debian-12-osv.jsonl.zst");
  const std::string feed_bytes = fleetpatch::testsupport::slurp(feed_path);
  ASSERT_FALSE(feed_bytes.empty());
  auto admin_client = client(admin);
  auto imported = admin_client.Post("/api/v1/feeds/import?name=debian-12-osv.jsonl.zst", feed_bytes,
                                    "application/octet-stream");
  ASSERT_TRUE(imported) << httplib::to_string(imported.error());
  ASSERT_EQ(imported->status, 200) << imported->body;

  // The hosts as the server stored them: these exact reports are the CLI's input.
  auto hosts = admin_client.Get("/api/v1/hosts?limit=100");
  ASSERT_TRUE(hosts && hosts->status == 200) << (hosts ? hosts->body : "no answer");
  const json host_list = json::parse(hosts->body).at("hosts");
  ASSERT_EQ(host_list.size(), 3U) << hosts->body;
  std::vector<std::string> inventories;
  std::set<std::string> hostnames;
  for (const auto& h : host_list) {
    const std::string id = h.at("id");
    hostnames.insert(h.value("hostname", ""));
    auto report = admin_client.Get(("/api/v1/hosts/" + id + "/report").c_str());
    ASSERT_TRUE(report && report->status == 200);
    const fs::path file = dir_ / (id + ".json");
    std::ofstream(file) << report->body;
    inventories.push_back(file.string());
  }
  EXPECT_EQ(hostnames, (std::set<std::string>{"web-1", "web-2", "db-1"}));

  // Compliance from the API ...
  auto api =
      admin_client.Get((std::string("/api/v1/compliance?policy=soc2&as_of=") + kAsOf).c_str());
  ASSERT_TRUE(api && api->status == 200) << (api ? api->body : "no answer");
  const json from_api = json::parse(api->body);

  // ... and from the CLI, on its own data directory with the same feed.
  const std::string cli_data = (dir_ / "cli").string();
  const CommandRun import = fleetpatch(cli_data, {"feed", "import", feed_path});
  ASSERT_EQ(import.exit_code, 0) << import.err;
  std::vector<std::string> report_args = {"report", "--policy", "soc2", "--as-of",
                                          kAsOf,    "--format", "json", "--inventory"};
  report_args.insert(report_args.end(), inventories.begin(), inventories.end());
  const CommandRun cli = fleetpatch(cli_data, report_args);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const json from_cli = json::parse(cli.out);

  EXPECT_EQ(from_api.at("summary"), from_cli.at("summary"));
  EXPECT_EQ(finding_set(from_api), finding_set(from_cli));
  EXPECT_EQ(from_api.value("policy", ""), "soc2");

  // What the fixtures were written to give (tests/data/e2e/README.md).
  std::map<std::string, std::set<std::string>> packages_by_host;
  for (const auto& f : from_api.at("findings")) {
    packages_by_host[f.value("hostname", f.value("host", ""))].insert(f.value("package", ""));
  }
  EXPECT_EQ(from_api.at("summary").value("hosts", 0), 3);
  EXPECT_EQ(packages_by_host["web-1"],
            (std::set<std::string>{"libssl3", "openssh-server", "nginx-core"}));
  EXPECT_EQ(packages_by_host["web-2"], (std::set<std::string>{"openssh-server"}));
  EXPECT_EQ(packages_by_host["db-1"], (std::set<std::string>{"libssl3"}));

  // The audit trail of all this verifies, and names the enrolments, reports and the import.
  server_->stop(SIGTERM);
  const CommandRun verify = fleetpatch(server_data, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const CommandRun exported = fleetpatch(server_data, {"audit", "export", "--format", "json"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  for (const char* action : {"agent.enroll", "report.accept", "feed.import"}) {
    EXPECT_NE(exported.out.find(action), std::string::npos) << action;
  }
}

}  // namespace
