// Alpine Linux: release keys "alpine:X.Y" (a host's "3.19.1" is "alpine:3.19"), OSV ecosystem
// "Alpine:vX.Y"; advisories (secdb, OSV) name source packages (apk origin).
#pragma once

#include "distro/distro.hpp"

namespace fleetpatch::distro {

class Alpine final : public Distro {
 public:
  std::string_view family() const override { return "alpine"; }
  core::PackageFormat package_format() const override { return core::PackageFormat::kApk; }
  std::optional<std::string> release_for_os(const core::OsInfo& os) const override;
  std::optional<std::string> release_for_osv_ecosystem(std::string_view ecosystem) const override;
  bool matches_source_names() const override { return true; }
  /// End of support of the main repository (lifecycle.cpp).
  std::optional<Lifecycle> lifecycle(std::string_view release_key) const override;
  /// linux-<flavour> (lts, virt, edge, rpi, rpi4, stable) "V-rN" boots as "V-N-<flavour>".
  std::optional<KernelPackage> kernel_package(const core::Package& package) const override;
  /// "V-N-<flavour>" -> "V-rN".
  std::optional<std::string> kernel_package_version(
      std::string_view release, const core::Package& running_package) const override;
};

}  // namespace fleetpatch::distro
