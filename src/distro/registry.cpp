// The one table of distribution families (STYLE.md 1). Adding a family: write its folder, add
// one line to kFamilies below, and add its cases to registry_test.cpp.
#include <memory>

#include "distro/almalinux/almalinux.hpp"
#include "distro/alpine/alpine.hpp"
#include "distro/amazon/amazon.hpp"
#include "distro/debian/debian.hpp"
#include "distro/distro.hpp"
#include "distro/rhel/rhel.hpp"
#include "distro/rocky/rocky.hpp"
#include "distro/suse/suse.hpp"
#include "distro/ubuntu/ubuntu.hpp"

namespace fleetpatch::distro {
namespace {

/// The families, constructed once on first use. They are stateless and immutable, so sharing
/// them is safe; this is a constant table, not mutable global state.
struct Table {
  AlmaLinux almalinux;
  Rocky rocky;
  Rhel rhel;
  CentOs centos;
  Debian debian;
  Ubuntu ubuntu;
  Alpine alpine;
  Suse opensuse_leap{Suse::Product::kLeap};
  Suse opensuse_tumbleweed{Suse::Product::kTumbleweed};
  Suse sles{Suse::Product::kSles};
  AmazonLinux amazon;
  std::vector<const Distro*> all{
      &almalinux,           &rocky, &rhel,  &centos, &debian, &ubuntu, &alpine, &opensuse_leap,
      &opensuse_tumbleweed, &sles,  &amazon};
};

const Table& table() {
  static const Table kTable;
  return kTable;
}

}  // namespace

const std::vector<const Distro*>& registry() { return table().all; }

std::optional<Release> resolve_os(const core::OsInfo& os) {
  for (const Distro* distro : registry()) {
    if (auto key = distro->release_for_os(os)) return Release{distro, std::move(*key)};
  }
  return std::nullopt;
}

std::optional<Release> resolve_osv_ecosystem(std::string_view ecosystem) {
  for (const Distro* distro : registry()) {
    if (auto key = distro->release_for_osv_ecosystem(ecosystem)) {
      return Release{distro, std::move(*key)};
    }
  }
  return std::nullopt;
}

const Distro* distro_for_release(std::string_view release_key) {
  std::string_view family = release_key.substr(0, release_key.find(':'));
  for (const Distro* distro : registry()) {
    if (distro->family() == family) return distro;
  }
  return nullptr;
}

std::optional<KernelPackage> kernel_package_for_format(core::PackageFormat format,
                                                       const core::Package& package) {
  for (const Distro* distro : registry()) {
    if (distro->package_format() != format) continue;
    if (auto kernel = distro->kernel_package(package)) return kernel;
  }
  return std::nullopt;
}

bool module_applies(std::string_view advisory_module, std::string_view package_module) {
  if (advisory_module == package_module) return true;
  if (advisory_module.empty() || package_module.empty()) return false;
  if (advisory_module.find(':') != std::string_view::npos) return false;
  return package_module.substr(0, package_module.find(':')) == advisory_module;
}

}  // namespace fleetpatch::distro
