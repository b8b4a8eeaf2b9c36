// Ubuntu release support dates. Source: https://ubuntu.com/about/release-cycle ("End of
// Standard Support", "End of Ubuntu Pro Support"), which gives months; the table holds the last
// day of each month so that no host is called end-of-life before Canonical would.
//
// Standard support (security fixes for "main", free) is the end of life. Expanded Security
// Maintenance needs an Ubuntu Pro subscription (free for personal use on a few machines), so it
// is the paid extension: a host with ESM enabled (packages at "+esm" versions, the "Ubuntu:Pro"
// OSV ecosystem) is still supported until it ends; Lifecycle::end_of_life(subscribed = true).
// Interim releases get nine months and no ESM.
#include "distro/ubuntu/ubuntu.hpp"

namespace fleetpatch::distro {
namespace {

constexpr std::string_view kSource = "https://ubuntu.com/about/release-cycle";

constexpr Lifecycle lts(std::chrono::year_month_day standard_end,
                        std::chrono::year_month_day esm_end) {
  return Lifecycle{standard_end, std::nullopt, esm_end, "Ubuntu Pro ESM", kSource};
}

constexpr Lifecycle interim(std::chrono::year_month_day standard_end) {
  return Lifecycle{standard_end, std::nullopt, std::nullopt, "", kSource};
}

}  // namespace

std::optional<Lifecycle> Ubuntu::lifecycle(std::string_view release_key) const {
  static constexpr LifecycleEntry kTable[] = {
      {"ubuntu:14.04", lts(ymd(2019, 4, 30), ymd(2024, 4, 30))},
      {"ubuntu:16.04", lts(ymd(2021, 4, 30), ymd(2026, 4, 30))},
      {"ubuntu:18.04", lts(ymd(2023, 5, 31), ymd(2028, 4, 30))},
      {"ubuntu:19.10", interim(ymd(2020, 7, 31))},
      {"ubuntu:20.04", lts(ymd(2025, 5, 31), ymd(2030, 4, 30))},
      {"ubuntu:20.10", interim(ymd(2021, 7, 31))},
      {"ubuntu:21.04", interim(ymd(2022, 1, 31))},
      {"ubuntu:21.10", interim(ymd(2022, 7, 31))},
      {"ubuntu:22.04", lts(ymd(2027, 6, 30), ymd(2032, 4, 30))},
      {"ubuntu:22.10", interim(ymd(2023, 7, 31))},
      {"ubuntu:23.04", interim(ymd(2024, 1, 31))},
      {"ubuntu:23.10", interim(ymd(2024, 7, 31))},
      {"ubuntu:24.04", lts(ymd(2029, 6, 30), ymd(2034, 4, 30))},
      {"ubuntu:24.10", interim(ymd(2025, 7, 31))},
      {"ubuntu:25.04", interim(ymd(2026, 1, 31))},
      {"ubuntu:25.10", interim(ymd(2026, 7, 31))},
      {"ubuntu:26.04", lts(ymd(2031, 6, 30), ymd(2036, 4, 30))},
  };
  return find_lifecycle(kTable, release_key);
}

}  // namespace fleetpatch::distro
