#include "core/package.hpp"

namespace fleetpatch::core {

std::string_view to_string(PackageFormat format) {
  switch (format) {
    case PackageFormat::kDpkg:
      return "dpkg";
    case PackageFormat::kRpm:
      return "rpm";
    case PackageFormat::kApk:
      return "apk";
    case PackageFormat::kUnknown:
      break;
  }
  return "unknown";
}

PackageFormat package_format_from_string(std::string_view text) {
  if (text == "dpkg" || text == "deb") return PackageFormat::kDpkg;
  if (text == "rpm") return PackageFormat::kRpm;
  if (text == "apk") return PackageFormat::kApk;
  return PackageFormat::kUnknown;
}

}  // namespace fleetpatch::core
