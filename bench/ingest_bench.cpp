// ingest_bench: what the fleet server spends on one accepted host report outside HTTP and the
// database: parsing the JSON body, preparing the stored form (store::prepare_report: canonical
// encoding, SHA-256, LZ4) and matching it as the server does (Matcher::match_host_shared_into,
// the verdict cache shared by every handler thread, warm: every host matched once before the
// timing, as in a server that has run a while). The parse is timed two ways: into a fresh report
// each time (hoststate::host_report_from_json) and into one report reused across reports
// (host_report_from_json_into, what the server's handler threads do), and their ratio printed.
// Single-threaded, no HTTP, no database, so the figures are the CPU cost per report that
// server_load's throughput rests on. The cache's size, hence its cache misses, grows with
// --hosts: server_load sends 2,000.
//
//   ingest_bench --feed data/almalinux-osv.jsonl.zst [--hosts 64] [--reports 2000] [--rounds 9]
//
// Reports are synthetic AlmaLinux hosts from the fleet generator (bench/fleet_generator.hpp, the
// ones server_load sends: ~560-600 packages), serialised once up front as compact JSON. Each
// round times --reports reports (cycling through --hosts distinct hosts, as a server thread sees
// different hosts one after another) for every path in turn; the figures are the medians over
// --rounds rounds of the time per report, wall clock and the thread's CPU time.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_index.hpp"
#include "bench/fleet_generator.hpp"
#include "bench/guarded_main.hpp"
#include "feed/feed.hpp"
#include "hoststate/host_report_json.hpp"
#include "match/matcher.hpp"
#include "store/codec.hpp"
#include "store/store.hpp"

namespace {

using namespace fleetpatch;
using SteadyClock = std::chrono::steady_clock;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/// One measured path: `run(i)` handles report i and returns something derived from its result,
/// summed so that the work cannot be optimised away.
struct Path {
  std::string name;
  std::function<std::size_t(std::size_t)> run;
  std::vector<double> wall_us;  // per report, one entry per round
  std::vector<double> cpu_us;
  std::size_t checksum = 0;
};

int run(int argc, char** argv) {
  CLI::App app{"ingest_bench: parse + prepare cost of one host report, as the server pays it"};
  std::vector<std::string> feeds;
  std::size_t hosts = 64;
  std::size_t reports = 2000;
  std::size_t rounds = 9;
  std::uint64_t seed = 1;
  app.add_option("--feed", feeds, "OSV feed the synthetic hosts' package sets come from")
      ->required();
  app.add_option("--hosts", hosts, "distinct hosts cycled through")->check(CLI::PositiveNumber);
  app.add_option("--reports", reports, "reports per path per round")->check(CLI::PositiveNumber);
  app.add_option("--rounds", rounds, "rounds; the median is printed")->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "fleet seed");
  std::string only;
  app.add_option("--only", only, "time only the paths whose name contains this (for a profiler)");
  CLI11_PARSE(app, argc, argv);

  core::Diagnostics diagnostics;
  auto batch = feed::read_paths(feeds, diagnostics);
  if (!batch.ok()) {
    std::cerr << "ingest_bench: " << batch.error().message << "\n";
    return 1;
  }
  auto catalogs = bench::catalogs_from_advisories(batch->advisories, "almalinux:");
  auto images = bench::images_from_catalogs(catalogs, bench::ImageOptions{}, seed);
  if (images.empty()) {
    std::cerr << "ingest_bench: the feed gave no AlmaLinux images\n";
    return 1;
  }
  bench::FleetOptions options;
  options.seed = seed;
  options.hosts = hosts;
  const bench::FleetGenerator generator(std::move(images), std::move(catalogs), options);
  std::vector<core::HostReport> fleet(hosts);
  std::vector<std::string> bodies(hosts);
  std::size_t packages = 0;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < hosts; ++i) {
    generator.host_into(i, fleet[i]);
    bodies[i] = hoststate::to_json(fleet[i], false);
    packages += fleet[i].packages.size();
    bytes += bodies[i].size();
  }
  std::printf("ingest_bench: %zu hosts, %.0f packages and %.0f KB of JSON per report on average\n",
              hosts, static_cast<double>(packages) / static_cast<double>(hosts),
              static_cast<double>(bytes) / static_cast<double>(hosts) / 1024.0);

  std::vector<Path> paths;
  paths.push_back({"parse, fresh report (host_report_from_json)", [&](std::size_t i) {
                     auto parsed = hoststate::host_report_from_json(bodies[i], "request body");
                     if (!parsed.ok()) throw std::runtime_error(parsed.error().message);
                     return parsed->packages.size();
                   }});
  // What the server does: one report per handler thread, parsed into again and again.
  core::HostReport reused;
  paths.push_back({"parse, reused report (host_report_from_json_into)", [&](std::size_t i) {
                     const auto status =
                         hoststate::host_report_from_json_into(bodies[i], "request body", reused);
                     if (!status.ok()) throw std::runtime_error(status.error().message);
                     return reused.packages.size();
                   }});
  paths.push_back({"prepare_report (encode, SHA-256, LZ4)",
                   [&](std::size_t i) { return store::prepare_report(fleet[i]).body.size(); }});
  // prepare_report's parts, each alone on the same reports.
  std::vector<std::string> encodings(hosts);
  std::size_t encoded_bytes = 0;
  for (std::size_t i = 0; i < hosts; ++i) {
    encodings[i] = store::codec::encode_report_canonical(fleet[i]);
    encoded_bytes += encodings[i].size();
  }
  std::printf("ingest_bench: canonical encoding %.0f KB per report on average\n",
              static_cast<double>(encoded_bytes) / static_cast<double>(hosts) / 1024.0);
  paths.push_back({"  its canonical encoding", [&](std::size_t i) {
                     return store::codec::encode_report_canonical(fleet[i]).size();
                   }});
  paths.push_back({"  its SHA-256 of the encoding",
                   [&](std::size_t i) { return store::codec::sha256_hex(encodings[i]).size(); }});
  paths.push_back({"  its LZ4 of the encoding", [&](std::size_t i) {
                     return store::codec::compress_lz4(encodings[i]).size();  // the stored body
                   }});
  // What bodies were before schema version 3 (zstd level 1), for comparison.
  paths.push_back({"  (zstd level 1 of the encoding instead)",
                   [&](std::size_t i) { return store::codec::compress(encodings[i], 1).size(); }});

  // The server's matching: an index of the same feed, one Matcher, its shared cache warmed.
  const std::filesystem::path index_dir =
      std::filesystem::temp_directory_path() / ("ingest_bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(index_dir);
  struct RemoveDir {
    std::filesystem::path dir;
    ~RemoveDir() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } remove_index_dir{index_dir};
  auto idx = bench::build_index(*batch, (index_dir / "index.fpi").string());
  if (!idx.ok()) throw std::runtime_error(idx.error().message);
  const match::Matcher matcher(*idx, match::MatchOptions{.threads = 1});
  match::HostMatches matched;
  for (const auto& host : fleet) matcher.match_host_shared_into(host, matched);
  paths.push_back({"match (match_host_shared_into, warm shared cache)", [&](std::size_t i) {
                     matcher.match_host_shared_into(fleet[i], matched);
                     return matched.findings.size();
                   }});

  if (!only.empty()) {
    std::erase_if(paths,
                  [&](const Path& path) { return path.name.find(only) == std::string::npos; });
    if (paths.empty()) throw std::runtime_error("--only " + only + " matches no path");
  }
  for (auto& path : paths) path.run(0);  // warm-up: first-touch allocations, lazy tables
  for (std::size_t round = 0; round < rounds; ++round) {
    for (auto& path : paths) {
      const double cpu_start = thread_cpu_seconds();
      const auto wall_start = SteadyClock::now();
      for (std::size_t n = 0; n < reports; ++n) path.checksum += path.run(n % hosts);
      const double wall = std::chrono::duration<double>(SteadyClock::now() - wall_start).count();
      const double cpu = thread_cpu_seconds() - cpu_start;
      path.wall_us.push_back(wall * 1e6 / static_cast<double>(reports));
      path.cpu_us.push_back(cpu * 1e6 / static_cast<double>(reports));
    }
  }

  std::printf("median over %zu rounds of %zu reports (per report):\n", rounds, reports);
  for (const auto& path : paths) {
    std::printf("  %-50s %8.1f us wall  %8.1f us cpu   (checksum %zu)\n", path.name.c_str(),
                median(path.wall_us), median(path.cpu_us), path.checksum);
  }
  if (only.empty()) {
    std::printf("parse, fresh / reused: %.2fx wall, %.2fx cpu\n",
                median(paths[0].wall_us) / median(paths[1].wall_us),
                median(paths[0].cpu_us) / median(paths[1].cpu_us));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fleetpatch::bench::guarded_main("ingest_bench", run, argc, argv);
}
