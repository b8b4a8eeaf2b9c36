// Installed packages as a host reports them. Versions stay strings here, exactly as the package
// manager prints them; the version/ layer parses them into ordered types where order matters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleetpatch::core {

/// The package manager, which fixes the version scheme. Persisted: DO NOT CHANGE THESE VALUES.
enum class PackageFormat : std::uint8_t {
  kUnknown = 0,
  kDpkg = 1,  // Debian, Ubuntu: dpkg version ordering, source packages via "Source:"
  kRpm = 2,   // Red Hat family, SUSE, Amazon, Fedora: rpmvercmp / E:V-R
  kApk = 3,   // Alpine: apk-tools version ordering, origin via "o:"
};

std::string_view to_string(PackageFormat format);
/// "dpkg", "rpm", "apk" (also "deb"); anything else is kUnknown.
PackageFormat package_format_from_string(std::string_view text);

/// One installed binary package.
struct Package {
  std::string name;
  /// The distribution's own full version string: as dpkg prints it; for RPM "[E:]V-R" with the
  /// epoch shown only when it is not 0; for apk as apk prints it.
  std::string version;
  std::string arch;
  /// Source package (dpkg "Source:", RPM SOURCERPM, apk origin). Empty name = unknown; when the
  /// package manager records no separate source, the collectors set it to the binary's own.
  std::string source_name;
  std::string source_version;
  /// RPM module stream as "name:stream" (e.g. "nodejs:18"), when the package came from a module.
  std::optional<std::string> module;
  /// When the package was installed, seconds since the Unix epoch (RPM INSTALLTIME); unknown for
  /// dpkg and apk. Used to decide whether an update happened after boot.
  std::optional<std::int64_t> install_time;

  friend bool operator==(const Package&, const Package&) = default;
};

}  // namespace fleetpatch::core
