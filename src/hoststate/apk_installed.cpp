// apk-tools' installed database (/lib/apk/db/installed, /usr/lib/apk/db/installed): one
// "X:value" line per field, a blank line after each package. The field letters are those of
// apk's index format (apk-tools src/database.c, doc/apk-package(5)): P name, V version,
// A architecture, o origin (the APKBUILD the package was built from, i.e. its source package).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {
namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kBlanks = " \t\r";
  const auto begin = s.find_first_not_of(kBlanks);
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(kBlanks);
  return s.substr(begin, end - begin + 1);
}

struct Record {
  std::size_t first_line = 0;
  std::size_t name_line = 0;
  std::string name;
  std::string version;
  std::string arch;
  std::string origin;
  bool has_name = false;
  bool empty = true;
};

class InstalledParser {
 public:
  InstalledParser(std::string_view source_name, core::Diagnostics& diagnostics)
      : source_name_(source_name), diagnostics_(diagnostics) {}

  std::vector<core::Package> parse(std::string_view text) {
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      auto end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view line = text.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      read_line(line, line_no);
    }
    finish();
    return std::move(packages_);
  }

 private:
  void read_line(std::string_view raw, std::size_t line_no) {
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) {
      finish();
      return;
    }
    if (line.size() < 2 || line[1] != ':' || line[0] == ' ' || line[0] == '\t') {
      warn(line_no, "malformed line (expected \"X:value\"): " + std::string(trim(line)));
      return;
    }
    const char key = line[0];
    const std::string_view value = trim(line.substr(2));
    if (key == 'P' && current_.has_name) {
      // apk always writes a blank line between packages; a second P: means one was lost.
      // Keep both packages rather than merging their fields.
      warn(line_no, "new package without a blank line before it", std::string(value));
      finish();
    }
    if (current_.empty) {
      current_ = Record{};
      current_.first_line = line_no;
      current_.empty = false;
    }
    switch (key) {
      case 'P':
        current_.name = std::string(value);
        current_.has_name = true;
        current_.name_line = line_no;
        break;
      case 'V':
        current_.version = std::string(value);
        break;
      case 'A':
        current_.arch = std::string(value);
        break;
      case 'o':
        current_.origin = std::string(value);
        break;
      default:
        break;  // checksums, sizes, file lists (F:, R:, Z:, ...) and other metadata
    }
  }

  void finish() {
    if (current_.empty) return;
    Record r = std::move(current_);
    current_ = Record{};
    if (!r.has_name || r.name.empty()) {
      warn(r.first_line, "package record without a name (P:)");
      return;
    }
    if (r.version.empty()) {
      warn(r.name_line, "package without a version (V:)", r.name);
      return;
    }
    if (r.version.find_first_of(" \t") != std::string::npos) {
      warn(r.name_line, "version contains whitespace: \"" + r.version + "\"", r.name);
      return;
    }
    core::Package pkg;
    pkg.name = r.name;
    pkg.version = r.version;
    pkg.arch = r.arch;
    // Subpackages share their origin's version: apk builds all of an APKBUILD's packages at
    // once, so the origin has no version of its own.
    pkg.source_name = r.origin.empty() ? r.name : r.origin;
    pkg.source_version = r.version;
    packages_.push_back(std::move(pkg));
  }

  void warn(std::size_t line, std::string message, std::string record = {}) {
    diagnostics_.add(std::string(source_name_), line, std::move(message), std::move(record));
  }

  std::string_view source_name_;
  core::Diagnostics& diagnostics_;
  Record current_;
  std::vector<core::Package> packages_;
};

}  // namespace

std::vector<core::Package> parse_apk_installed(std::string_view text, std::string_view source_name,
                                               core::Diagnostics& diagnostics) {
  return InstalledParser(source_name, diagnostics).parse(text);
}

}  // namespace fleetpatch::hoststate
