#include "distro/ubuntu/ubuntu.hpp"

#include <cctype>

namespace fleetpatch::distro {
namespace {

/// "22.04" exactly: two digits, a dot, two digits.
bool is_ubuntu_version(std::string_view text) {
  if (text.size() != 5 || text[2] != '.') return false;
  for (std::size_t i : {0, 1, 3, 4}) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> Ubuntu::release_for_os(const core::OsInfo& os) const {
  if (os.id != "ubuntu" || !is_ubuntu_version(os.version_id)) return std::nullopt;
  return "ubuntu:" + os.version_id;
}

std::optional<std::string> Ubuntu::release_for_osv_ecosystem(std::string_view ecosystem) const {
  constexpr std::string_view kPrefix = "Ubuntu:";
  if (ecosystem.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view rest = ecosystem.substr(kPrefix.size());
  constexpr std::string_view kPro = "Pro:";
  if (rest.substr(0, kPro.size()) == kPro) rest.remove_prefix(kPro.size());
  std::string_view version = rest.substr(0, rest.find(':'));
  std::string_view suffix = rest.substr(version.size());
  if (!is_ubuntu_version(version) || !(suffix.empty() || suffix == ":LTS")) return std::nullopt;
  return "ubuntu:" + std::string(version);
}

void Ubuntu::refine_advisory(core::Advisory& advisory) const {
  advisory.kind = core::AdvisoryKind::kSecurity;
  if (advisory.id.rfind("LSN-", 0) == 0) advisory.affected.clear();
}

}  // namespace fleetpatch::distro
