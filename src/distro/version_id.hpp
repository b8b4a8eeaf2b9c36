// Small helpers for reading os-release VERSION_ID and OSV ecosystem version text, shared by the
// family folders.
#pragma once

#include <cctype>
#include <string_view>

namespace fleetpatch::distro {

/// "9.3" -> "9": the leading decimal digits, or "" when there are none.
inline std::string_view major_version(std::string_view version_id) {
  std::size_t n = 0;
  while (n < version_id.size() && std::isdigit(static_cast<unsigned char>(version_id[n]))) ++n;
  return version_id.substr(0, n);
}

}  // namespace fleetpatch::distro
