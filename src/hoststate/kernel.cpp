#include "hoststate/kernel.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <tuple>

#include "distro/distro.hpp"
#include "hoststate/parsers.hpp"
#include "version/version.hpp"

namespace fleetpatch::hoststate {

namespace {

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

template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    fn(text.substr(pos, end - pos));
    pos = end + 1;
  }
}

// a > b in the package format's own ordering; an unparsable version never wins.
bool newer(core::PackageFormat format, std::string_view a, std::string_view b) {
  const auto cmp = version::compare(format, a, b);
  return cmp.ok() && *cmp > 0;
}

// The newest installed kernel that could replace the running one, and whether it is newer.
// Only packages of the running kernel's own name compete (Oracle's kernel-uek and kernel can both
// be installed; booting the older family is a choice, not a pending reboot).
std::optional<std::string> newer_kernel_than_running(const RebootInputs& in) {
  if (in.running.empty() || in.packages == nullptr) return std::nullopt;
  const auto running = running_kernel_packages(in.format, *in.packages, in.running);
  const core::Package* newest = nullptr;
  for (const auto& p : *in.packages) {
    if (!kernel_release(in.format, p)) continue;
    if (!running.empty() &&
        std::none_of(running.begin(), running.end(),
                     [&](const core::Package* r) { return r->name == p.name; })) {
      continue;
    }
    if (newest == nullptr || newer(in.format, p.version, newest->version)) newest = &p;
  }
  if (newest == nullptr) return std::nullopt;
  bool is_newer = false;
  if (!running.empty()) {
    is_newer = std::any_of(running.begin(), running.end(), [&](const core::Package* r) {
      return r->name == newest->name && newer(in.format, newest->version, r->version);
    });
  } else {
    // The running kernel's package is gone: compare the uname releases themselves, which for
    // every family above start with the upstream version and the package release.
    const auto release = kernel_release(in.format, *newest);
    is_newer = release && newer(core::PackageFormat::kRpm, *release, in.running);
  }
  if (!is_newer) return std::nullopt;
  return newest->name;
}

}  // namespace

std::optional<std::string> kernel_release(core::PackageFormat format,
                                          const core::Package& package) {
  // The naming rules live with each distribution family (Distro::kernel_package); a collector
  // knows only the package manager, so it asks every family of that format.
  auto kernel = distro::kernel_package_for_format(format, package);
  if (!kernel || !kernel->image) return std::nullopt;
  return std::move(kernel->release);
}

std::vector<std::string> installed_kernels(core::PackageFormat format,
                                           const std::vector<core::Package>& packages) {
  std::set<std::string> releases;
  for (const auto& p : packages) {
    auto release = kernel_release(format, p);
    if (release && !release->empty()) releases.insert(std::move(*release));
  }
  return {releases.begin(), releases.end()};
}

std::vector<const core::Package*> running_kernel_packages(
    core::PackageFormat format, const std::vector<core::Package>& packages,
    std::string_view running) {
  std::vector<const core::Package*> out;
  if (running.empty()) return out;
  for (const auto& p : packages) {
    const auto release = kernel_release(format, p);
    if (release && *release == running) out.push_back(&p);
  }
  return out;
}

RebootDecision decide_reboot(const RebootInputs& in) {
  std::set<std::string> by;
  // /run/reboot-required is Debian's and Ubuntu's signal, but whoever writes it on another
  // distribution means the same thing.
  bool required = in.reboot_required_flag;
  if (required) by.insert(in.reboot_required_pkgs.begin(), in.reboot_required_pkgs.end());
  switch (in.format) {
    case core::PackageFormat::kDpkg:
    case core::PackageFormat::kUnknown:
      break;
    case core::PackageFormat::kRpm:
      if (in.boot_time && in.packages != nullptr) {
        std::set<std::string_view> names(std::begin(kRpmRebootPackages),
                                         std::end(kRpmRebootPackages));
        names.insert(in.extra_reboot_packages.begin(), in.extra_reboot_packages.end());
        for (const auto& p : *in.packages) {
          if (p.install_time && *p.install_time > *in.boot_time && names.count(p.name) != 0) {
            by.insert(p.name);
            required = true;
          }
        }
      }
      [[fallthrough]];
    case core::PackageFormat::kApk:
      if (auto kernel = newer_kernel_than_running(in)) {
        by.insert(std::move(*kernel));
        required = true;
      }
      break;
  }
  return {required, {by.begin(), by.end()}};
}

std::optional<std::int64_t> parse_boot_time(std::string_view proc_stat) {
  std::optional<std::int64_t> out;
  for_each_line(proc_stat, [&](std::string_view line) {
    if (!starts_with(line, "btime ")) return;
    const std::string_view digits = trim(line.substr(6));
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc() && ptr == digits.data() + digits.size() && value > 0) out = value;
  });
  return out;
}

std::vector<std::string> parse_reboot_required_pkgs(std::string_view text) {
  std::set<std::string> names;
  for_each_line(text, [&](std::string_view line) {
    line = trim(line);
    if (!line.empty()) names.emplace(line);
  });
  return {names.begin(), names.end()};
}

void attach_rpm_install_times(std::string_view text, std::string_view source_name,
                              std::vector<core::Package>& packages,
                              core::Diagnostics& diagnostics) {
  std::map<std::tuple<std::string, std::string, std::string>, std::int64_t> times;
  std::size_t number = 0;
  for_each_line(text, [&](std::string_view line) {
    ++number;
    if (trim(line).empty()) return;
    std::vector<std::string_view> fields;
    for (std::size_t start = 0;;) {
      const auto tab = line.find('\t', start);
      fields.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    std::int64_t when = 0;
    const std::string_view stamp = fields.size() == 6 ? trim(fields[5]) : std::string_view();
    const auto [ptr, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), when);
    if (fields.size() != 6 || ec != std::errc() || ptr != stamp.data() + stamp.size()) {
      diagnostics.add(std::string(source_name), number,
                      "expected NAME EPOCHNUM VERSION RELEASE ARCH INSTALLTIME");
      return;
    }
    const std::string_view epoch = fields[1] == "(none)" ? std::string_view() : fields[1];
    times[{std::string(fields[0]), std::string(fields[4]),
           rpm_version_string(epoch, fields[2], fields[3])}] = when;
  });
  for (auto& p : packages) {
    const auto it = times.find({p.name, p.arch, p.version});
    if (it != times.end()) p.install_time = it->second;
  }
}

core::KernelInfo collect_kernel(const core::Env& env, const std::string& root,
                                const std::string& proc_root, core::PackageFormat format,
                                const std::vector<core::Package>& packages,
                                core::Diagnostics& diagnostics) {
  const auto read_optional = [&](const std::string& path) -> std::optional<std::string> {
    if (!env.exists(path)) return std::nullopt;
    auto text = env.read_file(path);
    if (!text.ok()) {
      diagnostics.add(path, 0, text.error().message);
      return std::nullopt;
    }
    return std::move(text).value();
  };

  core::KernelInfo info;
  if (auto text = read_optional(proc_root + "/sys/kernel/osrelease")) {
    const std::string_view first = trim(*text);
    info.running = std::string(trim(first.substr(0, first.find('\n'))));
  }
  info.installed = installed_kernels(format, packages);

  RebootInputs in;
  in.format = format;
  in.running = info.running;
  in.packages = &packages;
  const std::string flag = core::join_root(root, "/run/reboot-required");
  in.reboot_required_flag = env.exists(flag);
  if (auto text = read_optional(flag + ".pkgs")) {
    in.reboot_required_pkgs = parse_reboot_required_pkgs(*text);
  }
  if (!info.running.empty()) {
    // Boot time only means something for the booted system the proc tree belongs to.
    if (auto text = read_optional(proc_root + "/stat")) in.boot_time = parse_boot_time(*text);
  }
  if (format == core::PackageFormat::kRpm) {
    const std::string dir = core::join_root(root, "/etc/dnf/plugins/needs-restarting.d");
    if (env.is_directory(dir)) {
      if (auto names = env.list_directory(dir); names.ok()) {
        const std::string prefix = dir + "/";
        for (const auto& name : *names) {
          if (!ends_with(name, ".conf")) continue;
          if (auto text = read_optional(prefix + name)) {
            for_each_line(*text, [&](std::string_view line) {
              line = trim(line);
              if (!line.empty() && line.front() != '#') in.extra_reboot_packages.emplace_back(line);
            });
          }
        }
      } else {
        diagnostics.add(dir, 0, names.error().message);
      }
    }
  }
  const RebootDecision decision = decide_reboot(in);
  info.reboot_required = decision.required;
  info.reboot_required_by = decision.by;
  return info;
}

}  // namespace fleetpatch::hoststate
