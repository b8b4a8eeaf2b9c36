// The per-process files under /proc that the restart and socket collectors share: the process
// list, /proc/PID/exe, /proc/PID/maps and /proc/PID/cgroup. Parsers are pure; the readers go
// through core::Env under a proc root (live "/proc", a fixture tree, or files fetched over SSH).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/env.hpp"

namespace fleetpatch::hoststate {

/// One file-backed mapping of /proc/PID/maps (anonymous, [heap], [stack] etc. are skipped).
struct Mapping {
  std::string path;         // as the kernel prints it, without the " (deleted)" suffix
  bool deleted = false;     // the kernel marked it " (deleted)": the file was unlinked/replaced
  bool executable = false;  // mapped with execute permission (code, not data)
  std::uint64_t inode = 0;
  friend bool operator==(const Mapping&, const Mapping&) = default;
};

/// Parses /proc/PID/maps: "ADDR PERMS OFFSET DEV INODE PATH". Malformed lines are skipped with a
/// diagnostic naming `source_name` and the line; paths may contain spaces.
std::vector<Mapping> parse_maps(std::string_view text, std::string_view source_name,
                                core::Diagnostics& diagnostics);

/// The systemd unit a process belongs to, from /proc/PID/cgroup (v2 "0::/system.slice/x.service"
/// or v1 "1:name=systemd:/..."): the innermost ".service" in the path, else the innermost
/// ".scope"; empty when the process is not under systemd (a container's cgroup, say).
std::string unit_from_cgroup(std::string_view text);

/// Strips the kernel's " (deleted)" marker from a link target or a mapped path.
std::string_view without_deleted_suffix(std::string_view path, bool* deleted = nullptr);

/// The process ids under `proc_root` (numeric directory names), ascending.
std::vector<std::int64_t> list_pids(const core::Env& env, const std::string& proc_root,
                                    core::Diagnostics& diagnostics);

/// /proc/PID/exe without " (deleted)"; empty when the link cannot be read (kernel threads,
/// another user's process when not root, a process that has exited).
std::string read_exe(const core::Env& env, const std::string& proc_root, std::int64_t pid);

}  // namespace fleetpatch::hoststate
