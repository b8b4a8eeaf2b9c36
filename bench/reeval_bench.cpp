// reeval_bench: re-evaluation of a stored fleet after a feed update (issue 7: 300,000 hosts in
// <= 60 s on 2 cores). Fills a store with synthetic AlmaLinux hosts (bench/fleet_generator.hpp,
// realistic package sets from the feed), evaluates them once against an index built WITHOUT the
// advisories of the feed's last --hold-back-days (the state before the updates), then times
// --runs successive server::reevaluate_fleet calls, each with an index holding one more slice
// of the held-back advisories (the last one the whole feed): every host re-matched (distinct
// tuples once), every ledger diffed, the changed ones written. Prints each run and the median.
//
//   reeval_bench --feed data/almalinux-osv.jsonl.zst [--hosts 300000] [--database URL]
//                [--threads 2] [--hold-back-days 90] [--runs 3]
//
// Without --database a SQLite store in a temporary directory (removed after). With a PostgreSQL
// URL, the bench creates its tables in that database (use an empty one).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_index.hpp"
#include "bench/fleet_generator.hpp"
#include "bench/guarded_main.hpp"
#include "core/time.hpp"
#include "feed/feed.hpp"
#include "index/index.hpp"
#include "server/fleet_eval.hpp"
#include "store/store.hpp"

namespace {

namespace fs = std::filesystem;
using namespace fleetpatch;
using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

int run(int argc, char** argv) {
  CLI::App app{"reeval_bench: re-evaluate a stored fleet after a feed update"};
  std::vector<std::string> feeds;
  std::string database;
  std::size_t hosts = 300000;
  unsigned threads = 2;
  int hold_back_days = 90;
  std::uint64_t seed = 1;
  int runs = 3;
  app.add_option("--feed", feeds, "AlmaLinux OSV feed (file, directory, bundle)")->required();
  app.add_option("--hosts", hosts, "hosts in the store");
  app.add_option("--database", database, "store URL (default: SQLite in a temporary directory)");
  app.add_option("--threads", threads, "matching threads");
  app.add_option("--hold-back-days", hold_back_days,
                 "advisories published in the feed's last N days are 'the update'");
  app.add_option("--seed", seed, "fleet seed");
  app.add_option("--runs", runs,
                 "successive feed updates measured, each adding a slice of the held-back "
                 "advisories (median printed)")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  const fs::path dir = fs::temp_directory_path() / ("reeval_bench." + std::to_string(::getpid()));
  fs::create_directories(dir);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() { fs::remove_all(dir); }
  } cleanup{dir};

  core::Diagnostics diagnostics;
  auto batch = feed::read_paths(feeds, diagnostics);
  if (!batch.ok()) {
    std::cerr << "reeval_bench: " << batch.error().message << "\n";
    return 1;
  }
  // "Before the update": the feed without its newest advisories.
  std::string newest;
  for (const auto& a : batch->advisories) newest = std::max(newest, a.published);
  const auto newest_time = core::parse_rfc3339(newest);
  if (!newest_time.ok()) {
    std::cerr << "reeval_bench: the feed has no publication dates\n";
    return 1;
  }
  // Index k of runs+1: the feed as it was (runs - k) / runs of the hold-back period before its
  // newest advisory; index 0 is the state before the first update, index `runs` the whole feed.
  // Run k re-evaluates the fleet with index k: `runs` successive feed updates, each new to it.
  std::vector<index::Index> indexes;
  for (int k = 0; k <= runs; ++k) {
    const auto cutoff = *newest_time - std::chrono::hours(24 * hold_back_days) * (runs - k) / runs;
    feed::FeedBatch slice;
    slice.kev = batch->kev;
    for (const auto& a : batch->advisories) {
      const auto t = core::parse_rfc3339(a.published);
      if (k == runs || (t.ok() && *t < cutoff)) slice.advisories.push_back(a);
    }
    auto built =
        bench::build_index(slice, (dir / ("index-" + std::to_string(k) + ".fpi")).string());
    if (!built.ok()) {
      std::cerr << "reeval_bench: index: " << built.error().message << "\n";
      return 1;
    }
    std::printf("reeval_bench: index %d holds %zu of the feed's %zu advisories\n", k,
                slice.advisories.size(), batch->advisories.size());
    indexes.push_back(std::move(built).value());
  }

  auto store = store::open_store(
      database.empty() ? "sqlite:" + (dir / "fleet.db").string() : database, dir.string());
  if (!store.ok()) {
    std::cerr << "reeval_bench: store: " << store.error().message << "\n";
    return 1;
  }

  // Fill the store from several threads (put_report group-commits).
  auto catalogs = bench::catalogs_from_advisories(batch->advisories, "almalinux:");
  auto images = bench::images_from_catalogs(catalogs, bench::ImageOptions{}, seed);
  bench::FleetOptions options;
  options.seed = seed;
  options.hosts = hosts;
  const bench::FleetGenerator generator(std::move(images), std::move(catalogs), options);
  const auto fill_start = SteadyClock::now();
  const core::TimePoint received = *newest_time;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  constexpr int kFillers = 8;
  std::vector<std::thread> fillers;
  fillers.reserve(kFillers);
  for (int t = 0; t < kFillers; ++t) {
    fillers.emplace_back([&] {
      core::HostReport report;
      for (std::size_t i = next++; i < hosts && !failed; i = next++) {
        generator.host_into(i, report);
        if (auto r = (*store)->put_report(report, received); !r.ok()) {
          std::cerr << "reeval_bench: put_report: " << r.error().message << "\n";
          failed = true;
        }
      }
    });
  }
  for (auto& t : fillers) t.join();
  if (failed) return 1;
  std::printf("reeval_bench: stored %zu hosts in %.1f s\n", hosts, seconds_since(fill_start));

  // The state before the updates: every ledger from index 0 (not timed).
  server::ReevaluationOptions reopts;
  reopts.threads = threads;
  reopts.reason = "bench: before";
  const auto first_start = SteadyClock::now();
  auto first = server::reevaluate_fleet(**store, indexes[0], core::FixedClock(received), reopts);
  if (!first.ok()) {
    std::cerr << "reeval_bench: first evaluation: " << first.error().message << "\n";
    return 1;
  }
  std::printf(
      "reeval_bench: first evaluation (index 0): %lld hosts, %lld findings opened, %.1f s\n",
      static_cast<long long>(first->hosts), static_cast<long long>(first->new_findings),
      seconds_since(first_start));

  std::vector<double> times;
  for (int r = 1; r <= runs; ++r) {
    // The measured part: a feed update, a day after the previous one.
    const core::FixedClock clock(received + std::chrono::hours(24 * r));
    reopts.reason = "bench: feed update " + std::to_string(r);
    const auto start = SteadyClock::now();
    auto run =
        server::reevaluate_fleet(**store, indexes[static_cast<std::size_t>(r)], clock, reopts);
    const double elapsed = seconds_since(start);
    if (!run.ok()) {
      std::cerr << "reeval_bench: re-evaluation: " << run.error().message << "\n";
      return 1;
    }
    times.push_back(elapsed);
    std::printf(
        "reeval_bench: update %d (%s): %lld hosts in %.1f s (%.0f hosts/s, %u threads); %lld new "
        "findings, %lld fixed\n",
        r, std::string((*store)->backend()).c_str(), static_cast<long long>(run->hosts), elapsed,
        static_cast<double>(run->hosts) / elapsed, threads,
        static_cast<long long>(run->new_findings), static_cast<long long>(run->fixed_findings));
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  std::printf(
      "re-evaluation after a feed update (%s): %zu hosts, median %.1f s of %d runs (%.0f hosts/s, "
      "%u threads; best %.1f s, worst %.1f s); target <= 60 s for 300,000 hosts\n",
      std::string((*store)->backend()).c_str(), hosts, median, runs,
      static_cast<double>(hosts) / median, threads, times.front(), times.back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fleetpatch::bench::guarded_main("reeval_bench", run, argc, argv);
}
