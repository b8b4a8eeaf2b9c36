#include "distro/debian/debian.hpp"

#include <utility>

#include "distro/version_id.hpp"

namespace fleetpatch::distro {
namespace {

/// Codenames of the numbered releases (https://www.debian.org/releases/ and
/// https://wiki.debian.org/DebianReleases), by the major version that keys them.
constexpr std::pair<std::string_view, std::string_view> kCodenames[] = {
    {"buzz", "1"},      {"rex", "1"},       {"bo", "1"},      {"hamm", "2"},    {"slink", "2"},
    {"potato", "2"},    {"woody", "3"},     {"sarge", "3"},   {"etch", "4"},    {"lenny", "5"},
    {"squeeze", "6"},   {"wheezy", "7"},    {"jessie", "8"},  {"stretch", "9"}, {"buster", "10"},
    {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"}, {"forky", "14"},  {"duke", "15"},
};

}  // namespace

std::optional<std::string> Debian::release_for_os(const core::OsInfo& os) const {
  if (os.id != "debian") return std::nullopt;
  std::string_view major = major_version(os.version_id);
  if (major.empty()) {
    for (const auto& [codename, number] : kCodenames) {
      if (os.version_codename == codename) major = number;
    }
  }
  if (major.empty()) return std::nullopt;
  return "debian:" + std::string(major);
}

std::optional<std::string> debian_release_for_codename(std::string_view codename) {
  for (const auto& [name, number] : kCodenames) {
    if (codename == name) return "debian:" + std::string(number);
  }
  return std::nullopt;
}

std::optional<std::string> Debian::release_for_osv_ecosystem(std::string_view ecosystem) const {
  constexpr std::string_view kPrefix = "Debian:";
  if (ecosystem.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view version = ecosystem.substr(kPrefix.size());
  std::string_view major = major_version(version);
  std::string_view rest = version.substr(major.size());
  if (major.empty() || !(rest.empty() || rest == ".0")) return std::nullopt;
  return "debian:" + std::string(major);
}

std::optional<KernelPackage> dpkg_kernel_package(const core::Package& package) {
  // linux-image-6.1.0-18-amd64 (Debian), linux-image-5.15.0-91-generic and
  // linux-image-unsigned-5.15.0-91-generic (Ubuntu) boot as the release in their name; Ubuntu's
  // linux-modules(-extra)-<release> carry the rest of that build. Meta packages
  // (linux-image-amd64, linux-image-generic) do not start with a digit after the prefix; -dbg
  // and -dbgsym packages carry symbols, not code.
  std::string_view name = package.name;
  if (name.substr(0, 6) != "linux-") return std::nullopt;
  bool image = false;
  for (const std::string_view prefix :
       {"linux-image-unsigned-", "linux-image-", "linux-modules-extra-", "linux-modules-"}) {
    if (name.substr(0, prefix.size()) == prefix) {
      image = prefix.substr(0, 12) == "linux-image-";
      name.remove_prefix(prefix.size());
      break;
    }
  }
  if (name.size() == package.name.size() || name.empty() || name.front() < '0' ||
      name.front() > '9' || name.ends_with("-dbg") || name.ends_with("-dbgsym")) {
    return std::nullopt;
  }
  if (name.ends_with("-unsigned")) name.remove_suffix(std::string_view("-unsigned").size());
  return KernelPackage{std::string(name), image};
}

}  // namespace fleetpatch::distro
