// Reading input files for the feed parsers. Feeds take bytes; this is the one place that turns
// a path into bytes, with the spare capacity simdjson wants after the data.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fleetpatch::feed {

/// Extra readable bytes kept after file contents (simdjson reads up to 64 bytes past the end).
inline constexpr std::size_t kReadPadding = 64;

/// Replaces `out` with the file's contents; out.capacity() >= out.size() + kReadPadding.
/// Reuses `out`'s storage when it is large enough. Errors name the path.
core::Status read_file(const std::string& path, std::string& out);

/// The first `size` bytes of a file (fewer when it is shorter).
core::Result<std::string> read_head(const std::string& path, std::size_t size);

/// What the first bytes of a file say it is.
enum class Magic { kZip, kZstd, kText };
Magic sniff(std::string_view head);

/// The first `size` bytes (fewer when shorter) of what a zstd-compressed file decompresses to,
/// for recognising its content; only as much of the file is read as that takes. Errors when the
/// file cannot be read or its first bytes are not valid zstd.
core::Result<std::string> read_zstd_head(const std::string& path, std::size_t size);

/// Decompresses a whole zstd stream (one or more frames) into `out`, with kReadPadding spare
/// capacity after it. A corrupt or truncated stream is an error naming `source`.
core::Status zstd_decompress(std::string_view compressed, const std::string& source,
                             std::string& out);

/// True when `name` ends with `suffix`.
inline bool ends_with(std::string_view name, std::string_view suffix) {
  return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

}  // namespace fleetpatch::feed
