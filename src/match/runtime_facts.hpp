// What the matcher needs to know about a host beyond its package list, asked per package or CVE:
// which installed kernel is the one running, which livepatch covers a CVE, whether a package's
// code still runs in a process that predates its update, and how exposed its code is. Pure
// functions of one HostReport; build once per host, then ask from any thread (read-only).
//
// The rules the matcher applies with these answers (src/match owns them):
//  - kernel CVEs are judged against running_kernel_packages(), not the newest installed kernel;
//    fixed in an installed but not running kernel -> fixed-pending-reboot;
//  - a kernel CVE covered by livepatch_covering() -> mitigated, naming the patch;
//  - fixed on disk while pending_restarts(package) is non-empty -> fixed-pending-restart;
//  - every finding gets exposure(package).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/host_report.hpp"

namespace fleetpatch::hoststate {

class RuntimeFacts {
 public:
  /// Keeps a reference: `report` must outlive this object.
  explicit RuntimeFacts(const core::HostReport& report);

  /// Installed kernel image packages of the running kernel (kernel and kernel-core of one
  /// build, linux-image-6.1.0-18-amd64, ...). Empty when the running kernel is unknown (an
  /// offline image, an import without it) or its package is gone.
  const std::vector<const core::Package*>& running_kernel_packages() const {
    return running_kernel_;
  }
  /// A kernel image package that is installed but not the running kernel: its fixes take
  /// effect only after a reboot, its flaws only if it is booted.
  bool is_installed_kernel_not_running(const core::Package& package) const;

  /// The first (by name) livepatch that is enabled, not in transition and names `cve`; null
  /// when none does.
  const core::Livepatch* livepatch_covering(std::string_view cve) const;

  /// Processes still mapping replaced files that `package` (binary name) owns.
  std::vector<const core::PendingRestart*> pending_restarts(std::string_view package) const;

  /// kNetwork when a process listening on a non-loopback address runs code of `package` (its
  /// executable or a mapped library), else kLocal for loopback-only listeners, else kNone.
  core::Exposure exposure(std::string_view package) const;

 private:
  const core::HostReport& report_;
  std::vector<const core::Package*> running_kernel_;
  std::map<std::string, core::Exposure, std::less<>> exposure_;
  std::map<std::string, std::vector<const core::PendingRestart*>, std::less<>> restarts_;
};

}  // namespace fleetpatch::hoststate
