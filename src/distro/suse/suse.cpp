#include "distro/suse/suse.hpp"

#include <algorithm>
#include <cctype>

namespace fleetpatch::distro {
namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

/// "15.5" or "15" (digits, optionally one dot and digits) for a SUSE release.
bool is_release_number(std::string_view text) {
  std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return all_digits(text);
  return all_digits(text.substr(0, dot)) && all_digits(text.substr(dot + 1));
}

/// "15 SP5" -> "15.5", "15" -> "15"; "" otherwise.
std::string sle_version(std::string_view text) {
  std::size_t space = text.find(' ');
  std::string_view major = text.substr(0, space);
  if (!all_digits(major)) return {};
  if (space == std::string_view::npos) return std::string(major);
  std::string_view rest = text.substr(space + 1);
  if (rest.substr(0, 2) != "SP" || !all_digits(rest.substr(2))) return {};
  return std::string(major) + "." + std::string(rest.substr(2));
}

}  // namespace

std::string_view Suse::family() const {
  switch (product_) {
    case Product::kLeap:
      return "opensuse-leap";
    case Product::kTumbleweed:
      return "opensuse-tumbleweed";
    case Product::kSles:
      break;
  }
  return "sles";
}

std::optional<std::string> Suse::release_for_os(const core::OsInfo& os) const {
  if (os.id != family()) return std::nullopt;
  if (product_ == Product::kTumbleweed) return std::string(family());
  if (!is_release_number(os.version_id)) return std::nullopt;
  return std::string(family()) + ":" + os.version_id;
}

std::optional<std::string> Suse::release_for_osv_ecosystem(std::string_view ecosystem) const {
  switch (product_) {
    case Product::kTumbleweed:
      if (ecosystem == "openSUSE:Tumbleweed") return std::string(family());
      return std::nullopt;
    case Product::kLeap: {
      constexpr std::string_view kPrefix = "openSUSE:Leap ";
      if (ecosystem.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
      std::string_view version = ecosystem.substr(kPrefix.size());
      if (!is_release_number(version) || version.find('.') == std::string_view::npos) {
        return std::nullopt;
      }
      return "opensuse-leap:" + std::string(version);
    }
    case Product::kSles:
      break;
  }
  constexpr std::string_view kSuse = "SUSE:Linux Enterprise ";
  if (ecosystem.substr(0, kSuse.size()) != kSuse) return std::nullopt;
  std::string_view product = ecosystem.substr(kSuse.size());
  std::string_view version;
  constexpr std::string_view kServer = "Server ";
  constexpr std::string_view kLtss = "Server LTSS ";
  constexpr std::string_view kModule = "Module for ";
  if (product.substr(0, kLtss.size()) == kLtss) {
    version = product.substr(kLtss.size());
  } else if (product.substr(0, kServer.size()) == kServer) {
    version = product.substr(kServer.size());
  } else if (product.substr(0, kModule.size()) == kModule) {
    // "Module for Server Applications 15 SP5": the version starts at the first digit word.
    std::string_view rest = product.substr(kModule.size());
    std::size_t pos = 0;
    while (pos < rest.size()) {
      std::size_t space = rest.find(' ', pos);
      if (space == std::string_view::npos) break;
      if (std::isdigit(static_cast<unsigned char>(rest[space + 1]))) {
        version = rest.substr(space + 1);
        break;
      }
      pos = space + 1;
    }
  }
  std::string key = sle_version(version);
  if (key.empty()) return std::nullopt;
  return "sles:" + key;
}

void Suse::refine_advisory(core::Advisory& advisory) const {
  std::string_view id = advisory.id;
  if (id.rfind("openSUSE-", 0) == 0) {
    id.remove_prefix(9);
  } else if (id.rfind("SUSE-", 0) == 0) {
    id.remove_prefix(5);
  } else {
    return;
  }
  const std::string_view type = id.substr(0, 3);
  if (type == "SU-") {
    advisory.kind = core::AdvisoryKind::kSecurity;
  } else if (type == "RU-" || type == "OU-") {
    advisory.kind = core::AdvisoryKind::kBugfix;
  } else if (type == "FU-") {
    advisory.kind = core::AdvisoryKind::kEnhancement;
  }
}

std::optional<KernelPackage> Suse::kernel_package(const core::Package& package) const {
  // kernel-<flavour> 5.14.21-150400.24.46.1 runs as "5.14.21-150400.24.46-<flavour>": the last
  // release component is a rebuild counter that uname does not show. The minimal
  // kernel-<flavour>-base repeats its release ("160000.2.1.160000.2.1"): the first half is the
  // kernel's. kernel-<flavour>-extra and -optional hold more modules of the same build.
  static constexpr std::string_view kFlavours[] = {"default", "azure", "preempt", "kvmsmall",
                                                   "64kb"};
  std::string_view flavour = package.name;
  if (flavour.substr(0, 7) != "kernel-") return std::nullopt;
  flavour.remove_prefix(7);
  bool image = true;
  if (flavour.ends_with("-base")) {
    flavour.remove_suffix(5);
  } else if (flavour.ends_with("-extra")) {
    flavour.remove_suffix(6);
    image = false;
  } else if (flavour.ends_with("-optional")) {
    flavour.remove_suffix(9);
    image = false;
  }
  if (std::find(std::begin(kFlavours), std::end(kFlavours), flavour) == std::end(kFlavours)) {
    return std::nullopt;
  }
  std::string_view vr = package.version;
  if (const auto colon = vr.find(':'); colon != std::string_view::npos) vr.remove_prefix(colon + 1);
  const auto dash = vr.find('-');
  if (dash == std::string_view::npos) {
    return KernelPackage{std::string(vr) + "-" + std::string(flavour), image};
  }
  const std::string_view version = vr.substr(0, dash);
  std::string_view release = vr.substr(dash + 1);
  if (release.size() % 2 == 1) {
    const std::size_t half = release.size() / 2;
    if (release[half] == '.' && release.substr(0, half) == release.substr(half + 1)) {
      release = release.substr(0, half);
    }
  }
  if (const auto last_dot = release.rfind('.'); last_dot != std::string_view::npos) {
    release = release.substr(0, last_dot);
  }
  return KernelPackage{
      std::string(version) + "-" + std::string(release) + "-" + std::string(flavour), image};
}

}  // namespace fleetpatch::distro
