#include "host_selection.hpp"

#include <chrono>

#include "hoststate/collect.hpp"
#include "hoststate/ssh.hpp"

namespace fleetpatch::cli {

void add_host_selection(CLI::App* cmd, HostSelection& selection, const std::string& what) {
  auto* root_opt = cmd->add_option("--root", selection.root,
                                   what + " a root file system (default: this host, /)");
  cmd->add_option("--inventory", selection.inventories,
                  what +
                      " inventory files (host report JSON, dpkg status, rpm -qa output, apk "
                      "installed, Vuls JSON); several files make a fleet")
      ->excludes(root_opt);
  auto* ssh_opt = cmd->add_option("--ssh", selection.ssh_targets,
                                  what +
                                      " USER@HOST[:PORT] over one SSH connection each (key "
                                      "authentication, read-only); repeatable")
                      ->excludes(root_opt);
  cmd->add_option("--ssh-key", selection.ssh_key, "private key for --ssh (default: ssh's own)")
      ->needs(ssh_opt);
  cmd->add_option("--ssh-timeout", selection.ssh_timeout,
                  "seconds to connect for --ssh (default 10)")
      ->needs(ssh_opt);
  cmd->add_flag("--accept-new-host-key", selection.accept_new_host_key,
                "with --ssh, trust a host key seen for the first time (default: refuse)")
      ->needs(ssh_opt);
}

core::Result<std::vector<core::HostReport>> load_hosts(const Context& ctx, const core::Clock& clock,
                                                       const HostSelection& selection,
                                                       bool local_default,
                                                       core::Diagnostics& diagnostics) {
  std::vector<core::HostReport> hosts;
  if (!selection.inventories.empty()) {
    for (const auto& file : selection.inventories) {
      auto report = hoststate::import_file(*ctx.env, clock, file, diagnostics);
      if (!report.ok()) return report.error();
      hosts.push_back(std::move(report).value());
    }
    return hosts;
  }
  const hoststate::PosixProcessRunner runner;
  if (!selection.ssh_targets.empty()) {
    hoststate::SshOptions ssh;
    ssh.identity_file = selection.ssh_key;
    ssh.connect_timeout = std::chrono::seconds(selection.ssh_timeout);
    ssh.accept_new_host_key = selection.accept_new_host_key;
    for (const auto& text : selection.ssh_targets) {
      auto target = hoststate::parse_ssh_target(text);
      if (!target.ok()) return core::invalid_argument("--ssh: " + target.error().message);
      auto report = hoststate::collect_host_over_ssh(runner, clock, *target, ssh, {}, diagnostics);
      if (!report.ok()) return report.error();
      hosts.push_back(std::move(report).value());
    }
    return hosts;
  }
  if (selection.root.empty() && !local_default) return hosts;
  hoststate::CollectOptions collect;
  collect.root = selection.root.empty() ? "/" : selection.root;
  // The live host: ask its livepatch tools which CVEs their patches cover, as `inventory` does.
  if (collect.root == "/") collect.tool_runner = &runner;
  auto report = hoststate::collect_host(*ctx.env, clock, collect, diagnostics);
  if (!report.ok()) return report.error();
  hosts.push_back(std::move(report).value());
  return hosts;
}

void add_as_of(CLI::App* cmd, std::string& as_of) {
  cmd->add_option("--as-of", as_of,
                  "evaluate at this time instead of now (2026-12-04 or RFC 3339): \"what will be "
                  "overdue next Friday?\"");
}

core::Result<const core::Clock*> command_clock(const Context& ctx, const std::string& as_of,
                                               std::optional<core::FixedClock>& storage) {
  if (as_of.empty()) return ctx.clock;
  auto t = core::parse_rfc3339(as_of);
  if (!t.ok()) return core::invalid_argument("--as-of: " + t.error().message);
  storage.emplace(*t);
  return static_cast<const core::Clock*>(&*storage);
}

}  // namespace fleetpatch::cli
