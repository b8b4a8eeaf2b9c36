// SUSE: openSUSE Leap ("opensuse-leap:15.5"), openSUSE Tumbleweed ("opensuse-tumbleweed", a
// rolling release with one key) and SUSE Linux Enterprise Server ("sles:15.5" for 15 SP5,
// "sles:15" for 15 GA, as os-release's VERSION_ID). OSV ecosystems: "openSUSE:Leap 15.5",
// "openSUSE:Tumbleweed", and for SLES the server product and the modules a server installs from
// ("SUSE:Linux Enterprise Server 15 SP5", "SUSE:Linux Enterprise Server LTSS 15 SP3",
// "SUSE:Linux Enterprise Module for Basesystem 15 SP5"). Other SUSE products (Desktop, SAP,
// Micro, Package Hub, SDK) are not mapped. Advisories name binary packages: SUSE OSV records
// name the source package and list the binaries in ecosystem_specific, which the OSV parser
// expands.
//
// Advisory kinds follow the update type in the id ("SUSE-SU-2015:0011-2",
// "openSUSE-SU-2016:1623-1"): SU security; RU (recommended) and OU (optional) bug fixes; FU
// feature updates. Other ids (the CSAF reader's "SUSE-CVE-...") keep the parsed kind.
#pragma once

#include "distro/distro.hpp"

namespace fleetpatch::distro {

class Suse final : public Distro {
 public:
  enum class Product { kLeap, kTumbleweed, kSles };
  explicit Suse(Product product) : product_(product) {}

  std::string_view family() const override;
  core::PackageFormat package_format() const override { return core::PackageFormat::kRpm; }
  std::optional<std::string> release_for_os(const core::OsInfo& os) const override;
  std::optional<std::string> release_for_osv_ecosystem(std::string_view ecosystem) const override;
  bool matches_source_names() const override { return false; }
  /// Advisory kind from the update type in the id (see the file comment).
  void refine_advisory(core::Advisory& advisory) const override;
  /// SLES general support (LTSS as the paid extension) and Leap end of life (lifecycle.cpp).
  std::optional<Lifecycle> lifecycle(std::string_view release_key) const override;
  /// kernel-<flavour> and kernel-<flavour>-base (default, azure, preempt, kvmsmall, 64kb) boot as
  /// "<version>-<release without its rebuild counter>-<flavour>"; kernel-<flavour>-extra and
  /// -optional belong to the same build. Package versions cannot be rebuilt from a release (the
  /// counter is gone), so kernel_package_version stays nullopt.
  std::optional<KernelPackage> kernel_package(const core::Package& package) const override;

 private:
  Product product_;
};

}  // namespace fleetpatch::distro
