// Debian release support dates. Sources: https://wiki.debian.org/DebianReleases (end of the
// security team's support) and https://wiki.debian.org/LTS (end of Long Term Support). Since
// Debian 11 the schedule is three years of regular support plus two of LTS, the LTS end falling
// on the last day of a month (announced on debian-lts-announce, e.g. 2024-06-30 for Debian 10).
// LTS is part of Debian: its DLAs reach every host through security.debian.org without a
// subscription, so a release is end-of-life only when LTS ends. Freexian's Extended LTS is a
// third party's offer and is not listed.
#include "distro/debian/debian.hpp"

namespace fleetpatch::distro {
namespace {

constexpr std::string_view kSource = "https://wiki.debian.org/LTS";

constexpr Lifecycle debian(std::chrono::year_month_day security_end,
                           std::chrono::year_month_day lts_end) {
  return Lifecycle{security_end, lts_end, std::nullopt, "", kSource};
}

}  // namespace

std::optional<Lifecycle> Debian::lifecycle(std::string_view release_key) const {
  static constexpr LifecycleEntry kTable[] = {
      {"debian:6", debian(ymd(2014, 5, 31), ymd(2016, 2, 29))},   // squeeze
      {"debian:7", debian(ymd(2016, 4, 25), ymd(2018, 5, 31))},   // wheezy
      {"debian:8", debian(ymd(2018, 6, 17), ymd(2020, 6, 30))},   // jessie
      {"debian:9", debian(ymd(2020, 7, 6), ymd(2022, 6, 30))},    // stretch
      {"debian:10", debian(ymd(2022, 9, 10), ymd(2024, 6, 30))},  // buster
      {"debian:11", debian(ymd(2024, 8, 14), ymd(2026, 8, 31))},  // bullseye
      {"debian:12", debian(ymd(2026, 6, 10), ymd(2028, 6, 30))},  // bookworm
      {"debian:13", debian(ymd(2028, 8, 9), ymd(2030, 6, 30))},   // trixie (planned)
  };
  return find_lifecycle(kTable, release_key);
}

}  // namespace fleetpatch::distro
