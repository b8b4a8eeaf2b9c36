// Google Benchmark for the version kernels every match runs: parse and compare for deb, rpm and
// apk, on version pairs shaped like the ones real feeds and hosts carry (epochs, backport
// suffixes, ~ pre-releases, module release tags, apk suffixes).
// Run: build/release/bench/version_bench (or `make bench`, which runs it briefly).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "version/apk_version.hpp"
#include "version/deb_version.hpp"
#include "version/rpm_version.hpp"
#include "version/version.hpp"

namespace {

using Pair = std::pair<std::string_view, std::string_view>;

constexpr auto kRpmPairs = std::to_array<Pair>({
    {"1:3.0.7-16.el9_2", "1:3.0.7-18.el9_2"},
    {"5.14.0-70.13.1.el9_0", "5.14.0-362.8.1.el9_3"},
    {"2.28-225.el9", "2.28-225.el9_3.alma.1"},
    {"8.0.26-1.module_el8.4.0+2532+b8928c02", "8.0.32-1.module_el8.8.0+3567+0b5b4c2f"},
    {"1.2.11-40.el9", "1.2.11-40.el9"},
    {"2:8.2.2637-20.el9_1", "2:8.2.2637-16.el9_0.3"},
    {"252-14.el9_2.3", "252-14.el9_2.3^1"},
    {"1.0~rc1-1.el9", "1.0-1.el9"},
});

constexpr auto kDebPairs = std::to_array<Pair>({
    {"1.1.1n-0+deb11u4", "1.1.1n-0+deb11u5"},
    {"2:8.2.2434-3+deb11u1", "2:8.2.2434-3+deb11u1"},
    {"7.74.0-1.3+deb11u7", "7.74.0-1.3+deb11u14"},
    {"5.10.0-8-amd64", "5.10.0-28"},
    {"1.2.3~rc1-1", "1.2.3-1"},
    {"3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.15"},
    {"1:2.38-4ubuntu2", "1:2.38-4ubuntu2.1"},
    {"252.22-1~deb12u1", "252.26-1~deb12u2"},
});

constexpr auto kApkPairs = std::to_array<Pair>({
    {"1.1.1k-r0", "1.1.1l-r0"},
    {"3.0.8-r3", "3.0.12-r1"},
    {"2.10.3_rc1-r0", "2.10.3-r0"},
    {"1.36.1-r5", "1.36.1-r15"},
    {"8.5.0_p1-r0", "8.5.0-r0"},
    {"1.2.13-r0", "1.2.13-r0"},
    {"0.9.7_git20230101-r0", "0.9.7-r2"},
    {"5.2.15-r5", "5.2.21-r0"},
});

template <typename Version>
void parse_all(benchmark::State& state, std::span<const Pair> pairs) {
  for ([[maybe_unused]] auto _ : state) {
    for (const auto& [a, b] : pairs) {
      auto pa = Version::parse(a);
      auto pb = Version::parse(b);
      benchmark::DoNotOptimize(pa);
      benchmark::DoNotOptimize(pb);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pairs.size() * 2));
}

template <typename Version>
void compare_parsed(benchmark::State& state, std::span<const Pair> pairs) {
  std::vector<std::pair<Version, Version>> parsed;
  parsed.reserve(pairs.size());
  for (const auto& [a, b] : pairs) parsed.emplace_back(*Version::parse(a), *Version::parse(b));
  for ([[maybe_unused]] auto _ : state) {
    for (const auto& [a, b] : parsed) benchmark::DoNotOptimize(a.compare(b));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pairs.size()));
}

void compare_strings(benchmark::State& state, fleetpatch::core::PackageFormat format,
                     std::span<const Pair> pairs) {
  for ([[maybe_unused]] auto _ : state) {
    for (const auto& [a, b] : pairs) {
      auto result = fleetpatch::version::compare(format, a, b);
      benchmark::DoNotOptimize(result);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pairs.size()));
}

void rpm_parse(benchmark::State& state) {
  parse_all<fleetpatch::version::RpmEvr>(state, kRpmPairs);
}
void rpm_compare_parsed(benchmark::State& state) {
  compare_parsed<fleetpatch::version::RpmEvr>(state, kRpmPairs);
}
void rpm_vercmp_pairs(benchmark::State& state) {
  for ([[maybe_unused]] auto _ : state) {
    for (const auto& [a, b] : kRpmPairs) {
      benchmark::DoNotOptimize(fleetpatch::version::rpm_vercmp(a, b));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kRpmPairs.size()));
}
void rpm_compare_strings(benchmark::State& state) {
  compare_strings(state, fleetpatch::core::PackageFormat::kRpm, kRpmPairs);
}
void deb_parse(benchmark::State& state) {
  parse_all<fleetpatch::version::DebVersion>(state, kDebPairs);
}
void deb_compare_parsed(benchmark::State& state) {
  compare_parsed<fleetpatch::version::DebVersion>(state, kDebPairs);
}
void deb_compare_strings(benchmark::State& state) {
  compare_strings(state, fleetpatch::core::PackageFormat::kDpkg, kDebPairs);
}
void apk_parse(benchmark::State& state) {
  parse_all<fleetpatch::version::ApkVersion>(state, kApkPairs);
}
void apk_compare_parsed(benchmark::State& state) {
  compare_parsed<fleetpatch::version::ApkVersion>(state, kApkPairs);
}
void apk_compare_strings(benchmark::State& state) {
  compare_strings(state, fleetpatch::core::PackageFormat::kApk, kApkPairs);
}

// Reported under Google Benchmark's usual BM_ names, as they always were.
BENCHMARK(rpm_parse)->Name("BM_RpmParse");
BENCHMARK(rpm_compare_parsed)->Name("BM_RpmCompareParsed");
BENCHMARK(rpm_vercmp_pairs)->Name("BM_RpmVercmp");
BENCHMARK(rpm_compare_strings)->Name("BM_RpmCompareStrings");
BENCHMARK(deb_parse)->Name("BM_DebParse");
BENCHMARK(deb_compare_parsed)->Name("BM_DebCompareParsed");
BENCHMARK(deb_compare_strings)->Name("BM_DebCompareStrings");
BENCHMARK(apk_parse)->Name("BM_ApkParse");
BENCHMARK(apk_compare_parsed)->Name("BM_ApkCompareParsed");
BENCHMARK(apk_compare_strings)->Name("BM_ApkCompareStrings");

}  // namespace

BENCHMARK_MAIN();
