#include "host_selection.hpp"

#include "hoststate/collect.hpp"

namespace fleetpatch::cli {

void add_host_selection(CLI::App* cmd, HostSelection& selection, const std::string& what) {
  auto* root_opt = cmd->add_option("--root", selection.root,
                                   what + " a root file system (default: this host, /)");
  cmd->add_option("--inventory", selection.inventories,
                  what +
                      " inventory files (host report JSON, dpkg status, rpm -qa output, apk "
                      "installed, Vuls JSON); several files make a fleet")
      ->excludes(root_opt);
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
  if (selection.root.empty() && !local_default) return hosts;
  hoststate::CollectOptions collect;
  collect.root = selection.root.empty() ? "/" : selection.root;
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
