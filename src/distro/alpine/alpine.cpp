#include "distro/alpine/alpine.hpp"

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

}  // namespace fleetpatch::distro
