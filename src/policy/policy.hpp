// Compliance policies: how many days each severity may stay unpatched, when that clock starts,
// how KEV due dates cap it and which assets get shorter deadlines. Policies are data: a small
// documented TOML subset (docs/policy.md) parsed by parse_policy; the built-in frameworks (soc2,
// sox, pci-dss-4, fedramp, cisa-bod-22-01) are embedded as text in the same format and go through
// the same parser, so they are examples of the format as much as defaults.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/advisory.hpp"
#include "core/diagnostics.hpp"
#include "core/host_report.hpp"
#include "core/result.hpp"

namespace fleetpatch::policy {

/// When a finding's deadline clock starts.
enum class ClockStart : std::uint8_t {
  kFixAvailable = 1,  // the publication of the earliest advisory fixing it
  kFirstSeen = 2,     // the first inventory of the host that showed it (history), else now
  /// End-of-life findings only, whatever the policy says: the release's end of support
  /// (Finding::end_of_life); not a value a policy file can choose.
  kEndOfLife = 3,
};
/// "fix-available", "first-seen", "end-of-life".
std::string_view to_string(ClockStart start);

/// How a KEV due date combines with the policy deadline.
enum class KevRule : std::uint8_t {
  kEarliestOf = 1,  // a CVE in the KEV catalog is due at min(policy deadline, KEV due date)
  kIgnore = 2,      // KEV due dates do not change deadlines (risk still counts KEV)
  kDueDate = 3,     // the KEV due date IS the deadline of a KEV CVE (CISA BOD 22-01)
};
/// "earliest-of", "ignore", "due-date".
std::string_view to_string(KevRule rule);

/// Days allowed per normalised severity, indexed by core::Severity (unknown, low, medium, high,
/// critical); nullopt = no deadline ("none").
using SeverityDays = std::array<std::optional<int>, 5>;

/// What an asset tier selects: hosts carrying a tag, or findings at an exposure.
struct TierMatch {
  enum class Kind : std::uint8_t { kTag = 1, kExposure = 2 };
  Kind kind = Kind::kTag;
  std::string tag;                                  // kTag
  core::Exposure exposure = core::Exposure::kNone;  // kExposure: "network" or "local"
  /// "tag:prod", "exposure:network".
  std::string to_string() const;
  friend bool operator==(const TierMatch&, const TierMatch&) = default;
};

/// A tier shortens deadlines of what it matches: by a factor (days x factor, rounded down, at
/// least 1) and/or by fixed days per severity. When several tiers match a finding, the shortest
/// resulting deadline applies.
struct Tier {
  TierMatch match;
  std::optional<double> factor;  // in (0, 1]
  SeverityDays days{};           // per-severity override; unset entries fall back to factor
  /// Multiplier in the risk score (policy/risk.hpp): `risk_factor` when given, else 1/factor
  /// when a factor is given, else 1.
  double risk_factor = 1.0;
  std::size_t line = 0;  // where it was declared, for explanations
  friend bool operator==(const Tier&, const Tier&) = default;
};

struct Policy {
  std::string name;
  std::string description;
  SeverityDays days{};
  ClockStart clock_start = ClockStart::kFixAvailable;
  KevRule kev = KevRule::kEarliestOf;
  int due_soon_days = 7;
  std::vector<Tier> tiers;
  std::string source;  // file name, or "builtin:<name>"
  friend bool operator==(const Policy&, const Policy&) = default;
};

/// Parses a policy document (docs/policy.md). `source` names the input in error messages, which
/// read "SOURCE:LINE: message". The first error fails the parse (a half-understood policy must
/// never produce deadlines).
core::Result<Policy> parse_policy(std::string_view text, std::string_view source);

/// A policy shipped in the binary.
struct BuiltinPolicy {
  std::string_view name;
  std::string_view text;  // in the parse_policy format
};

/// Every built-in policy, in a fixed order (soc2, sox, pci-dss-4, fedramp, cisa-bod-22-01).
std::span<const BuiltinPolicy> builtin_policies();

/// The built-in policy `name`, parsed; kNotFound listing the known names otherwise.
core::Result<Policy> builtin_policy(std::string_view name);

}  // namespace fleetpatch::policy
