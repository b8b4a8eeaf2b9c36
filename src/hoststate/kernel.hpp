// Kernel truth: the kernel that is running (not just installed), every installed kernel, and
// whether the host needs a reboot by its distribution's own rules. Scanners that judge the
// installed kernel package report a host with a fixed kernel installed but not booted as safe;
// these facts let the matcher say "fixed-pending-reboot" instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/env.hpp"
#include "core/host_report.hpp"
#include "core/package.hpp"

namespace fleetpatch::hoststate {

/// The `uname -r` release an installed kernel image package boots as, or nullopt when
/// `package` is not one (meta packages, headers, tools, debug symbols, modules packages). The
/// rules are the distribution families' (distro::Distro::kernel_package, asked through
/// distro::kernel_package_for_format as only the package format is known here):
///  - dpkg: linux-image-<release> and linux-image-unsigned-<release> (Debian, Ubuntu);
///  - RPM: kernel, kernel-core, kernel-uek(-core), kernel-rt(-core) as "<version>-<release>.<arch>"
///    (Red Hat family, Oracle, Amazon, Fedora); SUSE kernel-<flavour>[-base] as
///    "<version>-<release without its rebuild counter>-<flavour>";
///  - apk: linux-<flavour> "V-rN" as "V-N-<flavour>" (Alpine).
std::optional<std::string> kernel_release(core::PackageFormat format, const core::Package& package);

/// The distinct releases of all installed kernel image packages, sorted.
std::vector<std::string> installed_kernels(core::PackageFormat format,
                                           const std::vector<core::Package>& packages);

/// The installed kernel image packages whose release is `running` (kernel and kernel-core of one
/// build, say). Empty when the running kernel's package is not installed (removed since boot, a
/// container sharing its host's kernel, an offline image).
std::vector<const core::Package*> running_kernel_packages(
    core::PackageFormat format, const std::vector<core::Package>& packages,
    std::string_view running);

/// The packages whose update `needs-restarting -r` (dnf-plugins-core) says requires a reboot,
/// after https://access.redhat.com/solutions/27943. More come from
/// /etc/dnf/plugins/needs-restarting.d/*.conf, one name per line, as dnf reads them.
inline constexpr std::string_view kRpmRebootPackages[] = {
    "kernel",  "kernel-core", "kernel-rt",   "glibc",      "linux-firmware",
    "systemd", "dbus",        "dbus-broker", "dbus-daemon"};

/// Everything the reboot decision looks at, gathered by collect_kernel() (or a test).
struct RebootInputs {
  core::PackageFormat format = core::PackageFormat::kUnknown;
  std::string running;  // empty for an offline image: no boot, no reboot
  const std::vector<core::Package>* packages = nullptr;
  bool reboot_required_flag = false;               // Debian/Ubuntu /run/reboot-required exists
  std::vector<std::string> reboot_required_pkgs;   // its .pkgs companion
  std::optional<std::int64_t> boot_time;           // seconds since the epoch (/proc/stat btime)
  std::vector<std::string> extra_reboot_packages;  // needs-restarting.d names
};

struct RebootDecision {
  bool required = false;
  std::vector<std::string> by;  // sorted, unique package names
  friend bool operator==(const RebootDecision&, const RebootDecision&) = default;
};

/// The distribution's own reboot signal:
///  - any format: /run/reboot-required (and the packages in .pkgs) — on dpkg systems nothing
///    else, as that is the signal Debian and Ubuntu maintainer scripts raise;
///  - RPM: as `needs-restarting -r`, any kRpmRebootPackages (or extra) package installed after
///    boot; and, when the running kernel is known, an installed kernel of the running one's
///    package name newer than the running one;
///  - apk: an installed kernel newer than the running one.
RebootDecision decide_reboot(const RebootInputs& inputs);

/// "btime N" of /proc/stat; nullopt when absent or malformed.
std::optional<std::int64_t> parse_boot_time(std::string_view proc_stat);

/// Package names of /run/reboot-required.pkgs (one per line, possibly repeated), sorted, unique.
std::vector<std::string> parse_reboot_required_pkgs(std::string_view text);

/// `rpm -qa --queryformat kRpmInstallTimesQueryFormat` output (NAME EPOCHNUM VERSION RELEASE ARCH
/// INSTALLTIME, tab-separated) copied into the matching packages' install_time. For RPM hosts
/// scanned over SSH, where librpm (which reads INSTALLTIME itself) cannot open the database.
inline constexpr std::string_view kRpmInstallTimesQueryFormat =
    "%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{INSTALLTIME}\\n";
void attach_rpm_install_times(std::string_view text, std::string_view source_name,
                              std::vector<core::Package>& packages, core::Diagnostics& diagnostics);

/// Running kernel (<proc>/sys/kernel/osrelease), installed kernels and the reboot decision, from
/// files under `root` and `proc_root`. Leaves `livepatch` empty (livepatch.hpp fills it).
core::KernelInfo collect_kernel(const core::Env& env, const std::string& root,
                                const std::string& proc_root, core::PackageFormat format,
                                const std::vector<core::Package>& packages,
                                core::Diagnostics& diagnostics);

}  // namespace fleetpatch::hoststate
