// Agentless collection over SSH. One connection with the system `ssh` (key authentication only,
// BatchMode, a connect timeout, host keys checked), one read-only POSIX shell script that prints
// every file the collectors read, framed by a random boundary; the answer becomes an in-memory
// Env and collect_host() runs on it exactly as on a local root. So an SSH scan and a local scan
// of the same machine give the same report, by construction rather than by a second parser.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/host_report.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "hoststate/collect.hpp"
#include "hoststate/memory_env.hpp"
#include "hoststate/process.hpp"

namespace fleetpatch::hoststate {

/// "USER@HOST[:PORT]" (USER optional; IPv6 as "[::1]:2222").
struct SshTarget {
  std::string user;
  std::string host;
  std::optional<std::uint16_t> port;
  /// "user@host:port" for messages.
  std::string display() const;
};
core::Result<SshTarget> parse_ssh_target(std::string_view text);

struct SshOptions {
  std::string ssh_binary = "ssh";
  /// Private key file (-i, with IdentitiesOnly); empty = the agent's and ssh's default keys.
  std::string identity_file;
  /// TCP connect and SSH banner exchange (ssh's ConnectTimeout).
  std::chrono::seconds connect_timeout{10};
  /// The whole exchange, after which ssh is killed.
  std::chrono::seconds total_timeout{300};
  /// StrictHostKeyChecking=accept-new (trust a host seen for the first time) instead of yes.
  bool accept_new_host_key = false;
  /// UserKnownHostsFile; empty = ssh's default (~/.ssh/known_hosts).
  std::string known_hosts_file;
  /// -F FILE; empty = ssh's default (~/.ssh/config, where ProxyJump and the like live).
  std::string config_file;
};

/// Where the remote commands' outputs (livepatch tools, rpm queries) sit in the fetched tree;
/// CollectOptions::command_output_dir points here for an SSH scan.
inline constexpr std::string_view kSshCommandDir = "/.fleetpatch-ssh/commands";

/// The ssh argv (without the script, which goes to its stdin).
std::vector<std::string> ssh_command(const SshTarget& target, const SshOptions& options);

/// The read-only remote script. It prints records "BOUNDARY KIND PATH" followed by their body
/// and a newline: F (file content), L (symbolic link target), D (directory), E (unreadable, body
/// is the error), C (command output, body) and X (its exit status), and finally "BOUNDARY END".
std::string remote_script(std::string_view boundary);

/// Turns the script's output into an Env. Error when the END record is missing (the connection
/// or the script died half way).
core::Result<MemoryEnv> parse_bundle(std::string_view bundle, std::string_view boundary);

/// A human message for a failed ssh run: refused, timed out, authentication or host key
/// rejected, name not resolved, or ssh's own last words.
core::Error describe_ssh_failure(const ProcessOutput& output, const SshTarget& target,
                                 const SshOptions& options);

/// Fetches the host's files over one SSH connection and collects its report from them.
/// `collect` gives the identity overrides and tags; its paths are set here.
core::Result<core::HostReport> collect_host_over_ssh(
    const ProcessRunner& runner, const core::Clock& clock, const SshTarget& target,
    const SshOptions& options, CollectOptions collect, core::Diagnostics& diagnostics);

}  // namespace fleetpatch::hoststate
