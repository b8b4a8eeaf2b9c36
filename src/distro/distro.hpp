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

  /// Distribution-specific reading of an advisory after the generic feed parse (advisory kind
  /// from its id prefix, severity from its summary, module streams). Default: unchanged.
  virtual void refine_advisory(core::Advisory& advisory) const { (void)advisory; }

  /// Module stream of an installed package, as this family's advisories name it ("nodejs:18");
  /// "" when the package is from no module.
  virtual std::string module_of(const core::Package& package) const {
    return package.module.value_or("");
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

/// Whether an advisory entry's module (AffectedPackage::module) applies to an installed package
/// whose module stream is `package_module` (Distro::module_of). Equal strings apply ("" to ""
/// included: a non-module entry judges only non-module packages). An entry naming a module
/// without a stream ("container-tools", as some AlmaLinux 8 advisories do) applies to every
/// stream of that module. The matcher uses this instead of comparing the strings itself.
bool module_applies(std::string_view advisory_module, std::string_view package_module);

}  // namespace fleetpatch::distro
