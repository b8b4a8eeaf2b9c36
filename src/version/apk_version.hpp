// ApkVersion: an Alpine package version as apk-tools orders it (apk-tools src/version.c,
// https://wiki.alpinelinux.org/wiki/APKBUILD_Reference#pkgver).
//
// Grammar: digits{.digits}[letter]{_suffix[digits]}[~hash][-rN]
//   - numbers separated by '.', compared numerically; the first number plainly, later ones
//     as apk does: a number with a leading zero compares as a decimal fraction ("1.01" < "1.1");
//   - one optional lower-case letter after the last number ("1.0a" > "1.0");
//   - suffixes, in order: _alpha < _beta < _pre < _rc < (no suffix) < _cvs < _svn < _git < _hg
//     < _p, each optionally followed by a number;
//   - an optional commit hash "~hex" (compared as text, rarely used);
//   - an optional package release "-rN" compared numerically (missing = r0).
// When one version runs out of parts first, the longer one is newer, except that a pre-release
// suffix (_alpha.._rc) on the longer one makes it older ("1.0_rc1" < "1.0").
// Anything else ("1.0-foo", empty, upper-case letters) is invalid.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fleetpatch::version {

class ApkVersion {
 public:
  static core::Result<ApkVersion> parse(std::string_view text);

  const std::string& str() const { return text_; }

  int compare(const ApkVersion& other) const;
  friend bool operator==(const ApkVersion& a, const ApkVersion& b) { return a.compare(b) == 0; }
  friend std::weak_ordering operator<=>(const ApkVersion& a, const ApkVersion& b) {
    return a.compare(b) <=> 0;
  }

 private:
  std::string text_;
};

}  // namespace fleetpatch::version
