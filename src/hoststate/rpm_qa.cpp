// `rpm -qa --queryformat` output in kRpmQueryFormat: one package per line, tab-separated.
// rpm prints "(none)" for a tag the header lacks (SOURCERPM of gpg-pubkey, MODULARITYLABEL of
// packages not built in a module), so "(none)" means "absent" in every column.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {
namespace {

constexpr std::string_view kNone = "(none)";

bool absent(std::string_view value) { return value.empty() || value == kNone; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool has_blank(std::string_view s) { return s.find_first_of(" \t\r\n") != std::string_view::npos; }

// rpmbuild refuses '-' in Version and Release (it separates them) and ':' (it ends the epoch);
// a field holding one would make the joined "[E:]V-R" mean something else.
bool malformed_version_part(std::string_view s) {
  return has_blank(s) || s.find_first_of("-:") != std::string_view::npos;
}

// Epoch as shown in a version string: empty when absent or zero ("0", "00").
std::string_view shown_epoch(std::string_view epoch) {
  if (absent(epoch)) return {};
  if (epoch.find_first_not_of('0') == std::string_view::npos) return {};
  return epoch;
}

}  // namespace

std::string rpm_version_string(std::string_view epoch, std::string_view version,
                               std::string_view release) {
  std::string out;
  const std::string_view e = shown_epoch(epoch);
  if (!e.empty()) {
    out.append(e);
    out.push_back(':');
  }
  out.append(version);
  if (!absent(release)) {
    out.push_back('-');
    out.append(release);
  }
  return out;
}

bool split_source_rpm(std::string_view source_rpm, std::string& name, std::string& version) {
  // NAME-VERSION-RELEASE.ARCH.rpm, ARCH being "src" or "nosrc"; NAME may itself contain
  // hyphens, VERSION and RELEASE may not, so split at the last two hyphens.
  constexpr std::string_view kSuffix = ".rpm";
  if (source_rpm.size() <= kSuffix.size() || has_blank(source_rpm) ||
      source_rpm.substr(source_rpm.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  std::string_view nvra = source_rpm.substr(0, source_rpm.size() - kSuffix.size());
  const auto arch_dot = nvra.rfind('.');
  if (arch_dot == std::string_view::npos || arch_dot + 1 == nvra.size()) return false;
  const std::string_view nvr = nvra.substr(0, arch_dot);
  const auto release_dash = nvr.rfind('-');
  if (release_dash == std::string_view::npos || release_dash == 0 ||
      release_dash + 1 == nvr.size()) {
    return false;
  }
  const auto version_dash = nvr.rfind('-', release_dash - 1);
  if (version_dash == std::string_view::npos || version_dash == 0 ||
      version_dash + 1 == release_dash) {
    return false;
  }
  name = std::string(nvr.substr(0, version_dash));
  version = std::string(nvr.substr(version_dash + 1));
  return true;
}

std::vector<core::Package> parse_rpm_qa(std::string_view text, std::string_view source_name,
                                        core::Diagnostics& diagnostics) {
  std::vector<core::Package> packages;
  auto warn = [&](std::size_t line, std::string message, std::string record = {}) {
    diagnostics.add(std::string(source_name), line, std::move(message), std::move(record));
  };

  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;

    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (true) {
      const auto tab = line.find('\t', start);
      fields.push_back(line.substr(start, tab - start));
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    // rpm older than 4.14 (RHEL 7 and before) has no MODULARITYLABEL tag, so a collector
    // for those hosts leaves the last column out.
    if (fields.size() != 7 && fields.size() != 6) {
      warn(line_no, "expected 7 tab-separated fields (" + std::string(kRpmQueryFormat) + "), got " +
                        std::to_string(fields.size()));
      continue;
    }
    const std::string_view name = fields[0];
    const std::string_view epoch = fields[1];
    const std::string_view version = fields[2];
    const std::string_view release = fields[3];
    const std::string_view arch = fields[4];
    const std::string_view source_rpm = fields[5];
    const std::string_view module = fields.size() == 7 ? fields[6] : kNone;

    if (absent(name) || has_blank(name)) {
      warn(line_no, "missing or malformed package name");
      continue;
    }
    const std::string record(name);
    if (!absent(epoch) && !all_digits(epoch)) {
      warn(line_no, "epoch is not a number: \"" + std::string(epoch) + "\"", record);
      continue;
    }
    if (absent(version) || malformed_version_part(version) || malformed_version_part(release)) {
      warn(line_no, "missing or malformed version", record);
      continue;
    }

    core::Package pkg;
    pkg.name = record;
    pkg.version = rpm_version_string(epoch, version, release);
    pkg.arch = absent(arch) ? std::string{} : std::string(arch);
    pkg.source_name = pkg.name;
    pkg.source_version = pkg.version;
    if (!absent(source_rpm)) {
      std::string src_name;
      std::string src_version;
      if (split_source_rpm(source_rpm, src_name, src_version)) {
        // A SOURCERPM file name carries no epoch; the binary's epoch is the source's.
        pkg.source_name = std::move(src_name);
        const std::string_view e = shown_epoch(epoch);
        pkg.source_version = e.empty() ? src_version : std::string(e) + ":" + src_version;
      } else {
        warn(line_no, "malformed SOURCERPM \"" + std::string(source_rpm) + "\"", record);
      }
    }
    if (!absent(module)) {
      // MODULARITYLABEL is "name:stream:version:context"; a module stream is "name:stream".
      const auto first = module.find(':');
      const auto second =
          first == std::string_view::npos ? std::string_view::npos : module.find(':', first + 1);
      const std::string_view stream = first == std::string_view::npos
                                          ? std::string_view{}
                                          : module.substr(first + 1, second - first - 1);
      if (first == 0 || stream.empty() || has_blank(module)) {
        warn(line_no, "malformed MODULARITYLABEL \"" + std::string(module) + "\"", record);
      } else {
        pkg.module = std::string(module.substr(0, first)) + ":" + std::string(stream);
      }
    }
    packages.push_back(std::move(pkg));
  }
  return packages;
}

}  // namespace fleetpatch::hoststate
