// fleet_bench: the fleet-scale figures `make bench` prints (scripts/bench.sh drives it).
//
//   fleet_bench compile --feed PATH... [--runs 5]
//       parse + compile a feed into an index file, median of --runs.
//   fleet_bench fleet --index FILE [--vuls DIR] --hosts 100000,300000 [--threads 2] [--runs 3]
//       match a synthetic fleet in-process (streamed: hosts are generated, matched and counted,
//       never all held), each run in a child process so its peak RSS can be read with
//       getrusage; plus a baseline: a plain per-package version comparison without dedupe.
//   fleet_bench exec [--runs 30] [--warmup 3] -- COMMAND ARGS...
//       median wall time of COMMAND as a fresh process (stdout to /dev/null).
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/fleet_generator.hpp"
#include "bench/guarded_main.hpp"
#include "distro/distro.hpp"
#include "feed/feed.hpp"
#include "hoststate/parsers.hpp"
#include "index/index.hpp"
#include "match/matcher.hpp"
#include "version/rpm_version.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace fleetpatch;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU seconds (user + system) of this process so far, all threads.
double process_cpu_seconds() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---- compile ---------------------------------------------------------------------------------

int run_compile(const std::vector<std::string>& feeds, int runs, const std::string& keep) {
  const fs::path dir = fs::temp_directory_path() / ("fleet_bench." + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / index::kIndexFileName).string();
  std::vector<double> parse_times, compile_times, totals;
  std::size_t advisories = 0, kev = 0, diagnostics_count = 0;
  for (int run = 0; run < runs; ++run) {
    const auto start = Clock::now();
    core::Diagnostics diagnostics;
    auto batch = feed::read_paths(feeds, diagnostics);
    if (!batch.ok()) {
      std::cerr << "fleet_bench compile: " << batch.error().message << "\n";
      return 1;
    }
    const double parsed = seconds_since(start);
    advisories = batch->advisories.size();
    kev = batch->kev.size();
    diagnostics_count = diagnostics.size();
    index::IndexBuilder builder;
    for (auto& advisory : batch->advisories) builder.add(std::move(advisory));
    for (auto& entry : batch->kev) builder.add_kev(std::move(entry));
    if (auto status = builder.write_atomic(path); !status.ok()) {
      std::cerr << "fleet_bench compile: " << status.error().message << "\n";
      return 1;
    }
    const double total = seconds_since(start);
    parse_times.push_back(parsed);
    compile_times.push_back(total - parsed);
    totals.push_back(total);
  }
  std::printf(
      "compile: %zu advisories + %zu KEV entries (%zu diagnostics), index %.1f MB; median of %d: "
      "parse %.3f s + compile/write %.3f s = %.3f s (target <= 1 s)\n",
      advisories, kev, diagnostics_count, static_cast<double>(fs::file_size(path)) / 1e6, runs,
      median(parse_times), median(compile_times), median(totals));
  if (!keep.empty()) fs::copy_file(path, keep, fs::copy_options::overwrite_existing);
  fs::remove_all(dir);
  return 0;
}

// ---- exec ------------------------------------------------------------------------------------

int run_exec(std::vector<std::string> command, int runs, int warmup) {
  std::vector<char*> argv;
  argv.reserve(command.size() + 1);
  for (auto& arg : command) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<double> times, cpu_times;
  for (int run = 0; run < warmup + runs; ++run) {
    const auto start = Clock::now();
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
      std::cerr << "fleet_bench exec: cannot start " << argv[0] << "\n";
      return 1;
    }
    int status = 0;
    struct rusage usage {};
    ::wait4(pid, &status, 0, &usage);
    const double elapsed = seconds_since(start);
    // CPU time too: on a loaded machine wall time includes waiting for a core.
    const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    // scan exits 0 (no findings at the --fail-on level) or 3 (findings): both are results.
    if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3)) {
      std::cerr << "fleet_bench exec: " << argv[0] << " failed (status " << status << ")\n";
      return 1;
    }
    if (run >= warmup) {
      times.push_back(elapsed);
      cpu_times.push_back(cpu);
    }
  }
  posix_spawn_file_actions_destroy(&actions);
  std::sort(times.begin(), times.end());
  std::printf("exec: median %.1f ms wall (min %.1f, max %.1f), median %.1f ms CPU, over %d runs\n",
              median(times) * 1e3, times.front() * 1e3, times.back() * 1e3, median(cpu_times) * 1e3,
              runs);
  return 0;
}

// ---- fleet -----------------------------------------------------------------------------------

struct FleetInputs {
  std::vector<bench::BaseImage> images;
  std::vector<bench::ReleaseCatalog> catalogs;
  std::string description;
};

FleetInputs fleet_inputs(const index::Index& idx, const std::string& vuls_dir,
                         const std::string& vuls_prefix, bool feed_images, std::uint64_t seed) {
  FleetInputs inputs;
  const std::vector<core::Advisory> advisories = idx.decode_advisories();
  inputs.catalogs = bench::catalogs_from_advisories(advisories, "almalinux:");
  if (feed_images) {
    inputs.images = bench::images_from_catalogs(inputs.catalogs, bench::ImageOptions{}, seed);
  }
  std::size_t real = 0;
  if (!vuls_dir.empty() && fs::is_directory(vuls_dir)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(vuls_dir)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      core::Diagnostics diagnostics;
      auto report = hoststate::import_vuls_json(read_file(file), file.string(), diagnostics);
      if (!report.ok()) continue;
      const auto release = distro::resolve_os(report->os);
      const std::string key = release ? release->key : report->os.id;
      if (!key.starts_with(vuls_prefix)) continue;
      // A real inventory weighs like a release's main image.
      inputs.images.push_back(
          bench::image_from_report("vuls:" + file.stem().string(), key, std::move(*report), 1.0));
      ++real;
    }
  }
  std::ostringstream text;
  text << inputs.images.size() << " base images (" << inputs.images.size() - real
       << " from the AlmaLinux feed, " << real << " real inventories"
       << (vuls_prefix.empty() ? "" : " of " + vuls_prefix + "*") << ")";
  inputs.description = text.str();
  return inputs;
}

struct FleetResult {
  double generate_seconds = 0;   // producing the host reports alone
  double match_seconds = 0;      // producing + matching + counting the findings
  double match_cpu_seconds = 0;  // the same in CPU time, all threads
  std::size_t findings = 0, kev = 0, hosts_with_findings = 0;
  std::size_t distinct_tuples = 0, shared_hits = 0, packages = 0;
  long peak_rss_kb = 0;
};

// Runs in the child: everything the measurement needs is built here, so the child's peak RSS is
// the whole cost of matching the fleet.
int fleet_child(const std::string& index_path, const std::string& vuls_dir,
                const std::string& vuls_prefix, bool feed_images, std::size_t hosts,
                unsigned threads, std::uint64_t seed, bool summaries) {
  FleetResult result;
  auto idx = index::Index::open(index_path);
  if (!idx.ok()) {
    std::cerr << "fleet_bench: " << idx.error().message << "\n";
    return 1;
  }
  const FleetInputs inputs = fleet_inputs(*idx, vuls_dir, vuls_prefix, feed_images, seed);
  bench::FleetOptions options;
  options.seed = seed;
  options.hosts = hosts;
  const bench::FleetGenerator generator(inputs.images, inputs.catalogs, options);

  // Hosts are produced grouped by image (host order within an image kept), so that a worker's
  // report buffer is patched in O(drift) instead of copied: producing a host then costs far less
  // than a real report's ingest would, and the figure is the matcher's.
  std::vector<std::uint32_t> order(hosts);
  {
    std::vector<std::uint32_t> image_of(hosts);
    for (std::size_t i = 0; i < hosts; ++i) {
      order[i] = static_cast<std::uint32_t>(i);
      image_of[i] = generator.spec(i).image;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return image_of[a] < image_of[b]; });
  }
  std::mutex states_mutex;
  std::map<const core::HostReport*, bench::FleetGenerator::BufferState> states;
  auto produce = [&](std::size_t i, core::HostReport& report) {
    bench::FleetGenerator::BufferState* state = nullptr;
    {
      std::lock_guard lock(states_mutex);
      state = &states[&report];  // map nodes are stable
    }
    generator.host_into(order[i], report, *state);
  };

  {  // generation alone, same threads and chunks, to separate its share
    const auto start = Clock::now();
    std::atomic<std::size_t> next{0}, sink{0};
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        core::HostReport report;
        for (std::size_t begin; (begin = next.fetch_add(16)) < hosts;) {
          for (std::size_t i = begin; i < std::min(hosts, begin + 16); ++i) {
            produce(i, report);
            sink += report.packages.size();
          }
        }
      });
    }
    for (auto& w : workers) w.join();
    result.generate_seconds = seconds_since(start);
  }

  match::MatchOptions match_options;
  match_options.threads = threads;
  const match::Matcher matcher(*idx, match_options);
  std::atomic<std::size_t> findings{0}, kev{0}, with_findings{0};
  const double cpu_start = process_cpu_seconds();
  const auto start = Clock::now();
  if (summaries) {
    matcher.summarize_stream(hosts, produce, [&](std::size_t, const match::HostSummary& host) {
      findings += host.findings;
      kev += host.kev;
      with_findings += host.findings > 0;
    });
  } else {
    matcher.match_stream(hosts, produce, [&](std::size_t, match::HostMatches&& host) {
      std::size_t k = 0;
      for (const auto& f : host.findings) k += f.payload->kev_due_date.has_value();
      findings += host.findings.size();
      kev += k;
      with_findings += !host.findings.empty();
    });
  }
  result.match_seconds = seconds_since(start);
  result.match_cpu_seconds = process_cpu_seconds() - cpu_start;
  result.findings = findings;
  result.kev = kev;
  result.hosts_with_findings = with_findings;
  const match::MatchStats stats = matcher.stats();
  result.distinct_tuples = stats.distinct_tuples;
  result.shared_hits = stats.shared_hits;
  result.packages = stats.packages;
  std::printf("%.6f %.6f %.6f %zu %zu %zu %zu %zu %zu\n", result.generate_seconds,
              result.match_seconds, result.match_cpu_seconds, result.findings, result.kev,
              result.hosts_with_findings, result.distinct_tuples, result.shared_hits,
              result.packages);
  return 0;
}

// Runs this binary again as `fleet_bench fleet-run ...` (a fresh process, so that its peak RSS
// is its own and not the parent's memory inherited through fork) and reads its result line.
bool run_in_child(const std::vector<std::string>& args, FleetResult& out) {
  std::vector<std::string> argv_text = {"/proc/self/exe", "fleet-run"};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_text.size() + 1);
  for (auto& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  pid_t pid = 0;
  std::cout.flush();
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; spawned == 0 && (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) {
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (spawned != 0) return false;
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  out.peak_rss_kb = usage.ru_maxrss;  // kilobytes on Linux
  std::istringstream in(text);
  in >> out.generate_seconds >> out.match_seconds >> out.match_cpu_seconds >> out.findings >>
      out.kev >> out.hosts_with_findings >> out.distinct_tuples >> out.shared_hits >> out.packages;
  return static_cast<bool>(in) && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The baseline: what a scanner without sharing does. Every package of every host is looked up
// and every fixed version of every security advisory for it is parsed and compared again.
double baseline_per_host(const index::Index& idx, const FleetInputs& inputs, std::size_t hosts,
                         unsigned threads, std::uint64_t seed, std::size_t& vulnerable) {
  bench::FleetOptions options;
  options.seed = seed;
  options.hosts = hosts;
  const bench::FleetGenerator generator(inputs.images, inputs.catalogs, options);
  std::atomic<std::size_t> next{0}, flagged{0};
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      core::HostReport report;
      std::size_t mine = 0;
      for (std::size_t i; (i = next.fetch_add(1)) < hosts;) {
        generator.host_into(i, report);
        const auto release = distro::resolve_os(report.os);
        if (!release) continue;
        for (const core::Package& package : report.packages) {
          bool vulnerable_package = false;
          for (const index::EntryView entry : idx.lookup(release->key, package.name)) {
            if (entry.advisory().kind() != core::AdvisoryKind::kSecurity) continue;
            for (std::size_t e = 0; e < entry.event_count(); ++e) {
              const index::EventView event = entry.event(e);
              if (event.type != core::VersionEvent::Type::kFixed) continue;
              const auto installed = version::RpmEvr::parse(package.version);
              const auto fixed = version::RpmEvr::parse(event.version);
              if (installed.ok() && fixed.ok() && installed->compare(*fixed) < 0) {
                vulnerable_package = true;
              }
            }
          }
          mine += vulnerable_package;
        }
      }
      flagged += mine;
    });
  }
  for (auto& w : workers) w.join();
  vulnerable = flagged;
  return seconds_since(start) / static_cast<double>(hosts);
}

struct Modes {
  bool summary = true;
  bool findings = true;
  double max_seconds = 90;  // stop repeating a size once its runs took this long
};

int run_fleet(const std::string& index_path, const std::string& vuls_dir,
              const std::string& vuls_prefix, bool feed_images, const Modes& modes,
              const std::vector<std::size_t>& sizes, unsigned threads, int runs,
              std::size_t baseline_hosts, std::uint64_t seed) {
  auto idx = index::Index::open(index_path);
  if (!idx.ok()) {
    std::cerr << "fleet_bench fleet: " << idx.error().message << "\n";
    return 1;
  }
  const FleetInputs inputs = fleet_inputs(*idx, vuls_dir, vuls_prefix, feed_images, seed);
  if (inputs.images.empty()) {
    std::cerr << "fleet_bench fleet: no base images (no AlmaLinux advisories in the index?)\n";
    return 1;
  }
  {
    bench::FleetOptions options;
    options.seed = seed;
    options.hosts = sizes.empty() ? 0 : sizes.front();
    const bench::FleetGenerator generator(inputs.images, inputs.catalogs, options);
    const bench::FleetStats stats = generator.stats(options.hosts);
    std::printf(
        "fleet: %s; %zu hosts carry %zu installed packages but only %zu distinct (release, "
        "package, version) (%.2f%%)\n",
        inputs.description.c_str(), stats.hosts, stats.package_instances, stats.distinct_tuples,
        100.0 * static_cast<double>(stats.distinct_tuples) /
            static_cast<double>(std::max<std::size_t>(stats.package_instances, 1)));
  }
  double per_host_ours = 0;
  for (const bool summaries : {true, false}) {
    if (summaries ? !modes.summary : !modes.findings) continue;
    const char* what = summaries ? "summaries" : "findings";
    std::vector<std::pair<std::size_t, double>> medians;
    double spread = 1.0;  // largest max/min of the runs of one size: the noise on this machine
    for (std::size_t hosts : sizes) {
      std::vector<double> times, gen_times, cpu_times;
      std::vector<long> rss;
      FleetResult last;
      double spent = 0;
      for (int run = 0; run < runs && (run == 0 || spent < modes.max_seconds); ++run) {
        FleetResult result;
        std::vector<std::string> args = {"--index",       index_path,
                                         "--hosts",       std::to_string(hosts),
                                         "--threads",     std::to_string(threads),
                                         "--seed",        std::to_string(seed),
                                         "--vuls-prefix", vuls_prefix};
        if (!vuls_dir.empty()) args.insert(args.end(), {"--vuls", vuls_dir});
        if (!feed_images) args.push_back("--no-feed-images");
        if (summaries) args.push_back("--summaries");
        if (!run_in_child(args, result)) {
          std::cerr << "fleet_bench fleet: the child for " << hosts << " hosts failed\n";
          return 1;
        }
        times.push_back(result.match_seconds);
        gen_times.push_back(result.generate_seconds);
        cpu_times.push_back(result.match_cpu_seconds);
        rss.push_back(result.peak_rss_kb);
        spent += result.match_seconds + result.generate_seconds;
        last = result;
      }
      const double t = median(times);
      const long peak = *std::max_element(rss.begin(), rss.end());
      medians.emplace_back(hosts, t);
      spread = std::max(spread, *std::max_element(times.begin(), times.end()) /
                                    *std::min_element(times.begin(), times.end()));
      if (per_host_ours == 0) per_host_ours = t / static_cast<double>(hosts);
      std::printf(
          "match %-9s %7zu hosts (%u threads): median %.2f s wall, %.2f s CPU, of %zu run(s) "
          "(%.0f hosts/s; generating the reports alone %.2f s), peak RSS %.0f MB; %zu findings "
          "(%zu with a KEV date) on %zu hosts; %zu package lookups, %zu distinct tuples "
          "matched\n",
          what, hosts, threads, t, median(cpu_times), times.size(), static_cast<double>(hosts) / t,
          median(gen_times), static_cast<double>(peak) / 1024.0, last.findings, last.kev,
          last.hosts_with_findings, last.packages, last.distinct_tuples);
      std::fflush(stdout);
    }
    for (std::size_t i = 1; i < medians.size(); ++i) {
      const double size_ratio =
          static_cast<double>(medians[i].first) / static_cast<double>(medians[0].first);
      const double time_ratio = medians[i].second / medians[0].second;
      const double of_linear = time_ratio / size_ratio;
      char noise[96] = "";
      if (spread > 1.0)
        std::snprintf(noise, sizeof noise, "; run-to-run spread %.0f%%", (spread - 1) * 100);
      const char* verdict = of_linear <= 1.05 ? "ok: linear or better"
                            : of_linear <= 1.05 * spread
                                ? "above linear by less than the run-to-run spread"
                                : "SUPERLINEAR";
      std::printf("growth %-9s %zu -> %zu hosts: x%.2f hosts, x%.2f time (%.2f of linear%s): %s\n",
                  what, medians[0].first, medians[i].first, size_ratio, time_ratio, of_linear,
                  noise, verdict);
    }
  }
  if (baseline_hosts > 0 && per_host_ours > 0) {
    std::size_t vulnerable = 0;
    const double per_host =
        baseline_per_host(*idx, inputs, baseline_hosts, threads, seed, vulnerable);
    std::printf(
        "baseline (plain per-package E:V-R comparison, no dedupe, %u threads, %zu hosts): "
        "%.3f ms/host -> %.0f s per 100,000 hosts; fleetpatch (first line above) %.4f ms/host: "
        "%.1fx faster "
        "(%zu packages flagged by the plain comparison)\n",
        threads, baseline_hosts, per_host * 1e3, per_host * 1e5, per_host_ours * 1e3,
        per_host / per_host_ours, vulnerable);
  }
  return 0;
}

std::vector<std::size_t> parse_sizes(const std::string& text) {
  std::vector<std::size_t> sizes;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) sizes.push_back(std::stoul(part));
  }
  return sizes;
}

int run(int argc, char** argv) {
  CLI::App app{"fleet_bench: fleet-scale benchmarks (see scripts/bench.sh)"};
  app.require_subcommand(1);

  auto* compile = app.add_subcommand("compile", "parse + compile a feed into an index");
  std::vector<std::string> feeds;
  int compile_runs = 5;
  compile->add_option("--feed", feeds, "feed paths (OSV dir/zip/bundle, KEV JSON)")->required();
  compile->add_option("--runs", compile_runs, "runs (median)");
  std::string keep;
  compile->add_option("--out", keep, "keep the compiled index here");

  auto* fleet = app.add_subcommand("fleet", "match a synthetic fleet in-process");
  std::string index_path, vuls_dir, vuls_prefix = "almalinux:", sizes_text = "100000,300000";
  unsigned threads = 2;
  int fleet_runs = 3;
  std::size_t baseline_hosts = 2000;
  std::uint64_t seed = 1;
  bool no_feed_images = false;
  fleet->add_option("--index", index_path, "compiled index file")->required();
  fleet->add_option("--vuls", vuls_dir, "Vuls results to use as base images (bench only)");
  fleet->add_option("--vuls-prefix", vuls_prefix,
                    "use only the Vuls hosts whose release starts so (\"\" = all)");
  fleet->add_flag("--no-feed-images", no_feed_images, "only the Vuls images");
  fleet->add_option("--hosts", sizes_text, "fleet sizes, comma-separated");
  fleet->add_option("--threads", threads, "matcher threads");
  fleet->add_option("--runs", fleet_runs, "runs per size (median)");
  fleet->add_option("--baseline-hosts", baseline_hosts, "hosts for the baseline (0 = skip)");
  fleet->add_option("--seed", seed, "fleet seed");
  Modes modes;
  std::string mode = "both";
  fleet->add_option("--mode", mode, "summaries (counts per host), findings (full findings) or both")
      ->check(CLI::IsMember({"summaries", "findings", "both"}));
  fleet->add_option("--max-seconds", modes.max_seconds, "stop repeating a size after this long");
  bool summaries = false;

  // Internal: one measured fleet run, in its own process (see run_in_child).
  auto* fleet_run = app.add_subcommand("fleet-run", "");
  std::size_t run_hosts = 0;
  fleet_run->add_option("--index", index_path)->required();
  fleet_run->add_option("--vuls", vuls_dir);
  fleet_run->add_option("--vuls-prefix", vuls_prefix);
  fleet_run->add_flag("--no-feed-images", no_feed_images);
  fleet_run->add_option("--hosts", run_hosts)->required();
  fleet_run->add_option("--threads", threads);
  fleet_run->add_option("--seed", seed);
  fleet_run->add_flag("--summaries", summaries);

  auto* exec = app.add_subcommand("exec", "time a command as a fresh process");
  std::vector<std::string> command;
  int exec_runs = 30, warmup = 3;
  exec->add_option("--runs", exec_runs, "runs (median)");
  exec->add_option("--warmup", warmup, "untimed runs first");
  exec->add_option("command", command, "command and arguments (after --)")->required();

  CLI11_PARSE(app, argc, argv);
  if (compile->parsed()) return run_compile(feeds, compile_runs, keep);
  if (fleet->parsed()) {
    modes.summary = mode != "findings";
    modes.findings = mode != "summaries";
    return run_fleet(index_path, vuls_dir, vuls_prefix, !no_feed_images, modes,
                     parse_sizes(sizes_text), threads, fleet_runs, baseline_hosts, seed);
  }
  if (fleet_run->parsed()) {
    return fleet_child(index_path, vuls_dir, vuls_prefix, !no_feed_images, run_hosts, threads, seed,
                       summaries);
  }
  return run_exec(command, exec_runs, warmup);
}

}  // namespace

int main(int argc, char** argv) {
  return fleetpatch::bench::guarded_main("fleet_bench", run, argc, argv);
}
