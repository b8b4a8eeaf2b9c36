// The reading shared by Red Hat Enterprise Linux and its rebuilds (AlmaLinux, Rocky, CentOS):
// releases keyed by major version, binary package names, advisory kind from the id prefix
// (xxSA/xxBA/xxEA), the vendor's severity word from the summary ("Important: ..."), and RPM
// module streams recovered from the summary when the feed does not carry them.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "distro/distro.hpp"
#include "distro/version_id.hpp"

namespace fleetpatch::distro {

/// What tells one RHEL-like family from another. All views point at string literals.
struct RhelLikeSpec {
  std::string_view family;              // os-release ID and release key prefix: "almalinux"
  std::string_view osv_ecosystem;       // "AlmaLinux" for "AlmaLinux:9"; "" = no OSV feed
  std::string_view security_prefix;     // "ALSA"
  std::string_view bugfix_prefix;       // "ALBA"
  std::string_view enhancement_prefix;  // "ALEA"
  /// Support dates per release key (the family folder's lifecycle.cpp); empty = unknown.
  std::span<const LifecycleEntry> lifecycle;
};

/// A RHEL-like family. refine_advisory():
///  - kind from the id prefix (security/bugfix/enhancement); other ids keep the parsed kind;
///  - "Critical|Important|Moderate|Low: ..." summaries set vendor_severity and severity;
///  - module streams: an entry whose fixed version's release carries a module build marker
///    (".module_el8", ".module+el8") and that has no module yet gets the module stream(s) the
///    summary names ("Moderate: nodejs:18 security update"). When the summary names several
///    ("virt:rhel and virt-devel:rhel"), the entry is repeated once per stream: the feed does
///    not say which stream a package belongs to, and a package in neither stream must not be
///    judged by it. A summary naming a module without a stream ("container-tools security
///    update") gives the bare module name, which module_applies() matches to every stream.
///  - entries for one package and module whose fixed versions differ only in the module build
///    suffix ("23.module_el8.6.0+2880+7d9e3703" and "...+3161+a07c0ea5": the same package
///    built for two streams or two minor releases) are collapsed to the lowest of them, so that
///    a host holding the other build of the same fix is not reported as unfixed.
class RhelLike : public Distro {
 public:
  explicit RhelLike(const RhelLikeSpec& spec) : spec_(spec) {}

  std::string_view family() const override { return spec_.family; }
  core::PackageFormat package_format() const override { return core::PackageFormat::kRpm; }
  std::optional<std::string> release_for_os(const core::OsInfo& os) const override;
  std::optional<std::string> release_for_osv_ecosystem(std::string_view ecosystem) const override;
  bool matches_source_names() const override { return false; }
  void refine_advisory(core::Advisory& advisory) const override;
  /// Package.module cut to "name:stream" (a full MODULARITYLABEL "name:stream:version:context"
  /// is accepted too).
  std::string module_of(const core::Package& package) const override;
  std::optional<Lifecycle> lifecycle(std::string_view release_key) const override {
    return find_lifecycle(spec_.lifecycle, release_key);
  }
  /// kernel, kernel-core, kernel-uek(-core), kernel-rt(-core) boot as "<version>-<release>.
  /// <arch>"; kernel(-uek|-rt)-modules(-core|-extra) belong to the same build.
  std::optional<KernelPackage> kernel_package(const core::Package& package) const override;
  /// "V-R" or "V-R.<arch>" -> "[E:]V-R" (the running package's epoch, if any).
  std::optional<std::string> kernel_package_version(
      std::string_view release, const core::Package& running_package) const override;

 private:
  RhelLikeSpec spec_;
};

/// Module streams named at the start of an advisory summary, before the words that describe
/// the update ("security", "bug", "enhancement", "update", "metadata", "module"):
/// "Moderate: virt:rhel and virt-devel:rhel security update" -> {"virt:rhel", "virt-devel:rhel"};
/// "Important: 389-ds security update" -> {"389-ds"}; "httpd:2.4/mod_http2" -> {"httpd:2.4"}; "new
/// module: perl:5.30" -> {"perl:5.30"}.
std::vector<std::string> module_streams_from_summary(std::string_view summary);

/// True when an RPM E:V-R's release carries a module build marker (".module_el8.5.0+...",
/// ".module+el8.3.0+...").
bool is_module_build(std::string_view evr);

}  // namespace fleetpatch::distro
