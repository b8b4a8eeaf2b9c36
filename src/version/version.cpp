#include "version/version.hpp"

#include <string>
#include <type_traits>

#include "version/apk_version.hpp"
#include "version/deb_version.hpp"
#include "version/rpm_version.hpp"

namespace fleetpatch::version {
namespace {

core::Error unknown_format(core::PackageFormat format) {
  return core::unsupported("no version ordering for package format '" +
                           std::string(core::to_string(format)) + "'");
}

// The one place that maps a package format to its version type: calls
// fn(std::type_identity<VersionType>{}).
template <typename R, typename Fn>
R with_version_type(core::PackageFormat format, Fn&& fn) {
  switch (format) {
    case core::PackageFormat::kDpkg:
      return fn(std::type_identity<DebVersion>{});
    case core::PackageFormat::kRpm:
      return fn(std::type_identity<RpmEvr>{});
    case core::PackageFormat::kApk:
      return fn(std::type_identity<ApkVersion>{});
    case core::PackageFormat::kUnknown:
      break;
  }
  return unknown_format(format);
}

}  // namespace

core::Result<int> compare(core::PackageFormat format, std::string_view a, std::string_view b) {
  return with_version_type<core::Result<int>>(format, [&](auto type) -> core::Result<int> {
    using V = typename decltype(type)::type;
    auto va = V::parse(a);
    if (!va.ok()) return va.error();
    auto vb = V::parse(b);
    if (!vb.ok()) return vb.error();
    const int cmp = va->compare(*vb);
    return (cmp > 0) - (cmp < 0);
  });
}

core::Status validate(core::PackageFormat format, std::string_view text) {
  return with_version_type<core::Status>(format, [&](auto type) -> core::Status {
    using V = typename decltype(type)::type;
    auto v = V::parse(text);
    if (!v.ok()) return v.error();
    return {};
  });
}

}  // namespace fleetpatch::version
