// Debian: release keys "debian:N" (major version; "Debian:6.0" and "Debian:12" both map by their
// major), advisories name source packages. A host without VERSION_ID (testing, unstable) is
// mapped through its codename when that names a numbered release.
#pragma once

#include "distro/distro.hpp"

namespace fleetpatch::distro {

class Debian final : public Distro {
 public:
  std::string_view family() const override { return "debian"; }
  core::PackageFormat package_format() const override { return core::PackageFormat::kDpkg; }
  std::optional<std::string> release_for_os(const core::OsInfo& os) const override;
  std::optional<std::string> release_for_osv_ecosystem(std::string_view ecosystem) const override;
  bool matches_source_names() const override { return true; }
};

}  // namespace fleetpatch::distro
