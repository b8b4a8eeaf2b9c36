// Processes that still run replaced code: a library or executable updated on disk while the old
// copy stays mapped (/proc/PID/maps marks it " (deleted)"). Until such a process restarts, the
// fix is on disk but not in memory: the matcher reports it as fixed-pending-restart.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/env.hpp"
#include "core/host_report.hpp"
#include "hoststate/file_owners.hpp"
#include "hoststate/processes.hpp"

namespace fleetpatch::hoststate {

/// Looks up the packages owning a batch of paths (see file_owners.hpp).
using OwnerLookup = std::function<FileOwners(const std::set<std::string>&)>;

/// Mapped paths that never belong to a package update: shared memory, memfd, tmpfs scratch.
/// A deleted file there is a program's own business, not a pending restart.
inline constexpr std::string_view kIgnoredMappingPrefixes[] = {
    "/memfd:", "/dev/", "/SYSV", "/run/", "/tmp/", "/var/tmp/", "/proc/", "/sys/", "/[", "/drm"};

/// The name a replaced file had in its package: RPM renames a file it is about to delete to
/// "PATH;HEX" (8 or more hex digits) first, so maps shows that name.
std::string_view presumed_name(std::string_view mapped_path);

/// The replaced files among a process's mappings: deleted, mapped executable (code, not data
/// such as a rotated journal file), outside kIgnoredMappingPrefixes; presumed names, sorted.
std::vector<std::string> replaced_files(const std::vector<Mapping>& mappings);

/// Every process under `proc_root` that maps replaced files, with its executable, systemd unit
/// and the packages owning those files, sorted by pid. Processes whose maps we may not read
/// (another user's, when not root) are counted in one diagnostic rather than one each.
std::vector<core::PendingRestart> collect_pending_restarts(const core::Env& env,
                                                           const std::string& proc_root,
                                                           const OwnerLookup& owners,
                                                           core::Diagnostics& diagnostics);

}  // namespace fleetpatch::hoststate
