// Distribution families: how each one names its releases, which package names its advisories
// use, and how its advisories are to be read. One implementation per folder
// (src/distro/<family>/), all registered in ONE explicit table (registry.cpp). Code outside this
// layer asks the table instead of switching on distribution names (STYLE.md 1).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/advisory.hpp"
#include "core/host_report.hpp"
#include "core/package.hpp"
#include "core/time.hpp"
#include "distro/lifecycle.hpp"

namespace fleetpatch::distro {

/// A package installed once per kernel build (several builds sit side by side; one runs).
struct KernelPackage {
  std::string release;  // the build's `uname -r` ("5.14.0-70.13.1.el9_0.x86_64")
  /// True for the package that boots (kernel-core, linux-image-...); false for the modules
  /// shipped for that build (kernel-modules, linux-modules-extra-...).
  bool image = false;
  friend bool operator==(const KernelPackage&, const KernelPackage&) = default;
};

/// Stateless; safe to share across threads.
class Distro {
 public:
  virtual ~Distro() = default;

  /// Family id as in os-release ID: "almalinux", "debian", "alpine", ...
  virtual std::string_view family() const = 0;
  virtual core::PackageFormat package_format() const = 0;

  /// Release key ("almalinux:9", "debian:12", "alpine:3.19") for a host of this family, or
  /// nullopt when the OS is not this family's.
  virtual std::optional<std::string> release_for_os(const core::OsInfo& os) const = 0;

  /// Release key for an OSV ecosystem ("AlmaLinux:9", "Debian:12", "Alpine:v3.19"), or nullopt.
  virtual std::optional<std::string> release_for_osv_ecosystem(
      std::string_view ecosystem) const = 0;

  /// True when advisories name source packages (Debian, Ubuntu, Alpine): an installed binary is
  /// then judged by its source package's advisories, at the source version. False for RPM
  /// distributions, whose advisories name binary packages.
  virtual bool matches_source_names() const = 0;

  /// For a family whose advisories name binaries (matches_source_names() false): whether an
  /// advisory entry from feed kind `origin` (AffectedPackage::origin) in `state` names a source
  /// package instead. The matcher then also judges an installed binary by the entries under its
  /// source package's name for which this holds. Default: never.
  virtual bool entry_names_source(std::string_view origin, core::FixState state) const {
    (void)origin;
    (void)state;
    return false;
  }
  /// Whether entry_names_source can hold for some entry (the matcher skips the source lookups
  /// of the families where it cannot).
  virtual bool some_entries_name_source() const { return false; }

  /// Distribution-specific reading of an advisory after the generic feed parse (advisory kind
  /// from its id prefix, severity from its summary, module streams). Default: unchanged.
  virtual void refine_advisory(core::Advisory& advisory) const { (void)advisory; }

  /// Module stream of an installed package, as this family's advisories name it ("nodejs:18");
  /// "" when the package is from no module.
  virtual std::string module_of(const core::Package& package) const {
    return package.module.value_or("");
  }

  /// Whether `package` belongs to one kernel build, and which: the family's naming of kernel
  /// packages and how a package version becomes a `uname -r` release. nullopt for everything
  /// else, kernel tools, headers and meta packages included (one version of those is installed,
  /// and their code is not the running kernel). Called for every package of a host that has
  /// findings: implementations reject non-kernel names with a prefix test first.
  virtual std::optional<KernelPackage> kernel_package(const core::Package& package) const {
    (void)package;
    return std::nullopt;
  }

  /// The version of `running_package` (a kernel package of this family) that a kernel release
  /// stands for: a livepatch's effective kernel (KernelCare's "3.10.0-1160.36.2.el7") is judged
  /// as if that version were installed. nullopt when the release does not carry the package
  /// version (Debian and Ubuntu name releases by ABI, "6.1.0-18-amd64"; SUSE drops the rebuild
  /// counter), so the caller judges the installed version and says so.
  virtual std::optional<std::string> kernel_package_version(
      std::string_view release, const core::Package& running_package) const {
    (void)release;
    (void)running_package;
    return std::nullopt;
  }

  /// The vendor's support dates for one of this family's releases ("debian:12"), from the
  /// family's lifecycle table; nullopt for releases the table does not know (and rolling ones).
  virtual std::optional<Lifecycle> lifecycle(std::string_view release_key) const {
    (void)release_key;
    return std::nullopt;
  }

  /// The instant from which a host of `release_key` is past its vendor's support (00:00 UTC the
  /// day after the last supported day; Lifecycle::end_of_life), or nullopt when unknown. With
  /// `subscribed`, a paid extension (Ubuntu Pro ESM, RHEL ELS, SUSE LTSS) counts as support.
  std::optional<core::TimePoint> end_of_life(std::string_view release_key,
                                             bool subscribed = false) const {
    if (auto dates = lifecycle(release_key)) return dates->end_of_life(subscribed);
    return std::nullopt;
  }
};

/// A resolved release: the family that owns it and its key.
struct Release {
  const Distro* distro = nullptr;
  std::string key;
};

/// Every supported family, in a fixed order. The one table.
const std::vector<const Distro*>& registry();

std::optional<Release> resolve_os(const core::OsInfo& os);
std::optional<Release> resolve_osv_ecosystem(std::string_view ecosystem);
/// The family owning a release key ("almalinux:9" -> almalinux), or nullptr.
const Distro* distro_for_release(std::string_view release_key);

/// Distro::kernel_package for a caller that knows only the package manager (a collector before
/// the OS is resolved, an import of an unknown distribution): the first answer among the
/// families using `format`, in registry order.
std::optional<KernelPackage> kernel_package_for_format(core::PackageFormat format,
                                                       const core::Package& package);

/// Whether an advisory entry's module (AffectedPackage::module) applies to an installed package
/// whose module stream is `package_module` (Distro::module_of). Equal strings apply ("" to ""
/// included: a non-module entry judges only non-module packages). An entry naming a module
/// without a stream ("container-tools", as some AlmaLinux 8 advisories do) applies to every
/// stream of that module. The matcher uses this instead of comparing the strings itself.
bool module_applies(std::string_view advisory_module, std::string_view package_module);

}  // namespace fleetpatch::distro
