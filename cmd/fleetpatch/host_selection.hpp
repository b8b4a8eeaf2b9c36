// What `scan` and `report` share on their command lines: which hosts (--root DIR, --inventory
// FILE...) and when (--as-of TIME). One place, so the two commands select hosts the same way.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "core/diagnostics.hpp"
#include "core/host_report.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace fleetpatch::cli {

struct HostSelection {
  std::string root;
  std::vector<std::string> inventories;
  std::vector<std::string> ssh_targets;  // USER@HOST[:PORT], one SSH connection each
  std::string ssh_key;
  int ssh_timeout = 10;
  bool accept_new_host_key = false;
  bool empty() const { return root.empty() && inventories.empty() && ssh_targets.empty(); }
};

/// Adds --root, --inventory and --ssh (mutually exclusive) with the --ssh-* options to `cmd`.
/// `what` is the verb in the help
/// ("scan", "report on").
void add_host_selection(CLI::App* cmd, HostSelection& selection, const std::string& what);

/// Loads the selected hosts: every --inventory file (imported by content), else every --ssh
/// host (agentless, read-only), else the --root directory, else, when `local_default`, this
/// host ("/"). Problems inside inputs go to
/// `diagnostics`; an unreadable input is the error.
core::Result<std::vector<core::HostReport>> load_hosts(const Context& ctx, const core::Clock& clock,
                                                       const HostSelection& selection,
                                                       bool local_default,
                                                       core::Diagnostics& diagnostics);

/// Adds --as-of TIME to `cmd`.
void add_as_of(CLI::App* cmd, std::string& as_of);

/// The clock a command runs on: a FixedClock at --as-of (RFC 3339 or a date), else ctx.clock.
/// `storage` keeps the FixedClock alive.
core::Result<const core::Clock*> command_clock(const Context& ctx, const std::string& as_of,
                                               std::optional<core::FixedClock>& storage);

}  // namespace fleetpatch::cli
