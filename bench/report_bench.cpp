// report_bench: the compliance report of a large fleet with history (issue 6: 100,000 hosts,
// JSON summary <= 5 s). Measures policy evaluation (deadline, status, exceptions, risk, EPSS),
// history tracking (first seen, fixed, time to fix, burn-down), the fleet aggregates (per host,
// per CVE, version sprawl, fix-first) and the JSON summary; matching is fleet_bench's job, so the
// findings here are synthetic but shaped like the matcher's.
//
// Fleet model: hosts are clones of --images base images (about --packages packages and
// --findings findings each, from one pool of packages and advisories with realistic severity,
// CVSS, KEV and EPSS mixes); every host drifts (--drift-variants variants per image: a few
// findings fixed, a few packages at other versions), as in real fleets, and the matcher shares
// identical results between hosts, so hosts reference shared finding sets here too. Each host has
// --snapshots inventories: the earlier ones 30 days apart with findings since fixed.
//
//   report_bench [--hosts 100000] [--threads 2] [--policy soc2] [--runs 1] [--baseline-hosts 2000]
//
// Prints the median time of the report stage alone over --runs (the busiest builder thread's
// time in add_host, then merging, finishing and writing the JSON summary; producing the
// synthetic hosts is left out), the process's peak RSS, and a baseline measured in the same
// process (one builder keeping every finding as a full row) with the ratio; exit 1 when the
// median exceeds --max-seconds.
#include <sys/resource.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/guarded_main.hpp"
#include "core/finding.hpp"
#include "core/host_report.hpp"
#include "core/time.hpp"
#include "policy/evaluate.hpp"
#include "policy/exceptions.hpp"
#include "policy/history.hpp"
#include "policy/policy.hpp"
#include "policy/risk.hpp"
#include "report/compliance_report.hpp"

namespace {

using namespace fleetpatch;

/// SplitMix64: deterministic everywhere.
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

struct Options {
  std::size_t hosts = 100000;
  std::size_t images = 20;
  std::size_t packages = 400;
  std::size_t findings = 60;
  std::size_t variants = 50;
  std::size_t snapshots = 2;
  std::string policy = "soc2";
  std::string as_of = "2026-06-01T00:00:00Z";
  int runs = 1;
  unsigned threads = 2;
  double max_seconds = 5.0;
  std::size_t baseline_hosts = 2000;
};

struct Image {
  std::vector<core::Package> packages;
  // variants[v][s]: findings of snapshot s (0 = oldest, last = current) of drift variant v.
  std::vector<std::vector<core::HostFindings>> variants;
  std::vector<std::vector<core::Package>> variant_packages;
};

std::string version_of(std::size_t package, std::size_t n) {
  return std::to_string(1 + package % 7) + "." + std::to_string(package % 13) + "." +
         std::to_string(n) + "-" + std::to_string(1 + n % 5) + ".el9";
}

core::Finding make_finding(std::size_t package, std::size_t advisory, Rng& rng,
                           core::TimePoint as_of) {
  core::Finding f;
  f.package = "pkg-" + std::to_string(package);
  f.source_package = "src-" + std::to_string(package / 2);
  f.installed_version = version_of(package, advisory % 5);
  f.fixed_version = version_of(package, advisory % 5 + 1);
  f.advisories = {"ALSA-2026:" + std::to_string(10000 + advisory)};
  const std::size_t ncves = 1 + rng.below(3);
  for (std::size_t k = 0; k < ncves; ++k) {
    f.cves.push_back("CVE-2026-" + std::to_string(100000 + advisory * 3 + k));
  }
  const double roll = rng.unit();
  f.severity = roll < 0.08   ? core::Severity::kCritical
               : roll < 0.4  ? core::Severity::kHigh
               : roll < 0.85 ? core::Severity::kMedium
               : roll < 0.97 ? core::Severity::kLow
                             : core::Severity::kUnknown;
  if (rng.unit() < 0.7) f.cvss_score = std::round((2.0 + rng.unit() * 8.0) * 10.0) / 10.0;
  const auto published = as_of - std::chrono::days(1 + rng.below(400));
  f.fix_available_since = core::format_rfc3339(published);
  if (rng.unit() < 0.03) {
    f.kev_due_date = core::format_rfc3339(published + std::chrono::days(21)).substr(0, 10);
  }
  const double e = rng.unit();
  f.exposure = e < 0.15  ? core::Exposure::kNetwork
               : e < 0.3 ? core::Exposure::kLocal
                         : core::Exposure::kNone;
  return f;
}

std::vector<Image> make_images(const Options& o, core::TimePoint as_of) {
  Rng rng{42};
  std::vector<Image> images(o.images);
  const std::size_t pool = o.packages * 2;
  for (std::size_t i = 0; i < o.images; ++i) {
    Image& img = images[i];
    // Each image: a shared core (the first half of the pool) and its own role packages.
    std::vector<std::size_t> chosen;
    for (std::size_t p = 0; p < o.packages; ++p) {
      chosen.push_back(p < o.packages * 3 / 4 ? p : (p + i * 37) % pool);
    }
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    for (const std::size_t p : chosen) {
      core::Package pkg;
      pkg.name = "pkg-" + std::to_string(p);
      pkg.version = version_of(p, i % 4);
      pkg.arch = "x86_64";
      img.packages.push_back(std::move(pkg));
    }
    std::vector<core::Finding> base;
    for (std::size_t k = 0; k < o.findings; ++k) {
      const std::size_t p = chosen[rng.below(chosen.size())];
      base.push_back(make_finding(p, p * 8 + k % 8, rng, as_of));
    }
    for (std::size_t v = 0; v < o.variants; ++v) {
      std::vector<core::HostFindings> snaps(o.snapshots);
      // Oldest snapshot: everything plus a few findings fixed since; newer ones drop some.
      for (std::size_t s = 0; s < o.snapshots; ++s) {
        for (std::size_t k = 0; k < base.size(); ++k) {
          const bool fixed_since = (k + v) % (7 + s) == 0;
          if (s + 1 == o.snapshots && fixed_since) continue;
          snaps[s].findings.push_back(base[k]);
        }
      }
      img.variants.push_back(std::move(snaps));
      std::vector<core::Package> pkgs = img.packages;
      for (std::size_t d = 0; d < 3; ++d) {
        auto& p = pkgs[rng.below(pkgs.size())];
        p.version = version_of(v + d, 7 + rng.below(5));
      }
      img.variant_packages.push_back(std::move(pkgs));
    }
  }
  return images;
}

/// This thread's CPU time: on a machine busy with other work the wall time of a stage says how
/// busy the machine was, its CPU time what the stage costs.
std::chrono::nanoseconds thread_cpu() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

long peak_rss_kb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

int run(int argc, char** argv) {
  Options o;
  CLI::App app{"Compliance report over a synthetic fleet with history"};
  app.add_option("--hosts", o.hosts, "hosts")->capture_default_str();
  app.add_option("--images", o.images, "base images")->capture_default_str();
  app.add_option("--packages", o.packages, "packages per host")->capture_default_str();
  app.add_option("--findings", o.findings, "findings per host")->capture_default_str();
  app.add_option("--drift-variants", o.variants, "drift variants per image")->capture_default_str();
  app.add_option("--snapshots", o.snapshots, "inventories per host (history + current)")
      ->capture_default_str();
  app.add_option("--policy", o.policy, "built-in policy")->capture_default_str();
  app.add_option("--as-of", o.as_of, "report time")->capture_default_str();
  app.add_option("--runs", o.runs, "repetitions (the median is reported)")->capture_default_str();
  app.add_option("--threads", o.threads, "builders in parallel, merged at the end")
      ->capture_default_str();
  app.add_option("--max-seconds", o.max_seconds, "fail when the median is above this time")
      ->capture_default_str();
  app.add_option("--baseline-hosts", o.baseline_hosts,
                 "hosts for the baseline (one thread, every finding kept; 0 = skip)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  o.snapshots = std::max<std::size_t>(o.snapshots, 1);

  const core::TimePoint as_of = core::parse_rfc3339(o.as_of).value();
  const core::FixedClock clock(as_of);
  auto pol = policy::builtin_policy(o.policy);
  if (!pol.ok()) {
    std::cerr << pol.error().message << "\n";
    return 2;
  }
  // A few tiers, so tier matching is part of the cost.
  policy::Tier network;
  network.match.kind = policy::TierMatch::Kind::kExposure;
  network.match.exposure = core::Exposure::kNetwork;
  network.factor = 0.5;
  network.risk_factor = 2.0;
  policy::Tier pci;
  pci.match.kind = policy::TierMatch::Kind::kTag;
  pci.match.tag = "pci";
  pci.factor = 0.75;
  pci.risk_factor = 1.5;
  pol->tiers = {network, pci};

  const std::vector<Image> images = make_images(o, as_of);
  policy::ExceptionSet exceptions;
  policy::EpssScores epss;
  {
    Rng rng{7};
    for (std::size_t a = 0; a < o.packages * 2 * 8; ++a) {
      for (std::size_t k = 0; k < 3; ++k) {
        epss.add("CVE-2026-" + std::to_string(100000 + a * 3 + k),
                 {rng.unit() * rng.unit(), rng.unit()});
      }
    }
    for (std::size_t x = 0; x < 50; ++x) {
      policy::ExceptionRecord r;
      r.id = "EX-" + std::to_string(x);
      r.kind = x % 3 == 0 ? policy::ExceptionKind::kMitigation : policy::ExceptionKind::kException;
      r.cve = "CVE-2026-" + std::to_string(100000 + x * 97);
      if (x % 4 == 0) r.tag = "dmz";
      r.justification = "bench";
      r.approver = "bench";
      r.created = as_of - std::chrono::days(100);
      if (x % 2 == 0) r.expires = as_of + std::chrono::days(static_cast<long>(x) - 10);
      exceptions.records.push_back(std::move(r));
    }
  }

  std::printf(
      "report_bench: %zu hosts x %zu inventories, %zu images x %zu drift variants, "
      "~%zu packages and ~%zu findings per host, policy %s + 2 tiers, 50 exception "
      "records, %zu EPSS scores\n",
      o.hosts, o.snapshots, o.images, o.variants, o.packages, o.findings, o.policy.c_str(),
      epss.size());

  // One report over the first `hosts` hosts on `threads` builders: the time of the report stage
  // (the busiest builder's add_host time, then merging, finish and the JSON).
  struct Measured {
    double seconds = 0;
    double cpu = 0;  // the same stages in CPU time
    double wall = 0;
    std::size_t json_bytes = 0;
    report::ComplianceSummary summary;
    std::optional<report::TimeToFix> ttf;
  };
  const auto measure = [&](std::size_t hosts, unsigned threads, bool keep_findings) {
    const auto wall0 = std::chrono::steady_clock::now();
    const policy::Evaluator evaluator(*pol, &exceptions, &epss, clock);
    report::BuildOptions build;
    // The JSON summary; a fleet's findings never fit in memory (the baseline keeps them).
    build.keep_findings = keep_findings;
    threads = std::max(1u, threads);
    std::vector<std::unique_ptr<report::ComplianceBuilder>> builders;
    for (unsigned t = 0; t < threads; ++t) {
      builders.push_back(
          std::make_unique<report::ComplianceBuilder>(evaluator, &exceptions, build));
    }
    std::vector<std::chrono::steady_clock::duration> busy(threads);
    std::vector<std::chrono::nanoseconds> busy_cpu(threads);
    // Each thread builds a contiguous share of the hosts and the builders are merged in host
    // order, so the report is the one a single builder makes, whatever the thread count (the
    // sprawl lists keep the first hosts in input order). Producing a host (copying its image's
    // package list) is kept out of the measured time.
    const auto work = [&](unsigned t) {
      core::HostReport host;
      std::vector<policy::Snapshot> history(o.snapshots - 1);
      const std::size_t first = hosts * t / threads;
      const std::size_t last = hosts * (t + 1) / threads;
      for (std::size_t i = first; i < last; ++i) {
        const Image& img = images[i % images.size()];
        const std::size_t v = (i * 2654435761u) % img.variants.size();
        host.host.id = "host-" + std::to_string(i);
        host.host.hostname = host.host.id;
        host.host.tags.clear();
        if (i % 3 == 0) host.host.tags.push_back("prod");
        if (i % 10 == 0) host.host.tags.push_back("dmz");
        if (i % 7 == 0) host.host.tags.push_back("pci");
        host.os = {"almalinux", "9.4", "AlmaLinux 9.4", {}, ""};
        host.packages = img.variant_packages[v];
        const auto current = as_of - std::chrono::hours(i % 24);
        host.collected_at = core::format_rfc3339(current);
        for (std::size_t s = 0; s + 1 < o.snapshots; ++s) {
          history[s] = {current - std::chrono::days(30 * (o.snapshots - 1 - s)),
                        &img.variants[v][s]};
        }
        const auto t0 = std::chrono::steady_clock::now();
        const auto c0 = thread_cpu();
        builders[t]->add_host(host, img.variants[v].back(), history);
        busy_cpu[t] += thread_cpu() - c0;
        busy[t] += std::chrono::steady_clock::now() - t0;
      }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    const auto t0 = std::chrono::steady_clock::now();
    const auto c0 = thread_cpu();
    for (unsigned t = 1; t < threads; ++t) builders[0]->merge(std::move(*builders[t]));
    report::ComplianceReport r = builders[0]->finish();
    std::ostringstream out;
    report::write_compliance_json(out, r, {.pretty = false, .include_findings = keep_findings});
    const auto end = std::chrono::steady_clock::now();
    const auto c1 = thread_cpu();
    Measured m;
    m.cpu = std::chrono::duration<double>(*std::max_element(busy_cpu.begin(), busy_cpu.end()) +
                                          (c1 - c0))
                .count();
    m.seconds =
        std::chrono::duration<double>(*std::max_element(busy.begin(), busy.end()) + (end - t0))
            .count();
    m.wall = std::chrono::duration<double>(end - wall0).count();
    m.json_bytes = out.str().size();
    m.summary = r.summary;
    m.ttf = r.time_to_fix;
    return m;
  };

  std::vector<Measured> runs;
  for (int run = 0; run < std::max(1, o.runs); ++run)
    runs.push_back(measure(o.hosts, o.threads, false));
  std::sort(runs.begin(), runs.end(),
            [](const Measured& a, const Measured& b) { return a.seconds < b.seconds; });
  const Measured& median = runs[runs.size() / 2];
  std::vector<double> cpus;
  cpus.reserve(runs.size());
  for (const auto& r : runs) cpus.push_back(r.cpu);
  std::sort(cpus.begin(), cpus.end());
  const report::ComplianceSummary& summary = median.summary;
  const auto& ttf = median.ttf;
  std::printf(
      "summary: %zu hosts, %zu compliant, %zu findings (%zu overdue, %zu due soon, %zu "
      "mitigated, %zu excepted), %zu fixed; time to fix mean %.1f d, p90 %.1f d\n",
      summary.hosts, summary.hosts_compliant, summary.counts.findings, summary.counts.overdue,
      summary.counts.due_soon, summary.counts.mitigated, summary.counts.excepted,
      summary.counts.fixed, ttf ? ttf->mean_days : 0.0, ttf ? ttf->p90_days : 0.0);
  std::printf(
      "report: median %.2f s (best %.2f s, %zu runs; CPU of the busiest thread, median %.2f s) "
      "for %zu hosts on %u thread(s) (wall %.2f s with host production), JSON summary %.1f MB, "
      "peak RSS %ld MB (target <= %.1f s)\n",
      median.seconds, runs.front().seconds, runs.size(), cpus[cpus.size() / 2], o.hosts, o.threads,
      median.wall, static_cast<double>(median.json_bytes) / 1e6, peak_rss_kb() / 1024,
      o.max_seconds);
  if (o.baseline_hosts > 0) {
    // The plain way, measured on this machine now, so the ratio holds under any load: one
    // builder that keeps every finding as a full row (deadline reason, risk texts, notes), the
    // way `fleetpatch report --format json` builds a small fleet.
    const std::size_t n = std::min(o.baseline_hosts, o.hosts);
    const Measured base = measure(n, 1, true);
    const double ours = median.seconds / static_cast<double>(o.hosts);
    const double theirs = base.seconds / static_cast<double>(n);
    const double ours_cpu = cpus[cpus.size() / 2] / static_cast<double>(o.hosts);
    const double theirs_cpu = base.cpu / static_cast<double>(n);
    std::printf(
        "baseline (one thread, every finding kept as a full row, %zu hosts): %.1f us/host -> "
        "%.1f s per 100,000 hosts; the summary above %.1f us/host: %.1fx faster (CPU time: "
        "%.1f vs %.1f us/host, %.1fx)\n",
        n, theirs * 1e6, theirs * 1e5, ours * 1e6, theirs / ours, theirs_cpu * 1e6, ours_cpu * 1e6,
        theirs_cpu / ours_cpu);
  }
  return median.seconds <= o.max_seconds ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return fleetpatch::bench::guarded_main("report_bench", run, argc, argv);
}
