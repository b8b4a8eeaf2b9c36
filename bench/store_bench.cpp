// store_bench: the fleet store alone, without HTTP (issue 7). Measures what the server's report
// endpoints cost in the store: full reports (put_report of a changed report) and unchanged
// reports (touch_report), from several threads, and the same with one thread as the baseline the
// group commit is measured against. Prints the median of --runs runs.
//
//   store_bench [--database URL] [--threads 8] [--packages 600] [--hosts 4000] [--runs 3]
//
// Without --database each run uses a fresh SQLite file in a temporary directory (removed after).
// With a PostgreSQL URL every run uses new host ids in the same database.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/guarded_main.hpp"
#include "store/store.hpp"

namespace {

using fleetpatch::core::HostReport;
using fleetpatch::core::Package;
using fleetpatch::core::TimePoint;
namespace store = fleetpatch::store;
using Clock = std::chrono::steady_clock;

/// A 600-package Debian-like host; host `index` differs from the template in a few versions, as
/// hosts cloned from one image drift.
HostReport template_report(std::size_t packages) {
  HostReport r;
  r.os = {"debian", "12", "Debian GNU/Linux 12 (bookworm)", {}, "bookworm"};
  r.package_format = fleetpatch::core::PackageFormat::kDpkg;
  r.kernel.running = "6.1.0-18-amd64";
  r.kernel.installed = {"6.1.0-13-amd64", "6.1.0-18-amd64"};
  static const char* const kStems[] = {"lib", "python3-", "fonts-", "gir1.2-", "node-", ""};
  static const char* const kWords[] = {"ssl",  "curl", "xml2", "gnutls", "systemd", "glib",
                                       "perl", "zstd", "krb5", "ldap",   "sqlite",  "nss",
                                       "pam",  "apt",  "dbus", "udev",   "gcrypt",  "icu"};
  for (std::size_t i = 0; i < packages; ++i) {
    Package p;
    const std::string word = kWords[i % std::size(kWords)];
    p.name = std::string(kStems[(i / 7) % std::size(kStems)]) + word + std::to_string(i % 97);
    p.version = std::to_string(1 + i % 5) + "." + std::to_string(i % 13) + "." +
                std::to_string(i % 31) + "-" + std::to_string(1 + i % 4) + "+deb12u" +
                std::to_string(i % 3);
    p.arch = i % 9 == 0 ? "all" : "amd64";
    p.source_name = word + std::to_string(i % 97);
    p.source_version = p.version;
    r.packages.push_back(std::move(p));
  }
  r.collected_at = "2026-11-26T03:00:00Z";
  r.collector = "fleetpatch 0.1.0";
  return r;
}

void make_host(HostReport& r, const HostReport& base, std::size_t index, const std::string& run) {
  r.host.id = run + "-" + std::to_string(index);
  r.host.hostname = "web-" + std::to_string(index);
  r.host.tags = {"prod"};
  for (std::size_t k = 0; k < 3; ++k) {
    const std::size_t p = (index * 31 + k * 7) % base.packages.size();
    r.packages[p].version = base.packages[p].version + "." + std::to_string(index % 11);
  }
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Phase {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

/// Runs `op(host index)` for hosts [0, hosts) split over `threads`.
template <typename Op>
Phase run_phase(std::size_t threads, std::size_t hosts, Op op) {
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = next++; i < hosts; i = next++) {
        const auto t0 = Clock::now();
        if (!op(t, i)) failed = true;
        latencies[t].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& th : pool) th.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (failed) {
    std::fprintf(stderr, "store_bench: an operation failed\n");
    std::exit(1);
  }
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  return {static_cast<double>(hosts) / seconds, percentile(all, 0.5), percentile(all, 0.99)};
}

struct RunResult {
  Phase full, full_one_thread, unchanged;
  double ledger_hosts_per_second = 0;  // apply_ledger_updates, 900 findings a host
  double scan_hosts_per_second = 0;    // for_each_report with ledgers (re-evaluation's read)
  // The same per CPU-second of this process: what the machine could do without other load.
  double ledger_hosts_per_cpu_second = 0;
  double scan_hosts_per_cpu_second = 0;
  double bytes_per_host = 0;
  double fsyncs_per_second = 0;
};

/// The disk's durable-commit budget, measured in the same directory just before the run: a
/// durable store cannot acknowledge more batches per second than this. (With --database it is
/// the local temporary directory's disk: the PostgreSQL server's only when it runs here.)
double fsync_rate(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto path = dir / "fsync-probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 0;
  const std::string block(8192, 'x');
  int n = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < std::chrono::milliseconds(500)) {
    if (::write(fd, block.data(), block.size()) < 0 || ::fdatasync(fd) != 0) break;
    ++n;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  std::filesystem::remove(path);
  return n / seconds;
}

RunResult one_run(const std::string& database, std::size_t threads, std::size_t packages,
                  std::size_t hosts, int run) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("fleetpatch-store-bench-" + std::to_string(std::random_device{}()));
  const bool sqlite = database.empty();
  const double fsyncs = fsync_rate(dir);
  const std::string url = sqlite ? "sqlite:" + (dir / "fleet.db").string() : database;
  auto opened = store::open_store(url, "");
  if (!opened.ok()) {
    std::fprintf(stderr, "store_bench: %s\n", opened.error().message.c_str());
    std::exit(1);
  }
  store::Store& s = **opened;
  const HostReport base = template_report(packages);
  std::vector<HostReport> buffers(threads, base);
  const TimePoint now{std::chrono::seconds{1'764'126'000}};
  const std::string prefix =
      "run" + std::to_string(run) + "-" + std::to_string(std::random_device{}() % 100000);

  // Hashes the agents would send with their unchanged reports (outside the timed phases).
  std::vector<std::string> hashes(hosts);
  {
    HostReport r = base;
    for (std::size_t i = 0; i < hosts; ++i) {
      r = base;
      make_host(r, base, i, prefix);
      hashes[i] = store::report_content_hash(r);
    }
  }

  RunResult out;
  out.fsyncs_per_second = fsyncs;
  auto full = [&](const std::string& id_prefix) {
    return [&, id_prefix](std::size_t t, std::size_t i) {
      HostReport& r = buffers[t];
      r.packages = base.packages;
      make_host(r, base, i, id_prefix);
      const store::AuditEvent audit{now, "host:" + r.host.id, "report.accept", r.host.id, "{}"};
      return s.put_report(r, now, &audit).ok();
    };
  };
  out.full = run_phase(threads, hosts, full(prefix));
  out.full_one_thread = run_phase(1, std::max<std::size_t>(hosts / 8, 50), full(prefix + "-one"));
  out.unchanged = run_phase(threads, hosts, [&](std::size_t, std::size_t i) {
    const std::string id = prefix + "-" + std::to_string(i);
    const store::AuditEvent audit{now, "host:" + id, "report.unchanged", id, "{}"};
    auto r = s.touch_report(id, hashes[i], "2026-11-26T04:00:00Z", now, &audit);
    return r.ok() && r->has_value();
  });
  // Re-evaluation's two store sides: write every host's ledger (batches of 500 hosts, 900 open
  // findings each), then read every report with its ledger.
  {
    std::vector<store::LedgerUpdate> batch;
    double seconds = 0;
    double cpu = 0;
    for (std::size_t i = 0; i < hosts; ++i) {
      store::LedgerUpdate u;
      u.host_id = prefix + "-" + std::to_string(i);
      for (std::size_t k = 0; k < 900; ++k) {
        u.current.push_back({base.packages[(k * 7 + i) % base.packages.size()].name + " DSA-" +
                                 std::to_string(5000 + k),
                             now - std::chrono::hours(24 * ((k + i) % 400))});
      }
      batch.push_back(std::move(u));
      if (batch.size() == 500 || i + 1 == hosts) {
        const auto start = Clock::now();
        const double cpu_start = cpu_seconds();
        const bool ok = s.apply_ledger_updates(batch).ok();
        seconds += std::chrono::duration<double>(Clock::now() - start).count();
        cpu += cpu_seconds() - cpu_start;
        if (!ok) {
          std::fprintf(stderr, "store_bench: apply_ledger_updates failed\n");
          std::exit(1);
        }
        batch.clear();
      }
    }
    out.ledger_hosts_per_second = static_cast<double>(hosts) / seconds;
    out.ledger_hosts_per_cpu_second = static_cast<double>(hosts) / cpu;
  }
  {
    std::size_t seen = 0;
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds();
    auto status = s.for_each_report(
        [&](HostReport&& r, std::vector<store::LedgerEntry>&& ledger) {
          // Touch the data so the decode cannot be skipped.
          seen += r.packages.empty() || ledger.empty() ? 0 : 1;
          return true;
        },
        true);
    if (!status.ok()) {
      std::fprintf(stderr, "store_bench: %s\n", status.error().message.c_str());
      std::exit(1);
    }
    out.scan_hosts_per_second =
        static_cast<double>(seen) / std::chrono::duration<double>(Clock::now() - start).count();
    out.scan_hosts_per_cpu_second = static_cast<double>(seen) / (cpu_seconds() - cpu_start);
  }
  opened->reset();
  if (sqlite) {
    std::uintmax_t bytes = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir)) bytes += f.file_size();
    out.bytes_per_host = static_cast<double>(bytes) /
                         static_cast<double>(hosts + std::max<std::size_t>(hosts / 8, 50));
  }
  // The fsync probe's directory exists for every backend.
  std::filesystem::remove_all(dir);
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int run(int argc, char** argv) {
  CLI::App app{"fleet store throughput: full and unchanged reports"};
  std::string database;
  std::size_t threads = 8;
  std::size_t packages = 600;
  std::size_t hosts = 4000;
  int runs = 3;
  app.add_option("--database", database, "store URL (default: fresh SQLite file per run)");
  app.add_option("--threads", threads, "concurrent callers")->check(CLI::Range(1, 256));
  app.add_option("--packages", packages, "packages per report")->check(CLI::Range(1, 100000));
  app.add_option("--hosts", hosts, "hosts per run")->check(CLI::Range(10, 10000000));
  app.add_option("--runs", runs, "runs (the median is printed)")->check(CLI::Range(1, 99));
  CLI11_PARSE(app, argc, argv);

  std::vector<RunResult> results;
  for (int r = 0; r < runs; ++r) {
    results.push_back(one_run(database, threads, packages, hosts, r));
    const auto& x = results.back();
    std::printf(
        "run %d: full %.0f/s (p50 %.2f ms, p99 %.2f ms), full 1 thread %.0f/s, "
        "unchanged %.0f/s (p50 %.2f ms, p99 %.2f ms); disk %.0f fdatasync/s\n",
        r + 1, x.full.per_second, x.full.p50_ms, x.full.p99_ms, x.full_one_thread.per_second,
        x.unchanged.per_second, x.unchanged.p50_ms, x.unchanged.p99_ms, x.fsyncs_per_second);
  }
  auto pick = [&](auto field) {
    std::vector<double> v;
    v.reserve(results.size());
    for (const auto& r : results) v.push_back(field(r));
    return median(v);
  };
  const double full = pick([](const RunResult& r) { return r.full.per_second; });
  const double one = pick([](const RunResult& r) { return r.full_one_thread.per_second; });
  const double unchanged = pick([](const RunResult& r) { return r.unchanged.per_second; });
  std::printf("backend %s, %zu threads, %zu packages, %zu hosts, median of %d runs:\n",
              database.empty() ? "sqlite" : "postgresql", threads, packages, hosts, runs);
  std::printf(
      "  full reports      %8.0f /s  p50 %.2f ms  p99 %.2f ms  (1 thread: %.0f /s, "
      "x%.1f)\n",
      full, pick([](const RunResult& r) { return r.full.p50_ms; }),
      pick([](const RunResult& r) { return r.full.p99_ms; }), one, full / one);
  std::printf("  unchanged reports %8.0f /s  p50 %.2f ms  p99 %.2f ms  (x%.1f full)\n", unchanged,
              pick([](const RunResult& r) { return r.unchanged.p50_ms; }),
              pick([](const RunResult& r) { return r.unchanged.p99_ms; }), unchanged / full);
  std::printf(
      "  ledger writes     %8.0f hosts/s, %.0f per CPU-second (900 open findings each, "
      "batches of 500)\n",
      pick([](const RunResult& r) { return r.ledger_hosts_per_second; }),
      pick([](const RunResult& r) { return r.ledger_hosts_per_cpu_second; }));
  std::printf(
      "  report scan       %8.0f hosts/s, %.0f per CPU-second (for_each_report with "
      "ledgers)\n",
      pick([](const RunResult& r) { return r.scan_hosts_per_second; }),
      pick([](const RunResult& r) { return r.scan_hosts_per_cpu_second; }));
  const double fsyncs = pick([](const RunResult& r) { return r.fsyncs_per_second; });
  std::printf("  disk baseline     %8.0f fdatasync/s (full reports per fsync: %.1f)\n", fsyncs,
              full / fsyncs);
  if (database.empty()) {
    std::printf("  database size     %8.0f bytes per host (report, host row, audit entries)\n",
                pick([](const RunResult& r) { return r.bytes_per_host; }));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fleetpatch::bench::guarded_main("store_bench", run, argc, argv);
}
