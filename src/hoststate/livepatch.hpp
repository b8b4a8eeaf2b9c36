// Kernel livepatches and the CVEs they fix. The kernel's own /sys/kernel/livepatch/<module>/
// {enabled,transition} says what is loaded and whether it is in force; the vendors' tools say
// which CVEs each patch covers: kpatch (RHEL; the CVEs are in the kpatch-patch package's
// changelog), Canonical Livepatch, KernelCare, SUSE's klp. A kernel finding whose CVE an
// enabled patch that is not in transition covers is mitigated; a patch in transition does not
// count yet.
//
// The tools' outputs are plain text handed to pure parsers. On a live host they come from
// running the commands in livepatch_tools(); on a fixture tree or a host scanned over SSH they
// are files in a directory, named by the same table (see tests/data/hoststate/README.md).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/env.hpp"
#include "core/host_report.hpp"
#include "core/result.hpp"
#include "hoststate/process.hpp"

namespace fleetpatch::hoststate {

/// What each livepatch tool printed; nullopt when the tool is absent or was not run.
struct LivepatchToolOutputs {
  std::optional<std::string> kpatch_list;       // `kpatch list`
  std::optional<std::string> kpatch_changelog;  // see livepatch_tools()
  std::optional<std::string>
      canonical_status;                      // `canonical-livepatch status --verbose --format json`
  std::optional<std::string> kcarectl_info;  // `kcarectl --info`
  std::optional<std::string> kcarectl_patch_info;  // `kcarectl --patch-info`
  std::optional<std::string> klp_patches;          // `klp -v patches`
};

/// One tool invocation: the file its output is stored in, and the POSIX shell command that
/// produces it. A command exits 127 when its tool is not installed.
struct LivepatchTool {
  std::string_view file;
  std::string_view command;
  std::optional<std::string> LivepatchToolOutputs::*output;
};

/// Prepended to every tool command: the tools live in sbin and snap directories that a
/// non-interactive shell's PATH may lack.
inline constexpr std::string_view kToolPath =
    "PATH=\"$PATH:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin:/snap/bin\"; export PATH; ";

/// The one table of livepatch tool commands. The kpatch changelog command prints, for every
/// installed kpatch-patch package, a line "==> NAME" followed by its changelog entries, so that
/// CVEs can be tied to the patch module built for each kernel.
const std::vector<LivepatchTool>& livepatch_tools();

/// "kpatch", "canonical-livepatch", "klp" or "livepatch" from a module name under
/// /sys/kernel/livepatch: kpatch_* (kpatch), lkp_* (Canonical), livepatch_* / kgraft* (SUSE).
std::string_view livepatch_tool_for_module(std::string_view module);

/// CVE ids in free text ("CVE-2022-0847", "cve-2022-0847"), upper-cased, sorted, unique.
std::vector<std::string> extract_cves(std::string_view text);

/// /sys/kernel/livepatch/<module>/{enabled,transition} under `sys_root`, sorted by name.
std::vector<core::Livepatch> read_sysfs_livepatches(const core::Env& env,
                                                    const std::string& sys_root,
                                                    core::Diagnostics& diagnostics);

/// A module `kpatch list` names under "Loaded patch modules:" ("NAME [enabled]", kpatch 0.9:
/// also "[disabled]", "[enabling...]", "[disabling...]"; older releases print the bare name of
/// enabled modules).
struct KpatchModule {
  std::string name;
  bool enabled = false;
  bool transition = false;
  friend bool operator==(const KpatchModule&, const KpatchModule&) = default;
};
std::vector<KpatchModule> parse_kpatch_list(std::string_view text, std::string_view source_name,
                                            core::Diagnostics& diagnostics);

/// kpatch-patch changelogs: package name ("kpatch-patch-5_14_0-70_13_1"; "" for text before
/// any "==> NAME" line) -> the CVEs its entries name.
std::map<std::string, std::vector<std::string>> parse_kpatch_changelog(std::string_view text);

/// Whether a kpatch module ("kpatch_5_14_0_70_13_1_1_2") was built by a kpatch-patch package
/// ("kpatch-patch-5_14_0-70_13_1"): the kernel part of both, with '-' read as '_', agrees.
bool kpatch_module_from_package(std::string_view module, std::string_view package);

/// Canonical Livepatch's JSON status: the entry for the running kernel ("Running": true, else the
/// first), its state ("applied" = in force) and the fixes marked "Patched" (a list of
/// {"Name": "cve-..."} objects; old clients print one string). Error for text that is not such
/// JSON.
struct CanonicalLivepatchStatus {
  std::string kernel;
  std::string state;    // "applied", "nothing-to-apply", "unapplied", "apply-failed", ...
  std::string version;  // the patch version, "99.1"
  std::vector<std::string> cves;
};
core::Result<CanonicalLivepatchStatus> parse_canonical_livepatch_status(
    std::string_view text, std::string_view source_name);

/// KernelCare from `kcarectl --info` ("kpatch-state: patch is applied", "kpatch-description:
/// LEVEL;EFFECTIVE-KERNEL") and `kcarectl --patch-info` (a header with "uname: EFFECTIVE-KERNEL",
/// then one block per patch with "kpatch-cve: CVE-..."). Either text may be empty.
core::Livepatch parse_kernelcare(std::string_view info, std::string_view patch_info);

/// SUSE `klp -v patches`: a line per patch module, then indented "key: value" fields; "active"
/// (1 = in use) and "CVE" (the CVE ids, possibly continued on further indented lines) are used.
std::vector<core::Livepatch> parse_klp_patches(std::string_view text, std::string_view source_name,
                                               core::Diagnostics& diagnostics);

/// The kernel's view (sysfs) completed with the tools': CVEs attached to the modules they
/// belong to; enabled/transition from sysfs whenever the module is there, else from the tool.
/// KernelCare does not use the kernel's livepatch interface and is always its own entry.
/// Sorted by name.
std::vector<core::Livepatch> merge_livepatches(std::vector<core::Livepatch> sysfs,
                                               const LivepatchToolOutputs& tools,
                                               core::Diagnostics& diagnostics);

/// Tool outputs stored as files in `dir` (read through Env), named by livepatch_tools().
LivepatchToolOutputs read_livepatch_tool_outputs(const core::Env& env, const std::string& dir,
                                                 core::Diagnostics& diagnostics);

/// Runs the tools that exist on this host; a tool that is not installed is skipped quietly, one
/// that fails or times out is a diagnostic.
LivepatchToolOutputs run_livepatch_tools(const ProcessRunner& runner,
                                         std::chrono::milliseconds timeout_each,
                                         core::Diagnostics& diagnostics);

/// The livepatches of a host: sysfs under `sys_root`, completed with the tool outputs stored in
/// `command_output_dir` when it is set, else with those `runner` produces when it is not null.
std::vector<core::Livepatch> collect_livepatches(const core::Env& env, const std::string& sys_root,
                                                 const std::string& command_output_dir,
                                                 const ProcessRunner* runner,
                                                 core::Diagnostics& diagnostics);

}  // namespace fleetpatch::hoststate
