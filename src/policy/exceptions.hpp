// Exceptions (risk accepted) and mitigations (a compensating control) as records: each selects
// findings by CVE, package, host and/or host tag (all given selectors must match), and carries a
// justification, an approver, a creation date and an optional expiry. An expired record stops
// counting, and evaluation says so on the finding it no longer covers. File format:
// docs/policy.md ("Exceptions and mitigations"), the same TOML subset as policies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.hpp"
#include "core/host_report.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace fleetpatch::policy {

enum class ExceptionKind : std::uint8_t {
  kException = 1,   // risk accepted: the finding is `excepted`
  kMitigation = 2,  // compensating control: the finding is `mitigated`
};
/// "exception", "mitigation".
std::string_view to_string(ExceptionKind kind);

struct ExceptionRecord {
  std::string id;  // the record's `id`, else "SOURCE:LINE"
  ExceptionKind kind = ExceptionKind::kException;
  // Selectors; empty = any. At least one is set.
  std::string cve;
  std::string package;  // binary or source package name
  std::string host;     // host id or hostname
  std::string tag;      // a tag of the host
  std::string justification;
  std::string approver;
  core::TimePoint created{};
  std::optional<core::TimePoint> expires;  // none = does not expire
  std::string source;
  std::size_t line = 0;

  /// True when every given selector matches this finding on this host.
  bool selects(const core::HostIdentity& host, const core::Finding& finding) const;
  /// Active at `now`: created <= now and (no expiry or now < expires).
  bool active_at(core::TimePoint now) const;
  /// "cve=CVE-2024-1 host=web-1", for people.
  std::string selector_text() const;
  friend bool operator==(const ExceptionRecord&, const ExceptionRecord&) = default;
};

/// All records of one or more files, in file order.
struct ExceptionSet {
  std::vector<ExceptionRecord> records;
};

/// Parses an exceptions file. Errors read "SOURCE:LINE: message"; the first error fails the
/// parse (a mistyped expiry must not silently accept a risk forever).
core::Result<ExceptionSet> parse_exceptions(std::string_view text, std::string_view source);

}  // namespace fleetpatch::policy
