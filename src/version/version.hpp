// Version ordering for each package format, dispatched by core::PackageFormat.
// The per-format types (deb_version.hpp, rpm_version.hpp, apk_version.hpp) document their rules.
#pragma once

#include <string_view>

#include "core/package.hpp"
#include "core/result.hpp"

namespace fleetpatch::version {

/// Compares two version strings of one format: <0, 0 or >0. An unparsable string is an error
/// naming it; kUnknown format is an error.
core::Result<int> compare(core::PackageFormat format, std::string_view a, std::string_view b);

/// Checks that `text` parses as a version of `format` (an error message says why not).
core::Status validate(core::PackageFormat format, std::string_view text);

}  // namespace fleetpatch::version
