// Which installed package owns a file: the link from "process 812 maps /usr/lib/libssl.so.3" to
// "openssl-libs". Looked up in batches (the collectors first gather every path they care about),
// so that a host's file lists are read once and only matching entries are kept.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/env.hpp"
#include "core/package.hpp"

namespace fleetpatch::hoststate {

/// Path -> owning package names (sorted, unique). Paths no package owns are absent.
using FileOwners = std::map<std::string, std::vector<std::string>>;

/// The names under which a package database may record `path` on a merged-/usr system, where
/// /bin, /sbin and /lib* are links into /usr: the kernel reports the canonical /usr path, while
/// older packages still list the file under /lib. `path` itself comes first.
std::vector<std::string> usr_merge_aliases(std::string_view path);

/// dpkg: /var/lib/dpkg/info/<package>[:<arch>].list under `root`, one path per line.
FileOwners dpkg_file_owners(const core::Env& env, const std::string& root,
                            const std::set<std::string>& paths, core::Diagnostics& diagnostics);

/// apk: the F: (directory) and R: (file) records of /lib/apk/db/installed.
FileOwners apk_file_owners(std::string_view installed, const std::set<std::string>& paths);

/// A file index "PATH<TAB>PACKAGE" per line, the form
/// `rpm -qa --queryformat '[%{FILENAMES}\t%{NAME}\n]'` prints (kRpmFileIndexQueryFormat). Used
/// for RPM hosts scanned over SSH, where librpm cannot open the remote database.
inline constexpr std::string_view kRpmFileIndexQueryFormat = "[%{FILENAMES}\\t%{NAME}\\n]";
FileOwners file_index_owners(std::string_view index, const std::set<std::string>& paths,
                             std::string_view source_name, core::Diagnostics& diagnostics);

/// Where the owner lookups of one collection come from.
struct OwnerSource {
  std::string root = "/";
  core::PackageFormat format = core::PackageFormat::kUnknown;
  /// A file (read through Env) holding a kRpmFileIndexQueryFormat index; when set it is used
  /// instead of the package database (SSH scans of RPM hosts).
  std::string rpm_file_index;
};

/// Looks `paths` up in the package database that `source.format` names: dpkg's .list files,
/// apk's installed database, or the RPM database's file index through librpm (rpmdb.hpp).
FileOwners resolve_file_owners(const core::Env& env, const OwnerSource& source,
                               const std::set<std::string>& paths, core::Diagnostics& diagnostics);

}  // namespace fleetpatch::hoststate
