// What the matcher needs to know about a host beyond its package list, asked per package or CVE:
// which installed kernel packages belong to the kernel that is running, which livepatch covers a
// CVE, whether a package's old code still runs in a process that predates its update, and how
// exposed its code is. Pure functions of one HostReport (the collectors in src/hoststate fill
// it); the kernel package naming comes from the host's distribution family
// (distro::Distro::kernel_package).
//
// The rules the matcher applies with these answers are in match/matcher.hpp ("Runtime rules").
//
// Answers are worked out on first use, so that the matcher pays only for the questions a host
// raises (most never ask about restarts or exposure in summaries). Hence not thread-safe, even
// through const: use one object per host per thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/host_report.hpp"
#include "distro/distro.hpp"

namespace fleetpatch::match {

class RuntimeFacts {
 public:
  /// Keeps a reference: `report` must outlive this object. The kernel package rule is that of
  /// the family report.os resolves to, else the package format's
  /// (distro::kernel_package_for_format).
  explicit RuntimeFacts(const core::HostReport& report);
  /// The same with the family already resolved (the matcher's case); null = by package format.
  RuntimeFacts(const core::HostReport& report, const distro::Distro* family);

  /// The host's kernel package rule applied to `package`.
  std::optional<distro::KernelPackage> kernel_package(const core::Package& package) const;

  /// Installed packages of the running kernel's build (kernel and kernel-core of one build,
  /// linux-image-6.1.0-18-amd64, the build's modules packages). Empty when the running kernel is
  /// unknown (an offline image, an import without it) or its packages are gone (removed since
  /// boot; a container, whose kernel is its host's).
  const std::vector<const core::Package*>& running_kernel_packages() const;

  /// Installed kernel build packages whose build is not the one running: their fixes take effect
  /// only after a reboot, their flaws only if they are booted. Empty when the running kernel is
  /// unknown.
  const std::vector<const core::Package*>& kernels_not_running() const;
  bool is_installed_kernel_not_running(const core::Package& package) const;

  /// Livepatches in force: enabled and not in transition (a patch in transition is not yet
  /// applied to every task), sorted by name.
  const std::vector<const core::Livepatch*>& livepatches_in_force() const;
  /// The first (by name) livepatch in force that names `cve`; null when none does.
  const core::Livepatch* livepatch_covering(std::string_view cve) const;
  /// The first (by name) livepatch in force that states an effective kernel (KernelCare); null
  /// when none does.
  const core::Livepatch* effective_kernel_patch() const;

  /// Processes still mapping replaced files that `package` (binary name) owns, in report order.
  std::vector<const core::PendingRestart*> pending_restarts(std::string_view package) const;

  /// kNetwork when a process listening on a non-loopback address runs code of `package` (binary
  /// name: its executable or a mapped library), else kLocal for loopback-only listeners, else
  /// kNone.
  core::Exposure exposure(std::string_view package) const;

 private:
  void find_kernels() const;

  const core::HostReport& report_;
  const distro::Distro* family_;
  mutable bool kernels_found_ = false;
  mutable std::vector<const core::Package*> running_kernel_;
  mutable std::vector<const core::Package*> not_running_;
  mutable std::optional<std::vector<const core::Livepatch*>> in_force_;
  /// (package, exposure) sorted by package, one entry per package.
  mutable std::optional<std::vector<std::pair<std::string_view, core::Exposure>>> exposure_;
  /// (package, restart) sorted by package, then report order.
  mutable std::optional<std::vector<std::pair<std::string_view, const core::PendingRestart*>>>
      restarts_;
};

}  // namespace fleetpatch::match
