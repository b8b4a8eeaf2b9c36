// `fleetpatch audit verify [--expect-head HASH]` and `audit export [--format json|csv] [-o FILE]`:
// the hash-chained audit log of the store, checked and handed to auditors.
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "commands/commands.hpp"
#include "core/time.hpp"
#include "store/store.hpp"

namespace fleetpatch::cli {
namespace {

struct AuditArgs {
  std::string database;
  std::string expect_head;
  std::string format = "json";
  std::string output;
};

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

int run_verify(Context& ctx, const AuditArgs& args) {
  std::ostream& err = *ctx.err;
  auto store = store::open_store(args.database, ctx.data_dir());
  if (!store.ok()) {
    err << "fleetpatch audit verify: " << store.error().message << "\n";
    return kExitError;
  }
  std::optional<std::string> expected;
  if (!args.expect_head.empty()) expected = args.expect_head;
  const store::AuditVerifyResult result = store::verify_audit(**store, expected);
  if (!result.ok) {
    *ctx.out << "audit log: NOT intact after " << result.entries << " entries: " << result.problem
             << "\n";
    return kExitError;
  }
  // The head hash is what an auditor keeps to detect a later truncation (--expect-head).
  std::string head;
  auto walked = (*store)->for_each_audit(std::max<std::int64_t>(0, result.entries - 1),
                                         [&head](const store::AuditEntry& e) {
                                           head = e.hash;
                                           return true;
                                         });
  if (!walked.ok()) {
    err << "fleetpatch audit verify: " << walked.error().message << "\n";
    return kExitError;
  }
  *ctx.out << "audit log: intact, " << result.entries << " entries"
           << (head.empty() ? "" : ", head " + head) << "\n";
  return kExitOk;
}

core::Status write_export(store::Store& store, const std::string& format, std::ostream& out) {
  if (format == "csv") {
    out << "seq,at,actor,action,target,detail,prev_hash,hash\r\n";
    return store.for_each_audit(0, [&out](const store::AuditEntry& e) {
      out << e.seq << ',' << core::format_rfc3339(e.event.at) << ',' << csv_field(e.event.actor)
          << ',' << csv_field(e.event.action) << ',' << csv_field(e.event.target) << ','
          << csv_field(e.event.detail) << ',' << e.prev_hash << ',' << e.hash << "\r\n";
      return true;
    });
  }
  // JSON: one document, entries streamed one per line so a long log never sits in memory.
  out << "{\"schema\": \"fleetpatch.audit/1\", \"entries\": [";
  bool first = true;
  auto status = store.for_each_audit(0, [&](const store::AuditEntry& e) {
    nlohmann::json detail = nlohmann::json::parse(e.event.detail, nullptr, false);
    if (detail.is_discarded()) detail = e.event.detail;
    const nlohmann::json j = {{"seq", e.seq},
                              {"at", core::format_rfc3339(e.event.at)},
                              {"actor", e.event.actor},
                              {"action", e.event.action},
                              {"target", e.event.target},
                              {"detail", std::move(detail)},
                              {"prev_hash", e.prev_hash},
                              {"hash", e.hash}};
    out << (first ? "\n  " : ",\n  ") << j.dump();
    first = false;
    return true;
  });
  out << "\n]}\n";
  return status;
}

int run_export(Context& ctx, const AuditArgs& args) {
  std::ostream& err = *ctx.err;
  if (args.format != "json" && args.format != "csv") {
    err << "fleetpatch audit export: --format must be json or csv\n";
    return kExitUsage;
  }
  auto store = store::open_store(args.database, ctx.data_dir());
  if (!store.ok()) {
    err << "fleetpatch audit export: " << store.error().message << "\n";
    return kExitError;
  }
  if (args.output.empty()) {
    auto status = write_export(**store, args.format, *ctx.out);
    if (!status.ok()) {
      err << "fleetpatch audit export: " << status.error().message << "\n";
      return kExitError;
    }
    return kExitOk;
  }
  // Written beside the target and renamed over it: an auditor never gets half an export.
  const std::string tmp = args.output + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      err << "fleetpatch audit export: cannot create " << tmp << "\n";
      return kExitError;
    }
    auto status = write_export(**store, args.format, out);
    out.flush();
    if (!status.ok() || !out) {
      err << "fleetpatch audit export: "
          << (status.ok() ? "cannot write " + tmp : status.error().message) << "\n";
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return kExitError;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, args.output, ec);
  if (ec) {
    err << "fleetpatch audit export: " << args.output << ": " << ec.message() << "\n";
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

void add_audit_command(CLI::App& app, Context& ctx, int* exit_code) {
  auto* cmd = app.add_subcommand("audit", "Verify and export the store's hash-chained audit log");
  cmd->require_subcommand(1);
  auto args = std::make_shared<AuditArgs>();

  auto* verify = cmd->add_subcommand(
      "verify",
      "Check every entry's hash and the chain: exit 1 when an entry was edited, removed or "
      "reordered");
  verify->add_option("--expect-head", args->expect_head,
                     "a head hash kept from an earlier verify or export: must still be in the "
                     "chain (detects a truncated log)");
  verify->add_option("--database", args->database,
                     "store URL (default: SQLite in the data directory; postgresql://...)");
  verify->callback([&ctx, exit_code, args] { *exit_code = run_verify(ctx, *args); });

  auto* exp = cmd->add_subcommand("export", "Write every audit entry with its hashes");
  exp->add_option("--format", args->format, "json (default) or csv");
  exp->add_option("-o,--output", args->output, "file to write (default: standard output)");
  exp->add_option("--database", args->database,
                  "store URL (default: SQLite in the data directory; postgresql://...)");
  exp->callback([&ctx, exit_code, args] { *exit_code = run_export(ctx, *args); });
}

}  // namespace fleetpatch::cli
