// Debian: release keys "debian:N" (major version; "Debian:6.0" and "Debian:12" both map by their
// major), advisories name source packages. A host without VERSION_ID (testing, unstable) is
// mapped through its codename when that names a numbered release. Support dates: lifecycle.cpp.
#pragma once

#include "distro/distro.hpp"

namespace fleetpatch::distro {

/// The Debian kernel package naming, which Ubuntu keeps: linux-image-<release>,
/// linux-image-unsigned-<release> (images; a trailing "-unsigned" is dropped) and
/// linux-modules(-extra)-<release>; not meta, -dbg or -dbgsym packages.
std::optional<KernelPackage> dpkg_kernel_package(const core::Package& package);

class Debian final : public Distro {
 public:
  std::string_view family() const override { return "debian"; }
  core::PackageFormat package_format() const override { return core::PackageFormat::kDpkg; }
  std::optional<std::string> release_for_os(const core::OsInfo& os) const override;
  std::optional<std::string> release_for_osv_ecosystem(std::string_view ecosystem) const override;
  bool matches_source_names() const override { return true; }
  std::optional<Lifecycle> lifecycle(std::string_view release_key) const override;
  /// dpkg_kernel_package. Releases name the ABI, not the package version, so the default
  /// kernel_package_version (nullopt) stands.
  std::optional<KernelPackage> kernel_package(const core::Package& package) const override {
    return dpkg_kernel_package(package);
  }
};

/// Release key ("debian:12") for a codename ("bookworm") as the security tracker and the DSA/DLA
/// lists name releases; nullopt for "sid", "experimental" and names it does not know. Releases
/// are keyed by their major version like hosts (release_for_os), so 3.0 "woody" and 3.1 "sarge"
/// both give "debian:3"; they predate os-release and are kept so that old advisories import.
std::optional<std::string> debian_release_for_codename(std::string_view codename);

}  // namespace fleetpatch::distro
