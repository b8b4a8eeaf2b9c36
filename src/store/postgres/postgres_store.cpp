// The PostgreSQL store (`--database postgresql://...`), for fleets one SQLite file should not
// carry and for several `serve` replicas over one database.
//
// - Same tables, columns and encodings as the SQLite backend (codec.hpp: report bodies, ledgers
//   and string lists are the same bytes), every table keyed by host id where it holds per-host
//   rows, so that the schema can be distributed by host (ARCHITECTURE.md "Scale"). Times are
//   Unix seconds (bigint), as in SQLite. Keys compare bytewise (COLLATE "C") so that keyset
//   pagination orders hosts the way SQLite does, whatever the database's locale.
// - Migrations run in open(), in one transaction under an advisory lock: replicas starting
//   together apply them once; a database migrated by a newer fleetpatch is refused.
// - put_report/touch_report are group-committed: callers encode their report in their own thread
//   and enqueue it; one writer thread sends a whole batch as one pipelined transaction (libpq
//   pipeline mode: two round trips per batch) and wakes the callers after COMMIT returned. With
//   synchronous_commit on (the default), COMMIT returning means the WAL is flushed.
// - Audit appends take a transaction-scoped advisory lock before reading the chain head, so
//   concurrent appenders (threads, replicas) form one chain; the lock is per schema.
// - Everything else runs on a small connection pool; statements are prepared per connection.
//
// A URL whose search_path names a schema that does not exist yet gets it created
// (postgresql://.../db?options=-csearch_path%3Dtenant): one database can hold several stores.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <initializer_list>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "store/backends.hpp"
#include "store/codec.hpp"
#include "store/postgres/pg_conn.hpp"
#include "store/store.hpp"

namespace fleetpatch::store {
namespace {

using core::Error;
using core::ErrorCode;
using core::Result;
using core::Status;
using pg::Params;
using pg::Queued;
using pg::ResultFormat;
using pg::ResultPtr;
using pg::Statement;

constexpr std::string_view kZeroHash =
    "0000000000000000000000000000000000000000000000000000000000000000";
static_assert(kZeroHash.size() == 64);

// ---- schema -------------------------------------------------------------------------------

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Append only: a released migration never changes (databases in the field already ran it).
// Mirrors the SQLite schema (sqlite/sqlite_store.cpp) column for column.
constexpr Migration kMigrations[] = {
    {1, "initial schema",
     R"sql(
CREATE TABLE hosts (
  id text COLLATE "C" PRIMARY KEY,
  hostname text NOT NULL,
  tags text NOT NULL,              -- JSON array of strings
  os_id text NOT NULL,
  os_version_id text NOT NULL,
  kernel_running text NOT NULL,
  package_count bigint NOT NULL,
  report_hash text NOT NULL,
  first_report_at bigint NOT NULL, -- Unix seconds
  last_report_at bigint NOT NULL,
  collected_at text NOT NULL,
  report_seq bigint NOT NULL
) WITH (fillfactor = 70);  -- room for HOT updates: every accepted report rewrites its host row
CREATE TABLE reports (
  host_id text COLLATE "C" PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  body bytea NOT NULL              -- codec::encode_report (zstd of the canonical encoding)
);
-- Already compressed: keep PostgreSQL from trying pglz on it again.
ALTER TABLE reports ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE TABLE ledgers (
  host_id text COLLATE "C" PRIMARY KEY,
  body bytea NOT NULL              -- codec::encode_ledger
);
ALTER TABLE ledgers ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE TABLE fixed_findings (
  host_id text COLLATE "C" NOT NULL,
  id bigserial NOT NULL,
  key text NOT NULL,
  package text NOT NULL,
  cves text NOT NULL,              -- JSON array of strings
  severity smallint NOT NULL,      -- core::Severity value
  first_seen bigint NOT NULL,
  fixed_at bigint NOT NULL,
  PRIMARY KEY (host_id, id)
);
CREATE INDEX fixed_findings_host ON fixed_findings (host_id, fixed_at, id);
CREATE INDEX fixed_findings_time ON fixed_findings (fixed_at, id);
CREATE TABLE evaluations (
  id bigserial PRIMARY KEY,
  started_at bigint NOT NULL,
  finished_at bigint NOT NULL,
  reason text NOT NULL,
  index_checksum text NOT NULL,
  hosts bigint NOT NULL,
  new_findings bigint NOT NULL,
  fixed_findings bigint NOT NULL
);
CREATE TABLE exceptions (
  id text COLLATE "C" PRIMARY KEY,
  toml text NOT NULL,
  created_at bigint NOT NULL,
  created_by text NOT NULL
);
CREATE TABLE tokens (
  id text COLLATE "C" PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  name text NOT NULL,
  role smallint NOT NULL,          -- store::Role value
  host_id text NOT NULL,
  created_at bigint NOT NULL,
  revoked_at bigint
);
CREATE TABLE audit (
  seq bigint PRIMARY KEY,
  at bigint NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  detail text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE TABLE settings (
  key text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
)sql"},  // No table changes: ledger bodies may now be version 2 (codec.hpp, the keys digest up
         // front),
    // which an older fleetpatch cannot decode. The version bump makes such a build refuse the
    // database at open ("newer than this fleetpatch supports") instead of failing on every host
    // it evaluates: in a deployment of several servers, upgrade them together.
    {2, "ledger bodies may be version 2 (keys digest); older fleetpatch cannot read them",
     "SELECT 1"},
    // No table changes either: report bodies are now LZ4 frames (codec::compress_lz4), which
    // an older fleetpatch cannot decode; the same reasoning as migration 2.
    {3, "report bodies may be LZ4 frames; older fleetpatch cannot read them", "SELECT 1"},
};

constexpr int kLatestVersion = kMigrations[std::size(kMigrations) - 1].version;

// Advisory lock keys (first half of the two-int4 form). Migrations take one lock per database
// (however a URL spells its search_path, one schema must not be migrated twice at once); audit
// appends add a hash of the schema, so that stores in different schemas do not wait for each
// other.
constexpr int kMigrationLock = 0x66706d67;  // "fpmg"
// The audit chain's advisory lock key, 0x66706175 ("fpau"), spelled out in kAuditLockSql.
#define FP_AUDIT_LOCK_KEY "1718641013"

// ---- statements ---------------------------------------------------------------------------

// A macro so that the statements below are string literals (no static std::string that could
// throw before main).
#define FP_HOST_COLUMNS                                                                    \
  "id, hostname, tags, os_id, os_version_id, kernel_running, package_count, report_hash, " \
  "first_report_at, last_report_at, collected_at, report_seq"

// Reports are stored by kPutMany, for every host of a batch written once in it in one statement
// (two statements per report, executed one after the other by the writer's one backend, were most
// of PostgreSQL's CPU per accepted full report, as they were for touches: kTouchMany), and for a
// host written more than once in a batch one statement per put, in arrival order. kLockHosts
// first locks every put's host row that exists, in id order: the sub-statements of one WITH run in
// no defined order, so kPutMany could not both lock a row and read its old hash. kPutMany reads
// the stored hashes (a fresh READ COMMITTED snapshot, taken under the locks), upserts the host
// rows (report_seq + 1, first_report_at kept; an unchanged hash rewrites the same values) and
// writes a body only when the content changed. Returns a row (id, report_seq, previous hash or
// NULL) per host.
const Statement kLockHosts{36, "fp_lock_hosts",
                           "SELECT 1 FROM hosts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE"};
const Statement kPutMany{37, "fp_put_many", R"sql(
WITH u AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::bigint[], $8::text[], $9::bigint[], $10::text[], $11::bytea[])
    AS u(id, hostname, tags, os_id, os_version_id, kernel_running, package_count, report_hash,
         received, collected_at, body)
), old AS (
  SELECT h.id, h.report_hash FROM hosts h JOIN u ON h.id = u.id COLLATE "C"
), up AS (
  INSERT INTO hosts AS h (id, hostname, tags, os_id, os_version_id, kernel_running,
                          package_count, report_hash, first_report_at, last_report_at,
                          collected_at, report_seq)
  SELECT id, hostname, tags, os_id, os_version_id, kernel_running, package_count, report_hash,
         received, received, collected_at, 1 FROM u
  ON CONFLICT (id) DO UPDATE SET
    hostname = EXCLUDED.hostname, tags = EXCLUDED.tags, os_id = EXCLUDED.os_id,
    os_version_id = EXCLUDED.os_version_id, kernel_running = EXCLUDED.kernel_running,
    package_count = EXCLUDED.package_count,
    report_hash = EXCLUDED.report_hash,
    last_report_at = EXCLUDED.last_report_at,
    collected_at = EXCLUDED.collected_at,
    report_seq = h.report_seq + 1
  RETURNING h.id, h.report_seq
), body AS (
  INSERT INTO reports AS r (host_id, body)
  SELECT u.id, u.body FROM u LEFT JOIN old ON old.id = u.id COLLATE "C"
  WHERE old.report_hash IS DISTINCT FROM u.report_hash
  ON CONFLICT (host_id) DO UPDATE SET body = EXCLUDED.body
)
SELECT up.id, up.report_seq, old.report_hash FROM up LEFT JOIN old ON old.id = up.id COLLATE "C"
)sql"};
const Statement kTouchReport{1, "fp_touch_report",
                             "UPDATE hosts SET collected_at = $3, last_report_at = $4::bigint, "
                             "report_seq = report_seq + 1 WHERE id = $1 AND report_hash = $2 "
                             "RETURNING report_seq"};
constexpr const char* kAuditLockSql =
    "SELECT pg_advisory_xact_lock(" FP_AUDIT_LOCK_KEY ", hashtext(coalesce(current_schema(), '')))";
// An audited touch sent in a one-round-trip batch: fails (division by zero) when the hash did
// not match, since the batch's audit chain was computed assuming it would.
const Statement kTouchReportOrFail{31, "fp_touch_report_or_fail", R"sql(
WITH t AS (
  UPDATE hosts SET collected_at = $3, last_report_at = $4::bigint, report_seq = report_seq + 1
  WHERE id = $1 AND report_hash = $2 RETURNING report_seq
)
SELECT (SELECT report_seq FROM t), 1 / (SELECT count(*) FROM t)
)sql"};
// Every touch of a batch whose host has no other write in it, as one statement: per-statement
// overhead in the server's one writer backend, not the row updates, bounded the rate of
// unchanged reports (two statements per report, executed one after the other). Returns a row
// (id, report_seq) per matched touch, then a sentinel row (NULL, 1) — or, when $6 (the guard) is
// true and an audited touch did not match, fails by division by zero, as kTouchReportOrFail does
// for one touch.
const Statement kTouchMany{33, "fp_touch_many", R"sql(
WITH u AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::boolean[])
    AS u(id, hash, collected_at, received, audited)
), t AS (
  UPDATE hosts h SET collected_at = u.collected_at, last_report_at = u.received,
                     report_seq = h.report_seq + 1
  FROM u WHERE h.id = u.id COLLATE "C" AND h.report_hash = u.hash
  RETURNING h.id, h.report_seq, u.audited
)
SELECT id, report_seq FROM t
UNION ALL
SELECT NULL, 1 / (CASE WHEN NOT $6::boolean OR (SELECT count(*) FROM t WHERE audited) =
                            (SELECT count(*) FROM u WHERE audited) THEN 1 ELSE 0 END)
)sql"};
// A batch's audit entries as one statement (arrays of the columns, in seq order).
const Statement kAuditInsertMany{34, "fp_audit_insert_many",
                                 "INSERT INTO audit (seq, at, actor, action, target, detail, "
                                 "prev_hash, hash) SELECT * FROM unnest($1::bigint[], "
                                 "$2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], "
                                 "$7::text[], $8::text[])"};
// Fails (division by zero) unless the chain's last entry is ($1, $2).
const Statement kAuditHeadIs{32, "fp_audit_head_is",
                             "SELECT 1 / (SELECT count(*) FROM (SELECT seq, hash FROM audit "
                             "ORDER BY seq DESC LIMIT 1) h WHERE h.seq = $1::bigint AND "
                             "h.hash = $2)"};
const Statement kAuditLockStmt{2, "fp_audit_lock", kAuditLockSql};
const Statement kAuditHead{3, "fp_audit_head",
                           "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"};
const Statement kAuditInsert{4, "fp_audit_insert",
                             "INSERT INTO audit (seq, at, actor, action, target, detail, "
                             "prev_hash, hash) VALUES ($1::bigint, $2::bigint, $3, $4, $5, $6, "
                             "$7, $8)"};
const Statement kGetReport{5, "fp_get_report",
                           "SELECT r.body, h.collected_at FROM reports r JOIN hosts h "
                           "ON h.id = r.host_id WHERE r.host_id = $1"};
const Statement kGetHost{6, "fp_get_host", "SELECT " FP_HOST_COLUMNS " FROM hosts WHERE id = $1"};
const Statement kListHosts{
    7, "fp_list_hosts", "SELECT " FP_HOST_COLUMNS " FROM hosts WHERE id > $1 ORDER BY id LIMIT $2"};
const Statement kHostCount{8, "fp_host_count", "SELECT count(*) FROM hosts"};
// The repeated "> $1" lets every index scan of the merge join start at the batch's first key
// instead of at the first row (quadratic over a 300,000-host walk otherwise).
const Statement kReportBatch{9, "fp_report_batch",
                             "SELECT h.id, h.collected_at, r.body, NULL::bytea FROM hosts h "
                             "JOIN reports r ON r.host_id = h.id "
                             "WHERE h.id > $1 AND r.host_id > $1 ORDER BY h.id LIMIT $2"};
const Statement kReportBatchLedger{10, "fp_report_batch_ledger",
                                   "SELECT h.id, h.collected_at, r.body, l.body FROM hosts h "
                                   "JOIN reports r ON r.host_id = h.id "
                                   "LEFT JOIN ledgers l ON l.host_id = h.id AND l.host_id > $1 "
                                   "WHERE h.id > $1 AND r.host_id > $1 ORDER BY h.id LIMIT $2"};
// The stored ledgers of the hosts whose reports are being evaluated at the same moment (see
// PostgresStore::get_ledger_encoded).
const Statement kGetLedgers{38, "fp_get_ledgers",
                            "SELECT host_id, body FROM ledgers WHERE host_id = ANY($1::text[])"};
const Statement kPutLedger{12, "fp_put_ledger",
                           "INSERT INTO ledgers (host_id, body) VALUES ($1, $2::bytea) "
                           "ON CONFLICT (host_id) DO UPDATE SET body = EXCLUDED.body"};
// The ledgers of many hosts (each at most once) in one statement: re-evaluation rewrites every
// host's ledger, and one statement per host was a large share of it.
const Statement kPutLedgerMany{35, "fp_put_ledger_many",
                               "INSERT INTO ledgers (host_id, body) SELECT * FROM "
                               "unnest($1::text[], $2::bytea[]) "
                               "ON CONFLICT (host_id) DO UPDATE SET body = EXCLUDED.body"};
const Statement kDeleteLedger{13, "fp_delete_ledger", "DELETE FROM ledgers WHERE host_id = $1"};
const Statement kInsertFixed{14, "fp_insert_fixed",
                             "INSERT INTO fixed_findings (host_id, key, package, cves, severity, "
                             "first_seen, fixed_at) VALUES ($1, $2, $3, $4, $5::smallint, "
                             "$6::bigint, $7::bigint)"};
const Statement kFixedOfHost{15, "fp_fixed_of_host",
                             "SELECT host_id, key, package, cves, severity, first_seen, fixed_at "
                             "FROM fixed_findings WHERE host_id = $1 ORDER BY fixed_at, id"};
const Statement kFixedAll{16, "fp_fixed_all",
                          "SELECT host_id, key, package, cves, severity, first_seen, fixed_at "
                          "FROM fixed_findings ORDER BY fixed_at, id"};
const Statement kRecordEvaluation{17, "fp_record_evaluation",
                                  "INSERT INTO evaluations (started_at, finished_at, reason, "
                                  "index_checksum, hosts, new_findings, fixed_findings) VALUES "
                                  "($1::bigint, $2::bigint, $3, $4, $5::bigint, $6::bigint, "
                                  "$7::bigint) RETURNING id"};
const Statement kEvaluations{18, "fp_evaluations",
                             "SELECT id, started_at, finished_at, reason, index_checksum, hosts, "
                             "new_findings, fixed_findings FROM evaluations ORDER BY id DESC "
                             "LIMIT $1::bigint"};
const Statement kPutException{19, "fp_put_exception",
                              "INSERT INTO exceptions (id, toml, created_at, created_by) "
                              "VALUES ($1, $2, $3::bigint, $4) ON CONFLICT (id) DO NOTHING "
                              "RETURNING id"};
const Statement kDeleteException{20, "fp_delete_exception",
                                 "DELETE FROM exceptions WHERE id = $1 RETURNING id"};
const Statement kListExceptions{21, "fp_list_exceptions",
                                "SELECT id, toml, created_at, created_by FROM exceptions "
                                "ORDER BY id"};
const Statement kPutToken{22, "fp_put_token",
                          "INSERT INTO tokens (id, hash, name, role, host_id, created_at, "
                          "revoked_at) VALUES ($1, $2, $3, $4::smallint, $5, $6::bigint, "
                          "$7::bigint) ON CONFLICT DO NOTHING RETURNING id"};
const Statement kFindToken{23, "fp_find_token",
                           "SELECT id, hash, name, role, host_id, created_at, revoked_at "
                           "FROM tokens WHERE hash = $1"};
// Revoking twice keeps the first time: the audit trail already recorded it.
const Statement kRevokeToken{24, "fp_revoke_token",
                             "UPDATE tokens SET revoked_at = coalesce(revoked_at, $2::bigint) "
                             "WHERE id = $1 RETURNING id"};
const Statement kListTokens{25, "fp_list_tokens",
                            "SELECT id, hash, name, role, host_id, created_at, revoked_at "
                            "FROM tokens ORDER BY created_at, id"};
const Statement kAuditAfter{26, "fp_audit_after",
                            "SELECT seq, at, actor, action, target, detail, prev_hash, hash "
                            "FROM audit WHERE seq > $1::bigint ORDER BY seq LIMIT $2::bigint"};
const Statement kPutSetting{27, "fp_put_setting",
                            "INSERT INTO settings (key, value) VALUES ($1, $2) "
                            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"};
const Statement kGetSetting{28, "fp_get_setting", "SELECT value FROM settings WHERE key = $1"};
const Statement kSchemaVersion{29, "fp_schema_version",
                               "SELECT coalesce(max(version), 0) FROM schema_migrations"};

// ---- rows ---------------------------------------------------------------------------------

std::string text_of(const PGresult* r, int row, int col) {
  return std::string(pg::text_at(r, row, col));
}

Result<HostRecord> host_from_row(const PGresult* r, int row) {
  HostRecord h;
  h.id = text_of(r, row, 0);
  h.hostname = text_of(r, row, 1);
  auto tags = codec::decode_string_list(pg::text_at(r, row, 2));
  if (!tags.ok()) return tags.error();
  h.tags = std::move(*tags);
  h.os_id = text_of(r, row, 3);
  h.os_version_id = text_of(r, row, 4);
  h.kernel_running = text_of(r, row, 5);
  h.package_count = static_cast<std::size_t>(pg::int_at(r, row, 6));
  h.report_hash = text_of(r, row, 7);
  h.first_report_at = codec::from_unix(pg::int_at(r, row, 8));
  h.last_report_at = codec::from_unix(pg::int_at(r, row, 9));
  h.collected_at = text_of(r, row, 10);
  h.report_seq = pg::int_at(r, row, 11);
  return h;
}

Result<TokenRecord> token_from_row(const PGresult* r, int row) {
  TokenRecord t;
  t.id = text_of(r, row, 0);
  t.hash = text_of(r, row, 1);
  t.name = text_of(r, row, 2);
  const auto role = pg::int_at(r, row, 3);
  if (role < 1 || role > 4) {
    return Error{ErrorCode::kInternal,
                 "token " + t.id + " has unknown role " + std::to_string(role)};
  }
  t.role = static_cast<Role>(role);
  t.host_id = text_of(r, row, 4);
  t.created_at = codec::from_unix(pg::int_at(r, row, 5));
  if (!pg::is_null(r, row, 6)) t.revoked_at = codec::from_unix(pg::int_at(r, row, 6));
  return t;
}

std::int64_t clamp_limit(std::size_t limit) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

Params audit_params(const AuditEntry& e) {
  Params p;
  p.integer(e.seq)
      .integer(codec::to_unix(e.event.at))
      .text(e.event.actor)
      .text(e.event.action)
      .text(e.event.target)
      .text(e.event.detail)
      .text(e.prev_hash)
      .text(e.hash);
  return p;
}

/// Appends each array's literal as a text parameter, in order (the batched statements take one
/// array per column).
Params& add_arrays(Params& p, std::initializer_list<const pg::TextArray*> arrays) {
  for (const pg::TextArray* array : arrays) p.text(array->str());
  return p;
}

/// kAuditInsertMany's parameters for `entries`.
Params audit_many_params(const std::vector<AuditEntry>& entries) {
  pg::TextArray seq, at, actor, action, target, detail, prev, hash;
  for (const auto& e : entries) {
    seq.add(e.seq);
    at.add(codec::to_unix(e.event.at));
    actor.add(e.event.actor);
    action.add(e.event.action);
    target.add(e.event.target);
    detail.add(e.event.detail);
    prev.add(e.prev_hash);
    hash.add(e.hash);
  }
  Params p;
  return add_arrays(p, {&seq, &at, &actor, &action, &target, &detail, &prev, &hash});
}

/// The last entry of the audit chain: (0, 64 zeros) for an empty log.
struct ChainHead {
  std::int64_t seq = 0;
  std::string hash;
};

/// The head a kAuditHead result names.
ChainHead head_of(const PGresult* result) {
  if (PQntuples(result) == 0) return {0, std::string(kZeroHash)};
  return {pg::int_at(result, 0, 0), text_of(result, 0, 1)};
}

/// Chains `events` after `head`.
std::vector<AuditEntry> chain_after(const ChainHead& head,
                                    const std::vector<const AuditEvent*>& events) {
  std::int64_t seq = head.seq;
  std::string prev = head.hash;
  std::vector<AuditEntry> entries;
  entries.reserve(events.size());
  for (const AuditEvent* event : events) {
    AuditEntry e;
    e.seq = ++seq;
    e.event = *event;
    e.prev_hash = prev;
    e.hash = audit_entry_hash(e.seq, e.event, e.prev_hash);
    prev = e.hash;
    entries.push_back(std::move(e));
  }
  return entries;
}

/// Rolls back whatever `conn` left open after a failure (a no-op on a broken connection).
void abandon(pg::Connection& conn) {
  if (PQstatus(conn.raw()) != CONNECTION_OK) return;
  if (PQpipelineStatus(conn.raw()) != PQ_PIPELINE_OFF) return;  // broken mid-pipeline: dropped
  if (PQtransactionStatus(conn.raw()) != PQTRANS_IDLE) (void)conn.exec("ROLLBACK");
}

// ---- group commit -------------------------------------------------------------------------

using WriteOutcome = Result<std::optional<PutReportResult>>;

/// One put_report or touch_report waiting for the writer. Its parameters are built by the
/// calling thread (encoding a report is the expensive part and runs in parallel there).
struct WriteOp {
  bool touch = false;
  std::string host_id;
  // touch: the values of `params`, for kTouchMany.
  std::string touch_hash;
  std::string touch_collected_at;
  std::int64_t touch_received = 0;
  std::string new_hash;  // put: the report's content hash
  // put: the report (valid until `done` is set: the caller waits for it) and its receive time,
  // for kPutMany.
  const PreparedReport* prepared = nullptr;
  std::int64_t put_received = 0;
  /// touch: kTouchReport's parameters; put: its own kPutMany's, built by the writer when it stores
  /// the put on its own (single_put_params).
  Params params;
  std::optional<AuditEvent> audit;
  /// put: statements that follow the write in its transaction (the report's ledger update).
  std::vector<std::pair<const Statement*, Params>> then;
  std::promise<WriteOutcome> done;
};

/// What the result row of a write stored on its own says: the new report_seq and whether the
/// content changed; nothing for a touch whose hash did not match.
std::optional<PutReportResult> write_outcome(const WriteOp& op, const PGresult* r) {
  if (PQntuples(r) != 1) return std::nullopt;
  if (op.touch) {
    if (pg::is_null(r, 0, 0)) return std::nullopt;
    return PutReportResult{pg::int_at(r, 0, 0), false};
  }
  // kPutMany's row: (id, report_seq, previous hash or NULL).
  const bool same = !pg::is_null(r, 0, 2) && pg::text_at(r, 0, 2) == op.new_hash;
  return PutReportResult{pg::int_at(r, 0, 1), !same};
}

/// The writes of one kind (touches or puts) of a batch that go into one batched statement
/// (kTouchMany, kPutMany): those whose host has no other write in the batch (`order` sorts the
/// batch by host id), when there are at least two.
std::vector<bool> batched_writes(const std::vector<WriteOp*>& ops,
                                 const std::vector<std::size_t>& order, bool touches) {
  std::vector<bool> batched(ops.size(), false);
  std::size_t count = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const WriteOp& op = *ops[order[k]];
    if (op.touch != touches) continue;
    const bool alone = (k == 0 || ops[order[k - 1]]->host_id != op.host_id) &&
                       (k + 1 == order.size() || ops[order[k + 1]]->host_id != op.host_id);
    batched[order[k]] = alone;
    count += alone ? 1 : 0;
  }
  if (count < 2) std::fill(batched.begin(), batched.end(), false);
  return batched;
}

/// kTouchMany's parameters for the batched touches; `guard`: fail unless every audited one
/// matches.
Params touch_many_params(const std::vector<WriteOp*>& ops, const std::vector<std::size_t>& order,
                         const std::vector<bool>& batched, bool guard) {
  pg::TextArray ids, hashes, collected, received, audited;
  for (std::size_t i : order) {
    if (!batched[i]) continue;
    const WriteOp& op = *ops[i];
    ids.add(op.host_id);
    hashes.add(op.touch_hash);
    collected.add(op.touch_collected_at);
    received.add(op.touch_received);
    audited.add(op.audit.has_value());
  }
  Params p;
  add_arrays(p, {&ids, &hashes, &collected, &received, &audited}).text(guard ? "true" : "false");
  return p;
}

/// Queues one kTouchMany for the batched touches (if any) with its parameters in `params`,
/// which must outlive the pipeline; returns its index in `queued`, 0 when there is none.
std::size_t queue_touch_many(const std::vector<WriteOp*>& ops,
                             const std::vector<std::size_t>& order,
                             const std::vector<bool>& batched, bool guard, Params& params,
                             std::vector<Queued>& queued) {
  if (std::find(batched.begin(), batched.end(), true) == batched.end()) return 0;
  params = touch_many_params(ops, order, batched, guard);
  queued.push_back({&kTouchMany, &params});
  return queued.size() - 1;
}

/// The outcomes of the batched touches from kTouchMany's result (a touch without a row did not
/// match).
void touch_many_outcomes(const std::vector<WriteOp*>& ops, const std::vector<bool>& batched,
                         const PGresult* result,
                         std::vector<std::optional<PutReportResult>>& outcomes) {
  std::unordered_map<std::string_view, std::int64_t> seq_of;
  const int rows = PQntuples(result);
  for (int row = 0; row + 1 < rows; ++row) {  // the last row is the sentinel
    seq_of.emplace(pg::text_at(result, row, 0), pg::int_at(result, row, 1));
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (!batched[i]) continue;
    const auto it = seq_of.find(ops[i]->host_id);
    outcomes[i] =
        it == seq_of.end() ? std::nullopt : std::optional(PutReportResult{it->second, false});
  }
}

/// kPutMany's parameters for `puts` (each host at most once), read from their prepared reports.
Params put_many_params(const std::vector<const WriteOp*>& puts) {
  pg::TextArray ids, hostnames, tags, os_ids, os_versions, kernels, package_counts, hashes,
      received, collected;
  pg::BinaryArray bodies(/*bytea*/ 17);
  for (const WriteOp* op : puts) {
    const core::HostReport& report = *op->prepared->report;
    ids.add(op->host_id);
    hostnames.add(report.host.hostname);
    tags.add(codec::encode_string_list(report.host.tags));
    os_ids.add(report.os.id);
    os_versions.add(report.os.version_id);
    kernels.add(report.kernel.running);
    package_counts.add(static_cast<std::int64_t>(report.packages.size()));
    hashes.add(op->new_hash);
    received.add(op->put_received);
    collected.add(report.collected_at);
    bodies.add(op->prepared->body);
  }
  Params p;
  add_arrays(p, {&ids, &hostnames, &tags, &os_ids, &os_versions, &kernels, &package_counts, &hashes,
                 &received, &collected})
      .binary(bodies.take());
  return p;
}

/// The parameters of a put stored on its own (a one-host kPutMany), built on first use.
const Params& single_put_params(WriteOp& op) {
  if (op.params.size() == 0) op.params = put_many_params({&op});
  return op.params;
}

/// kLockHosts's parameter: every put's host, once each, in id order (`order` sorts by id).
Params lock_hosts_params(const std::vector<WriteOp*>& ops, const std::vector<std::size_t>& order) {
  pg::TextArray ids;
  const std::string* last = nullptr;
  for (std::size_t i : order) {
    if (ops[i]->touch || (last != nullptr && *last == ops[i]->host_id)) continue;
    ids.add(ops[i]->host_id);
    last = &ops[i]->host_id;
  }
  Params p;
  p.text(ids.str());
  return p;
}

/// Queues the batch's puts: one kLockHosts for every put's host (so the rows are locked in id
/// order before anything is written), then one kPutMany for the batched ones (if any). `lock` and
/// `many` must outlive the pipeline; returns kPutMany's index in `queued`, 0 when there is none.
std::size_t queue_puts(const std::vector<WriteOp*>& ops, const std::vector<std::size_t>& order,
                       const std::vector<bool>& batched, Params& lock, Params& many,
                       std::vector<Queued>& queued) {
  if (std::all_of(ops.begin(), ops.end(), [](const WriteOp* op) { return op->touch; })) return 0;
  lock = lock_hosts_params(ops, order);
  queued.push_back({&kLockHosts, &lock});
  std::vector<const WriteOp*> puts;
  for (std::size_t i : order) {
    if (batched[i]) puts.push_back(ops[i]);
  }
  if (puts.empty()) return 0;
  many = put_many_params(puts);
  queued.push_back({&kPutMany, &many});
  return queued.size() - 1;
}

/// The outcomes of the batched puts from kPutMany's result.
void put_many_outcomes(const std::vector<WriteOp*>& ops, const std::vector<bool>& batched,
                       const PGresult* result,
                       std::vector<std::optional<PutReportResult>>& outcomes) {
  std::unordered_map<std::string_view, int> row_of;
  for (int row = 0; row < PQntuples(result); ++row)
    row_of.emplace(pg::text_at(result, row, 0), row);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (!batched[i]) continue;
    const auto it = row_of.find(ops[i]->host_id);
    if (it == row_of.end()) continue;  // cannot happen: every row of u is upserted
    const bool same = !pg::is_null(result, it->second, 2) &&
                      pg::text_at(result, it->second, 2) == ops[i]->new_hash;
    outcomes[i] = PutReportResult{pg::int_at(result, it->second, 1), !same};
  }
}

/// The statements that apply one ledger update (inside the caller's transaction).
/// `with_ledger` false: only the fixed records (the caller writes the ledger itself).
std::vector<std::pair<const Statement*, Params>> ledger_statements(const LedgerUpdate& u,
                                                                   bool with_ledger = true) {
  std::vector<std::pair<const Statement*, Params>> out;
  if (with_ledger) {
    Params ledger;
    ledger.text(u.host_id);
    if (!u.current_encoded.empty()) {
      ledger.binary(u.current_encoded);
      out.emplace_back(&kPutLedger, std::move(ledger));
    } else if (u.current.empty()) {
      out.emplace_back(&kDeleteLedger, std::move(ledger));
    } else {
      ledger.binary(codec::encode_ledger(u.current));
      out.emplace_back(&kPutLedger, std::move(ledger));
    }
  }
  for (const auto& f : u.fixed) {
    Params fixed;
    // The update names the host; a record's own host_id may be left empty by callers.
    fixed.text(f.host_id.empty() ? u.host_id : f.host_id)
        .text(f.key)
        .text(f.package)
        .text(codec::encode_string_list(f.cves))
        .integer(static_cast<std::int64_t>(f.severity))
        .integer(codec::to_unix(f.first_seen))
        .integer(codec::to_unix(f.fixed_at));
    out.emplace_back(&kInsertFixed, std::move(fixed));
  }
  return out;
}

class PostgresStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> open(const std::string& url);
  ~PostgresStore() override;

  std::string_view backend() const override { return "postgresql"; }
  Result<int> schema_version() override;

  Result<PutReportResult> put_prepared_report(const PreparedReport& prepared,
                                              core::TimePoint received_at, const AuditEvent* audit,
                                              const LedgerUpdate* ledger) override;
  Result<std::optional<PutReportResult>> touch_report(std::string_view host_id,
                                                      std::string_view report_hash,
                                                      std::string_view collected_at,
                                                      core::TimePoint received_at,
                                                      const AuditEvent* audit) override;
  Result<std::optional<core::HostReport>> get_report(std::string_view host_id) override;
  Result<std::optional<HostRecord>> get_host(std::string_view host_id) override;
  Result<std::vector<HostRecord>> list_hosts(std::string_view after_id, std::size_t limit) override;
  Result<std::int64_t> host_count() override;
  Status for_each_report_raw(std::size_t batch_hosts, bool with_ledger,
                             const std::function<bool(std::vector<StoredReportRow>&)>& fn) override;

  Result<std::vector<LedgerEntry>> get_ledger(std::string_view host_id) override;
  Result<std::string> get_ledger_encoded(std::string_view host_id) override;
  Status apply_ledger_updates(const std::vector<LedgerUpdate>& updates) override;
  Result<std::vector<FixedRecord>> fixed_records(std::string_view host_id) override;
  Result<std::int64_t> record_evaluation(const EvaluationRun& run) override;
  Result<std::vector<EvaluationRun>> evaluations(std::size_t limit) override;

  Status put_exception(const ExceptionDocument& doc) override;
  Result<bool> delete_exception(std::string_view id) override;
  Result<std::vector<ExceptionDocument>> list_exceptions() override;

  Status put_token(const TokenRecord& token) override;
  Result<std::optional<TokenRecord>> find_token_by_hash(std::string_view hash) override;
  Result<bool> revoke_token(std::string_view id, core::TimePoint at) override;
  Result<std::vector<TokenRecord>> list_tokens() override;

  Result<AuditEntry> append_audit(const AuditEvent& event) override;
  Status for_each_audit(std::int64_t after_seq,
                        const std::function<bool(const AuditEntry&)>& fn) override;

  Status put_setting(std::string_view key, std::string_view value) override;
  Result<std::optional<std::string>> get_setting(std::string_view key) override;

 private:
  explicit PostgresStore(std::string url) : url_(std::move(url)), pool_(url_, pool_size()) {}

  static std::size_t pool_size() {
    // Connections beside the writer's: reads are short, so a few per core serve many HTTP
    // threads; PostgreSQL's default max_connections (100) is shared by every replica.
    return std::clamp<std::size_t>(std::size_t{2} * std::thread::hardware_concurrency(), 4, 16);
  }

  /// Runs one prepared statement on a pooled connection.
  Result<ResultPtr> run(const Statement& statement, const Params& params,
                        ResultFormat format = ResultFormat::kText);

  /// Tells the writer a report is on its way (its caller is encoding it).
  void begin_preparing();
  /// Queues `op` for the writer and waits until its batch committed (or failed).
  WriteOutcome enqueue(std::unique_ptr<WriteOp> op, bool was_preparing);
  static constexpr std::chrono::microseconds kGatherWait{2000};
  void writer_loop();
  void commit_ops(std::vector<std::unique_ptr<WriteOp>>& ops);
  /// Writes `ops` in one transaction. `maybe_committed` is set once COMMIT has been sent: a
  /// failure after that point on a lost connection has an unknown outcome.
  /// Writes `ops` in one transaction. `maybe_committed` is set once COMMIT has been sent: a
  /// failure after that point on a lost connection has an unknown outcome.
  Result<std::vector<std::optional<PutReportResult>>> try_commit(pg::Connection& conn,
                                                                 const std::vector<WriteOp*>& ops,
                                                                 bool& maybe_committed);
  Result<std::vector<std::optional<PutReportResult>>> commit_at_once(
      pg::Connection& conn, const std::vector<WriteOp*>& ops, const std::vector<std::size_t>& order,
      const ChainHead* head, bool& maybe_committed);
  Result<std::vector<std::optional<PutReportResult>>> commit_in_two_steps(
      pg::Connection& conn, const std::vector<WriteOp*>& ops, const std::vector<std::size_t>& order,
      bool& maybe_committed);
  /// The audit chain's head after a commit, so that the next audited batch can chain without
  /// reading it first (checked inside that batch's transaction).
  void remember_head(ChainHead head);

  const std::string url_;
  pg::Pool pool_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<WriteOp>> queue_;
  int preparing_ = 0;  // callers between begin_preparing() and enqueue(); under mu_
  bool stopping_ = false;
  std::thread writer_;
  std::unique_ptr<pg::Connection> writer_conn_;  // owned by the writer thread

  std::mutex head_mu_;
  std::optional<ChainHead> head_;  // last known audit chain head; may be stale

  /// One get_ledger_encoded call waiting for its batch (reads_mu_ guards `result` and `lead`).
  /// Each waits on its own condition variable: one shared by all woke every waiter at every
  /// batch's end, and the served and unserved alike then queued for reads_mu_.
  struct LedgerRead {
    std::string_view host_id;
    std::optional<Result<std::string>> result;
    bool lead = false;  // handed the next batch: read everything queued
    std::condition_variable wake;
  };
  std::vector<Result<std::string>> read_ledgers(const std::vector<LedgerRead*>& batch);
  std::mutex reads_mu_;
  std::vector<LedgerRead*> pending_reads_;
  bool reading_ = false;  // a caller is running a batch of reads
};

// ---- open and migrations ------------------------------------------------------------------

/// The first schema of the connection's search_path ("$user" skipped, quotes removed), or ""
/// when it is PostgreSQL's default.
std::string first_search_path_schema(const std::string& search_path) {
  std::size_t pos = 0;
  while (pos <= search_path.size()) {
    std::size_t end = pos;
    bool quoted = false;
    std::string item;
    for (; end < search_path.size(); ++end) {
      const char c = search_path[end];
      if (c == '"') {
        if (quoted && end + 1 < search_path.size() && search_path[end + 1] == '"') {
          item.push_back('"');
          ++end;
        } else {
          quoted = !quoted;
        }
      } else if (c == ',' && !quoted) {
        break;
      } else if (quoted || (c != ' ' && c != '\t')) {
        item.push_back(c);
      }
    }
    if (!item.empty() && item != "$user") return item;
    pos = end + 1;
  }
  return {};
}

Status migrate(pg::Connection& conn) {
  auto begun = conn.exec("BEGIN");
  if (!begun.ok()) return begun;
  auto fail = [&](Error error) -> Status {
    abandon(conn);
    return error;
  };
  // Replicas starting at once: one migrates, the others wait here and then find it done.
  {
    ResultPtr locked(PQexec(
        conn.raw(),
        ("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ", 0)").c_str()));
    if (!locked || PQresultStatus(locked.get()) != PGRES_TUPLES_OK) {
      return fail(pg::error_from(conn.raw(), locked.get(), "taking the migration lock"));
    }
  }
  // A search_path naming a schema that does not exist yet: create it (one database, several
  // stores). current_schema() is NULL exactly then.
  {
    ResultPtr current(
        PQexec(conn.raw(), "SELECT current_schema(), current_setting('search_path')"));
    if (!current || PQresultStatus(current.get()) != PGRES_TUPLES_OK) {
      return fail(pg::error_from(conn.raw(), current.get(), "reading the search_path"));
    }
    if (pg::is_null(current.get(), 0, 0)) {
      const std::string schema = first_search_path_schema(text_of(current.get(), 0, 1));
      if (schema.empty()) {
        return fail(core::invalid_argument(
            "postgresql: the search_path names no schema to create the tables in"));
      }
      char* quoted = PQescapeIdentifier(conn.raw(), schema.data(), schema.size());
      if (quoted == nullptr) return fail(pg::error_from(conn.raw(), nullptr, "quoting a schema"));
      const std::string sql = std::string("CREATE SCHEMA IF NOT EXISTS ") + quoted;
      PQfreemem(quoted);
      if (auto created = conn.exec(sql.c_str()); !created.ok()) return fail(created.error());
    }
  }
  if (auto created =
          conn.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "version integer PRIMARY KEY, "
                    "applied_at bigint NOT NULL DEFAULT (extract(epoch FROM now())::bigint), "
                    "description text NOT NULL DEFAULT '')");
      !created.ok()) {
    return fail(created.error());
  }
  ResultPtr current(PQexec(conn.raw(), "SELECT coalesce(max(version), 0) FROM schema_migrations"));
  if (!current || PQresultStatus(current.get()) != PGRES_TUPLES_OK) {
    return fail(pg::error_from(conn.raw(), current.get(), "reading the schema version"));
  }
  const std::int64_t version = pg::int_at(current.get(), 0, 0);
  if (version > kLatestVersion) {
    return fail(core::unsupported(
        "postgresql: the database schema is at version " + std::to_string(version) +
        ", newer than this fleetpatch supports (" + std::to_string(kLatestVersion) +
        "): it was written by a newer fleetpatch; upgrade fleetpatch to open it"));
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= version) continue;
    if (auto applied = conn.exec(m.sql); !applied.ok()) {
      return fail(Error{applied.error().code, "migration " + std::to_string(m.version) + " (" +
                                                  m.description + "): " + applied.error().message});
    }
    Params p;
    p.integer(m.version).text(m.description);
    ResultPtr recorded(PQexecParams(conn.raw(),
                                    "INSERT INTO schema_migrations (version, description) "
                                    "VALUES ($1::integer, $2)",
                                    p.size(), nullptr, p.values(), p.lengths(), p.formats(), 0));
    if (!recorded || PQresultStatus(recorded.get()) != PGRES_COMMAND_OK) {
      return fail(pg::error_from(conn.raw(), recorded.get(), "recording a migration"));
    }
  }
  auto committed = conn.exec("COMMIT");
  if (!committed.ok()) return fail(committed.error());
  return {};
}

Result<std::unique_ptr<Store>> PostgresStore::open(const std::string& url) {
  auto conn = pg::Connection::connect(url);
  if (!conn.ok()) return conn.error();
  if (auto migrated = migrate(**conn); !migrated.ok()) return migrated.error();
  std::unique_ptr<PostgresStore> store(new PostgresStore(url));
  store->pool_.adopt(std::move(*conn));
  store->writer_ = std::thread([s = store.get()] { s->writer_loop(); });
  return std::unique_ptr<Store>(std::move(store));
}

PostgresStore::~PostgresStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Result<ResultPtr> PostgresStore::run(const Statement& statement, const Params& params,
                                     ResultFormat format) {
  auto lease = pool_.acquire();
  if (!lease.ok()) return lease.error();
  auto result = (*lease)->run(statement, params, format);
  // An idle pooled connection may have died with a server restart; a read is safe to repeat on
  // a fresh one (a write is not: it may have committed before the connection went).
  if (!result.ok() && PQstatus((*lease)->raw()) != CONNECTION_OK &&
      std::string_view(statement.sql).starts_with("SELECT")) {
    auto retry = pool_.acquire();
    if (!retry.ok()) return result.error();
    return (*retry)->run(statement, params, format);
  }
  return result;
}

Result<int> PostgresStore::schema_version() {
  auto r = run(kSchemaVersion, Params());
  if (!r.ok()) return r.error();
  return static_cast<int>(pg::int_at(r->get(), 0, 0));
}

// ---- reports ------------------------------------------------------------------------------

void PostgresStore::begin_preparing() {
  std::lock_guard lock(mu_);
  ++preparing_;
}

WriteOutcome PostgresStore::enqueue(std::unique_ptr<WriteOp> op, bool was_preparing) {
  auto done = op->done.get_future();
  {
    std::lock_guard lock(mu_);
    if (was_preparing) --preparing_;
    if (stopping_) return Error{ErrorCode::kInternal, "store is closing"};
    queue_.push_back(std::move(op));
  }
  wake_.notify_one();
  return done.get();
}

void PostgresStore::writer_loop() {
  // Batches form by themselves: while one commits, the next callers queue up.
  constexpr std::size_t kMaxBatch = 256;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued has been answered
    std::vector<std::unique_ptr<WriteOp>> batch;
    auto take = [&] {
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    };
    take();
    // Callers still encoding their report enqueue within a moment; waiting for them (never
    // longer than kGatherWait) turns alternating batches of 1 and N-1 into batches of N: one
    // WAL flush for all. Nobody preparing = no delay at all. (The SQLite backend does the same.)
    const auto deadline = std::chrono::steady_clock::now() + kGatherWait;
    while (preparing_ > 0 && batch.size() < kMaxBatch && !stopping_) {
      if (!wake_.wait_until(lock, deadline, [&] { return stopping_ || !queue_.empty(); })) break;
      take();
    }
    lock.unlock();
    commit_ops(batch);
    lock.lock();
  }
}

void PostgresStore::commit_ops(std::vector<std::unique_ptr<WriteOp>>& ops) {
  auto attempt = [&](const std::vector<WriteOp*>& some)
      -> Result<std::vector<std::optional<PutReportResult>>> {
    for (int tries = 0;; ++tries) {
      if (writer_conn_ && !(writer_conn_->reusable() && writer_conn_->alive())) {
        writer_conn_.reset();
      }
      if (!writer_conn_) {
        auto conn = pg::Connection::connect(url_);
        if (!conn.ok()) return conn.error();
        // Every statement of the writer addresses rows by key (host ids, audit sequence numbers)
        // and is prepared once per connection: PostgreSQL keeps the generic plan it made after a
        // few executions. Made while the tables were nearly empty — a new deployment's first
        // reports — that plan scans all of `hosts` for each batch, and keeps doing so while the
        // fleet enrols, until autovacuum's next ANALYZE invalidates it (in `make bench-server`,
        // the whole 2,000-row table for every batch of ~4 reports). Without sequential scans to
        // choose from, the plan uses the primary keys whatever the tables' size was.
        if (auto set = (*conn)->exec("SET enable_seqscan = off"); !set.ok()) return set.error();
        writer_conn_ = std::move(*conn);
      }
      bool maybe_committed = false;
      auto done = try_commit(*writer_conn_, some, maybe_committed);
      if (done.ok()) return done;
      abandon(*writer_conn_);
      // The connection was lost before COMMIT was sent (say, the server restarted while it sat
      // idle): nothing was written, so one more try on a fresh connection is safe.
      if (tries > 0 || maybe_committed || writer_conn_->reusable()) return done;
    }
  };
  std::vector<WriteOp*> all;
  all.reserve(ops.size());
  for (auto& op : ops) all.push_back(op.get());
  auto together = attempt(all);
  if (together.ok()) {
    for (std::size_t i = 0; i < ops.size(); ++i) ops[i]->done.set_value((*together)[i]);
    return;
  }
  // A connection lost after COMMIT was sent leaves the outcome unknown: retrying could apply
  // writes twice, so everyone hears the error (the agents resend). While the connection works,
  // a failure was a statement error and the whole batch rolled back.
  if (ops.size() == 1 || !writer_conn_ || !writer_conn_->reusable()) {
    for (auto& op : ops) op->done.set_value(together.error());
    return;
  }
  // A statement failed and the batch rolled back: retry each write on its own, so that one bad
  // write does not fail its neighbours.
  for (auto& op : ops) {
    auto alone = attempt({op.get()});
    if (alone.ok()) {
      op->done.set_value((*alone)[0]);
    } else {
      op->done.set_value(alone.error());
    }
  }
}

Result<std::vector<std::optional<PutReportResult>>> PostgresStore::try_commit(
    pg::Connection& conn, const std::vector<WriteOp*>& ops, bool& maybe_committed) {
  // Rows are locked in host id order, so that two replicas' batches cannot deadlock; a stable
  // sort keeps one host's writes in arrival order.
  std::vector<std::size_t> order(ops.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return ops[a]->host_id < ops[b]->host_id; });
  const bool any_audit =
      std::any_of(ops.begin(), ops.end(), [](const WriteOp* op) { return op->audit.has_value(); });
  std::optional<ChainHead> head;
  if (any_audit) {
    std::lock_guard lock(head_mu_);
    head = head_;
  }
  if (!any_audit || head) {
    auto at_once = commit_at_once(conn, ops, order, head ? &*head : nullptr, maybe_committed);
    if (at_once.ok() || !any_audit) return at_once;
    // The remembered chain head was stale (another replica or append_audit wrote since) or an
    // audited touch did not match: nothing was written; take the long way.
    abandon(conn);
    if (!conn.reusable()) return at_once;  // the connection is gone: the caller decides
    maybe_committed = false;
    std::lock_guard lock(head_mu_);
    head_.reset();
  }
  return commit_in_two_steps(conn, ops, order, maybe_committed);
}

Result<std::vector<std::optional<PutReportResult>>> PostgresStore::commit_at_once(
    pg::Connection& conn, const std::vector<WriteOp*>& ops, const std::vector<std::size_t>& order,
    const ChainHead* head, bool& maybe_committed) {
  // One round trip: BEGIN, the writes, the batch's audit entries chained after the remembered
  // head, COMMIT. Guards make the transaction fail (and roll back) instead of writing a wrong
  // chain: the head must still be the stored one, and every audited touch must match.
  std::vector<Queued> queued;
  std::vector<std::size_t> result_of(ops.size());
  queued.push_back({nullptr, nullptr, "BEGIN"});
  const std::vector<bool> batched = batched_writes(ops, order, /*touches=*/true);
  const std::vector<bool> batched_puts = batched_writes(ops, order, /*touches=*/false);
  Params touch_many, lock_hosts, put_many;
  const std::size_t touch_many_at =
      queue_touch_many(ops, order, batched, /*guard=*/true, touch_many, queued);
  const std::size_t put_many_at =
      queue_puts(ops, order, batched_puts, lock_hosts, put_many, queued);
  for (std::size_t i : order) {
    const WriteOp& op = *ops[i];
    if (batched[i]) continue;
    if (batched_puts[i]) {
      for (const auto& [statement, params] : op.then) queued.push_back({statement, &params});
      continue;
    }
    result_of[i] = queued.size();
    const Statement* write =
        op.touch ? (op.audit ? &kTouchReportOrFail : &kTouchReport) : &kPutMany;
    queued.push_back({write, op.touch ? &op.params : &single_put_params(*ops[i])});
    for (const auto& [statement, params] : op.then) queued.push_back({statement, &params});
  }
  const Params none;
  Params head_params;
  std::vector<AuditEntry> entries;
  Params audit_rows;
  if (head != nullptr) {
    std::vector<const AuditEvent*> events;
    for (std::size_t i : order) {
      if (ops[i]->audit) events.push_back(&*ops[i]->audit);
    }
    entries = chain_after(*head, events);
    head_params.integer(head->seq).text(head->hash);
    queued.push_back({&kAuditLockStmt, &none});
    queued.push_back({&kAuditHeadIs, &head_params});
    if (!entries.empty()) {
      audit_rows = audit_many_params(entries);
      queued.push_back({&kAuditInsertMany, &audit_rows});
    }
  }
  queued.push_back({nullptr, nullptr, "COMMIT"});
  maybe_committed = true;
  auto done = conn.pipeline(queued);
  if (!done.ok()) return done.error();
  std::vector<std::optional<PutReportResult>> outcomes(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (!batched[i] && !batched_puts[i]) {
      outcomes[i] = write_outcome(*ops[i], (*done)[result_of[i]].get());
    }
  }
  if (touch_many_at != 0) touch_many_outcomes(ops, batched, (*done)[touch_many_at].get(), outcomes);
  if (put_many_at != 0) put_many_outcomes(ops, batched_puts, (*done)[put_many_at].get(), outcomes);
  if (!entries.empty()) remember_head({entries.back().seq, entries.back().hash});
  return outcomes;
}

Result<std::vector<std::optional<PutReportResult>>> PostgresStore::commit_in_two_steps(
    pg::Connection& conn, const std::vector<WriteOp*>& ops, const std::vector<std::size_t>& order,
    bool& maybe_committed) {
  const bool any_audit =
      std::any_of(ops.begin(), ops.end(), [](const WriteOp* op) { return op->audit.has_value(); });
  // Round trip 1: BEGIN, every write, and (when audited) the audit lock and chain head.
  std::vector<Queued> first;
  first.push_back({nullptr, nullptr, "BEGIN"});
  std::vector<std::size_t> result_of(ops.size());
  const std::vector<bool> batched = batched_writes(ops, order, /*touches=*/true);
  const std::vector<bool> batched_puts = batched_writes(ops, order, /*touches=*/false);
  Params touch_many, lock_hosts, put_many;
  const std::size_t touch_many_at =
      queue_touch_many(ops, order, batched, /*guard=*/false, touch_many, first);
  const std::size_t put_many_at = queue_puts(ops, order, batched_puts, lock_hosts, put_many, first);
  for (std::size_t i : order) {
    if (batched[i]) continue;
    if (batched_puts[i]) {
      for (const auto& [statement, params] : ops[i]->then) first.push_back({statement, &params});
      continue;
    }
    result_of[i] = first.size();
    first.push_back({ops[i]->touch ? &kTouchReport : &kPutMany,
                     ops[i]->touch ? &ops[i]->params : &single_put_params(*ops[i])});
    for (const auto& [statement, params] : ops[i]->then) first.push_back({statement, &params});
  }
  const Params none;
  if (any_audit) {
    first.push_back({&kAuditLockStmt, &none});
    first.push_back({&kAuditHead, &none});
  }
  auto written = conn.pipeline(first);
  if (!written.ok()) return written.error();

  std::vector<std::optional<PutReportResult>> outcomes(ops.size());
  if (touch_many_at != 0) {
    touch_many_outcomes(ops, batched, (*written)[touch_many_at].get(), outcomes);
  }
  if (put_many_at != 0) {
    put_many_outcomes(ops, batched_puts, (*written)[put_many_at].get(), outcomes);
  }
  std::vector<const AuditEvent*> events;
  for (std::size_t i : order) {
    if (!batched[i] && !batched_puts[i])
      outcomes[i] = write_outcome(*ops[i], (*written)[result_of[i]].get());
    // A touch that did not match changed nothing, so it is not audited either.
    if (outcomes[i] && ops[i]->audit) events.push_back(&*ops[i]->audit);
  }

  // Round trip 2: the batch's audit entries, chained after the head, and COMMIT.
  std::vector<Queued> second;
  Params audit_rows;
  std::optional<ChainHead> new_head;
  if (any_audit) {
    new_head = head_of(written->back().get());
    const auto entries = chain_after(*new_head, events);
    if (!entries.empty()) {
      audit_rows = audit_many_params(entries);
      second.push_back({&kAuditInsertMany, &audit_rows});
      new_head = ChainHead{entries.back().seq, entries.back().hash};
    }
  }
  second.push_back({nullptr, nullptr, "COMMIT"});
  maybe_committed = true;
  auto committed = conn.pipeline(second);
  if (!committed.ok()) return committed.error();
  if (new_head) remember_head(*new_head);
  return outcomes;
}

void PostgresStore::remember_head(ChainHead head) {
  std::lock_guard lock(head_mu_);
  // Concurrent committers may report out of order: keep the newest.
  if (!head_ || head_->seq < head.seq) head_ = std::move(head);
}

Result<PutReportResult> PostgresStore::put_prepared_report(const PreparedReport& prepared,
                                                           core::TimePoint received_at,
                                                           const AuditEvent* audit,
                                                           const LedgerUpdate* ledger) {
  const core::HostReport& report = *prepared.report;
  if (report.host.id.empty()) return core::invalid_argument("report without host.id");
  auto op = std::make_unique<WriteOp>();
  begin_preparing();
  if (ledger != nullptr) op->then = ledger_statements(*ledger);
  op->host_id = report.host.id;
  op->prepared = &prepared;
  op->put_received = codec::to_unix(received_at);
  // The statement's parameters are built by the writer, from `prepared` (valid until `done`):
  // one kPutMany for the batch's puts of distinct hosts, its own for a host written twice.
  op->new_hash = prepared.content_hash;
  if (audit != nullptr) op->audit = *audit;
  auto outcome = enqueue(std::move(op), true);
  if (!outcome.ok()) return outcome.error();
  if (!*outcome) return Error{ErrorCode::kInternal, "report write returned no row"};
  return **outcome;
}

Result<std::optional<PutReportResult>> PostgresStore::touch_report(std::string_view host_id,
                                                                   std::string_view report_hash,
                                                                   std::string_view collected_at,
                                                                   core::TimePoint received_at,
                                                                   const AuditEvent* audit) {
  auto op = std::make_unique<WriteOp>();
  op->touch = true;
  op->host_id = std::string(host_id);
  op->touch_hash = std::string(report_hash);
  op->touch_collected_at = std::string(collected_at);
  op->touch_received = codec::to_unix(received_at);
  op->params.text(host_id)
      .text(report_hash)
      .text(collected_at)
      .integer(codec::to_unix(received_at));
  if (audit != nullptr) op->audit = *audit;
  return enqueue(std::move(op), false);
}

Result<std::optional<core::HostReport>> PostgresStore::get_report(std::string_view host_id) {
  Params p;
  p.text(host_id);
  // Binary results: the body arrives as raw bytes; collected_at (text) is raw bytes as well.
  auto r = run(kGetReport, p, ResultFormat::kBinary);
  if (!r.ok()) return r.error();
  if (PQntuples(r->get()) == 0) return std::optional<core::HostReport>{};
  auto report = codec::decode_report(pg::text_at(r->get(), 0, 0), pg::text_at(r->get(), 0, 1));
  if (!report.ok()) {
    return Error{report.error().code,
                 "host " + std::string(host_id) + ": " + report.error().message};
  }
  return std::optional<core::HostReport>(std::move(*report));
}

Result<std::optional<HostRecord>> PostgresStore::get_host(std::string_view host_id) {
  Params p;
  p.text(host_id);
  auto r = run(kGetHost, p);
  if (!r.ok()) return r.error();
  if (PQntuples(r->get()) == 0) return std::optional<HostRecord>{};
  auto host = host_from_row(r->get(), 0);
  if (!host.ok()) return host.error();
  return std::optional<HostRecord>(std::move(*host));
}

Result<std::vector<HostRecord>> PostgresStore::list_hosts(std::string_view after_id,
                                                          std::size_t limit) {
  Params p;
  p.text(after_id).integer(clamp_limit(limit));
  auto r = run(kListHosts, p);
  if (!r.ok()) return r.error();
  std::vector<HostRecord> out;
  const int rows = PQntuples(r->get());
  out.reserve(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    auto host = host_from_row(r->get(), i);
    if (!host.ok()) return host.error();
    out.push_back(std::move(*host));
  }
  return out;
}

Result<std::int64_t> PostgresStore::host_count() {
  auto r = run(kHostCount, Params());
  if (!r.ok()) return r.error();
  return pg::int_at(r->get(), 0, 0);
}

Status PostgresStore::for_each_report_raw(
    std::size_t batch_hosts, bool with_ledger,
    const std::function<bool(std::vector<StoredReportRow>&)>& fn) {
  const auto limit = static_cast<std::int64_t>(std::max<std::size_t>(batch_hosts, 1));
  std::string after;
  std::vector<StoredReportRow> rows;
  for (;;) {
    Params p;
    p.text(after).integer(limit);
    auto r = run(with_ledger ? kReportBatchLedger : kReportBatch, p, ResultFormat::kBinary);
    if (!r.ok()) return r.error();
    const PGresult* result = r->get();
    const int n = PQntuples(result);
    rows.clear();
    rows.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      StoredReportRow& row = rows.emplace_back();
      row.host_id = text_of(result, i, 0);
      row.collected_at = text_of(result, i, 1);
      row.report_body = pg::text_at(result, i, 2);
      if (with_ledger) row.ledger_body = pg::text_at(result, i, 3);
    }
    if (n > 0) after = rows.back().host_id;
    if (n > 0 && !fn(rows)) return {};
    if (n < limit) return {};
  }
}

// ---- ledger and evaluations ---------------------------------------------------------------

Result<std::vector<LedgerEntry>> PostgresStore::get_ledger(std::string_view host_id) {
  auto blob = get_ledger_encoded(host_id);
  if (!blob.ok()) return blob.error();
  return codec::decode_ledger(*blob);
}

Result<std::string> PostgresStore::get_ledger_encoded(std::string_view host_id) {
  // Group read: the server reads the stored ledger of every full report it evaluates, one
  // statement each was a round trip and a statement's CPU in PostgreSQL per report. Callers
  // queue; whoever finds no read running takes everything queued and reads it as one statement,
  // while the others wait for it (and the next batch forms behind it). Each result is what the
  // one-host read would have returned at that moment (READ COMMITTED either way).
  LedgerRead me{host_id};
  std::unique_lock lock(reads_mu_);
  pending_reads_.push_back(&me);
  if (reading_) {
    // A batch is running: the one that ends it answers this read or hands it the next batch.
    me.wake.wait(lock, [&me] { return me.result.has_value() || me.lead; });
    if (me.result) return std::move(*me.result);
  }
  reading_ = true;
  std::vector<LedgerRead*> batch;
  batch.swap(pending_reads_);  // this read among them
  lock.unlock();
  std::vector<Result<std::string>> results;
  try {
    results = read_ledgers(batch);
  } catch (const std::exception& e) {
    // Nobody may be left waiting for a batch that will not answer.
    results.assign(batch.size(), Error{ErrorCode::kInternal, e.what()});
  }
  lock.lock();
  // Under the lock, so that no waiter returns (and its LedgerRead ends) before its notify.
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i]->result = std::move(results[i]);
    if (batch[i] != &me) batch[i]->wake.notify_one();
  }
  if (pending_reads_.empty()) {
    reading_ = false;
  } else {
    pending_reads_.front()->lead = true;  // it reads what queued meanwhile
    pending_reads_.front()->wake.notify_one();
  }
  return std::move(*me.result);
}

std::vector<Result<std::string>> PostgresStore::read_ledgers(
    const std::vector<LedgerRead*>& batch) {
  // PostgreSQL text cannot hold a NUL: such an id fails on its own, not its whole batch.
  auto unsendable = [](const LedgerRead* read) {
    return read->host_id.find('\0') != std::string_view::npos;
  };
  pg::TextArray ids;
  for (const LedgerRead* read : batch) {
    if (!unsendable(read)) ids.add(read->host_id);
  }
  Params p;
  p.text(ids.str());
  auto r = run(kGetLedgers, p, ResultFormat::kBinary);
  std::unordered_map<std::string_view, int> row_of;
  if (r.ok()) {
    for (int row = 0; row < PQntuples(r->get()); ++row) {
      row_of.emplace(pg::text_at(r->get(), row, 0), row);
    }
  }
  std::vector<Result<std::string>> results;
  results.reserve(batch.size());
  for (const LedgerRead* read : batch) {
    if (unsendable(read)) {
      results.emplace_back(core::invalid_argument("host id holds a NUL byte"));
    } else if (!r.ok()) {
      results.emplace_back(r.error());
    } else {
      const auto it = row_of.find(read->host_id);
      results.emplace_back(it == row_of.end() ? std::string()
                                              : std::string(pg::text_at(r->get(), it->second, 1)));
    }
  }
  return results;
}

Status PostgresStore::apply_ledger_updates(const std::vector<LedgerUpdate>& updates) {
  if (updates.empty()) return {};
  // Everything in one pipelined transaction: a batch of thousands of hosts is one round trip.
  // The ledgers themselves go as one kPutLedgerMany when every host appears once (the fleet
  // re-evaluation's batches); deletions, fixed records and repeated hosts one statement each.
  std::unordered_set<std::string_view> hosts;
  bool distinct = true;
  for (const auto& u : updates) distinct = distinct && hosts.insert(u.host_id).second;
  std::vector<std::pair<const Statement*, Params>> statements;
  pg::TextArray ids;
  pg::BinaryArray bodies(/*bytea*/ 17);
  for (const auto& u : updates) {
    const bool put = !u.current_encoded.empty() || !u.current.empty();
    if (distinct && put) {
      ids.add(u.host_id);
      bodies.add(u.current_encoded.empty() ? std::string_view(codec::encode_ledger(u.current))
                                           : std::string_view(u.current_encoded));
    }
    auto more = ledger_statements(u, /*with_ledger=*/!(distinct && put));
    std::move(more.begin(), more.end(), std::back_inserter(statements));
  }
  const bool any_many = bodies.size() > 0;
  Params many;
  if (any_many) many.text(ids.str()).binary(bodies.take());
  std::vector<Queued> queued;
  queued.reserve(statements.size() + 3);
  queued.push_back({nullptr, nullptr, "BEGIN"});
  if (any_many) queued.push_back({&kPutLedgerMany, &many});
  for (const auto& [statement, params] : statements) queued.push_back({statement, &params});
  queued.push_back({nullptr, nullptr, "COMMIT"});
  auto lease = pool_.acquire();
  if (!lease.ok()) return lease.error();
  auto done = (*lease)->pipeline(queued);
  if (!done.ok()) {
    abandon(**lease);
    return done.error();
  }
  return {};
}

Result<std::vector<FixedRecord>> PostgresStore::fixed_records(std::string_view host_id) {
  Params p;
  if (!host_id.empty()) p.text(host_id);
  auto r = run(host_id.empty() ? kFixedAll : kFixedOfHost, p);
  if (!r.ok()) return r.error();
  std::vector<FixedRecord> out;
  const PGresult* rows = r->get();
  for (int i = 0; i < PQntuples(rows); ++i) {
    FixedRecord f;
    f.host_id = text_of(rows, i, 0);
    f.key = text_of(rows, i, 1);
    f.package = text_of(rows, i, 2);
    auto cves = codec::decode_string_list(pg::text_at(rows, i, 3));
    if (!cves.ok()) return cves.error();
    f.cves = std::move(*cves);
    const auto severity = pg::int_at(rows, i, 4);
    f.severity = severity >= 0 && severity <= 4 ? static_cast<core::Severity>(severity)
                                                : core::Severity::kUnknown;
    f.first_seen = codec::from_unix(pg::int_at(rows, i, 5));
    f.fixed_at = codec::from_unix(pg::int_at(rows, i, 6));
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::int64_t> PostgresStore::record_evaluation(const EvaluationRun& run_record) {
  Params p;
  p.integer(codec::to_unix(run_record.started_at))
      .integer(codec::to_unix(run_record.finished_at))
      .text(run_record.reason)
      .text(run_record.index_checksum)
      .integer(run_record.hosts)
      .integer(run_record.new_findings)
      .integer(run_record.fixed_findings);
  auto r = run(kRecordEvaluation, p);
  if (!r.ok()) return r.error();
  return pg::int_at(r->get(), 0, 0);
}

Result<std::vector<EvaluationRun>> PostgresStore::evaluations(std::size_t limit) {
  Params p;
  p.integer(clamp_limit(limit));
  auto r = run(kEvaluations, p);
  if (!r.ok()) return r.error();
  std::vector<EvaluationRun> out;
  const PGresult* rows = r->get();
  for (int i = 0; i < PQntuples(rows); ++i) {
    EvaluationRun e;
    e.id = pg::int_at(rows, i, 0);
    e.started_at = codec::from_unix(pg::int_at(rows, i, 1));
    e.finished_at = codec::from_unix(pg::int_at(rows, i, 2));
    e.reason = text_of(rows, i, 3);
    e.index_checksum = text_of(rows, i, 4);
    e.hosts = pg::int_at(rows, i, 5);
    e.new_findings = pg::int_at(rows, i, 6);
    e.fixed_findings = pg::int_at(rows, i, 7);
    out.push_back(std::move(e));
  }
  return out;
}

// ---- exceptions and tokens ----------------------------------------------------------------

Status PostgresStore::put_exception(const ExceptionDocument& doc) {
  Params p;
  p.text(doc.id).text(doc.toml).integer(codec::to_unix(doc.created_at)).text(doc.created_by);
  auto r = run(kPutException, p);
  if (!r.ok()) return r.error();
  if (PQntuples(r->get()) == 0) {
    return core::invalid_argument("exception id \"" + doc.id + "\" already exists");
  }
  return {};
}

Result<bool> PostgresStore::delete_exception(std::string_view id) {
  Params p;
  p.text(id);
  auto r = run(kDeleteException, p);
  if (!r.ok()) return r.error();
  return PQntuples(r->get()) > 0;
}

Result<std::vector<ExceptionDocument>> PostgresStore::list_exceptions() {
  auto r = run(kListExceptions, Params());
  if (!r.ok()) return r.error();
  std::vector<ExceptionDocument> out;
  const PGresult* rows = r->get();
  out.reserve(static_cast<std::size_t>(PQntuples(rows)));
  for (int i = 0; i < PQntuples(rows); ++i) {
    out.push_back({text_of(rows, i, 0), text_of(rows, i, 1),
                   codec::from_unix(pg::int_at(rows, i, 2)), text_of(rows, i, 3)});
  }
  return out;
}

Status PostgresStore::put_token(const TokenRecord& token) {
  Params p;
  p.text(token.id)
      .text(token.hash)
      .text(token.name)
      .integer(static_cast<std::int64_t>(token.role))
      .text(token.host_id)
      .integer(codec::to_unix(token.created_at));
  if (token.revoked_at) {
    p.integer(codec::to_unix(*token.revoked_at));
  } else {
    p.null();
  }
  auto r = run(kPutToken, p);
  if (!r.ok()) return r.error();
  if (PQntuples(r->get()) == 0) {
    return core::invalid_argument("token id \"" + token.id + "\" or its hash already exists");
  }
  return {};
}

Result<std::optional<TokenRecord>> PostgresStore::find_token_by_hash(std::string_view hash) {
  Params p;
  p.text(hash);
  auto r = run(kFindToken, p);
  if (!r.ok()) return r.error();
  if (PQntuples(r->get()) == 0) return std::optional<TokenRecord>{};
  auto token = token_from_row(r->get(), 0);
  if (!token.ok()) return token.error();
  return std::optional<TokenRecord>(std::move(*token));
}

Result<bool> PostgresStore::revoke_token(std::string_view id, core::TimePoint at) {
  Params p;
  p.text(id).integer(codec::to_unix(at));
  auto r = run(kRevokeToken, p);
  if (!r.ok()) return r.error();
  return PQntuples(r->get()) > 0;
}

Result<std::vector<TokenRecord>> PostgresStore::list_tokens() {
  auto r = run(kListTokens, Params());
  if (!r.ok()) return r.error();
  std::vector<TokenRecord> out;
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    auto token = token_from_row(r->get(), i);
    if (!token.ok()) return token.error();
    out.push_back(std::move(*token));
  }
  return out;
}

// ---- audit and settings -------------------------------------------------------------------

Result<AuditEntry> PostgresStore::append_audit(const AuditEvent& event) {
  auto lease = pool_.acquire();
  if (!lease.ok()) return lease.error();
  pg::Connection& conn = **lease;
  const Params none;
  auto head =
      conn.pipeline({{nullptr, nullptr, "BEGIN"}, {&kAuditLockStmt, &none}, {&kAuditHead, &none}});
  if (!head.ok()) {
    abandon(conn);
    return head.error();
  }
  auto entries = chain_after(head_of(head->back().get()), {&event});
  const Params row = audit_params(entries[0]);
  auto committed = conn.pipeline({{&kAuditInsert, &row}, {nullptr, nullptr, "COMMIT"}});
  if (!committed.ok()) {
    abandon(conn);
    return committed.error();
  }
  remember_head({entries[0].seq, entries[0].hash});
  return std::move(entries[0]);
}

Status PostgresStore::for_each_audit(std::int64_t after_seq,
                                     const std::function<bool(const AuditEntry&)>& fn) {
  constexpr std::int64_t kBatch = 1024;
  for (;;) {
    Params p;
    p.integer(after_seq).integer(kBatch);
    auto r = run(kAuditAfter, p);
    if (!r.ok()) return r.error();
    const PGresult* rows = r->get();
    const int n = PQntuples(rows);
    for (int i = 0; i < n; ++i) {
      AuditEntry e;
      e.seq = pg::int_at(rows, i, 0);
      e.event.at = codec::from_unix(pg::int_at(rows, i, 1));
      e.event.actor = text_of(rows, i, 2);
      e.event.action = text_of(rows, i, 3);
      e.event.target = text_of(rows, i, 4);
      e.event.detail = text_of(rows, i, 5);
      e.prev_hash = text_of(rows, i, 6);
      e.hash = text_of(rows, i, 7);
      if (!fn(e)) return {};
      after_seq = e.seq;
    }
    if (n < kBatch) return {};
  }
}

Status PostgresStore::put_setting(std::string_view key, std::string_view value) {
  Params p;
  p.text(key).text(value);
  auto r = run(kPutSetting, p);
  if (!r.ok()) return r.error();
  return {};
}

Result<std::optional<std::string>> PostgresStore::get_setting(std::string_view key) {
  Params p;
  p.text(key);
  auto r = run(kGetSetting, p);
  if (!r.ok()) return r.error();
  if (PQntuples(r->get()) == 0) return std::optional<std::string>{};
  return std::optional<std::string>(text_of(r->get(), 0, 0));
}

}  // namespace

core::Result<std::unique_ptr<Store>> open_postgres(const std::string& url) {
  return PostgresStore::open(url);
}

}  // namespace fleetpatch::store
