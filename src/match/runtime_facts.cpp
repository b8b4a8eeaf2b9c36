#include "match/runtime_facts.hpp"

#include <algorithm>

namespace fleetpatch::match {

RuntimeFacts::RuntimeFacts(const core::HostReport& report)
    : RuntimeFacts(report, [&report]() -> const distro::Distro* {
        const auto release = distro::resolve_os(report.os);
        return release ? release->distro : nullptr;
      }()) {}

RuntimeFacts::RuntimeFacts(const core::HostReport& report, const distro::Distro* family)
    : report_(report), family_(family) {}

std::optional<distro::KernelPackage> RuntimeFacts::kernel_package(
    const core::Package& package) const {
  if (family_ != nullptr) return family_->kernel_package(package);
  return distro::kernel_package_for_format(report_.package_format, package);
}

void RuntimeFacts::find_kernels() const {
  if (kernels_found_) return;
  kernels_found_ = true;
  const std::string& running = report_.kernel.running;
  if (running.empty()) return;
  for (const auto& p : report_.packages) {
    const auto kernel = kernel_package(p);
    if (!kernel) continue;
    (kernel->release == running ? running_kernel_ : not_running_).push_back(&p);
  }
}

const std::vector<const core::Package*>& RuntimeFacts::running_kernel_packages() const {
  find_kernels();
  return running_kernel_;
}

const std::vector<const core::Package*>& RuntimeFacts::kernels_not_running() const {
  find_kernels();
  return not_running_;
}

bool RuntimeFacts::is_installed_kernel_not_running(const core::Package& package) const {
  if (report_.kernel.running.empty()) return false;
  const auto kernel = kernel_package(package);
  return kernel && kernel->release != report_.kernel.running;
}

const std::vector<const core::Livepatch*>& RuntimeFacts::livepatches_in_force() const {
  if (!in_force_) {
    in_force_.emplace();
    for (const auto& lp : report_.kernel.livepatch) {
      if (lp.enabled && !lp.transition) in_force_->push_back(&lp);
    }
    std::stable_sort(
        in_force_->begin(), in_force_->end(),
        [](const core::Livepatch* a, const core::Livepatch* b) { return a->name < b->name; });
  }
  return *in_force_;
}

const core::Livepatch* RuntimeFacts::livepatch_covering(std::string_view cve) const {
  for (const core::Livepatch* lp : livepatches_in_force()) {
    if (std::find(lp->cves.begin(), lp->cves.end(), cve) != lp->cves.end()) return lp;
  }
  return nullptr;
}

const core::Livepatch* RuntimeFacts::effective_kernel_patch() const {
  for (const core::Livepatch* lp : livepatches_in_force()) {
    if (!lp->effective_kernel.empty()) return lp;
  }
  return nullptr;
}

std::vector<const core::PendingRestart*> RuntimeFacts::pending_restarts(
    std::string_view package) const {
  if (!restarts_) {
    restarts_.emplace();
    for (const auto& restart : report_.pending_restart) {
      for (const auto& name : restart.packages) restarts_->emplace_back(name, &restart);
    }
    std::stable_sort(restarts_->begin(), restarts_->end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  std::vector<const core::PendingRestart*> out;
  auto it =
      std::lower_bound(restarts_->begin(), restarts_->end(), package,
                       [](const auto& entry, std::string_view name) { return entry.first < name; });
  for (; it != restarts_->end() && it->first == package; ++it) {
    if (out.empty() || out.back() != it->second) out.push_back(it->second);
  }
  return out;
}

core::Exposure RuntimeFacts::exposure(std::string_view package) const {
  if (!exposure_) {
    exposure_.emplace();
    for (const auto& socket : report_.listening) {
      if (!socket.package.empty()) exposure_->emplace_back(socket.package, socket.exposure);
      for (const auto& mapped : socket.mapped_packages) {
        if (!mapped.empty()) exposure_->emplace_back(mapped, socket.exposure);
      }
    }
    // Sorted by package, widest first, then one entry per package.
    std::sort(exposure_->begin(), exposure_->end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    exposure_->erase(std::unique(exposure_->begin(), exposure_->end(),
                                 [](const auto& a, const auto& b) { return a.first == b.first; }),
                     exposure_->end());
  }
  const auto it =
      std::lower_bound(exposure_->begin(), exposure_->end(), package,
                       [](const auto& entry, std::string_view name) { return entry.first < name; });
  return it != exposure_->end() && it->first == package ? it->second : core::Exposure::kNone;
}

}  // namespace fleetpatch::match
