// Rocky Linux support dates. Source: https://wiki.rockylinux.org/rocky/version/ ("End of
// Life" per major version; security fixes continue until then after active support ends).
#include "distro/rocky/rocky.hpp"

namespace fleetpatch::distro {
namespace {

constexpr std::string_view kSource = "https://wiki.rockylinux.org/rocky/version/";

constexpr Lifecycle rocky(std::chrono::year_month_day end) {
  return Lifecycle{end, std::nullopt, std::nullopt, "", kSource};
}

constexpr LifecycleEntry kRocky[] = {
    {"rocky:8", rocky(ymd(2029, 5, 31))},
    {"rocky:9", rocky(ymd(2032, 5, 31))},
    {"rocky:10", rocky(ymd(2035, 5, 31))},
};

}  // namespace

std::span<const LifecycleEntry> rocky_lifecycle() { return kRocky; }

}  // namespace fleetpatch::distro
