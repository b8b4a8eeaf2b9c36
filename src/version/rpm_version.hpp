// RpmEvr: an RPM "[epoch:]version[-release]", ordered as librpm's rpmverCmp(), with each part
// compared by rpmvercmp() (rpm's rpmio/rpmvercmp.c).
//
// Ordering of E:V-R:
//  - epoch numerically; a missing epoch is 0 (so "0:1.0-1" == "1.0-1");
//  - then version by rpmvercmp; then release by rpmvercmp when both have one. A missing
//    release sorts before any release ("1.0" < "1.0-0" < "1.0-5"): that is what rpmverCmp()
//    of rpm 4.18 does (checked by version_differential_test), and it keeps the order total.
//    rpm's dependency matching (rpmverOverlap, "Requires: foo >= 1.0") instead lets a missing
//    release match any; for "is the installed E:V-R at least the fixed one" the two agree
//    whenever the installed side has a release, which rpm always records.
//  - The release starts after the LAST hyphen of what follows the epoch.
// rpmvercmp(a, b):
//  - identical strings are equal;
//  - separators (anything not alphanumeric, '~' or '^') are skipped; their kind and count
//    do not matter ("1.0" == "1_0" == "1..0");
//  - '~' sorts before everything, even the end of the string ("1.0~rc1" < "1.0");
//  - '^' sorts after the end of the string but before anything else ("1.0^post" > "1.0",
//    "1.0^post" < "1.0.1");
//  - then segments: a run of digits or a run of letters. Digit runs compare numerically
//    (leading zeros stripped, longer wins); letter runs with strcmp; a digit run beats a
//    letter run ("1.1" > "1.a");
//  - when one string runs out of segments, the one with segments left is newer.
// Parsing rejects an empty version, an epoch that is not a decimal number (or exceeds 32
// bits), an empty version after the epoch, an empty release after a hyphen, and control or
// whitespace characters. A ':' after the epoch is kept in the version ("1:2:3"), as rpm does.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fleetpatch::version {

class RpmEvr {
 public:
  /// Splits "[epoch:]version[-release]"; an invalid string is an error naming it.
  static core::Result<RpmEvr> parse(std::string_view text);

  /// Missing epoch reads as 0; has_epoch() tells whether one was written.
  std::uint32_t epoch() const { return epoch_.value_or(0); }
  bool has_epoch() const { return epoch_.has_value(); }
  std::string_view version() const { return version_; }
  std::string_view release() const { return release_; }  // "" when absent
  bool has_release() const { return has_release_; }
  const std::string& str() const { return text_; }

  /// <0, 0, >0 as rpmverCmp().
  int compare(const RpmEvr& other) const;
  friend bool operator==(const RpmEvr& a, const RpmEvr& b) { return a.compare(b) == 0; }
  friend std::weak_ordering operator<=>(const RpmEvr& a, const RpmEvr& b) {
    return a.compare(b) <=> 0;
  }

 private:
  std::string text_;
  std::optional<std::uint32_t> epoch_;
  std::string version_;
  std::string release_;
  bool has_release_ = false;
};

/// rpm's rpmvercmp() on one part (version or release): <0, 0, >0.
int rpm_vercmp(std::string_view a, std::string_view b);

}  // namespace fleetpatch::version
