#include "hoststate/collect.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "hoststate/host_report_json.hpp"
#include "hoststate/kernel.hpp"
#include "hoststate/livepatch.hpp"
#include "hoststate/parsers.hpp"
#include "hoststate/restart.hpp"
#include "hoststate/rpmdb.hpp"
#include "hoststate/sockets.hpp"

namespace fleetpatch::hoststate {

namespace {

// The cmd/ layer has FLEETPATCH_VERSION from CMake; the library keeps its own name for the
// collector field so that it does not depend on a compile definition.
constexpr std::string_view kCollector = "fleetpatch 0.1.0";

constexpr std::string_view kDpkgStatus = "/var/lib/dpkg/status";
constexpr std::string_view kApkInstalled = "/lib/apk/db/installed";

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Reads a file that may legitimately be absent: nullopt when it does not exist; a diagnostic
// (and nullopt) when it exists but cannot be read, so the problem is never silent.
std::optional<std::string> read_optional(const core::Env& env, const std::string& path,
                                         core::Diagnostics& diagnostics) {
  if (!env.exists(path)) return std::nullopt;
  auto content = env.read_file(path);
  if (!content.ok()) {
    diagnostics.add(path, 0, content.error().message);
    return std::nullopt;
  }
  return std::move(content).value();
}

// The first line, trimmed: /etc/hostname and /etc/machine-id hold one value.
std::string first_line(std::string_view text) {
  text = trim(text);
  return std::string(trim(text.substr(0, text.find('\n'))));
}

// Installed kernels: kernel.hpp (installed_kernels).

// Sorted so that two collections of the same host print the same report.
void sort_packages(std::vector<core::Package>& packages) {
  std::sort(packages.begin(), packages.end(), [](const core::Package& a, const core::Package& b) {
    return std::tie(a.name, a.arch, a.version, a.source_name, a.source_version) <
           std::tie(b.name, b.arch, b.version, b.source_name, b.source_version);
  });
}

// ---- package databases ------------------------------------------------------------------------

struct PackageDb {
  core::PackageFormat format = core::PackageFormat::kUnknown;
  std::string source;  // the file or directory read, for messages
  std::vector<core::Package> packages;
};

}  // namespace

core::Result<core::HostReport> collect_host(const core::Env& env, const core::Clock& clock,
                                            const CollectOptions& options,
                                            core::Diagnostics& diagnostics) {
  const std::string root = options.root.empty() ? std::string("/") : options.root;
  const auto under_root = [&](std::string_view path) {
    return core::join_root(root, std::string(path));
  };
  const std::string proc_root = options.proc_root.empty() ? under_root("/proc") : options.proc_root;
  const std::string sys_root = options.sys_root.empty() ? under_root("/sys") : options.sys_root;

  if (!env.is_directory(root)) return core::not_found("root " + root + " is not a directory");

  // Package database first: without one there is nothing to report.
  std::vector<PackageDb> found;
  std::optional<core::Error> first_error;
  if (const std::string path = under_root(kDpkgStatus); env.exists(path)) {
    auto text = env.read_file(path);
    if (text.ok()) {
      found.push_back(
          {core::PackageFormat::kDpkg, path, parse_dpkg_status(*text, path, diagnostics)});
    } else if (!first_error) {
      first_error = text.error();
    }
  }
  if (const auto location = find_rpmdb(env, root)) {
    auto packages = read_rpmdb(root, *location, diagnostics);
    if (packages.ok()) {
      found.push_back(
          {core::PackageFormat::kRpm, under_root(location->dbpath), std::move(packages).value()});
    } else if (!first_error) {
      first_error = packages.error();
    }
  }
  if (const std::string path = under_root(kApkInstalled); env.exists(path)) {
    auto text = env.read_file(path);
    if (text.ok()) {
      found.push_back(
          {core::PackageFormat::kApk, path, parse_apk_installed(*text, path, diagnostics)});
    } else if (!first_error) {
      first_error = text.error();
    }
  }
  // An RPM host scanned over SSH: rpm itself listed the packages (see ssh.hpp).
  if (!options.command_output_dir.empty()) {
    if (const std::string path = options.command_output_dir + "/rpm-qa"; env.exists(path)) {
      auto text = env.read_file(path);
      if (text.ok()) {
        auto packages = parse_rpm_qa(*text, path, diagnostics);
        const std::string times = options.command_output_dir + "/rpm-install-times";
        if (auto times_text = read_optional(env, times, diagnostics)) {
          attach_rpm_install_times(*times_text, times, packages, diagnostics);
        }
        found.push_back({core::PackageFormat::kRpm, path, std::move(packages)});
      } else if (!first_error) {
        first_error = text.error();
      }
    }
  }
  if (found.empty()) {
    if (first_error) return *first_error;
    return core::not_found("no package database under " + root + " (looked for " +
                           std::string(kDpkgStatus) + ", /var/lib/rpm, /usr/lib/sysimage/rpm and " +
                           std::string(kApkInstalled) + ")");
  }
  // A host has one native package manager, but a second one's database can exist beside it
  // (rpm installed on Debian, dpkg on Fedora): the one holding the most packages is the host's.
  // std::stable_sort keeps dpkg, rpm, apk order among equals.
  std::stable_sort(found.begin(), found.end(), [](const PackageDb& a, const PackageDb& b) {
    return a.packages.size() > b.packages.size();
  });
  for (std::size_t i = 1; i < found.size(); ++i) {
    if (!found[i].packages.empty()) {
      diagnostics.add(found[i].source, 0,
                      "also holds " + std::to_string(found[i].packages.size()) +
                          " packages; reporting the larger database " + found[0].source);
    }
  }

  core::HostReport report;
  report.package_format = found[0].format;
  report.packages = std::move(found[0].packages);
  sort_packages(report.packages);

  const std::string etc_os_release = under_root("/etc/os-release");
  const std::string lib_os_release = under_root("/usr/lib/os-release");
  if (auto text = read_optional(env, etc_os_release, diagnostics)) {
    report.os = parse_os_release(*text, etc_os_release, diagnostics);
  } else if (auto lib_text = read_optional(env, lib_os_release, diagnostics)) {
    report.os = parse_os_release(*lib_text, lib_os_release, diagnostics);
  } else {
    diagnostics.add(etc_os_release, 0, "no os-release (nor " + lib_os_release + "): OS unknown");
  }

  if (options.hostname) {
    report.host.hostname = *options.hostname;
  } else if (auto text = read_optional(env, under_root("/etc/hostname"), diagnostics)) {
    report.host.hostname = first_line(*text);
  }
  if (report.host.hostname.empty() && !options.hostname) {
    // Containers often have no /etc/hostname; the kernel still knows the name.
    if (auto text = read_optional(env, proc_root + "/sys/kernel/hostname", diagnostics)) {
      report.host.hostname = first_line(*text);
    }
  }
  if (options.host_id) {
    report.host.id = *options.host_id;
  } else {
    const std::string machine_id_path = under_root("/etc/machine-id");
    if (auto text = read_optional(env, machine_id_path, diagnostics)) {
      report.host.id = first_line(*text);
    }
    if (report.host.id.empty()) {
      report.host.id = report.host.hostname;
      diagnostics.add(machine_id_path, 0,
                      "no machine id; host id falls back to the hostname '" + report.host.hostname +
                          "' (give one with --host-id)");
    }
  }
  report.host.tags = options.tags;

  // ---- what is really running: kernel.hpp, livepatch.hpp, sockets.hpp, restart.hpp ----
  report.kernel =
      collect_kernel(env, root, proc_root, report.package_format, report.packages, diagnostics);
  report.kernel.livepatch = collect_livepatches(env, sys_root, options.command_output_dir,
                                                options.tool_runner, diagnostics);
  OwnerSource owner_source;
  owner_source.root = root;
  owner_source.format = report.package_format;
  if (!options.command_output_dir.empty()) {
    owner_source.rpm_file_index = options.command_output_dir + "/rpm-file-index";
  }
  const OwnerLookup owners = [&](const std::set<std::string>& paths) {
    return resolve_file_owners(env, owner_source, paths, diagnostics);
  };
  report.listening = collect_listening(env, proc_root, owners, diagnostics);
  report.pending_restart = collect_pending_restarts(env, proc_root, owners, diagnostics);

  report.collected_at = core::format_rfc3339(clock.now());
  report.collector = std::string(kCollector);
  return report;
}

// ---- import -----------------------------------------------------------------------------------

namespace {

enum class TextFormat { kUnknown, kDpkgStatus, kApkInstalled, kRpmQa };

TextFormat detect_text_format(std::string_view text) {
  bool apk_name = false, apk_version = false;
  bool first_line_seen = false, rpm_columns = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (starts_with(line, "Package:")) return TextFormat::kDpkgStatus;
    if (starts_with(line, "P:")) apk_name = true;
    if (starts_with(line, "V:")) apk_version = true;
    if (!first_line_seen && !trim(line).empty()) {
      first_line_seen = true;
      rpm_columns = std::count(line.begin(), line.end(), '\t') == 6;
    }
  }
  if (apk_name && apk_version) return TextFormat::kApkInstalled;
  if (rpm_columns) return TextFormat::kRpmQa;
  return TextFormat::kUnknown;
}

enum class JsonFormat { kHostReport, kVuls, kOther, kNotAnObject };

// Reads only as far as the top-level member names that tell the JSON formats apart, without
// building the document: Vuls results run to megabytes and their importer parses them anyway.
class JsonFormatDetector final : public nlohmann::json_sax<nlohmann::json> {
 public:
  JsonFormat result() const {
    if (!object_) return JsonFormat::kNotAnObject;
    if (schema_) return JsonFormat::kHostReport;
    if (json_version_ && packages_) return JsonFormat::kVuls;
    return JsonFormat::kOther;
  }

  bool null() override { return top_level_value(); }
  bool boolean(bool) override { return top_level_value(); }
  bool number_integer(number_integer_t) override { return top_level_value(); }
  bool number_unsigned(number_unsigned_t) override { return top_level_value(); }
  bool number_float(number_float_t, const string_t&) override { return top_level_value(); }
  bool string(string_t&) override { return top_level_value(); }
  bool binary(binary_t&) override { return top_level_value(); }
  bool start_object(std::size_t) override {
    if (depth_++ == 0) object_ = true;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override { return depth_++ > 0; }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& name) override {
    if (depth_ != 1) return true;
    if (name == "schema") schema_ = true;
    if (name == "jsonVersion") json_version_ = true;
    if (name == "packages") packages_ = true;
    return !schema_ && !(json_version_ && packages_);  // stop once decided
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    // Malformed before the format was decided; the reader chosen by result() reports it.
    object_ = object_ && (schema_ || (json_version_ && packages_));
    return false;
  }

 private:
  bool top_level_value() const { return depth_ > 0; }  // a bare scalar is not a document we read

  int depth_ = 0;
  bool object_ = false, schema_ = false, json_version_ = false, packages_ = false;
};

JsonFormat detect_json_format(std::string_view text) {
  JsonFormatDetector detector;
  nlohmann::json::sax_parse(text, &detector);
  return detector.result();
}

}  // namespace

core::Result<core::HostReport> import_file(const core::Env& env, const core::Clock& clock,
                                           const std::string& path,
                                           core::Diagnostics& diagnostics) {
  auto content = env.read_file(path);
  if (!content.ok()) return content.error();
  const std::string& text = *content;
  const std::string stem = std::filesystem::path(path).stem().string();
  const std::string_view body = trim(text);

  if (!body.empty() && (body.front() == '{' || body.front() == '[')) {
    core::Result<core::HostReport> report = core::not_found(path);
    switch (detect_json_format(text)) {
      case JsonFormat::kHostReport:
      case JsonFormat::kNotAnObject:
        // host_report_from_json words every error: invalid JSON (with its position), not an
        // object, an unknown schema.
        report = host_report_from_json(text, path);
        break;
      case JsonFormat::kVuls:
        report = import_vuls_json(text, path, diagnostics);
        if (report.ok() && report->kernel.installed.empty()) {
          report->kernel.installed = installed_kernels(report->package_format, report->packages);
        }
        break;
      case JsonFormat::kOther:
        return core::unsupported(path +
                                 ": JSON that is neither a fleetpatch host report (\"schema\": \"" +
                                 std::string(core::kHostReportSchema) +
                                 "\") nor a Vuls scan result (\"jsonVersion\" and \"packages\")");
    }
    if (!report.ok()) return report;
    if (report->host.id.empty()) report->host.id = stem;
    if (report->collected_at.empty()) report->collected_at = core::format_rfc3339(clock.now());
    return report;
  }

  core::HostReport report;
  std::string_view kind;
  switch (detect_text_format(text)) {
    case TextFormat::kDpkgStatus:
      report.package_format = core::PackageFormat::kDpkg;
      report.packages = parse_dpkg_status(text, path, diagnostics);
      kind = "dpkg status";
      break;
    case TextFormat::kApkInstalled:
      report.package_format = core::PackageFormat::kApk;
      report.packages = parse_apk_installed(text, path, diagnostics);
      kind = "apk installed";
      break;
    case TextFormat::kRpmQa:
      report.package_format = core::PackageFormat::kRpm;
      report.packages = parse_rpm_qa(text, path, diagnostics);
      kind = "rpm -qa";
      break;
    case TextFormat::kUnknown:
      return core::unsupported(
          path +
          ": unrecognised format; expected a dpkg status file (\"Package:\" paragraphs), an apk "
          "installed database (\"P:\"/\"V:\" lines), rpm -qa --queryformat output (7 "
          "tab-separated columns, see docs/host-report.md), a Vuls scan result JSON or a "
          "fleetpatch host "
          "report JSON");
  }
  sort_packages(report.packages);
  report.host.id = stem;
  report.kernel.installed = installed_kernels(report.package_format, report.packages);
  report.collected_at = core::format_rfc3339(clock.now());
  report.collector = std::string(kCollector) + " (import " + std::string(kind) + ")";
  return report;
}

}  // namespace fleetpatch::hoststate
