// Import of a Vuls scan result (`vuls scan` / `vuls report -format-json`, models.ScanResult,
// jsonVersion 4): one JSON object per server. We read its identity, OS, running kernel and
// package lists; CVE results are Vuls's own opinion and are not imported.
//
// Vuls keys "packages" and "SrcPackages" by name. For RPM families "version" already carries
// the epoch when it is not 0 ("1:1.36.0") and "release" is separate; for dpkg and apk the
// whole version is in "version" and "release" is empty. SrcPackages[].version is the full
// version string. Binaries Vuls lists under no source (gpg-pubkey, or every package on older
// scans where SrcPackages is empty) get themselves as source.
#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/time.hpp"
#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {
namespace {

using nlohmann::json;

constexpr int kSupportedJsonVersion = 4;

/// How a Vuls "family" maps onto os-release and the package manager. The one table of Vuls
/// family names (Vuls's constant/constant.go); anything else imports with an unknown format.
struct VulsFamily {
  std::string_view vuls;
  std::string_view os_id;  // os-release ID of that distribution
  std::string_view display_name;
  core::PackageFormat format;
};

constexpr VulsFamily kVulsFamilies[] = {
    {"alma", "almalinux", "AlmaLinux", core::PackageFormat::kRpm},
    {"alpine", "alpine", "Alpine Linux", core::PackageFormat::kApk},
    {"amazon", "amzn", "Amazon Linux", core::PackageFormat::kRpm},
    {"centos", "centos", "CentOS Linux", core::PackageFormat::kRpm},
    {"debian", "debian", "Debian GNU/Linux", core::PackageFormat::kDpkg},
    {"fedora", "fedora", "Fedora Linux", core::PackageFormat::kRpm},
    {"opensuse", "opensuse-tumbleweed", "openSUSE Tumbleweed", core::PackageFormat::kRpm},
    {"opensuse.leap", "opensuse-leap", "openSUSE Leap", core::PackageFormat::kRpm},
    {"oracle", "ol", "Oracle Linux Server", core::PackageFormat::kRpm},
    {"raspbian", "raspbian", "Raspbian GNU/Linux", core::PackageFormat::kDpkg},
    {"redhat", "rhel", "Red Hat Enterprise Linux", core::PackageFormat::kRpm},
    {"rocky", "rocky", "Rocky Linux", core::PackageFormat::kRpm},
    {"suse.linux.enterprise.desktop", "sled", "SUSE Linux Enterprise Desktop",
     core::PackageFormat::kRpm},
    {"suse.linux.enterprise.server", "sles", "SUSE Linux Enterprise Server",
     core::PackageFormat::kRpm},
    {"ubuntu", "ubuntu", "Ubuntu", core::PackageFormat::kDpkg},
};

const VulsFamily* find_family(std::string_view vuls) {
  for (const auto& family : kVulsFamilies) {
    if (family.vuls == vuls) return &family;
  }
  return nullptr;
}

// A string member, or "" when it is missing or not a string.
std::string string_member(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// RPM shows the epoch only when it is not 0 (ARCHITECTURE.md: `version`); some Vuls versions
// write an explicit "0:".
std::string drop_zero_epoch(std::string version, core::PackageFormat format) {
  if (format == core::PackageFormat::kRpm && version.starts_with("0:")) version.erase(0, 2);
  return version;
}

// MODULARITYLABEL "name:stream:version:context" -> "name:stream".
std::optional<std::string> module_stream(std::string_view label) {
  const auto first = label.find(':');
  if (first == std::string_view::npos || first == 0) return std::nullopt;
  const auto second = label.find(':', first + 1);
  const std::string_view stream = label.substr(first + 1, second - first - 1);
  if (stream.empty()) return std::nullopt;
  return std::string(label.substr(0, first + 1 + stream.size()));
}

class VulsImporter {
 public:
  VulsImporter(std::string_view source_name, core::Diagnostics& diagnostics)
      : source_name_(source_name), diagnostics_(diagnostics) {}

  core::Result<core::HostReport> import(const json& root) {
    if (!root.is_object() || !root.contains("jsonVersion")) {
      return core::invalid_argument(std::string(source_name_) +
                                    ": not a Vuls scan result (no \"jsonVersion\" member)");
    }
    const json& json_version = root.at("jsonVersion");
    if (!json_version.is_number_integer() ||
        json_version.get<long long>() != kSupportedJsonVersion) {
      return core::unsupported(std::string(source_name_) + ": Vuls jsonVersion " +
                               json_version.dump() + " is not supported (expected " +
                               std::to_string(kSupportedJsonVersion) + ")");
    }

    core::HostReport report;
    const std::string server_name = string_member(root, "serverName");
    const std::string server_uuid = string_member(root, "serverUUID");
    report.host.id = server_uuid.empty() ? server_name : server_uuid;
    report.host.hostname = server_name;
    if (report.host.id.empty()) warn("scan result names no server (serverName, serverUUID)");

    read_os(root, report);
    read_kernel(root, report);
    read_time_and_collector(root, report);
    read_errors(root);
    const auto sources = read_sources(root, report.package_format);
    read_packages(root, report, sources);
    return report;
  }

 private:
  struct Source {
    std::string name;
    std::string version;
  };

  void read_os(const json& root, core::HostReport& report) {
    const std::string family = string_member(root, "family");
    const std::string release = string_member(root, "release");
    report.os.version_id = release;
    if (const VulsFamily* known = find_family(family)) {
      report.os.id = std::string(known->os_id);
      report.os.name = std::string(known->display_name);
      if (!release.empty()) report.os.name += " " + release;
      report.package_format = known->format;
    } else {
      report.os.id = family;
      warn("unknown Vuls family \"" + family + "\": OS id kept as is, package format unknown");
    }
  }

  void read_kernel(const json& root, core::HostReport& report) {
    const auto it = root.find("runningKernel");
    if (it == root.end() || it->is_null()) return;
    if (!it->is_object()) {
      warn("\"runningKernel\" is not an object; running kernel unknown");
      return;
    }
    report.kernel.running = string_member(*it, "release");
    const auto reboot = it->find("rebootRequired");
    if (reboot != it->end() && reboot->is_boolean()) {
      report.kernel.reboot_required = reboot->get<bool>();
    }
  }

  void read_time_and_collector(const json& root, core::HostReport& report) {
    const std::string scanned_at = string_member(root, "scannedAt");
    // Go writes its zero time.Time ("0001-01-01T00:00:00Z") when the field was never set.
    if (!scanned_at.empty() && !scanned_at.starts_with("0001-01-01")) {
      const auto when = core::parse_rfc3339(scanned_at);
      if (when) {
        report.collected_at = core::format_rfc3339(*when);
      } else {
        warn("scannedAt: " + when.error().message);
      }
    }
    std::string version = string_member(root, "scannedVersion");
    if (version.starts_with('v')) version.erase(0, 1);
    report.collector = version.empty() ? "vuls (import)" : "vuls " + version + " (import)";
  }

  // Errors Vuls itself recorded while scanning: the inventory may be incomplete.
  void read_errors(const json& root) {
    const auto it = root.find("errors");
    if (it == root.end() || !it->is_array()) return;
    for (const json& error : *it) {
      if (error.is_string()) warn("Vuls reported a scan error: " + error.get<std::string>());
    }
  }

  std::map<std::string, Source> read_sources(const json& root, core::PackageFormat format) {
    std::map<std::string, Source> by_binary;
    const auto it = root.find("SrcPackages");
    if (it == root.end() || it->is_null()) return by_binary;
    if (!it->is_object()) {
      warn("\"SrcPackages\" is not an object; source packages unknown");
      return by_binary;
    }
    for (const auto& [key, entry] : it->items()) {
      if (!entry.is_object()) {
        warn("source package entry is not an object", key);
        continue;
      }
      std::string name = string_member(entry, "name");
      if (name.empty()) name = key;
      const std::string version = drop_zero_epoch(string_member(entry, "version"), format);
      const auto binaries = entry.find("binaryNames");
      if (version.empty() || binaries == entry.end() || !binaries->is_array()) {
        warn("source package without version or binaryNames", name);
        continue;
      }
      for (const json& binary : *binaries) {
        if (!binary.is_string()) continue;
        const auto [pos, inserted] =
            by_binary.try_emplace(binary.get<std::string>(), Source{name, version});
        if (!inserted && pos->second.name != name) {
          warn("binary listed under two source packages (" + pos->second.name + ", " + name +
                   "); keeping the first",
               pos->first);
        }
      }
    }
    return by_binary;
  }

  void read_packages(const json& root, core::HostReport& report,
                     const std::map<std::string, Source>& sources) {
    const auto it = root.find("packages");
    if (it == root.end() || it->is_null()) return;
    if (!it->is_object()) {
      warn("\"packages\" is not an object; no packages imported");
      return;
    }
    report.packages.reserve(it->size());
    for (const auto& [key, entry] : it->items()) {
      if (!entry.is_object()) {
        warn("package entry is not an object", key);
        continue;
      }
      core::Package pkg;
      pkg.name = string_member(entry, "name");
      if (pkg.name.empty()) pkg.name = key;
      std::string version = string_member(entry, "version");
      const std::string release = string_member(entry, "release");
      if (version.empty()) {
        warn("package without a version", pkg.name);
        continue;
      }
      if (!release.empty()) version.append("-").append(release);
      pkg.version = drop_zero_epoch(std::move(version), report.package_format);
      pkg.arch = string_member(entry, "arch");
      if (pkg.arch == "(none)") pkg.arch.clear();  // rpm's word for "no ARCH tag" (gpg-pubkey)
      if (const auto src = sources.find(pkg.name); src != sources.end()) {
        pkg.source_name = src->second.name;
        pkg.source_version = src->second.version;
      } else {
        pkg.source_name = pkg.name;
        pkg.source_version = pkg.version;
      }
      const std::string label = string_member(entry, "modularitylabel");
      if (!label.empty()) {
        pkg.module = module_stream(label);
        if (!pkg.module) warn("malformed modularitylabel \"" + label + "\"", pkg.name);
      }
      report.packages.push_back(std::move(pkg));
    }
  }

  void warn(std::string message, std::string record = {}) {
    diagnostics_.add(std::string(source_name_), 0, std::move(message), std::move(record));
  }

  std::string_view source_name_;
  core::Diagnostics& diagnostics_;
};

}  // namespace

core::Result<core::HostReport> import_vuls_json(std::string_view text, std::string_view source_name,
                                                core::Diagnostics& diagnostics) {
  try {
    const json root = json::parse(text.begin(), text.end());
    return VulsImporter(source_name, diagnostics).import(root);
  } catch (const json::exception& e) {
    // parse_error carries the byte offset; type errors cannot escape the accessors above but
    // are caught here too rather than crossing the parser boundary.
    return core::invalid_argument(std::string(source_name) + ": not valid Vuls JSON: " + e.what());
  }
}

}  // namespace fleetpatch::hoststate
