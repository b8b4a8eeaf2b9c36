// The host report ("fleetpatch.host/1"): everything fleetpatch knows about one host at one time.
// Every producer (root-path collector, SSH, agent, imports of dpkg/rpm/apk/Vuls data) fills this
// one shape; docs/host-report.md documents its JSON form. Fields may be added, never renamed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/package.hpp"

namespace fleetpatch::core {

inline constexpr std::string_view kHostReportSchema = "fleetpatch.host/1";

struct HostIdentity {
  std::string id;  // machine-id, or a name given by the importer / user
  std::string hostname;
  std::vector<std::string> tags;
  friend bool operator==(const HostIdentity&, const HostIdentity&) = default;
};

/// OS identity as os-release gives it (ID, VERSION_ID, PRETTY_NAME, ID_LIKE, VERSION_CODENAME).
struct OsInfo {
  std::string id;          // "debian", "almalinux", "alpine", ...
  std::string version_id;  // "12", "9.0", "3.19.0"
  std::string name;        // PRETTY_NAME, else NAME + VERSION
  std::vector<std::string> id_like;
  std::string version_codename;  // "bookworm"; empty when unknown
  friend bool operator==(const OsInfo&, const OsInfo&) = default;
};

/// A loaded kernel livepatch and the CVEs it says it fixes.
struct Livepatch {
  std::string name;
  std::string tool;  // "kpatch", "canonical-livepatch", "kernelcare", "klp", "livepatch"
  bool enabled = false;
  bool transition = false;
  std::vector<std::string> cves;
  /// The kernel version the patch brings the running kernel up to, when the tool says so
  /// (KernelCare's "effective kernel"); empty otherwise.
  std::string effective_kernel;
  friend bool operator==(const Livepatch&, const Livepatch&) = default;
};

struct KernelInfo {
  std::string running;                 // uname -r of the booted kernel; empty when unknown
  std::vector<std::string> installed;  // uname -r style releases of installed kernel packages
  bool reboot_required = false;
  std::vector<Livepatch> livepatch;
  /// Why a reboot is required: the packages whose update asks for it (Debian/Ubuntu
  /// /run/reboot-required.pkgs; on RPM systems the newer kernel and the core packages installed
  /// after boot, as `needs-restarting -r` decides). Sorted; may be empty even when required.
  std::vector<std::string> reboot_required_by;
  friend bool operator==(const KernelInfo&, const KernelInfo&) = default;
};

enum class Exposure : std::uint8_t { kNone = 0, kLocal = 1, kNetwork = 2 };

struct ListeningSocket {
  std::string proto;  // "tcp", "tcp6", "udp", "udp6"
  std::string address;
  std::uint16_t port = 0;
  std::optional<std::int64_t> pid;
  std::string exe;
  std::string package;
  Exposure exposure = Exposure::kNone;
  /// Packages owning the files the process maps (its executable and shared libraries), sorted:
  /// a vulnerable library is as exposed as the listening process that runs it.
  std::vector<std::string> mapped_packages;
  friend bool operator==(const ListeningSocket&, const ListeningSocket&) = default;
};

/// A process that still maps files its packages have since replaced or deleted.
struct PendingRestart {
  std::int64_t pid = 0;
  std::string exe;
  std::string unit;
  std::vector<std::string> files;
  std::vector<std::string> packages;
  friend bool operator==(const PendingRestart&, const PendingRestart&) = default;
};

struct HostReport {
  HostIdentity host;
  OsInfo os;
  KernelInfo kernel;
  PackageFormat package_format = PackageFormat::kUnknown;
  std::vector<Package> packages;
  std::vector<ListeningSocket> listening;
  std::vector<PendingRestart> pending_restart;
  std::string collected_at;  // RFC 3339 UTC
  std::string collector;     // "fleetpatch 0.1.0", "vuls 0.38.6 (import)", ...
  friend bool operator==(const HostReport&, const HostReport&) = default;
};

}  // namespace fleetpatch::core
