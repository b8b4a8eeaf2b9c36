// The one explicit table of subcommands (STYLE.md 1). Each subcommand lives in its own file and
// exposes one function that adds itself to the CLI11 app; the callback it installs stores the
// exit code in *exit_code.
#pragma once

#include <CLI/CLI.hpp>

#include "context.hpp"

namespace fleetpatch::cli {

using RegisterCommand = void (*)(CLI::App& app, Context& ctx, int* exit_code);

struct CommandEntry {
  const char* name;
  RegisterCommand add;
};

void add_inventory_command(CLI::App& app, Context& ctx, int* exit_code);
void add_version_command(CLI::App& app, Context& ctx, int* exit_code);
void add_feed_command(CLI::App& app, Context& ctx, int* exit_code);
void add_scan_command(CLI::App& app, Context& ctx, int* exit_code);
void add_demo_command(CLI::App& app, Context& ctx, int* exit_code);
void add_report_command(CLI::App& app, Context& ctx, int* exit_code);
void add_agent_command(CLI::App& app, Context& ctx, int* exit_code);
void add_serve_command(CLI::App& app, Context& ctx, int* exit_code);
void add_token_command(CLI::App& app, Context& ctx, int* exit_code);
void add_audit_command(CLI::App& app, Context& ctx, int* exit_code);

// One command per line, however many there are.
// clang-format off
inline constexpr CommandEntry kCommands[] = {
    {"inventory", add_inventory_command},
    {"version", add_version_command},
    {"feed", add_feed_command},
    {"scan", add_scan_command},
    {"demo", add_demo_command},
    {"report", add_report_command},
    {"agent", add_agent_command},
    {"serve", add_serve_command},
    {"token", add_token_command},
    {"audit", add_audit_command},
};
// clang-format on

}  // namespace fleetpatch::cli
