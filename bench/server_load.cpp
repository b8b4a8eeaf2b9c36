// server_load: load generator for `fleetpatch serve` (issue 7). Realistic host reports from the
// synthetic fleet (bench/fleet_generator.hpp) are sent over several keep-alive connections to the
// API; it prints sustained accepted reports per second and latency percentiles.
//
//   server_load --url http://127.0.0.1:PORT --token TOKEN --feed data/almalinux-osv.jsonl.zst
//               [--hosts 2000] [--connections 8] [--seconds 10] [--mode full|unchanged|both]
//               [--ack-log FILE]
//
// Modes: `full` PUTs whole reports (each send changes the report a little, a tag carrying the
// send number, so the server stores it as a changed report rather than short-cutting an
// identical one); `unchanged` first PUTs every host once, then sends the agent's "unchanged"
// marker with the acknowledged hash; `both` runs full then unchanged.
// --ack-log appends "HOST-ID SEQ" for every acknowledged report (one write per line, so a
// SIGKILLed server's acknowledgements are all on disk): the durability test reads it back.
#include <fcntl.h>
#include <httplib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/fleet_generator.hpp"
#include "feed/feed.hpp"
#include "hoststate/host_report_json.hpp"

namespace {

using namespace fleetpatch;
using SteadyClock = std::chrono::steady_clock;

struct Target {
  std::string host;
  int port = 0;
};

bool parse_url(const std::string& url, Target& out) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) return false;
  const std::string rest = url.substr(prefix.size());
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) return false;
  out.host = rest.substr(0, colon);
  try {
    out.port = std::stoi(rest.substr(colon + 1));
  } catch (...) {
    return false;
  }
  return out.port > 0;
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[i];
}

struct Phase {
  std::size_t accepted = 0;
  std::size_t errors = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::string first_error;
};

class AckLog {
 public:
  explicit AckLog(const std::string& path) {
    if (!path.empty()) fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  ~AckLog() {
    if (fd_ >= 0) ::close(fd_);
  }
  AckLog(const AckLog&) = delete;
  AckLog& operator=(const AckLog&) = delete;
  bool ok(const std::string& path) const { return path.empty() || fd_ >= 0; }
  void write(const std::string& host, std::int64_t seq) {
    if (fd_ < 0) return;
    const std::string line = host + " " + std::to_string(seq) + "\n";
    // O_APPEND makes each whole line one atomic append.
    [[maybe_unused]] const auto n = ::write(fd_, line.data(), line.size());
  }

 private:
  int fd_ = -1;
};

/// Runs `connections` workers for `seconds`; worker w sends for hosts w, w+connections, ...
template <typename Send>
Phase run_phase(int connections, double seconds, std::size_t hosts, const Send& send) {
  Phase phase;
  std::mutex mu;
  std::atomic<bool> stop{false};
  const auto start = SteadyClock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < connections; ++w) {
    workers.emplace_back([&, w] {
      Phase mine;
      std::size_t round = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (std::size_t h = static_cast<std::size_t>(w); h < hosts; h += connections) {
          if (std::chrono::duration<double>(SteadyClock::now() - start).count() >= seconds) {
            stop = true;
            break;
          }
          const auto t0 = SteadyClock::now();
          std::string error;
          const bool ok = send(static_cast<std::size_t>(w), h, round, error);
          mine.latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
          if (ok) {
            ++mine.accepted;
          } else {
            ++mine.errors;
            if (mine.first_error.empty()) mine.first_error = error;
          }
        }
        ++round;
      }
      const std::lock_guard lock(mu);
      phase.accepted += mine.accepted;
      phase.errors += mine.errors;
      phase.latencies_ms.insert(phase.latencies_ms.end(), mine.latencies_ms.begin(),
                                mine.latencies_ms.end());
      if (phase.first_error.empty()) phase.first_error = mine.first_error;
    });
  }
  for (auto& t : workers) t.join();
  phase.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  return phase;
}

void print_phase(const char* name, Phase& p, int connections) {
  const double p50 = percentile(p.latencies_ms, 0.50);
  const double p99 = percentile(p.latencies_ms, 0.99);
  std::printf(
      "%s: %zu accepted in %.2f s = %.0f reports/s over %d connections; latency p50 %.2f ms, "
      "p99 %.2f ms; %zu errors%s%s\n",
      name, p.accepted, p.seconds, static_cast<double>(p.accepted) / p.seconds, connections, p50,
      p99, p.errors, p.first_error.empty() ? "" : " (first: ", p.first_error.c_str());
  if (!p.first_error.empty()) std::printf(")\n");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"server_load: sustained report load against fleetpatch serve"};
  std::string url, token, mode = "both", ack_log_path;
  std::vector<std::string> feeds;
  std::size_t hosts = 2000;
  int connections = 8;
  double seconds = 10;
  std::uint64_t seed = 1;
  app.add_option("--url", url, "server base URL, http://127.0.0.1:PORT")->required();
  app.add_option("--token", token, "an operator token (or set FLEETPATCH_TOKEN)");
  app.add_option("--feed", feeds, "OSV feed the synthetic hosts' package sets come from")
      ->required();
  app.add_option("--hosts", hosts, "distinct hosts");
  app.add_option("--connections", connections, "concurrent keep-alive connections");
  app.add_option("--seconds", seconds, "duration of each phase");
  app.add_option("--mode", mode, "full, unchanged or both")
      ->check(CLI::IsMember({"full", "unchanged", "both"}));
  app.add_option("--seed", seed, "fleet seed");
  app.add_option("--ack-log", ack_log_path, "append 'HOST SEQ' per acknowledged report");
  CLI11_PARSE(app, argc, argv);
  if (token.empty()) {
    if (const char* env = std::getenv("FLEETPATCH_TOKEN")) token = env;
  }
  Target target;
  if (!parse_url(url, target)) {
    std::cerr << "server_load: --url must look like http://127.0.0.1:8443\n";
    return 2;
  }
  AckLog ack_log(ack_log_path);
  if (!ack_log.ok(ack_log_path)) {
    std::cerr << "server_load: cannot open " << ack_log_path << "\n";
    return 2;
  }

  // The fleet: reports serialised once up front, so the generator is not what is measured.
  core::Diagnostics diagnostics;
  auto batch = feed::read_paths(feeds, diagnostics);
  if (!batch.ok()) {
    std::cerr << "server_load: " << batch.error().message << "\n";
    return 1;
  }
  auto catalogs = bench::catalogs_from_advisories(batch->advisories, "almalinux:");
  auto images = bench::images_from_catalogs(catalogs, bench::ImageOptions{}, seed);
  if (images.empty()) {
    std::cerr << "server_load: the feed gave no AlmaLinux images\n";
    return 1;
  }
  bench::FleetOptions options;
  options.seed = seed;
  options.hosts = hosts;
  const bench::FleetGenerator generator(std::move(images), std::move(catalogs), options);
  // Bodies are serialised once with a fixed-width tag "load-00000000" whose digits each send
  // overwrites, so the client spends its CPU on sending, not on JSON.
  constexpr std::string_view kTag = "load-00000000";
  std::vector<core::HostReport> reports(hosts);
  std::vector<std::string> bodies(hosts);
  std::vector<std::size_t> tag_at(hosts);
  std::size_t packages = 0;
  for (std::size_t i = 0; i < hosts; ++i) {
    generator.host_into(i, reports[i]);
    packages += reports[i].packages.size();
    core::HostReport tagged = reports[i];
    tagged.host.tags.emplace_back(kTag);
    bodies[i] = hoststate::to_json(tagged, false);
    tag_at[i] = bodies[i].find(kTag) + 5;
  }
  std::printf("server_load: %zu hosts, %.0f packages per report on average, %d connections\n",
              hosts, static_cast<double>(packages) / static_cast<double>(hosts), connections);

  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int w = 0; w < connections; ++w) {
    auto client = std::make_unique<httplib::Client>(target.host, target.port);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);  // as libcurl (the agent) does: no Nagle stall on small posts
    client->set_bearer_token_auth(token.c_str());
    client->set_read_timeout(30, 0);
    client->set_write_timeout(30, 0);
    clients.push_back(std::move(client));
  }
  std::vector<std::string> hashes(hosts);

  // One full report: the host's report with a tag naming the send, so its content changes.
  const auto send_full = [&](std::size_t w, std::size_t h, std::size_t round, std::string& error) {
    std::string body = bodies[h];
    char digits[9];
    std::snprintf(digits, sizeof digits, "%08zu", round % 100000000);
    body.replace(tag_at[h], 8, digits, 8);
    const std::string& id = reports[h].host.id;
    auto res =
        clients[w]->Put(("/api/v1/hosts/" + id + "/report").c_str(), body, "application/json");
    if (!res) {
      error = "connection: " + httplib::to_string(res.error());
      return false;
    }
    if (res->status != 200) {
      error = "HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 200);
      return false;
    }
    const auto ack = nlohmann::json::parse(res->body, nullptr, false);
    if (ack.is_discarded() || !ack.contains("report_seq")) {
      error = "bad ack: " + res->body.substr(0, 200);
      return false;
    }
    hashes[h] = ack.value("report_hash", "");
    ack_log.write(id, ack["report_seq"].get<std::int64_t>());
    return true;
  };
  const auto send_unchanged = [&](std::size_t w, std::size_t h, std::size_t, std::string& error) {
    const nlohmann::json body = {{"report_hash", hashes[h]},
                                 {"collected_at", reports[h].collected_at}};
    auto res =
        clients[w]->Post(("/api/v1/hosts/" + reports[h].host.id + "/report/unchanged").c_str(),
                         body.dump(), "application/json");
    if (!res) {
      error = "connection: " + httplib::to_string(res.error());
      return false;
    }
    if (res->status != 200) {
      error = "HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 200);
      return false;
    }
    const auto ack = nlohmann::json::parse(res->body, nullptr, false);
    if (!ack.is_discarded() && ack.contains("report_seq")) {
      ack_log.write(reports[h].host.id, ack["report_seq"].get<std::int64_t>());
    }
    return true;
  };

  int failures = 0;
  if (mode == "full" || mode == "both") {
    Phase full = run_phase(connections, seconds, hosts, send_full);
    print_phase("full reports", full, connections);
    failures += full.accepted == 0 ? 1 : 0;
  }
  if (mode == "unchanged" || mode == "both") {
    // Every host needs an acknowledged report (and its hash) first.
    std::size_t missing = 0;
    for (std::size_t h = 0; h < hosts; ++h) {
      if (!hashes[h].empty()) continue;
      std::string error;
      if (!send_full(h % clients.size(), h, 0, error)) {
        if (++missing == 1) std::cerr << "server_load: priming: " << error << "\n";
      }
    }
    Phase unchanged = run_phase(connections, seconds, hosts, send_unchanged);
    print_phase("unchanged reports", unchanged, connections);
    failures += unchanged.accepted == 0 ? 1 : 0;
  }
  return failures == 0 ? 0 : 1;
}
