// ApkVersion: an Alpine package version as apk-tools orders it (apk-tools src/version.c, the
// token-based comparator of apk-tools 2.14/3.x;
// https://wiki.alpinelinux.org/wiki/APKBUILD_Reference#pkgver).
//
// Grammar: digits{.digits}[letter]{_suffix[digits]}[~hash][-rN]
//   - numbers separated by '.'. The first compares numerically ("01" == "1"); a later one
//     numerically too, unless either side has a leading zero: then both compare as text, byte by
//     byte with a proper prefix first ("1.01" < "1.1", "1.05" < "1.5", "1.0" < "1.00");
//   - one optional lower-case letter after the last number ("1.0a" > "1.0"); nothing but
//     suffixes, hash or release may follow it ("1.0a1" is invalid);
//   - suffixes, in order: _alpha < _beta < _pre < _rc < (no suffix) < _cvs < _svn < _git < _hg
//     < _p, each optionally followed by a number (compared numerically); several may follow
//     each other ("1.0_alpha1_p2");
//   - an optional commit hash "~hex" (lower-case hex digits, compared as text, rarely used);
//   - an optional package release "-rN" compared numerically.
//   Numbers are unsigned 64-bit and wrap beyond that, exactly as apk's apk_blob_pull_uint().
// Parts are compared pairwise while both strings have a part of the same kind. When the kinds
// differ (or one string ends), a pre-release suffix (_alpha.._rc) makes its side older
// ("1.0_rc1" < "1.0"); otherwise the side whose next part comes later in the grammar above, or
// that has ended, is older ("1.0" < "1.0.1", "1.0a" < "1.0.1", "1.0_p1" < "1.0a",
// "1.0" < "1.0_p1", "1.0-r1" < "1.0~ab").
// One deliberate difference from apk: a missing "-rN" reads as "-r0", so "1.0" == "1.0-r0"
// (apk puts "1.0" just below "1.0-r0", and nothing sorts between them). Inventories and feeds
// disagree on whether they print "-r0"; the CLI contract (`version compare apk 1.0 1.0-r0`
// prints "=") relies on this.
// Anything else ("1.0-foo", "1.0-r", empty, upper-case letters, "_foo") is invalid.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace fleetpatch::version {

class ApkVersion {
 public:
  /// Parses and validates `text`; an invalid string is an error naming it and the reason.
  static core::Result<ApkVersion> parse(std::string_view text);

  /// The text it was parsed from.
  const std::string& str() const { return text_; }

  /// <0, 0, >0 as `apk version -t` prints <, =, > (but see the "-r0" note above).
  int compare(const ApkVersion& other) const;
  friend bool operator==(const ApkVersion& a, const ApkVersion& b) { return a.compare(b) == 0; }
  friend std::weak_ordering operator<=>(const ApkVersion& a, const ApkVersion& b) {
    return a.compare(b) <=> 0;
  }

 private:
  /// One part of the grammar, in order; `offset`/`length` locate its text in text_ (for parts
  /// compared as text), so the object stays valid when moved.
  struct Part {
    std::uint64_t number = 0;  // digits of a number, suffix number or release
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    std::uint8_t kind = 0;  // apk's token kind; the order of kinds is part of the ordering
    std::uint8_t rank = 0;  // suffix rank, or the letter
  };
  std::string text_;
  std::vector<Part> parts_;  // filled once by parse(); compare() only reads
};

}  // namespace fleetpatch::version
