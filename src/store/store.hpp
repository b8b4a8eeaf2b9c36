// Store: everything the fleet server keeps, behind one interface (leveldb's DB/Env split is the
// model). Two backends implement it: SQLite in WAL mode inside the data directory (the default)
// and PostgreSQL through libpq (`--database postgresql://...`). One conformance suite
// (store_conformance_test.cpp) runs against both.
//
// Contracts every backend keeps:
// - A call that returns success has committed durably: a report acknowledged to an agent survives
//   a SIGKILL of the server the next instant. Backends may batch concurrent writers into one
//   transaction (group commit) as long as no caller returns before its batch committed.
// - Each call is atomic: it either happens entirely or not at all.
// - Thread-safe: the HTTP server calls one Store from many threads.
// - Versioned migrations run in open(); opening a database written by a newer fleetpatch fails
//   with a clear error instead of guessing.
// - Persisted enums keep their explicit values (core/finding.hpp, Role below).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.hpp"
#include "core/host_report.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace fleetpatch::store {

/// Persisted: DO NOT CHANGE THESE VALUES.
enum class Role : std::uint8_t {
  kViewer = 1,    // read everything
  kOperator = 2,  // viewer + exceptions, feed imports, re-evaluation
  kAdmin = 3,     // operator + tokens, policies
  kAgent = 4,     // one host: send its own reports only
};
std::string_view to_string(Role role);
std::optional<Role> role_from_string(std::string_view name);

// ---- hosts and reports ---------------------------------------------------------------------

/// A host as listed: identity and bookkeeping, without the packages.
struct HostRecord {
  std::string id;  // HostIdentity::id (the agent's enrolled identity)
  std::string hostname;
  std::vector<std::string> tags;
  std::string os_id;
  std::string os_version_id;
  std::string kernel_running;
  std::size_t package_count = 0;
  /// content_hash of the last accepted report (see report_content_hash).
  std::string report_hash;
  core::TimePoint first_report_at{};
  core::TimePoint last_report_at{};  // when the server accepted it
  std::string collected_at;          // the report's own collected_at (RFC 3339)
  std::int64_t report_seq = 0;       // increases by one per accepted report of this host
};

/// A report encoded for storing (store/codec.hpp's compressed canonical body and content hash),
/// made once: the server needs the hash for its ack and audit entry before it stores the report.
struct PreparedReport {
  const core::HostReport* report = nullptr;  // must outlive the put
  std::string body;
  std::string content_hash;  // report_content_hash(*report)
};
PreparedReport prepare_report(const core::HostReport& report);

struct PutReportResult {
  std::int64_t report_seq = 0;
  bool changed = false;  // false when the content hash equals the stored one (only times moved)
};

// ---- findings ledger ------------------------------------------------------------------------

/// A finding identity on a host: "PACKAGE ADVISORY" (the binary package name and the first
/// advisory id), the key policy/history.hpp uses. Stable across re-evaluations.
using FindingKey = std::string;

struct LedgerEntry {
  FindingKey key;
  core::TimePoint first_seen{};
};

/// A finding that went away: the time-to-fix record.
struct FixedRecord {
  std::string host_id;
  FindingKey key;
  std::string package;
  std::vector<std::string> cves;
  core::Severity severity = core::Severity::kUnknown;
  core::TimePoint first_seen{};
  core::TimePoint fixed_at{};
};

/// What one (re-)evaluation of one host changed. Applied atomically with the others of a batch.
struct LedgerUpdate {
  std::string host_id;
  std::vector<LedgerEntry> current;  // the host's open findings after the evaluation (replaces)
  std::vector<FixedRecord> fixed;    // findings that went away in this evaluation (appended)
  /// codec::encode_ledger(current), when the caller encoded it already (re-evaluation does, on
  /// its worker threads, without building `current`): backends then store these bytes and
  /// ignore `current`. Empty: `current` is encoded (and an empty `current` deletes the ledger).
  std::string current_encoded;
};

/// A stored report and ledger as the backend holds them (store/codec.hpp encodings), not decoded.
struct StoredReportRow {
  std::string host_id;
  std::string collected_at;
  std::string report_body;  // codec::encode_report(...).body
  std::string ledger_body;  // codec::encode_ledger(...); empty: no ledger, or not asked for
};

/// One re-evaluation run (a feed update, an explicit request).
struct EvaluationRun {
  std::int64_t id = 0;
  core::TimePoint started_at{};
  core::TimePoint finished_at{};
  std::string reason;  // "feed import ALSA 2026-11-26", "report", "manual"
  std::string index_checksum;
  std::int64_t hosts = 0;
  std::int64_t new_findings = 0;
  std::int64_t fixed_findings = 0;
};

// ---- exceptions, tokens, audit --------------------------------------------------------------

/// An exception or mitigation record, kept as the TOML text of one `[[exception]]` or
/// `[[mitigation]]` table (docs/policy.md), so the store and the files share one format and one
/// parser (policy/exceptions.hpp).
struct ExceptionDocument {
  std::string id;
  std::string toml;
  core::TimePoint created_at{};
  std::string created_by;  // token name
};

struct TokenRecord {
  std::string id;    // public, random; shown in listings and the audit log
  std::string hash;  // hex SHA-256 of the secret; the secret itself is never stored
  std::string name;  // "ci-pipeline", "host:web-1"
  Role role = Role::kViewer;
  std::string host_id;  // kAgent: the one host it may report for
  core::TimePoint created_at{};
  std::optional<core::TimePoint> revoked_at;
};

/// An audit event as the caller states it.
struct AuditEvent {
  core::TimePoint at{};
  std::string actor;   // token name or "system"
  std::string action;  // "report.accept", "exception.create", "token.create", "feed.import", ...
  std::string target;  // host id, exception id, token id, ...
  std::string detail;  // JSON object text, may be "{}"
};

/// A stored audit entry: the event plus its place in the hash chain.
struct AuditEntry {
  std::int64_t seq = 0;  // 1, 2, 3, ... without gaps
  AuditEvent event;
  std::string prev_hash;  // hash of entry seq-1; 64 zeros for seq 1
  std::string hash;       // audit_entry_hash(seq, event, prev_hash)
};

/// Hex SHA-256 over a canonical, length-prefixed encoding of (seq, at, actor, action, target,
/// detail, prev_hash). Defined once here so every backend and `audit verify` agree.
std::string audit_entry_hash(std::int64_t seq, const AuditEvent& event, std::string_view prev_hash);

/// Hex SHA-256 of the report's content without collected_at: two reports of a host with the
/// same hash differ only in when they were collected (the agent's "unchanged" delta).
std::string report_content_hash(const core::HostReport& report);

// ---- the interface --------------------------------------------------------------------------

class Store {
 public:
  virtual ~Store() = default;

  /// "sqlite" or "postgresql".
  virtual std::string_view backend() const = 0;
  /// Schema version after migrations.
  virtual core::Result<int> schema_version() = 0;

  // Reports. put_report stores the host's latest report (replacing the previous one) and its
  // HostRecord; an unchanged report (same content hash) only moves the times. `audit`, when
  // given, is appended to the audit chain in the same transaction (an acknowledged report always
  // has its audit entry). This is the hot path (thousands per second): backends group-commit.
  core::Result<PutReportResult> put_report(const core::HostReport& report,
                                           core::TimePoint received_at,
                                           const AuditEvent* audit = nullptr) {
    return put_prepared_report(prepare_report(report), received_at, audit, nullptr);
  }
  /// put_report of a report prepared by prepare_report. `ledger`, when given, is applied in the
  /// same transaction (as apply_ledger_updates would): the server evaluates a changed report
  /// before storing it, so the report, its findings and its audit entry commit together.
  virtual core::Result<PutReportResult> put_prepared_report(const PreparedReport& report,
                                                            core::TimePoint received_at,
                                                            const AuditEvent* audit,
                                                            const LedgerUpdate* ledger) = 0;
  /// The agent's "unchanged" report: when `report_hash` equals the stored hash, moves the times
  /// (collected_at, last_report_at), bumps report_seq and returns changed=false; otherwise
  /// returns std::nullopt and changes nothing.
  virtual core::Result<std::optional<PutReportResult>> touch_report(
      std::string_view host_id, std::string_view report_hash, std::string_view collected_at,
      core::TimePoint received_at, const AuditEvent* audit = nullptr) = 0;
  virtual core::Result<std::optional<core::HostReport>> get_report(std::string_view host_id) = 0;
  virtual core::Result<std::optional<HostRecord>> get_host(std::string_view host_id) = 0;
  /// Hosts ordered by id, after `after_id` (keyset pagination), at most `limit`.
  virtual core::Result<std::vector<HostRecord>> list_hosts(std::string_view after_id,
                                                           std::size_t limit) = 0;
  virtual core::Result<std::int64_t> host_count() = 0;
  /// Every stored report with its ledger (empty unless `with_ledger`), ordered by host id,
  /// streamed in batches (never all in memory), decoded on the calling thread: for_each_report_raw
  /// with the decoding done. `fn` returning false stops early.
  core::Status for_each_report(
      const std::function<bool(core::HostReport&&, std::vector<LedgerEntry>&&)>& fn,
      bool with_ledger);

  /// for_each_report without the decoding: batches of at most `batch_hosts` rows ordered by host
  /// id (keyset pagination, no read transaction open while `fn` runs), so the caller decodes on
  /// its own threads. Re-evaluation of a whole fleet reads this way. `fn` may move from the rows;
  /// returning false stops early.
  virtual core::Status for_each_report_raw(
      std::size_t batch_hosts, bool with_ledger,
      const std::function<bool(std::vector<StoredReportRow>&)>& fn) = 0;

  // Findings ledger (first seen / fixed at), maintained by evaluations.
  virtual core::Result<std::vector<LedgerEntry>> get_ledger(std::string_view host_id) = 0;
  /// The host's ledger as stored (codec::encode_ledger's bytes; empty when it has none), for
  /// callers that decode it into a reused codec::LedgerView (the server, once per report).
  virtual core::Result<std::string> get_ledger_encoded(std::string_view host_id) = 0;
  /// Applies all updates of a batch in one transaction.
  virtual core::Status apply_ledger_updates(const std::vector<LedgerUpdate>& updates) = 0;
  /// Fixed records of a host (empty id: of all hosts), oldest first.
  virtual core::Result<std::vector<FixedRecord>> fixed_records(std::string_view host_id) = 0;
  virtual core::Result<std::int64_t> record_evaluation(const EvaluationRun& run) = 0;
  virtual core::Result<std::vector<EvaluationRun>> evaluations(std::size_t limit) = 0;

  // Exceptions and mitigations.
  /// Fails with kAlreadyExists-style error when the id is taken.
  virtual core::Status put_exception(const ExceptionDocument& doc) = 0;
  virtual core::Result<bool> delete_exception(std::string_view id) = 0;
  virtual core::Result<std::vector<ExceptionDocument>> list_exceptions() = 0;

  // Tokens (people, automation and agents).
  virtual core::Status put_token(const TokenRecord& token) = 0;
  virtual core::Result<std::optional<TokenRecord>> find_token_by_hash(std::string_view hash) = 0;
  virtual core::Result<bool> revoke_token(std::string_view id, core::TimePoint at) = 0;
  virtual core::Result<std::vector<TokenRecord>> list_tokens() = 0;

  // Audit log: append-only and hash-chained. append_audit assigns seq and hashes inside one
  // transaction, so concurrent appenders still form one chain.
  virtual core::Result<AuditEntry> append_audit(const AuditEvent& event) = 0;
  /// Entries with seq > after_seq in seq order, streamed.
  virtual core::Status for_each_audit(std::int64_t after_seq,
                                      const std::function<bool(const AuditEntry&)>& fn) = 0;

  // Small key/value settings (feed state, enrollment secret hash, ...).
  virtual core::Status put_setting(std::string_view key, std::string_view value) = 0;
  virtual core::Result<std::optional<std::string>> get_setting(std::string_view key) = 0;
};

/// Opens the store a URL names: "" or a directory path = SQLite at DIR/fleet.db (created, WAL);
/// "sqlite:PATH" = that file; "postgresql://..." or "postgres://..." = PostgreSQL (libpq
/// connection URI). Applies migrations.
core::Result<std::unique_ptr<Store>> open_store(std::string_view url, const std::string& data_dir);

// ---- audit verification -------------------------------------------------------------------

struct AuditVerifyResult {
  std::int64_t entries = 0;
  bool ok = true;
  std::int64_t first_bad_seq = 0;  // 0 when ok
  std::string problem;             // "entry 17: hash does not match its content", ...
};

/// Walks the chain from seq 1: detects an edited entry (hash mismatch), a removed one (seq gap or
/// prev_hash mismatch) and reordered ones. `expected_head`, when given (a hash an auditor kept
/// from an earlier export), must appear as some entry's hash: truncation of the tail is detected.
AuditVerifyResult verify_audit(Store& store, std::optional<std::string> expected_head = {});

}  // namespace fleetpatch::store
