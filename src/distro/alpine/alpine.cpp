#include "distro/alpine/alpine.hpp"

#include <algorithm>
#include <cctype>

namespace fleetpatch::distro {
namespace {

/// "3.19" from "3.19", "3.19.1" or "3.20_alpha20240329"; "" when it does not start X.Y.
std::string_view major_minor(std::string_view text) {
  auto digits = [&](std::size_t from) {
    std::size_t n = from;
    while (n < text.size() && std::isdigit(static_cast<unsigned char>(text[n]))) ++n;
    return n;
  };
  std::size_t major_end = digits(0);
  if (major_end == 0 || major_end >= text.size() || text[major_end] != '.') return {};
  std::size_t minor_end = digits(major_end + 1);
  if (minor_end == major_end + 1) return {};
  return text.substr(0, minor_end);
}

}  // namespace

std::optional<std::string> Alpine::release_for_os(const core::OsInfo& os) const {
  if (os.id != "alpine") return std::nullopt;
  std::string_view release = major_minor(os.version_id);
  if (release.empty()) return std::nullopt;
  return "alpine:" + std::string(release);
}

std::optional<std::string> Alpine::release_for_osv_ecosystem(std::string_view ecosystem) const {
  constexpr std::string_view kPrefix = "Alpine:v";
  if (ecosystem.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view version = ecosystem.substr(kPrefix.size());
  std::string_view release = major_minor(version);
  if (release.empty() || release.size() != version.size()) return std::nullopt;
  return "alpine:" + std::string(release);
}

namespace {
// The kernel flavours Alpine ships as linux-<flavour>.
constexpr std::string_view kKernelFlavours[] = {"lts", "virt", "edge", "rpi", "rpi4", "stable"};
}  // namespace

std::optional<KernelPackage> Alpine::kernel_package(const core::Package& package) const {
  // linux-lts 6.6.14-r0 runs as "6.6.14-0-lts".
  std::string_view flavour = package.name;
  if (flavour.substr(0, 6) != "linux-") return std::nullopt;
  flavour.remove_prefix(6);
  if (std::find(std::begin(kKernelFlavours), std::end(kKernelFlavours), flavour) ==
      std::end(kKernelFlavours)) {
    return std::nullopt;
  }
  std::string_view version = package.version;
  std::string_view revision = "0";
  if (const auto r = version.rfind("-r"); r != std::string_view::npos) {
    revision = version.substr(r + 2);
    version = version.substr(0, r);
  }
  return KernelPackage{
      std::string(version) + "-" + std::string(revision) + "-" + std::string(flavour), true};
}

std::optional<std::string> Alpine::kernel_package_version(
    std::string_view release, const core::Package& running_package) const {
  // "6.6.14-0-lts" for linux-lts -> "6.6.14-r0".
  const std::string_view name = running_package.name;
  if (name.substr(0, 6) != "linux-") return std::nullopt;
  const std::string suffix = "-" + std::string(name.substr(6));
  if (!release.ends_with(suffix)) return std::nullopt;
  release.remove_suffix(suffix.size());
  const auto dash = release.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == release.size()) {
    return std::nullopt;
  }
  return std::string(release.substr(0, dash)) + "-r" + std::string(release.substr(dash + 1));
}

}  // namespace fleetpatch::distro
