// dpkg's status database (/var/lib/dpkg/status): deb822 paragraphs separated by blank lines,
// "Field: value" lines, continuation lines starting with a space or tab (Description,
// Conffiles). See deb822(5) and dpkg(1) for the Status field ("want flag status").
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {
namespace {

constexpr std::string_view kBlanks = " \t\r";

std::string_view trim(std::string_view s) {
  const auto begin = s.find_first_not_of(kBlanks);
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(kBlanks);
  return s.substr(begin, end - begin + 1);
}

// deb822 field names are case-insensitive.
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The fields of one paragraph we use; first_line is where the paragraph starts (for messages).
struct Paragraph {
  std::size_t first_line = 0;
  std::size_t package_line = 0;
  std::size_t status_line = 0;
  std::string package;
  std::string status;
  std::string version;
  std::string architecture;
  std::string source;
  bool has_package = false;
  bool has_status = false;
  bool has_version = false;
  bool has_source = false;
  bool empty = true;
};

class StatusParser {
 public:
  StatusParser(std::string_view source_name, core::Diagnostics& diagnostics)
      : source_name_(source_name), diagnostics_(diagnostics) {}

  std::vector<core::Package> parse(std::string_view text) {
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      auto end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      read_line(line, line_no);
    }
    finish_paragraph();
    return std::move(packages_);
  }

 private:
  void read_line(std::string_view line, std::size_t line_no) {
    if (trim(line).empty()) {
      finish_paragraph();
      return;
    }
    if (current_.empty) {
      current_ = Paragraph{};
      current_.first_line = line_no;
      current_.empty = false;
      last_field_ok_ = false;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      // Continuation of a multi-line field; none of the fields we keep spans lines, so only
      // check that there is a field to continue.
      if (!last_field_ok_) {
        warn(line_no, "continuation line without a field to continue");
      }
      return;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      warn(line_no, "malformed line (expected \"Field: value\"): " + std::string(trim(line)));
      last_field_ok_ = false;
      return;
    }
    last_field_ok_ = true;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Package")) {
      current_.package = std::string(value);
      current_.has_package = true;
      current_.package_line = line_no;
    } else if (iequals(name, "Status")) {
      current_.status = std::string(value);
      current_.has_status = true;
      current_.status_line = line_no;
    } else if (iequals(name, "Version")) {
      current_.version = std::string(value);
      current_.has_version = true;
    } else if (iequals(name, "Architecture")) {
      current_.architecture = std::string(value);
    } else if (iequals(name, "Source")) {
      current_.source = std::string(value);
      current_.has_source = true;
    }
  }

  // "want flag status" (dpkg(1)). What matters to a vulnerability scanner is whether the
  // package's files are on disk: that holds for "installed" and also for the states a package
  // passes through or sticks in after an interrupted or trigger-deferred upgrade
  // ("triggers-pending", "triggers-awaited", "half-configured", "unpacked"). It does not hold
  // for "not-installed", "config-files" (only conffiles left) or "half-installed" (unpacking
  // was interrupted: dpkg itself treats the files as unreliable). The selection (install,
  // hold, deinstall) does not matter: a package selected for removal is there until removed.
  static bool is_on_disk_status(std::string_view status) {
    return status == "installed" || status == "triggers-pending" || status == "triggers-awaited" ||
           status == "half-configured" || status == "unpacked";
  }

  bool is_installed(const Paragraph& p) {
    std::vector<std::string_view> words;
    std::string_view rest = p.status;
    while (!(rest = trim(rest)).empty()) {
      const auto space = rest.find_first_of(kBlanks);
      words.push_back(rest.substr(0, space));
      rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space);
    }
    if (words.size() != 3) {
      warn(p.status_line, "malformed Status \"" + p.status + "\" (expected \"want flag status\")",
           p.package);
      return false;
    }
    return is_on_disk_status(words[2]);
  }

  void finish_paragraph() {
    if (current_.empty) return;
    Paragraph p = std::move(current_);
    current_ = Paragraph{};
    if (!p.has_package || p.package.empty()) {
      warn(p.first_line, "paragraph without a Package field");
      return;
    }
    if (!p.has_status) {
      warn(p.package_line, "package without a Status field", p.package);
      return;
    }
    if (!is_installed(p)) return;
    if (!p.has_version || p.version.empty()) {
      warn(p.package_line, "installed package without a Version field", p.package);
      return;
    }
    if (p.version.find_first_of(kBlanks) != std::string::npos) {
      warn(p.package_line, "Version contains whitespace: \"" + p.version + "\"", p.package);
      return;
    }
    core::Package pkg;
    pkg.name = p.package;
    pkg.version = p.version;
    pkg.arch = p.architecture;
    pkg.source_name = p.package;
    pkg.source_version = p.version;
    if (p.has_source) read_source(p, pkg);
    packages_.push_back(std::move(pkg));
  }

  // "Source: name" or "Source: name (version)"; the version is given only when the source
  // version differs from the binary's (binNMUs "+b1", epochs added to the binary only).
  void read_source(const Paragraph& p, core::Package& pkg) {
    std::string_view value = trim(p.source);
    const auto open = value.find('(');
    const std::string_view name = trim(value.substr(0, open));
    if (name.empty() || name.find_first_of(kBlanks) != std::string_view::npos) {
      warn(p.package_line, "malformed Source \"" + p.source + "\"", p.package);
      return;
    }
    pkg.source_name = std::string(name);
    if (open == std::string_view::npos) return;
    const auto close = value.find(')', open);
    const std::string_view version = close == std::string_view::npos
                                         ? std::string_view{}
                                         : trim(value.substr(open + 1, close - open - 1));
    if (close == std::string_view::npos || close + 1 != value.size() || version.empty() ||
        version.find_first_of(kBlanks) != std::string_view::npos) {
      warn(p.package_line,
           "malformed Source version in \"" + p.source + "\"; using the binary's version",
           p.package);
      return;
    }
    pkg.source_version = std::string(version);
  }

  void warn(std::size_t line, std::string message, std::string record = {}) {
    diagnostics_.add(std::string(source_name_), line, std::move(message), std::move(record));
  }

  std::string_view source_name_;
  core::Diagnostics& diagnostics_;
  Paragraph current_;
  bool last_field_ok_ = false;
  std::vector<core::Package> packages_;
};

}  // namespace

std::vector<core::Package> parse_dpkg_status(std::string_view text, std::string_view source_name,
                                             core::Diagnostics& diagnostics) {
  return StatusParser(source_name, diagnostics).parse(text);
}

}  // namespace fleetpatch::hoststate
