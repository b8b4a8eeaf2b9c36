// Ubuntu: release keys "ubuntu:YY.MM", advisories name source packages. OSV ecosystems
// "Ubuntu:22.04:LTS", "Ubuntu:24.10" and "Ubuntu:Pro:18.04:LTS" (Expanded Security Maintenance:
// its fixes are what an 18.04 host can still get) map to the release; the FIPS and other Pro
// variants ("Ubuntu:Pro:FIPS:...") name other package builds and are not mapped.
//
// Reading Canonical's OSV records (https://documentation.ubuntu.com/security/security-updates/
// osv/, "Mapping Ubuntu CVE Tracker statuses in OSV"):
//  - USN-... (security notices) and UBUNTU-CVE-... (CVE records) are security advisories; the
//    generic OSV reader takes the CVE of an UBUNTU-CVE record from its id and `upstream`.
//  - Tracker states: the OSV records do not carry them. needs-triage, needed, pending,
//    in-progress, deferred and ignored are all "listed under affected with no fixed event",
//    which the OSV reader makes kUnfixed; DNE and not-affected packages are not listed at all.
//    So a will-not-fix ("ignored") cannot be told from Ubuntu OSV: it stays unfixed.
//  - Priority: `severity[type=Ubuntu]` or, in older records, `ecosystem_specific.
//    ubuntu_priority`: critical, high, medium, low, negligible (-> low, by severity_from_vendor).
//    USN records carry none (Canonical: read them with the CVE records).
//  - Ubuntu Pro: "Ubuntu:Pro:18.04:LTS" entries map to the release; their fixed versions carry
//    "+esm" ("1.8.1-4ubuntu1.3+esm1"), which sorts after the standard-support version it
//    extends, so hosts with the ESM build are judged fixed and others are told which version
//    fixes them (it needs a Pro subscription; the inventory does not say whether the host has
//    one).
//  - LSN-... (Livepatch notices) are dropped: their entries repeat, for the kernel source
//    packages, the fixes the USNs already give, and what a livepatch covers comes from the
//    host's own livepatch state (core::HostReport kernel.livepatch), not from package versions.
#pragma once

#include "distro/debian/debian.hpp"
#include "distro/distro.hpp"

namespace fleetpatch::distro {

class Ubuntu final : public Distro {
 public:
  std::string_view family() const override { return "ubuntu"; }
  core::PackageFormat package_format() const override { return core::PackageFormat::kDpkg; }
  std::optional<std::string> release_for_os(const core::OsInfo& os) const override;
  std::optional<std::string> release_for_osv_ecosystem(std::string_view ecosystem) const override;
  bool matches_source_names() const override { return true; }
  /// See the file comment: LSN records are dropped; everything else is a security advisory.
  void refine_advisory(core::Advisory& advisory) const override;
  /// Standard support end; ESM as the paid extension (lifecycle.cpp).
  std::optional<Lifecycle> lifecycle(std::string_view release_key) const override;
  /// Debian's naming (dpkg_kernel_package), with linux-modules(-extra)-<release>.
  std::optional<KernelPackage> kernel_package(const core::Package& package) const override {
    return dpkg_kernel_package(package);
  }
};

}  // namespace fleetpatch::distro
