// Debian control-file syntax (deb822: "Field: value" lines, continuation lines starting with
// a space or tab, paragraphs separated by blank lines), which apt's Packages and Release
// indexes, dpkg's status file and deb822 .sources files share.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleetpatch::feed::apt_changelog {

/// One paragraph. Values are views into the parsed text: a multi-line value keeps its
/// continuation lines (with their leading space and the newlines between them).
struct Paragraph {
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  std::size_t line = 0;  // 1-based line of the paragraph's first field

  /// The value of `name` (field names compare case-insensitively, as in dpkg), "" if absent.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
};

/// Calls `visit` for each paragraph of `text`, in order. Comment lines ("#...") are skipped;
/// a line that is neither a field, a continuation nor blank goes to `problem(line, message)`
/// and is skipped. A PGP clear-signed wrapper (InRelease) is removed first.
void for_each_paragraph(std::string_view text, const std::function<void(const Paragraph&)>& visit,
                        const std::function<void(std::size_t, std::string)>& problem);

/// A multi-line value folded to one line: runs of whitespace (newlines included) become one
/// space, and the ends are trimmed.
std::string fold(std::string_view value);

/// Whitespace-separated words of a value.
std::vector<std::string_view> words(std::string_view value);

}  // namespace fleetpatch::feed::apt_changelog
