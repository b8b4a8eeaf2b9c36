#include "hoststate/runtime_facts.hpp"

#include <algorithm>

#include "hoststate/kernel.hpp"

namespace fleetpatch::hoststate {

RuntimeFacts::RuntimeFacts(const core::HostReport& report)
    : report_(report),
      running_kernel_(hoststate::running_kernel_packages(report.package_format, report.packages,
                                                         report.kernel.running)) {
  for (const auto& socket : report.listening) {
    const auto raise = [&](const std::string& package) {
      if (package.empty()) return;
      auto& level = exposure_[package];
      level = std::max(level, socket.exposure);
    };
    raise(socket.package);
    for (const auto& package : socket.mapped_packages) raise(package);
  }
  for (const auto& restart : report.pending_restart) {
    for (const auto& package : restart.packages) restarts_[package].push_back(&restart);
  }
}

bool RuntimeFacts::is_installed_kernel_not_running(const core::Package& package) const {
  if (report_.kernel.running.empty()) return false;
  const auto release = kernel_release(report_.package_format, package);
  return release && *release != report_.kernel.running;
}

const core::Livepatch* RuntimeFacts::livepatch_covering(std::string_view cve) const {
  const core::Livepatch* best = nullptr;
  for (const auto& lp : report_.kernel.livepatch) {
    if (!lp.enabled || lp.transition) continue;
    if (std::find(lp.cves.begin(), lp.cves.end(), cve) == lp.cves.end()) continue;
    if (best == nullptr || lp.name < best->name) best = &lp;
  }
  return best;
}

std::vector<const core::PendingRestart*> RuntimeFacts::pending_restarts(
    std::string_view package) const {
  const auto it = restarts_.find(package);
  return it == restarts_.end() ? std::vector<const core::PendingRestart*>{} : it->second;
}

core::Exposure RuntimeFacts::exposure(std::string_view package) const {
  const auto it = exposure_.find(package);
  return it == exposure_.end() ? core::Exposure::kNone : it->second;
}

}  // namespace fleetpatch::hoststate
