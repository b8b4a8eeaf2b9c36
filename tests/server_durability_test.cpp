// Durability (issue 7): the server is killed with SIGKILL in the middle of a load run, restarted,
// and every report it had acknowledged must be there, for both store backends. "Acknowledged"
// is the contract in store/store.hpp: the server answers 200 only after the store committed.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/databases.hpp"
#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using fleetpatch::testsupport::Background;
using fleetpatch::testsupport::CommandRun;
using nlohmann::json;

/// A host report of `packages` packages for host `id` (Debian 12, made-up package names).
std::string report_json(const std::string& id, int packages, int round) {
  json pkgs = json::array();
  for (int p = 0; p < packages; ++p) {
    const std::string name = "pkg" + std::to_string(p);
    const std::string version = "1." + std::to_string(p) + "-" + std::to_string(round);
    pkgs.push_back({{"name", name},
                    {"version", version},
                    {"arch", "amd64"},
                    {"source", {{"name", name}, {"version", version}}},
                    {"module", nullptr}});
  }
  return json{{"schema", "fleetpatch.host/1"},
              {"host", {{"id", id}, {"hostname", id}, {"tags", json::array()}}},
              {"os", {{"id", "debian"}, {"version_id", "12"}, {"name", "Debian GNU/Linux 12"}}},
              {"kernel", {{"running", "6.1.0-21-amd64"}, {"installed", json::array()}}},
              {"packages", pkgs},
              {"collected_at", "2026-11-26T00:00:00Z"},
              {"collector", "durability test"}}
      .dump();
}

struct Backend {
  const char* name;
};

// Names the backend in test listings (instead of the struct's bytes).
// NOLINTNEXTLINE(readability-identifier-naming): gtest finds PrintTo by this exact name
void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

class Durability : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fleetpatch-durability-" + std::string(GetParam().name) +
                                        "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    data_dir_ = (dir_ / "data").string();
    if (std::string(GetParam().name) == "postgresql") {
      const char* url = std::getenv("FLEETPATCH_TEST_PG_URL");
      if (url == nullptr) {
        if (std::getenv("FLEETPATCH_SKIP_POSTGRES") != nullptr) {
          GTEST_SKIP() << "FLEETPATCH_SKIP_POSTGRES is set";
        }
        FAIL() << "FLEETPATCH_TEST_PG_URL is not set: run through ctest, whose postgres fixture "
                  "starts a private server (or set FLEETPATCH_SKIP_POSTGRES=1)";
      }
      // A database of our own, so parallel tests never share tables.
      admin_url_ = url;
      db_name_ = "fleetpatch_durability_" + fleetpatch::testsupport::random_hex(12);
      const std::string created =
          fleetpatch::testsupport::pg_exec(admin_url_, "CREATE DATABASE " + db_name_);
      ASSERT_EQ(created, "");
      database_ = fleetpatch::testsupport::with_database(admin_url_, db_name_);
    }
  }
  void TearDown() override {
    server_.reset();
    if (!db_name_.empty()) {
      fleetpatch::testsupport::pg_exec(admin_url_, "DROP DATABASE IF EXISTS " + db_name_);
    }
    if (!HasFailure()) fs::remove_all(dir_);
  }

  CommandRun fleetpatch(std::vector<std::string> args) {
    std::vector<std::string> argv = {FLEETPATCH_BIN, "--data-dir", data_dir_};
    argv.insert(argv.end(), args.begin(), args.end());
    if (!database_.empty()) {
      argv.push_back("--database");
      argv.push_back(database_);
    }
    return fleetpatch::testsupport::run(argv, dir_ / "stderr.txt");
  }

  void start_server() {
    port_ = fleetpatch::testsupport::free_port();
    std::vector<std::string> argv = {FLEETPATCH_BIN, "--data-dir",
                                     data_dir_,      "serve",
                                     "--listen",     "127.0.0.1:" + std::to_string(port_),
                                     "--rate-limit", "0"};
    if (!database_.empty()) {
      argv.push_back("--database");
      argv.push_back(database_);
    }
    server_ =
        std::make_unique<Background>(argv, dir_ / ("server-" + std::to_string(starts_++) + ".log"));
    httplib::Client c("127.0.0.1", port_);
    for (int i = 0; i < 300; ++i) {
      if (auto res = c.Get("/healthz"); res && res->status == 200) return;
      ASSERT_TRUE(server_->running()) << "server exited:\n" << server_->log();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "server did not come up:\n" << server_->log();
  }

  fs::path dir_;
  std::string data_dir_;
  std::string database_;
  std::string admin_url_;
  std::string db_name_;
  int port_ = 0;
  int starts_ = 0;
  std::unique_ptr<Background> server_;
};

TEST_P(Durability, EveryAcknowledgedReportSurvivesSigkill) {
  const CommandRun token = fleetpatch({"token", "create", "--name", "load", "--role", "operator"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(token.out, m, std::regex("fpt_[A-Za-z0-9_-]+"))) << token.out;
  const std::string secret = m.str();
  start_server();
  if (HasFatalFailure()) return;

  // Load: 4 connections, each sending reports of its own hosts round after round; every
  // acknowledgement (host, seq) is remembered. The server is killed while they run.
  constexpr int kConnections = 4;
  constexpr int kHostsPerConnection = 25;
  std::mutex mu;
  std::map<std::string, std::int64_t> acked;  // host -> highest acknowledged seq
  std::atomic<int> total_acked{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  workers.reserve(kConnections);
  for (int w = 0; w < kConnections; ++w) {
    workers.emplace_back([&, w] {
      httplib::Client c("127.0.0.1", port_);
      c.set_bearer_token_auth(secret.c_str());
      c.set_keep_alive(true);
      for (int round = 0; !stop; ++round) {
        for (int h = 0; h < kHostsPerConnection && !stop; ++h) {
          const std::string id = "host-" + std::to_string(w) + "-" + std::to_string(h);
          auto res = c.Put(("/api/v1/hosts/" + id + "/report").c_str(), report_json(id, 50, round),
                           "application/json");
          if (!res || res->status != 200) continue;  // killed mid-request: not acknowledged
          const auto ack = json::parse(res->body, nullptr, false);
          if (ack.is_discarded() || !ack.contains("report_seq")) continue;
          const std::lock_guard lock(mu);
          auto& seq = acked[id];
          seq = std::max<std::int64_t>(seq, ack["report_seq"].get<std::int64_t>());
          ++total_acked;
        }
      }
    });
  }
  // Kill after a random moment once some reports are in, so the kill lands mid-commit.
  std::mt19937 rng(static_cast<unsigned>(::getpid()));
  for (int i = 0; i < 400 && total_acked < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
  server_->stop(SIGKILL);
  stop = true;
  for (auto& t : workers) t.join();
  ASSERT_GT(total_acked.load(), 0) << "no report was acknowledged before the kill";

  start_server();
  if (HasFatalFailure()) return;
  httplib::Client c("127.0.0.1", port_);
  c.set_bearer_token_auth(secret.c_str());
  int checked = 0;
  for (const auto& [id, seq] : acked) {
    auto res = c.Get(("/api/v1/hosts/" + id).c_str());
    ASSERT_TRUE(res) << "no answer for " << id;
    ASSERT_EQ(res->status, 200) << id << " acknowledged (seq " << seq << ") but lost";
    const auto host = json::parse(res->body);
    EXPECT_GE(host.value("report_seq", std::int64_t{0}), seq) << id;
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(acked.size()));
  std::cout << "durability (" << GetParam().name << "): " << total_acked
            << " acknowledged reports of " << acked.size()
            << " hosts, all present after SIGKILL and restart\n";

  // The audit chain is intact too (the kill may not leave half an entry).
  server_->stop(SIGTERM);
  const CommandRun verify = fleetpatch({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, Durability,
                         ::testing::Values(Backend{"sqlite"}, Backend{"postgresql"}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
