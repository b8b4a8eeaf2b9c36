// SUSE support dates.
// SLES: https://www.suse.com/lifecycle/ ("General Support Ends" and "LTSS Ends" per service
// pack; LTSS is a paid add-on). Release keys follow os-release VERSION_ID ("sles:15.5").
// openSUSE Leap: https://en.opensuse.org/Lifetime (Leap 15.6 was extended to 2026-04-30 to
// overlap with Leap 16.0, whose end is not listed until its successor's date is known).
// Tumbleweed is rolling: no end of life.
#include "distro/suse/suse.hpp"

namespace fleetpatch::distro {
namespace {

constexpr std::string_view kSlesSource = "https://www.suse.com/lifecycle/";
constexpr std::string_view kLeapSource = "https://en.opensuse.org/Lifetime";

constexpr Lifecycle sles(std::chrono::year_month_day general_end,
                         std::chrono::year_month_day ltss_end) {
  return Lifecycle{general_end, std::nullopt, ltss_end, "SUSE LTSS", kSlesSource};
}

constexpr Lifecycle leap(std::chrono::year_month_day end) {
  return Lifecycle{end, std::nullopt, std::nullopt, "", kLeapSource};
}

constexpr LifecycleEntry kTable[] = {
    {"sles:12.5", sles(ymd(2024, 10, 31), ymd(2027, 10, 31))},
    {"sles:15.1", sles(ymd(2021, 1, 31), ymd(2024, 1, 31))},
    {"sles:15.2", sles(ymd(2021, 12, 31), ymd(2024, 12, 31))},
    {"sles:15.3", sles(ymd(2022, 12, 31), ymd(2025, 12, 31))},
    {"sles:15.4", sles(ymd(2023, 12, 31), ymd(2026, 12, 31))},
    {"sles:15.5", sles(ymd(2024, 12, 31), ymd(2027, 12, 31))},
    {"sles:15.6", sles(ymd(2025, 12, 31), ymd(2028, 12, 31))},
    {"opensuse-leap:15.0", leap(ymd(2019, 12, 3))},
    {"opensuse-leap:15.1", leap(ymd(2021, 2, 2))},
    {"opensuse-leap:15.2", leap(ymd(2022, 1, 4))},
    {"opensuse-leap:15.3", leap(ymd(2022, 12, 31))},
    {"opensuse-leap:15.4", leap(ymd(2023, 12, 7))},
    {"opensuse-leap:15.5", leap(ymd(2024, 12, 31))},
    {"opensuse-leap:15.6", leap(ymd(2026, 4, 30))},
};

}  // namespace

std::optional<Lifecycle> Suse::lifecycle(std::string_view release_key) const {
  // One table for the three products: keys carry the product, so a Leap key never matches a
  // SLES row.
  if (release_key.substr(0, family().size()) != family()) return std::nullopt;
  return find_lifecycle(kTable, release_key);
}

}  // namespace fleetpatch::distro
