// The RPM database of a root file system, read through librpm, the only reader that understands
// every backend (sqlite on RHEL/Alma/Rocky 9 and Fedora, Berkeley DB on RHEL 7/8, ndb on SUSE).
// librpm is loaded (dlopen) when a database is first read, so that processes that never read one
// do not pay for mapping it and its dependencies; without it the readers return an error saying
// which library to install.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/env.hpp"
#include "core/package.hpp"
#include "core/result.hpp"
#include "hoststate/file_owners.hpp"

namespace fleetpatch::hoststate {

/// Where an RPM database lives inside a root, and which librpm backend reads it.
struct RpmdbLocation {
  std::string dbpath;   // inside the root: "/var/lib/rpm" or "/usr/lib/sysimage/rpm"
  std::string backend;  // librpm's %_db_backend: "sqlite", "bdb_ro" or "ndb"
};

/// Looks for an RPM database under `root`: /var/lib/rpm first (RHEL 7-9 and most images), then
/// /usr/lib/sysimage/rpm (Fedora 36+, openSUSE; /var/lib/rpm may be a symlink there that an
/// absolute target breaks under a foreign root). A directory counts only when it holds a
/// database file (rpmdb.sqlite, Packages or Packages.db): Debian ships an empty /var/lib/rpm.
std::optional<RpmdbLocation> find_rpmdb(const core::Env& env, const std::string& root);

/// Reads the installed packages from the database at `location` under `root`, skipping the
/// gpg-pubkey pseudo-packages. Versions are "[E:]V-R"; the source comes from SOURCERPM (carrying
/// the binary's epoch, which the source RPM file name omits) and the module stream from
/// MODULARITYLABEL ("name:stream"). librpm's own messages become diagnostics (or the error text)
/// rather than going to stderr.
///
/// Thread-safety: librpm keeps its configuration, macros (%_dbpath, %_db_backend) and log
/// callback in process-global state. Every call takes one process-wide mutex around all its
/// librpm use, so calls from several threads are safe but run one at a time; no other code in the
/// process may use librpm concurrently with it.
core::Result<std::vector<core::Package>> read_rpmdb(const std::string& root,
                                                    const RpmdbLocation& location,
                                                    core::Diagnostics& diagnostics);

/// The packages owning each of `paths` (and their merged-/usr aliases, file_owners.hpp), from
/// the database's installed-file index. Same locking rules as read_rpmdb.
core::Result<FileOwners> read_rpm_file_owners(const std::string& root,
                                              const RpmdbLocation& location,
                                              const std::set<std::string>& paths,
                                              core::Diagnostics& diagnostics);

}  // namespace fleetpatch::hoststate
