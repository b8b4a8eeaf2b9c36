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
#include "hoststate/parsers.hpp"
#include "hoststate/rpmdb.hpp"

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
bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}
bool starts_with_digit(std::string_view text) {
  return !text.empty() && text.front() >= '0' && text.front() <= '9';
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

// ---- installed kernels ------------------------------------------------------------------------
//
// uname -r style releases from the kernel packages. These rules are deliberately simple; the
// distro-specific knowledge (flavours, meta packages, signed/unsigned variants) moves to each
// family's folder in src/distro/ once that layer exists, and this function then asks it.

// "[E:]V-R" -> "V-R".
std::string_view without_epoch(std::string_view version) {
  const auto colon = version.find(':');
  return colon == std::string_view::npos ? version : version.substr(colon + 1);
}

std::optional<std::string> dpkg_kernel_release(const core::Package& p) {
  // linux-image-6.1.0-18-amd64 (Debian), linux-image-5.15.0-91-generic and
  // linux-image-unsigned-5.15.0-91-generic (Ubuntu). Meta packages (linux-image-amd64,
  // linux-image-generic) do not start with a digit after the prefix; -dbg packages carry symbols.
  std::string_view name = p.name;
  if (!starts_with(name, "linux-image-")) return std::nullopt;
  name.remove_prefix(std::string_view("linux-image-").size());
  if (starts_with(name, "unsigned-")) name.remove_prefix(std::string_view("unsigned-").size());
  if (!starts_with_digit(name) || ends_with(name, "-dbg") || ends_with(name, "-dbgsym")) {
    return std::nullopt;
  }
  if (ends_with(name, "-unsigned")) name.remove_suffix(std::string_view("-unsigned").size());
  return std::string(name);
}

std::optional<std::string> rpm_kernel_release(const core::Package& p) {
  // Red Hat family, Oracle UEK, Amazon: uname -r is "<version>-<release>.<arch>".
  static constexpr std::array<std::string_view, 6> kRedHatStyle = {
      "kernel", "kernel-core", "kernel-uek", "kernel-uek-core", "kernel-rt", "kernel-rt-core"};
  // SUSE: kernel-<flavour> 5.14.21-150400.24.46.1 runs as "5.14.21-150400.24.46-<flavour>" (the
  // last release component is a rebuild counter that uname does not show). The minimal
  // kernel-<flavour>-base package repeats its release ("160000.2.1.160000.2.1"): the first half
  // is the kernel's.
  static constexpr std::array<std::string_view, 5> kSuseFlavours = {"default", "azure", "preempt",
                                                                    "kvmsmall", "64kb"};
  const std::string_view vr = without_epoch(p.version);
  if (std::find(kRedHatStyle.begin(), kRedHatStyle.end(), p.name) != kRedHatStyle.end()) {
    if (p.arch.empty()) return std::string(vr);
    return std::string(vr) + "." + p.arch;
  }
  if (!starts_with(p.name, "kernel-")) return std::nullopt;
  std::string_view flavour = std::string_view(p.name).substr(7);
  if (ends_with(flavour, "-base")) flavour.remove_suffix(5);
  if (std::find(kSuseFlavours.begin(), kSuseFlavours.end(), flavour) == kSuseFlavours.end()) {
    return std::nullopt;
  }
  const auto dash = vr.find('-');
  if (dash == std::string_view::npos) return std::string(vr) + "-" + std::string(flavour);
  const std::string_view version = vr.substr(0, dash);
  std::string_view release = vr.substr(dash + 1);
  if (release.size() % 2 == 1) {
    const std::size_t half = release.size() / 2;
    if (release[half] == '.' && release.substr(0, half) == release.substr(half + 1)) {
      release = release.substr(0, half);
    }
  }
  if (const auto last_dot = release.rfind('.'); last_dot != std::string_view::npos) {
    release = release.substr(0, last_dot);
  }
  return std::string(version) + "-" + std::string(release) + "-" + std::string(flavour);
}

std::optional<std::string> apk_kernel_release(const core::Package& p) {
  // Alpine: linux-lts 6.6.14-r0 runs as "6.6.14-0-lts".
  static constexpr std::array<std::string_view, 6> kFlavours = {"lts", "virt", "edge",
                                                                "rpi", "rpi4", "stable"};
  if (!starts_with(p.name, "linux-")) return std::nullopt;
  const std::string_view flavour = std::string_view(p.name).substr(6);
  if (std::find(kFlavours.begin(), kFlavours.end(), flavour) == kFlavours.end()) {
    return std::nullopt;
  }
  std::string_view version = p.version;
  std::string_view revision = "0";
  const auto r = version.rfind("-r");
  if (r != std::string_view::npos) {
    revision = version.substr(r + 2);
    version = version.substr(0, r);
  }
  return std::string(version) + "-" + std::string(revision) + "-" + std::string(flavour);
}

std::vector<std::string> installed_kernels(core::PackageFormat format,
                                           const std::vector<core::Package>& packages) {
  std::set<std::string> releases;
  for (const auto& p : packages) {
    std::optional<std::string> release;
    switch (format) {
      case core::PackageFormat::kDpkg:
        release = dpkg_kernel_release(p);
        break;
      case core::PackageFormat::kRpm:
        release = rpm_kernel_release(p);
        break;
      case core::PackageFormat::kApk:
        release = apk_kernel_release(p);
        break;
      case core::PackageFormat::kUnknown:
        break;
    }
    if (release && !release->empty()) releases.insert(std::move(*release));
  }
  return {releases.begin(), releases.end()};
}

// Sorted so that two collections of the same host print the same report.
void sort_packages(std::vector<core::Package>& packages) {
  std::sort(packages.begin(), packages.end(), [](const core::Package& a, const core::Package& b) {
    return std::tie(a.name, a.arch, a.version, a.source_name, a.source_version) <
           std::tie(b.name, b.arch, b.version, b.source_name, b.source_version);
  });
}

// ---- livepatch --------------------------------------------------------------------------------

// The kernel's generic livepatch interface: /sys/kernel/livepatch/<name>/{enabled,transition}.
// It does not list CVEs; tools that know them (kpatch, canonical-livepatch) add them later.
std::vector<core::Livepatch> read_livepatches(const core::Env& env, const std::string& sys_root,
                                              core::Diagnostics& diagnostics) {
  std::vector<core::Livepatch> out;
  const std::string dir = sys_root + "/kernel/livepatch";
  if (!env.is_directory(dir)) return out;
  auto names = env.list_directory(dir);
  if (!names.ok()) {
    diagnostics.add(dir, 0, names.error().message);
    return out;
  }
  for (const auto& name : *names) {
    core::Livepatch lp;
    lp.name = name;
    lp.tool = starts_with(name, "kpatch") ? "kpatch"
              : starts_with(name, "lkp_") ? "canonical-livepatch"
                                          : "livepatch";
    const auto flag = [&](const char* file) {
      const auto text = read_optional(env, dir + "/" + name + "/" + file, diagnostics);
      return text && trim(*text) == "1";
    };
    lp.enabled = flag("enabled");
    lp.transition = flag("transition");
    out.push_back(std::move(lp));
  }
  return out;
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

  if (auto text = read_optional(env, proc_root + "/sys/kernel/osrelease", diagnostics)) {
    report.kernel.running = first_line(*text);
  }
  report.kernel.installed = installed_kernels(report.package_format, report.packages);
  report.kernel.reboot_required = env.exists(under_root("/run/reboot-required"));
  report.kernel.livepatch = read_livepatches(env, sys_root, diagnostics);

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
