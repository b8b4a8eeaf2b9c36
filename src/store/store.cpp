// What both backends share: role names, the audit and report hashes, URL dispatch and the audit
// chain verification. The byte encodings live in codec.cpp.
#include "store/store.hpp"

#include <array>
#include <utility>

#include "store/backends.hpp"
#include "store/codec.hpp"

namespace fleetpatch::store {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 4> kRoleNames{{
    {Role::kViewer, "viewer"},
    {Role::kOperator, "operator"},
    {Role::kAdmin, "admin"},
    {Role::kAgent, "agent"},
}};

// prev_hash of the first audit entry.
constexpr std::string_view kZeroHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

}  // namespace

std::string_view to_string(Role role) {
  for (const auto& [value, name] : kRoleNames) {
    if (value == role) return name;
  }
  return "unknown";
}

std::optional<Role> role_from_string(std::string_view name) {
  for (const auto& [value, role_name] : kRoleNames) {
    if (role_name == name) return value;
  }
  return std::nullopt;
}

// docs/store.md ("Audit chain") states this encoding so that an auditor can recompute it.
std::string audit_entry_hash(std::int64_t seq, const AuditEvent& event,
                             std::string_view prev_hash) {
  std::string canonical;
  canonical.reserve(160 + event.actor.size() + event.action.size() + event.target.size() +
                    event.detail.size());
  codec::append_field(canonical, "fleetpatch.audit/1");
  codec::append_field(canonical, std::to_string(seq));
  codec::append_field(canonical, core::format_rfc3339(event.at));
  codec::append_field(canonical, event.actor);
  codec::append_field(canonical, event.action);
  codec::append_field(canonical, event.target);
  codec::append_field(canonical, event.detail);
  codec::append_field(canonical, prev_hash);
  return codec::sha256_hex(canonical);
}

std::string report_content_hash(const core::HostReport& report) {
  return codec::sha256_hex(codec::encode_report_canonical(report));
}

core::Status Store::for_each_report(
    const std::function<bool(core::HostReport&&, std::vector<LedgerEntry>&&)>& fn,
    bool with_ledger) {
  core::Status failed;
  auto status = for_each_report_raw(256, with_ledger, [&](std::vector<StoredReportRow>& rows) {
    for (auto& row : rows) {
      auto report = codec::decode_report(row.report_body, row.collected_at);
      if (!report.ok()) {
        failed =
            core::Error{report.error().code, "host " + row.host_id + ": " + report.error().message};
        return false;
      }
      auto ledger = codec::decode_ledger(row.ledger_body);
      if (!ledger.ok()) {
        failed =
            core::Error{ledger.error().code, "host " + row.host_id + ": " + ledger.error().message};
        return false;
      }
      if (!fn(std::move(*report), std::move(*ledger))) return false;
    }
    return true;
  });
  if (!status.ok()) return status;
  return failed;
}

PreparedReport prepare_report(const core::HostReport& report) {
  codec::EncodedReport encoded = codec::encode_report(report);
  return {&report, std::move(encoded.body), std::move(encoded.content_hash)};
}

core::Result<std::unique_ptr<Store>> open_store(std::string_view url, const std::string& data_dir) {
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return open_postgres(std::string(url));
  }
  if (url.starts_with("sqlite:")) {
    auto path = url.substr(7);
    if (path.empty()) return core::invalid_argument("sqlite: URL without a file path");
    return open_sqlite(std::string(path));
  }
  if (url.find("://") != std::string_view::npos) {
    return core::unsupported("unsupported database URL \"" + std::string(url) +
                             "\": use a directory, sqlite:PATH or postgresql://...");
  }
  std::string dir = url.empty() ? data_dir : std::string(url);
  if (dir.empty()) return core::invalid_argument("no data directory for the SQLite store");
  if (dir.back() != '/') dir.push_back('/');
  return open_sqlite(dir + "fleet.db");
}

AuditVerifyResult verify_audit(Store& store, std::optional<std::string> expected_head) {
  AuditVerifyResult result;
  std::int64_t expected_seq = 1;
  std::string prev_hash(kZeroHash);
  bool head_seen = false;
  auto fail = [&](std::int64_t seq, std::string problem) {
    result.ok = false;
    result.first_bad_seq = seq;
    result.problem = std::move(problem);
    return false;
  };
  const auto walked = store.for_each_audit(0, [&](const AuditEntry& entry) {
    const std::string at = "entry " + std::to_string(expected_seq) + ": ";
    if (entry.seq > expected_seq) {
      return fail(expected_seq, at + "missing (the next stored entry is " +
                                    std::to_string(entry.seq) + "): an entry was removed");
    }
    if (entry.seq < expected_seq) {
      return fail(expected_seq, at + "found entry " + std::to_string(entry.seq) +
                                    " out of order: entries were reordered or duplicated");
    }
    if (entry.prev_hash != prev_hash) {
      return fail(entry.seq, at + "prev_hash does not match the hash of the entry before it: "
                                  "an entry before it was removed, reordered or rewritten");
    }
    if (entry.hash != audit_entry_hash(entry.seq, entry.event, entry.prev_hash)) {
      return fail(entry.seq, at + "hash does not match its content: the entry was edited");
    }
    if (expected_head && entry.hash == *expected_head) head_seen = true;
    prev_hash = entry.hash;
    result.entries = expected_seq;
    ++expected_seq;
    return true;
  });
  if (!walked.ok()) {
    result.ok = false;
    if (result.first_bad_seq == 0) result.first_bad_seq = expected_seq;
    result.problem = "reading the audit log failed: " + walked.error().message;
    return result;
  }
  if (result.ok && expected_head && !head_seen) {
    result.ok = false;
    result.first_bad_seq = expected_seq;
    result.problem = "the expected head " + *expected_head + " is not in the chain of " +
                     std::to_string(result.entries) +
                     " entries: the log was truncated or rewritten after it";
  }
  return result;
}

}  // namespace fleetpatch::store
