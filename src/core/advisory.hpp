// Advisories as every feed produces them, whatever its format (OSV, Debian tracker, CSAF, secdb),
// and the KEV catalog entries. The feed layer fills these; the index compiles them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetpatch::core {

/// Normalised severity. Persisted (index, store): DO NOT CHANGE THESE VALUES.
enum class Severity : std::uint8_t {
  kUnknown = 0,
  kLow = 1,
  kMedium = 2,
  kHigh = 3,
  kCritical = 4,
};

/// "critical", "high", "medium", "low", "unknown".
std::string_view to_string(Severity severity);
/// Normalises a vendor's word, case-insensitively: critical; high/important; medium/moderate;
/// low/negligible/unimportant; anything else unknown.
Severity severity_from_vendor(std::string_view word);

/// Only kSecurity advisories make vulnerabilities. Persisted: DO NOT CHANGE THESE VALUES.
enum class AdvisoryKind : std::uint8_t { kSecurity = 1, kBugfix = 2, kEnhancement = 3 };

/// What the vendor says about one package in one release. Persisted: DO NOT CHANGE.
enum class FixState : std::uint8_t {
  kFixed = 1,        // fixed in the version given by the range's "fixed" event
  kUnfixed = 2,      // affected, no fix released yet
  kWillNotFix = 3,   // affected, the vendor will not fix it
  kNotAffected = 4,  // the vendor says this package/release is not affected (suppresses)
};

/// One OSV-style range event. Versions are in the release's own version scheme.
struct VersionEvent {
  enum class Type : std::uint8_t { kIntroduced = 0, kFixed = 1, kLastAffected = 2 };
  Type type = Type::kIntroduced;
  std::string version;  // "0" for introduced-at-the-beginning
  friend bool operator==(const VersionEvent&, const VersionEvent&) = default;
};

/// One package of one distribution release named by an advisory.
struct AffectedPackage {
  /// Distribution release key from the distro table, e.g. "almalinux:9", "debian:12".
  std::string release;
  /// The name the distribution's advisories use: binary name for RPM distributions, source
  /// package name for Debian, Ubuntu and Alpine.
  std::string name;
  /// RPM module stream "name:stream": the entry applies only to packages from that stream;
  /// empty = applies only to packages from no module.
  std::string module;
  FixState state = FixState::kFixed;
  /// OSV range events in order; a version is affected when inside an [introduced, fixed) or
  /// [introduced, last_affected] interval. Empty with kUnfixed/kWillNotFix = all versions.
  std::vector<VersionEvent> events;
  /// Which feed kind contributed the entry ("osv", "csaf", "debian-tracker", "dsa-list",
  /// "alpine-secdb", "apt"; "" = unknown). The index replaces a source's entries per
  /// (origin, release) on re-import, so two feeds covering one release do not wipe each other.
  std::string origin;
  friend bool operator==(const AffectedPackage&, const AffectedPackage&) = default;
};

struct Advisory {
  std::string id;                 // "ALSA-2022:5003", "DSA-5343-1", "CVE-2023-0286"
  std::vector<std::string> cves;  // all CVEs it fixes/describes, sorted, unique
  AdvisoryKind kind = AdvisoryKind::kSecurity;
  Severity severity = Severity::kUnknown;
  std::string vendor_severity;       // the vendor's own word ("Important")
  std::optional<double> cvss_score;  // base score when the feed gives one
  std::string published;             // RFC 3339; starts the fix-available clock
  std::string modified;              // RFC 3339
  std::string summary;
  std::vector<AffectedPackage> affected;
  friend bool operator==(const Advisory&, const Advisory&) = default;
};

/// One entry of CISA's Known Exploited Vulnerabilities catalog.
struct KevEntry {
  std::string cve;
  std::string date_added;  // YYYY-MM-DD
  std::string due_date;    // YYYY-MM-DD: the BOD 22-01 deadline
  bool known_ransomware = false;
  std::string vendor;
  std::string product;
  friend bool operator==(const KevEntry&, const KevEntry&) = default;
};

}  // namespace fleetpatch::core
