// `fleetpatch token create|list|revoke`: API tokens managed on the store directly, by whoever can
// read the data directory (the first admin token has to come from somewhere). Each change is
// audited like its API counterpart, with the local user as the actor.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "core/time.hpp"
#include "server/auth.hpp"
#include "store/store.hpp"

namespace fleetpatch::cli {
namespace {

/// Who ran the command, for the audit log.
std::string local_actor() {
  const char* user = std::getenv("USER");
  return "cli " + (user && *user ? std::string(user) : "uid " + std::to_string(::getuid()));
}

struct TokenArgs {
  std::string database;
  std::string name;
  std::string role = "viewer";
  std::string id;
};

int run_create(Context& ctx, const TokenArgs& args) {
  std::ostream& err = *ctx.err;
  const auto role = store::role_from_string(args.role);
  if (!role || *role == store::Role::kAgent) {
    err << "fleetpatch token create: --role must be viewer, operator or admin (agent tokens come "
           "from enrollment)\n";
    return kExitUsage;
  }
  if (args.name.empty()) {
    err << "fleetpatch token create: --name must not be empty\n";
    return kExitUsage;
  }
  auto store = store::open_store(args.database, ctx.data_dir());
  if (!store.ok()) {
    err << "fleetpatch token create: " << store.error().message << "\n";
    return kExitError;
  }
  auto token = server::generate_token();
  if (!token.ok()) {
    err << "fleetpatch token create: " << token.error().message << "\n";
    return kExitError;
  }
  store::TokenRecord record;
  record.id = token->id;
  record.hash = token->hash;
  record.name = args.name;
  record.role = *role;
  record.created_at = ctx.clock->now();
  if (auto status = (*store)->put_token(record); !status.ok()) {
    err << "fleetpatch token create: " << status.error().message << "\n";
    return kExitError;
  }
  const nlohmann::json detail = {{"name", args.name}, {"role", args.role}};
  auto audit = (*store)->append_audit(
      {record.created_at, local_actor(), "token.create", record.id, detail.dump()});
  if (!audit.ok()) {
    err << "fleetpatch token create: the token was created but its audit entry failed: "
        << audit.error().message << "\n";
    return kExitError;
  }
  *ctx.out << token->token << "\n";
  err << "created token " << record.id << " (" << args.name << ", " << args.role
      << "); it is shown only this once: store it now\n";
  return kExitOk;
}

int run_list(Context& ctx, const TokenArgs& args) {
  std::ostream& err = *ctx.err;
  auto store = store::open_store(args.database, ctx.data_dir());
  if (!store.ok()) {
    err << "fleetpatch token list: " << store.error().message << "\n";
    return kExitError;
  }
  auto tokens = (*store)->list_tokens();
  if (!tokens.ok()) {
    err << "fleetpatch token list: " << tokens.error().message << "\n";
    return kExitError;
  }
  std::vector<std::array<std::string, 6>> rows = {
      {"ID", "NAME", "ROLE", "HOST", "CREATED", "REVOKED"}};
  for (const auto& t : *tokens) {
    rows.push_back({t.id, t.name, std::string(store::to_string(t.role)),
                    t.host_id.empty() ? "-" : t.host_id, core::format_rfc3339(t.created_at),
                    t.revoked_at ? core::format_rfc3339(*t.revoked_at) : "-"});
  }
  std::array<std::size_t, 6> width{};
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(width[c] - row[c].size() + 2, ' ');
    }
    *ctx.out << line << "\n";
  }
  return kExitOk;
}

int run_revoke(Context& ctx, const TokenArgs& args) {
  std::ostream& err = *ctx.err;
  auto store = store::open_store(args.database, ctx.data_dir());
  if (!store.ok()) {
    err << "fleetpatch token revoke: " << store.error().message << "\n";
    return kExitError;
  }
  const core::TimePoint now = ctx.clock->now();
  auto revoked = (*store)->revoke_token(args.id, now);
  if (!revoked.ok()) {
    err << "fleetpatch token revoke: " << revoked.error().message << "\n";
    return kExitError;
  }
  if (!*revoked) {
    err << "fleetpatch token revoke: no active token " << args.id << "\n";
    return kExitError;
  }
  auto audit = (*store)->append_audit({now, local_actor(), "token.revoke", args.id, "{}"});
  if (!audit.ok()) {
    err << "fleetpatch token revoke: the token was revoked but its audit entry failed: "
        << audit.error().message << "\n";
    return kExitError;
  }
  err << "revoked token " << args.id << "\n";
  return kExitOk;
}

}  // namespace

void add_token_command(CLI::App& app, Context& ctx, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "token", "Create, list and revoke API tokens on the store directly (local administration)");
  cmd->require_subcommand(1);
  auto args = std::make_shared<TokenArgs>();
  auto add_database = [&args](CLI::App* sub) {
    sub->add_option("--database", args->database,
                    "store URL (default: SQLite in the data directory; postgresql://...)");
  };
  auto* create = cmd->add_subcommand("create", "Create a token and print it (shown only once)");
  create->add_option("--name", args->name, "what the token is for (\"ci-pipeline\", a person)")
      ->required();
  create->add_option("--role", args->role, "viewer, operator or admin")->required();
  add_database(create);
  create->callback([&ctx, exit_code, args] { *exit_code = run_create(ctx, *args); });

  auto* list = cmd->add_subcommand("list", "List tokens (ids, names, roles; never secrets)");
  add_database(list);
  list->callback([&ctx, exit_code, args] { *exit_code = run_list(ctx, *args); });

  auto* revoke = cmd->add_subcommand("revoke", "Revoke a token by id");
  revoke->add_option("ID", args->id, "the token id (token list)")->required();
  add_database(revoke);
  revoke->callback([&ctx, exit_code, args] { *exit_code = run_revoke(ctx, *args); });
}

}  // namespace fleetpatch::cli
