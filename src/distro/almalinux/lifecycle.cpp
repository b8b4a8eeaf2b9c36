// AlmaLinux support dates. Source: https://wiki.almalinux.org/release-notes/ (release
// lifecycle: "Security Support" end per major version). AlmaLinux 8 ends on 2029-03-01, three
// months before RHEL 8.
#include "distro/almalinux/almalinux.hpp"

namespace fleetpatch::distro {
namespace {

constexpr std::string_view kSource = "https://wiki.almalinux.org/release-notes/";

constexpr Lifecycle alma(std::chrono::year_month_day security_end) {
  return Lifecycle{security_end, std::nullopt, std::nullopt, "", kSource};
}

constexpr LifecycleEntry kAlmaLinux[] = {
    {"almalinux:8", alma(ymd(2029, 3, 1))},
    {"almalinux:9", alma(ymd(2032, 5, 31))},
    {"almalinux:10", alma(ymd(2035, 5, 31))},
};

}  // namespace

std::span<const LifecycleEntry> almalinux_lifecycle() { return kAlmaLinux; }

}  // namespace fleetpatch::distro
