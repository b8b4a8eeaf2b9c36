// Alpine Linux support dates. Source: https://alpinelinux.org/releases/ ("end of support" of the
// main repository; the community repository is supported only until the next stable release,
// which this table does not model: packages are not tagged with their repository).
#include "distro/alpine/alpine.hpp"

namespace fleetpatch::distro {
namespace {

constexpr std::string_view kSource = "https://alpinelinux.org/releases/";

constexpr Lifecycle alpine(std::chrono::year_month_day main_end) {
  return Lifecycle{main_end, std::nullopt, std::nullopt, "", kSource};
}

}  // namespace

std::optional<Lifecycle> Alpine::lifecycle(std::string_view release_key) const {
  static constexpr LifecycleEntry kTable[] = {
      {"alpine:3.8", alpine(ymd(2020, 5, 1))},   {"alpine:3.9", alpine(ymd(2020, 11, 1))},
      {"alpine:3.10", alpine(ymd(2021, 5, 1))},  {"alpine:3.11", alpine(ymd(2021, 11, 1))},
      {"alpine:3.12", alpine(ymd(2022, 5, 1))},  {"alpine:3.13", alpine(ymd(2022, 11, 1))},
      {"alpine:3.14", alpine(ymd(2023, 5, 1))},  {"alpine:3.15", alpine(ymd(2023, 11, 1))},
      {"alpine:3.16", alpine(ymd(2024, 5, 23))}, {"alpine:3.17", alpine(ymd(2024, 11, 22))},
      {"alpine:3.18", alpine(ymd(2025, 5, 9))},  {"alpine:3.19", alpine(ymd(2025, 11, 1))},
      {"alpine:3.20", alpine(ymd(2026, 4, 1))},  {"alpine:3.21", alpine(ymd(2026, 11, 1))},
      {"alpine:3.22", alpine(ymd(2027, 5, 1))},  {"alpine:3.23", alpine(ymd(2027, 11, 1))},
  };
  return find_lifecycle(kTable, release_key);
}

}  // namespace fleetpatch::distro
