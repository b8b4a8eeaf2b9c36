// Release lifecycles: how long a vendor publishes security fixes for each release. Each family
// keeps its own table (src/distro/<family>/lifecycle.cpp) with the vendor's lifecycle page named
// beside it; Distro::lifecycle() answers from it. The matcher turns "past end of life" into a
// per-host end-of-life finding.
//
// Dates are the LAST day of support, as vendors publish them ("supported until 2029-05-31").
// Where a vendor gives only a month ("Jun 2027"), the table holds the last day of that month, so
// that a host is never called end-of-life before its vendor would.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string_view>

#include "core/time.hpp"

namespace fleetpatch::distro {

/// Support dates of one release. All string_views point at string literals.
struct Lifecycle {
  /// End of the vendor's regular security support (Debian security team, Ubuntu standard
  /// support, RHEL Maintenance Support, Alpine main repository, SUSE general support).
  std::chrono::year_month_day security_end;
  /// A free extension published through the release's usual channels, when there is one:
  /// Debian LTS (its DLAs are on security.debian.org and every Debian host receives them).
  std::optional<std::chrono::year_month_day> lts_end;
  /// An extension that needs a subscription, when the vendor sells one: Ubuntu Pro ESM, RHEL
  /// ELS, SUSE LTSS. Not part of end_of_life(): a host has it only if it subscribed.
  std::optional<std::chrono::year_month_day> paid_end;
  std::string_view paid_program;  // "Ubuntu Pro ESM", "RHEL ELS", "SUSE LTSS"; "" when none
  /// The vendor's lifecycle page the dates were read from.
  std::string_view source;

  /// Last day a host of this release receives fixes without a subscription: lts_end when the
  /// release has one, else security_end.
  std::chrono::year_month_day last_supported_day() const { return lts_end.value_or(security_end); }

  /// First instant (00:00 UTC) after the last supported day; with `subscribed`, after the paid
  /// extension's last day when there is one.
  core::TimePoint end_of_life(bool subscribed = false) const {
    const std::chrono::year_month_day last =
        subscribed && paid_end ? *paid_end : last_supported_day();
    return core::TimePoint{std::chrono::sys_days{last} + std::chrono::days{1}};
  }

  /// True when `now` is at or after end_of_life(subscribed).
  bool past_end_of_life(core::TimePoint now, bool subscribed = false) const {
    return now >= end_of_life(subscribed);
  }
};

/// One row of a family's table.
struct LifecycleEntry {
  std::string_view release;  // release key, "debian:12"
  Lifecycle lifecycle;
};

/// The row for `release_key`, or nullopt.
inline std::optional<Lifecycle> find_lifecycle(std::span<const LifecycleEntry> table,
                                               std::string_view release_key) {
  for (const auto& entry : table) {
    if (entry.release == release_key) return entry.lifecycle;
  }
  return std::nullopt;
}

/// Shorthand for table rows: ymd(2029, 5, 31).
constexpr std::chrono::year_month_day ymd(int year, unsigned month, unsigned day) {
  return std::chrono::year_month_day{std::chrono::year{year}, std::chrono::month{month},
                                     std::chrono::day{day}};
}

}  // namespace fleetpatch::distro
