// Ubuntu: release keys "ubuntu:YY.MM", advisories name source packages. OSV ecosystems
// "Ubuntu:22.04:LTS", "Ubuntu:24.10" and "Ubuntu:Pro:18.04:LTS" (Expanded Security Maintenance:
// its fixes are what an 18.04 host can still get) map to the release; the FIPS and other Pro
// variants ("Ubuntu:Pro:FIPS:...") name other package builds and are not mapped.
#pragma once

#include "distro/distro.hpp"

namespace fleetpatch::distro {

class Ubuntu final : public Distro {
 public:
  std::string_view family() const override { return "ubuntu"; }
  core::PackageFormat package_format() const override { return core::PackageFormat::kDpkg; }
  std::optional<std::string> release_for_os(const core::OsInfo& os) const override;
  std::optional<std::string> release_for_osv_ecosystem(std::string_view ecosystem) const override;
  bool matches_source_names() const override { return true; }
  /// Standard support end; ESM as the paid extension (lifecycle.cpp).
  std::optional<Lifecycle> lifecycle(std::string_view release_key) const override;
};

}  // namespace fleetpatch::distro
