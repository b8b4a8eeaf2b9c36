// Reading a changelog out of a binary package (.deb: an ar archive holding debian-binary,
// control.tar.* and data.tar.*, the latter compressed with xz, zstd, gzip or bzip2).
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fleetpatch::feed::apt_changelog {

/// The decompressed changelog that `package`'s .deb ships as
/// usr/share/doc/<package>/changelog.Debian.gz (for a native package, changelog.gz).
/// Errors: kNotFound when the package ships none (its doc directory is then often a symlink
/// to another package of the same source: the message names the target), kInvalidArgument
/// when the bytes are not a readable .deb or the changelog is corrupt.
core::Result<std::string> changelog_from_deb(std::string_view deb, std::string_view package);

}  // namespace fleetpatch::feed::apt_changelog
