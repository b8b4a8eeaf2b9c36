// Findings: the matcher's answer for one host, and the shape `scan` prints (docs/scan-result.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/advisory.hpp"
#include "core/host_report.hpp"

namespace fleetpatch::core {

/// Persisted: DO NOT CHANGE THESE VALUES.
enum class FindingState : std::uint8_t {
  kFixed = 1,                // a fix exists and is not installed
  kUnfixed = 2,              // vulnerable, no fix released
  kWillNotFix = 3,           // vulnerable, the vendor will not fix
  kFixedPendingReboot = 4,   // the fixed kernel is installed but not running
  kFixedPendingRestart = 5,  // fixed on disk, the old copy still mapped by a process
  kMitigated = 6,            // a loaded livepatch or recorded control covers it
  kEndOfLife = 7,            // the release is past its vendor's support
};

/// "fixed", "unfixed", "will-not-fix", "fixed-pending-reboot", "fixed-pending-restart",
/// "mitigated", "end-of-life".
std::string_view to_string(FindingState state);

/// A loaded livepatch that covers some of a finding's CVEs (or, for a patch stating an effective
/// kernel, the advisories that kernel no longer has).
struct LivepatchCover {
  std::string livepatch;          // Livepatch::name
  std::string tool;               // Livepatch::tool
  std::vector<std::string> cves;  // the finding's CVEs it covers, sorted
  friend bool operator==(const LivepatchCover&, const LivepatchCover&) = default;
};

/// A process still running the code a package update replaced.
struct RestartProcess {
  std::int64_t pid = 0;
  std::string exe;
  std::string unit;  // systemd unit; empty when unknown
  friend bool operator==(const RestartProcess&, const RestartProcess&) = default;
};

/// What an end-of-life finding says about the host's release (FindingState::kEndOfLife), from the
/// family's lifecycle table (src/distro/<family>/lifecycle.cpp).
struct EndOfLife {
  std::string release;             // release key, "debian:10"
  std::string last_supported_day;  // "2024-06-30": the vendor's last day of support
  std::string since;               // RFC 3339: 00:00 UTC the day after, when support ended
  std::string source;              // the vendor's lifecycle page the dates come from
  /// A paid extension the vendor sells ("Ubuntu Pro ESM", "RHEL ELS", "SUSE LTSS") and its last
  /// day, when there is one: a host subscribed to it is still supported. Empty when none.
  std::string paid_program;
  std::string paid_until;
  friend bool operator==(const EndOfLife&, const EndOfLife&) = default;
};

struct Finding {
  /// Binary package installed. Empty for a kEndOfLife finding, which is about the host's release
  /// (installed_version is then the host's os version_id).
  std::string package;
  std::string source_package;  // its source package
  std::string installed_version;
  /// Empty unless state is kFixed (or pending). For kFixedPendingReboot it is the version of the
  /// installed, not yet booted kernel package that fixes it.
  std::string fixed_version;
  FindingState state = FindingState::kFixed;
  std::vector<std::string> advisories;  // sorted
  std::vector<std::string> cves;        // sorted, unique
  Severity severity = Severity::kUnknown;
  std::string vendor_severity;
  std::optional<double> cvss_score;
  std::string fix_available_since;          // RFC 3339, earliest advisory publication
  std::optional<std::string> kev_due_date;  // earliest KEV due date among the CVEs
  Exposure exposure = Exposure::kNone;
  /// Livepatches in force covering some of its CVEs, sorted by name. State kMitigated when they
  /// cover all of them; otherwise the state is unchanged and these say which are covered.
  std::vector<LivepatchCover> mitigated_by;
  /// kFixedPendingRestart: the processes still mapping the replaced code, sorted by pid.
  std::vector<RestartProcess> pending_restart;
  /// Set for kEndOfLife findings only.
  std::optional<EndOfLife> end_of_life;
  friend bool operator==(const Finding&, const Finding&) = default;
};

/// Findings of one host, in deterministic order (package, installed version, source package,
/// first advisory id, fixed version; see match/matcher.hpp).
struct HostFindings {
  HostIdentity host;
  OsInfo os;
  std::string release;  // distro release key the host was matched as; "" = unknown
  std::vector<Finding> findings;
  std::vector<std::string> notes;  // e.g. "no advisories imported for debian:12"
};

}  // namespace fleetpatch::core
