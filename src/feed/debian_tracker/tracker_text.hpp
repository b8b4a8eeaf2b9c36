// Pieces shared by the readers of the Debian security tracker's text files (DSA/DLA/DTSA
// lists): words, CVE ids and the package lines "[codename] - package VERSION|<tag> (note)".
// The tags and their meaning: https://security-team.debian.org/security_tracker.html.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/advisory.hpp"
#include "core/result.hpp"

namespace fleetpatch::feed::debian_tracker {

/// Without leading and trailing blanks (space, tab, CR).
std::string_view trim(std::string_view text);

/// Words separated by blanks.
std::vector<std::string_view> split_words(std::string_view text);

/// "CVE-YYYY-NNNN" with four or more digits in the last part.
bool is_cve_id(std::string_view text);

/// "sid", "unstable", "testing", "experimental": suites without a release key.
bool is_unnumbered_suite(std::string_view codename);

/// One "[codename] - package VERSION|<tag> (note)" line ("- package ..." without a codename in
/// CVE/list means unstable).
struct PackageLine {
  std::string release;  // codename; "" when the line had none
  std::string package;  // source package
  /// nullopt for tags that say the package is not there (<removed>, <itp>).
  std::optional<core::FixState> state;
  std::string version;  // the fixed version when state is kFixed
  std::string note;     // text inside the trailing (...), "" when none
  core::Severity note_severity = core::Severity::kUnknown;  // a severity word in the note
  std::string note_severity_word;
};

/// Parses a package line (leading blanks already removed). Errors say what is wrong; a fixed
/// version must parse as a dpkg version.
core::Result<PackageLine> parse_package_line(std::string_view body);

/// Raises the advisory's severity to `severity` (keeping the vendor's word) when higher.
void raise_severity(core::Advisory& advisory, core::Severity severity, std::string_view word);

}  // namespace fleetpatch::feed::debian_tracker
