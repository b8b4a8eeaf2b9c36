// Red Hat Enterprise Linux and CentOS Linux support dates.
//
// RHEL: https://access.redhat.com/support/policy/updates/errata ("Red Hat Enterprise Linux Life
// Cycle"): end of Maintenance Support (RHEL 6 and 7: Maintenance Support 2) is the end of
// life; Extended Life-cycle Support is a paid add-on. RHEL 6's ELS end moved more than once and
// is left out rather than guessed.
// CentOS Linux: https://www.centos.org/centos-linux-eol/ (CentOS Linux 8 ended early, on
// 2021-12-31; 6 and 7 followed RHEL's Maintenance Support).
#include "distro/rhel/rhel.hpp"

namespace fleetpatch::distro {
namespace {

constexpr std::string_view kRhelSource = "https://access.redhat.com/support/policy/updates/errata";
constexpr std::string_view kCentOsSource = "https://www.centos.org/centos-linux-eol/";

constexpr Lifecycle rhel(std::chrono::year_month_day maintenance_end,
                         std::optional<std::chrono::year_month_day> els_end) {
  return Lifecycle{maintenance_end, std::nullopt, els_end, els_end ? "RHEL ELS" : "", kRhelSource};
}

constexpr Lifecycle centos(std::chrono::year_month_day end) {
  return Lifecycle{end, std::nullopt, std::nullopt, "", kCentOsSource};
}

constexpr LifecycleEntry kRhel[] = {
    {"rhel:6", rhel(ymd(2020, 11, 30), std::nullopt)},
    {"rhel:7", rhel(ymd(2024, 6, 30), ymd(2028, 6, 30))},
    {"rhel:8", rhel(ymd(2029, 5, 31), ymd(2032, 5, 31))},
    {"rhel:9", rhel(ymd(2032, 5, 31), ymd(2035, 5, 31))},
    {"rhel:10", rhel(ymd(2035, 5, 31), ymd(2038, 5, 31))},
};

constexpr LifecycleEntry kCentOs[] = {
    {"centos:6", centos(ymd(2020, 11, 30))},
    {"centos:7", centos(ymd(2024, 6, 30))},
    {"centos:8", centos(ymd(2021, 12, 31))},
};

}  // namespace

std::span<const LifecycleEntry> rhel_lifecycle() { return kRhel; }
std::span<const LifecycleEntry> centos_lifecycle() { return kCentOs; }

}  // namespace fleetpatch::distro
