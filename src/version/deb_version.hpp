// DebVersion: a dpkg version "[epoch:]upstream[-revision]", ordered exactly as dpkg orders it
// (deb-version(7), dpkg's lib/dpkg/version.c).
//
// Ordering:
//  - epoch first, numerically (missing epoch = 0);
//  - then upstream, then revision, each compared by the "verrevcmp" algorithm: alternate
//    non-digit runs and digit runs. Non-digit runs compare character by character where
//    '~' sorts before everything, even the end of the string; then the end of the run; then
//    letters; then all other characters by their ASCII value. Digit runs compare numerically
//    (leading zeros ignored; an empty run is 0).
//  - a missing revision equals revision "0", so "1.0" == "1.0-0" (and both < "1.0-0.1").
//  - the upstream ends at the LAST hyphen: "1.2-3-4" has upstream "1.2-3", revision "4".
//
// Parsing follows dpkg's parseversion() (lib/dpkg/parsehelp.c, dpkg 1.21): leading and
// trailing blanks (space, tab) are trimmed; it rejects an empty string, embedded blanks, an
// empty, non-numeric, negative or too large (> INT_MAX) epoch (strtol() rules: "+1:" and "-0:"
// are fine), nothing after the epoch colon, an empty upstream, an empty revision after a
// hyphen. Where dpkg only warns, we go further on one point: characters other than
// alphanumerics and ".+-~:" (upstream) or ".+~" (revision) are refused (dpkg accepts "1.0_1"
// with a warning). As dpkg, an upstream that does not start with a digit is accepted.
// version_differential_test checks all of this against libdpkg itself.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fleetpatch::version {

class DebVersion {
 public:
  /// Parses "[epoch:]upstream[-revision]"; an invalid string is an error naming it.
  static core::Result<DebVersion> parse(std::string_view text);

  std::uint32_t epoch() const { return epoch_; }
  std::string_view upstream() const { return upstream_; }
  std::string_view revision() const { return revision_; }  // "" when absent
  /// The text it was parsed from.
  const std::string& str() const { return text_; }

  /// <0, 0, >0 as dpkg --compare-versions.
  int compare(const DebVersion& other) const;
  friend bool operator==(const DebVersion& a, const DebVersion& b) { return a.compare(b) == 0; }
  friend std::strong_ordering operator<=>(const DebVersion& a, const DebVersion& b) {
    return a.compare(b) <=> 0;
  }

 private:
  std::string text_;
  std::uint32_t epoch_ = 0;
  std::string upstream_;
  std::string revision_;
};

/// dpkg's verrevcmp on one component (upstream or revision): <0, 0, >0. Takes any bytes; as
/// dpkg (whose char is signed) bytes >= 0x80 sort between letters and punctuation.
int deb_compare_fragment(std::string_view a, std::string_view b);

}  // namespace fleetpatch::version
