// Host collection over a root path: "/" for the live host, or an unpacked / mounted root file
// system. All reads go through core::Env, joined under `root` (except librpm, which opens the
// RPM database itself with its dbpath set under the root).
#pragma once

#include <optional>
#include <string>

#include "core/diagnostics.hpp"
#include "core/env.hpp"
#include "core/host_report.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "hoststate/process.hpp"

namespace fleetpatch::hoststate {

struct CollectOptions {
  std::string root = "/";
  /// Where /proc and /sys are; empty = root + "/proc", root + "/sys". Tests point these at
  /// fixture trees; for an offline image there is no running kernel and they may be absent.
  std::string proc_root;
  std::string sys_root;
  /// Overrides for the host identity (else /etc/machine-id and /etc/hostname under root).
  std::optional<std::string> host_id;
  std::optional<std::string> hostname;
  std::vector<std::string> tags;
  /// Outputs of the commands a collection would otherwise run (livepatch tools, see
  /// livepatch.hpp; on RPM hosts scanned over SSH also `rpm -qa` as "rpm-qa", install times as
  /// "rpm-install-times" and the file index as "rpm-file-index", see ssh.hpp): a directory
  /// read through Env. Fixture trees and SSH scans set it; empty = none.
  std::string command_output_dir;
  /// On a live host, runs the livepatch tools when no command_output_dir is given. Null = do
  /// not run programs (offline images, tests).
  const ProcessRunner* tool_runner = nullptr;
};

/// Collects a host report. Error only when no package database of any kind is found under the
/// root; per-line problems go to diagnostics.
core::Result<core::HostReport> collect_host(const core::Env& env, const core::Clock& clock,
                                            const CollectOptions& options,
                                            core::Diagnostics& diagnostics);

/// Imports a file a user already has: a dpkg status file, `rpm -qa --queryformat` output (see
/// parsers.hpp), an apk installed file, a Vuls result JSON, or a fleetpatch host report JSON.
/// The format is detected from the content; the report's host id defaults to the file's name.
core::Result<core::HostReport> import_file(const core::Env& env, const core::Clock& clock,
                                           const std::string& path, core::Diagnostics& diagnostics);

}  // namespace fleetpatch::hoststate
