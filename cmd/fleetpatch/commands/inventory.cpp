// `fleetpatch inventory [--root DIR | --import FILE | --ssh USER@HOST[:PORT]]`: print a host
// report (fleetpatch.host/1).
#include <chrono>
#include <memory>
#include <ostream>
#include <string>

#include "commands/commands.hpp"
#include "hoststate/collect.hpp"
#include "hoststate/host_report_json.hpp"
#include "hoststate/process.hpp"
#include "hoststate/ssh.hpp"

namespace fleetpatch::cli {

void add_inventory_command(CLI::App& app, Context& ctx, int* exit_code) {
  auto* cmd = app.add_subcommand("inventory", "Print this host's report (fleetpatch.host/1 JSON)");
  struct Args {
    std::string root;
    std::string import_path;
    std::string proc_root, sys_root, host_id, hostname;
    std::vector<std::string> tags;
    bool compact = false;
    std::string ssh, ssh_key;
    int ssh_timeout = 10;
    bool accept_new_host_key = false;
  };
  auto args = std::make_shared<Args>();
  auto* root_opt =
      cmd->add_option("--root", args->root, "collect from a root file system (/ = this host)");
  cmd->add_option("--import", args->import_path,
                  "convert a file: dpkg status, rpm -qa output (README), apk installed, Vuls "
                  "result JSON or a host report")
      ->excludes(root_opt);
  auto* ssh_opt = cmd->add_option("--ssh", args->ssh,
                                  "collect over one SSH connection (key authentication, read-only)")
                      ->excludes(root_opt);
  cmd->add_option("--ssh-key", args->ssh_key, "private key for --ssh (default: ssh's own)")
      ->needs(ssh_opt);
  cmd->add_option("--ssh-timeout", args->ssh_timeout, "seconds to connect for --ssh (default 10)")
      ->check(CLI::Range(1, 3600))
      ->needs(ssh_opt);
  cmd->add_flag("--accept-new-host-key", args->accept_new_host_key,
                "trust a host key seen for the first time (default: known hosts only)")
      ->needs(ssh_opt);
  cmd->add_option("--proc", args->proc_root, "where /proc is (default ROOT/proc)");
  cmd->add_option("--sys", args->sys_root, "where /sys is (default ROOT/sys)");
  cmd->add_option("--host-id", args->host_id, "host id (default: machine-id or file name)");
  cmd->add_option("--hostname", args->hostname, "host name");
  cmd->add_option("--tag", args->tags, "host tag (repeatable)");
  cmd->add_flag("--compact", args->compact, "one line of JSON");
  cmd->callback([&ctx, exit_code, args] {
    core::Diagnostics diagnostics;
    core::Result<core::HostReport> report = core::not_found("no input");
    if (!args->import_path.empty() && !args->ssh.empty()) {
      *ctx.err << "fleetpatch inventory: --import and --ssh exclude each other\n";
      *exit_code = kExitUsage;
      return;
    }
    const hoststate::PosixProcessRunner runner;
    if (!args->ssh.empty()) {
      const auto target = hoststate::parse_ssh_target(args->ssh);
      if (!target.ok()) {
        *ctx.err << "fleetpatch inventory: --ssh: " << target.error().message << "\n";
        *exit_code = kExitUsage;
        return;
      }
      hoststate::SshOptions ssh;
      ssh.identity_file = args->ssh_key;
      ssh.connect_timeout = std::chrono::seconds(args->ssh_timeout);
      ssh.accept_new_host_key = args->accept_new_host_key;
      hoststate::CollectOptions options;
      if (!args->host_id.empty()) options.host_id = args->host_id;
      if (!args->hostname.empty()) options.hostname = args->hostname;
      options.tags = args->tags;
      report =
          hoststate::collect_host_over_ssh(runner, *ctx.clock, *target, ssh, options, diagnostics);
    } else if (!args->import_path.empty()) {
      report = hoststate::import_file(*ctx.env, *ctx.clock, args->import_path, diagnostics);
      if (report.ok()) {
        if (!args->host_id.empty()) report->host.id = args->host_id;
        if (!args->hostname.empty()) report->host.hostname = args->hostname;
        if (!args->tags.empty()) report->host.tags = args->tags;
      }
    } else {
      hoststate::CollectOptions options;
      options.root = args->root.empty() ? "/" : args->root;
      options.proc_root = args->proc_root;
      options.sys_root = args->sys_root;
      if (!args->host_id.empty()) options.host_id = args->host_id;
      if (!args->hostname.empty()) options.hostname = args->hostname;
      options.tags = args->tags;
      // The live host: ask its livepatch tools which CVEs their patches cover.
      if (options.root == "/") options.tool_runner = &runner;
      report = hoststate::collect_host(*ctx.env, *ctx.clock, options, diagnostics);
    }
    for (const auto& d : diagnostics.items()) *ctx.err << "warning: " << d.to_string() << "\n";
    if (!report.ok()) {
      *ctx.err << "fleetpatch inventory: " << report.error().message << "\n";
      *exit_code = kExitError;
      return;
    }
    *ctx.out << hoststate::to_json(*report, !args->compact) << "\n";
    *exit_code = kExitOk;
  });
}

}  // namespace fleetpatch::cli
