// The embedded SQLite backend (the default store, DATA_DIR/fleet.db).
//
// Durability: WAL journal with synchronous=FULL, so every COMMIT fsyncs the WAL and an
// acknowledged write survives a process kill AND a power loss (synchronous=NORMAL would only
// survive the former).
//
// Concurrency: one writer connection owned by one writer thread, and a pool of reader
// connections. Every mutating call becomes a job on the writer's queue; the writer takes all
// queued jobs, runs each inside its own SAVEPOINT of ONE transaction (so one failing job does not
// sink the others and every call stays atomic), COMMITs once and only then wakes the callers
// (group commit: one fsync for many reports). CPU work (encoding, compression, hashing) happens
// in the calling threads before they enqueue. Because all writes run on one thread, the audit
// chain append (read last hash, hash, insert) is naturally serialized inside the transaction.
// Readers use WAL snapshots and never block the writer.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <iterator>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "store/backends.hpp"
#include "store/codec.hpp"
#include "store/store.hpp"

namespace fleetpatch::store {
namespace {

using core::Error;
using core::ErrorCode;
using core::Result;
using core::Status;

// prev_hash of the first audit entry.
constexpr std::string_view kZeroHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// ---- schema -------------------------------------------------------------------------------

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Append only: a released migration never changes (databases in the field already ran it).
constexpr Migration kMigrations[] = {
    {1, "initial schema",
     R"sql(
CREATE TABLE hosts (
  id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  tags TEXT NOT NULL,              -- JSON array of strings
  os_id TEXT NOT NULL,
  os_version_id TEXT NOT NULL,
  kernel_running TEXT NOT NULL,
  package_count INTEGER NOT NULL,
  report_hash TEXT NOT NULL,
  first_report_at INTEGER NOT NULL, -- Unix seconds
  last_report_at INTEGER NOT NULL,
  collected_at TEXT NOT NULL,
  report_seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE reports (
  host_id TEXT PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  body BLOB NOT NULL               -- codec::encode_report (zstd of the canonical encoding)
);
CREATE TABLE ledgers (
  host_id TEXT PRIMARY KEY,
  body BLOB NOT NULL               -- codec::encode_ledger
);
CREATE TABLE fixed_findings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host_id TEXT NOT NULL,
  key TEXT NOT NULL,
  package TEXT NOT NULL,
  cves TEXT NOT NULL,              -- JSON array of strings
  severity INTEGER NOT NULL,       -- core::Severity value
  first_seen INTEGER NOT NULL,
  fixed_at INTEGER NOT NULL
);
CREATE INDEX fixed_findings_host ON fixed_findings(host_id, fixed_at, id);
CREATE INDEX fixed_findings_time ON fixed_findings(fixed_at, id);
CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  reason TEXT NOT NULL,
  index_checksum TEXT NOT NULL,
  hosts INTEGER NOT NULL,
  new_findings INTEGER NOT NULL,
  fixed_findings INTEGER NOT NULL
);
CREATE TABLE exceptions (
  id TEXT PRIMARY KEY,
  toml TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role INTEGER NOT NULL,           -- store::Role value
  host_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
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

// ---- a connection with cached prepared statements ------------------------------------------

class Connection;

/// A prepared statement borrowed from a Connection's cache; reset when it goes out of scope.
class Query {
 public:
  Query(Connection& conn, sqlite3_stmt* stmt) : conn_(conn), stmt_(stmt) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  Query& text(int i, std::string_view v) {
    sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
  }
  /// The bytes must stay alive until the statement ran (no copy: report bodies are large).
  Query& blob_static(int i, std::string_view v) {
    sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_STATIC);
    return *this;
  }
  Query& integer(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Query& null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }

  /// true: a row is available; false: done.
  Result<bool> step();
  /// Runs a statement that returns no rows.
  Status run() {
    auto r = step();
    if (!r.ok()) return r.error();
    return {};
  }

  std::string_view col_text(int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p == nullptr ? std::string_view() : std::string_view(p, sqlite3_column_bytes(stmt_, i));
  }
  std::string_view col_blob(int i) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
    return p == nullptr ? std::string_view() : std::string_view(p, sqlite3_column_bytes(stmt_, i));
  }
  std::int64_t col_int(int i) { return sqlite3_column_int64(stmt_, i); }
  bool col_null(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

 private:
  Connection& conn_;
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  static Result<std::unique_ptr<Connection>> open(const std::string& path, bool create) {
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
                      SQLITE_OPEN_NOMUTEX;  // one thread at a time per connection (pool/writer)
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string message = "cannot open SQLite database " + path + ": " +
                            (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
      sqlite3_close_v2(db);
      return core::io_error(std::move(message));
    }
    sqlite3_extended_result_codes(db, 1);
    auto conn = std::unique_ptr<Connection>(new Connection(db, path));
    // A writer holding the lock for a long checkpoint must not make readers fail at once.
    if (auto s = conn->exec("PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;"); !s.ok()) {
      return s.error();
    }
    return conn;
  }

  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Status exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      return Error{ErrorCode::kIo, "SQLite " + path_ + ": " + text};
    }
    return {};
  }

  /// The cached prepared statement for `sql` (a string literal: the cache keys on its text).
  Result<sqlite3_stmt*> prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK) {
      return error("prepare");
    }
    cache_.emplace(sql, stmt);
    return stmt;
  }

  Error error(std::string_view what) const {
    const int code = sqlite3_extended_errcode(db_);
    return Error{ErrorCode::kIo, "SQLite " + path_ + ": " + std::string(what) + ": " +
                                     sqlite3_errmsg(db_) + " (code " + std::to_string(code) + ")"};
  }

  /// The primary result code of the last failure (SQLITE_CONSTRAINT, ...).
  sqlite3* handle() const { return db_; }
  int last_error_code() const { return sqlite3_extended_errcode(db_) & 0xff; }
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  std::int64_t last_rowid() const { return sqlite3_last_insert_rowid(db_); }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string_view, sqlite3_stmt*> cache_;
};

Result<bool> Query::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_.error("step");
}

// Runs `sql` on `conn` and returns the Query, or the prepare error.
#define FP_QUERY(var, conn, sql)                   \
  auto var##_stmt = (conn).prepare(sql);           \
  if (!var##_stmt.ok()) return var##_stmt.error(); \
  Query var((conn), *var##_stmt)

// Like `return expr` for a Status: propagates an error.
#define FP_TRY(expr)                                         \
  do {                                                       \
    if (auto fp_s = (expr); !fp_s.ok()) return fp_s.error(); \
  } while (false)

// ---- row mapping --------------------------------------------------------------------------

constexpr std::string_view kHostColumns =
    "id, hostname, tags, os_id, os_version_id, kernel_running, package_count, report_hash, "
    "first_report_at, last_report_at, collected_at, report_seq";

Result<HostRecord> host_from_row(Query& q) {
  HostRecord h;
  h.id = q.col_text(0);
  h.hostname = q.col_text(1);
  auto tags = codec::decode_string_list(q.col_text(2));
  if (!tags.ok()) return tags.error();
  h.tags = std::move(*tags);
  h.os_id = q.col_text(3);
  h.os_version_id = q.col_text(4);
  h.kernel_running = q.col_text(5);
  h.package_count = static_cast<std::size_t>(q.col_int(6));
  h.report_hash = q.col_text(7);
  h.first_report_at = codec::from_unix(q.col_int(8));
  h.last_report_at = codec::from_unix(q.col_int(9));
  h.collected_at = q.col_text(10);
  h.report_seq = q.col_int(11);
  return h;
}

Result<TokenRecord> token_from_row(Query& q) {
  TokenRecord t;
  t.id = q.col_text(0);
  t.hash = q.col_text(1);
  t.name = q.col_text(2);
  const auto role = q.col_int(3);
  if (role < 1 || role > 4) {
    return Error{ErrorCode::kInternal,
                 "token " + t.id + " has unknown role " + std::to_string(role)};
  }
  t.role = static_cast<Role>(role);
  t.host_id = q.col_text(4);
  t.created_at = codec::from_unix(q.col_int(5));
  if (!q.col_null(6)) t.revoked_at = codec::from_unix(q.col_int(6));
  return t;
}

// Appends one audit entry inside the writer's open transaction.
Result<AuditEntry> append_audit_in(Connection& conn, const AuditEvent& event) {
  AuditEntry entry;
  entry.event = event;
  {
    FP_QUERY(last, conn, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    auto row = last.step();
    if (!row.ok()) return row.error();
    if (*row) {
      entry.seq = last.col_int(0) + 1;
      entry.prev_hash = last.col_text(1);
    } else {
      entry.seq = 1;
      entry.prev_hash = std::string(kZeroHash);
    }
  }
  entry.hash = audit_entry_hash(entry.seq, event, entry.prev_hash);
  FP_QUERY(insert, conn,
           "INSERT INTO audit (seq, at, actor, action, target, detail, prev_hash, hash) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  insert.integer(1, entry.seq)
      .integer(2, codec::to_unix(event.at))
      .text(3, event.actor)
      .text(4, event.action)
      .text(5, event.target)
      .text(6, event.detail)
      .text(7, entry.prev_hash)
      .text(8, entry.hash);
  FP_TRY(insert.run());
  return entry;
}

Status maybe_audit(Connection& conn, const AuditEvent* audit) {
  if (audit == nullptr) return {};
  auto entry = append_audit_in(conn, *audit);
  if (!entry.ok()) return entry.error();
  return {};
}

// ---- the store ----------------------------------------------------------------------------

/// A ledger update's encoded parts, made before the write transaction.
struct LedgerRows {
  std::string blob;                      // empty: delete the ledger
  const std::string* encoded = nullptr;  // the caller's own encoding, when it made one
  std::vector<std::string> cves;         // per fixed record
};

LedgerRows ledger_rows_of(const LedgerUpdate& u) {
  LedgerRows rows;
  if (!u.current_encoded.empty()) {
    rows.encoded = &u.current_encoded;
  } else if (!u.current.empty()) {
    rows.blob = codec::encode_ledger(u.current);
  }
  rows.cves.reserve(u.fixed.size());
  for (const auto& f : u.fixed) rows.cves.push_back(codec::encode_string_list(f.cves));
  return rows;
}

/// Writes one ledger update inside the writer's open transaction.
Status write_ledger(Connection& c, const LedgerUpdate& u, const LedgerRows& rows) {
  const std::string& blob = rows.encoded != nullptr ? *rows.encoded : rows.blob;
  if (blob.empty()) {
    FP_QUERY(d, c, "DELETE FROM ledgers WHERE host_id = ?1");
    d.text(1, u.host_id);
    FP_TRY(d.run());
  } else {
    FP_QUERY(q, c,
             "INSERT INTO ledgers (host_id, body) VALUES (?1, ?2) "
             "ON CONFLICT (host_id) DO UPDATE SET body = excluded.body");
    q.text(1, u.host_id).blob_static(2, blob);
    FP_TRY(q.run());
  }
  for (std::size_t i = 0; i < u.fixed.size(); ++i) {
    const auto& f = u.fixed[i];
    FP_QUERY(q, c,
             "INSERT INTO fixed_findings (host_id, key, package, cves, severity, first_seen, "
             "fixed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    // The update names the host; a record's own host_id may be left empty by callers.
    q.text(1, f.host_id.empty() ? u.host_id : f.host_id)
        .text(2, f.key)
        .text(3, f.package)
        .text(4, rows.cves[i])
        .integer(5, static_cast<std::int64_t>(f.severity))
        .integer(6, codec::to_unix(f.first_seen))
        .integer(7, codec::to_unix(f.fixed_at));
    FP_TRY(q.run());
  }
  return {};
}

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~SqliteStore() override;

  std::string_view backend() const override { return "sqlite"; }
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
  explicit SqliteStore(std::string path, std::unique_ptr<Connection> writer)
      : path_(std::move(path)), writer_(std::move(writer)) {}

  struct Job {
    std::function<Status(Connection&)> work;
    std::promise<Status> done;
  };

  /// Runs `work` on the writer thread inside the next group-committed transaction and waits
  /// until that transaction committed (or failed). `was_preparing`: the caller announced itself
  /// with begin_preparing() before its CPU work.
  Status write(std::function<Status(Connection&)> work, bool was_preparing = false);
  /// Tells the writer a write is on its way (the caller is encoding it), so that the writer
  /// waits a moment for it instead of committing a batch without it.
  void begin_preparing();
  static constexpr std::chrono::microseconds kGatherWait{2000};
  void writer_loop();

  /// Runs `fn` with a pooled reader connection.
  template <typename Fn>
  auto read(Fn&& fn) -> decltype(fn(std::declval<Connection&>()));

  std::string path_;
  std::unique_ptr<Connection> writer_;
  std::thread writer_thread_;
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<Job*> queue_;
  int preparing_ = 0;  // callers between begin_preparing() and write(); under queue_mutex_
  bool stopping_ = false;

  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<Connection>> pool_;

  // Checkpoints (copying the WAL into the database file, with its own fsync) run on their own
  // thread and connection, so they never stall a group commit; the writer's WAL hook asks for
  // one once the WAL holds kCheckpointPages.
  static constexpr int kCheckpointPages = 4000;
  static int on_wal_commit(void* self, sqlite3*, const char*, int pages);
  void checkpointer_loop();
  std::unique_ptr<Connection> checkpointer_;
  std::thread checkpoint_thread_;
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  bool checkpoint_stopping_ = false;
};

Status migrate(Connection& conn) {
  FP_TRY(conn.exec("BEGIN IMMEDIATE"));
  auto body = [&]() -> Status {
    FP_TRY(
        conn.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                  " version INTEGER PRIMARY KEY,"
                  " applied_at INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER)),"
                  " description TEXT NOT NULL DEFAULT '')"));
    int current = 0;
    {
      FP_QUERY(q, conn, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      auto row = q.step();
      if (!row.ok()) return row.error();
      current = static_cast<int>(q.col_int(0));
    }
    if (current > kLatestVersion) {
      return core::unsupported(
          "the database schema is version " + std::to_string(current) +
          ", newer than this fleetpatch supports (" + std::to_string(kLatestVersion) +
          "): it was written by a newer fleetpatch; upgrade fleetpatch to open it");
    }
    for (const auto& m : kMigrations) {
      if (m.version <= current) continue;
      FP_TRY(conn.exec(m.sql));
      FP_QUERY(q, conn, "INSERT INTO schema_migrations (version, description) VALUES (?1, ?2)");
      q.integer(1, m.version).text(2, m.description);
      FP_TRY(q.run());
    }
    return {};
  };
  if (auto s = body(); !s.ok()) {
    (void)conn.exec("ROLLBACK");
    return s.error();
  }
  return conn.exec("COMMIT");
}

Result<std::unique_ptr<Store>> SqliteStore::open(const std::string& path) {
  if (sqlite3_threadsafe() == 0) {
    return Error{ErrorCode::kUnsupported, "this SQLite library was built without thread support"};
  }
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return core::io_error("cannot create " + parent.string() + ": " + ec.message());
  }
  auto writer = Connection::open(path, /*create=*/true);
  if (!writer.ok()) return writer.error();
  Connection& conn = **writer;
  {
    FP_QUERY(q, conn, "PRAGMA journal_mode = WAL");
    auto row = q.step();
    if (!row.ok()) return row.error();
    if (!*row || q.col_text(0) != "wal") {
      return core::io_error("SQLite " + path + ": cannot switch to WAL mode (got \"" +
                            std::string(*row ? q.col_text(0) : "") + "\")");
    }
  }
  // The WAL file is truncated back to this size after a checkpoint reset it.
  FP_TRY(conn.exec("PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 67108864"));
  FP_TRY(migrate(conn));
  auto checkpointer = Connection::open(path, /*create=*/false);
  if (!checkpointer.ok()) return checkpointer.error();
  auto store = std::unique_ptr<SqliteStore>(new SqliteStore(path, std::move(*writer)));
  store->checkpointer_ = std::move(*checkpointer);
  // Replaces SQLite's automatic checkpoint, which would run inside the writer's COMMIT.
  sqlite3_wal_hook(store->writer_->handle(), &SqliteStore::on_wal_commit, store.get());
  store->checkpoint_thread_ = std::thread([s = store.get()] { s->checkpointer_loop(); });
  store->writer_thread_ = std::thread([s = store.get()] { s->writer_loop(); });
  return std::unique_ptr<Store>(std::move(store));
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();
  {
    std::lock_guard lock(checkpoint_mutex_);
    checkpoint_stopping_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
}

int SqliteStore::on_wal_commit(void* self, sqlite3*, const char*, int pages) {
  if (pages >= kCheckpointPages) {
    auto* store = static_cast<SqliteStore*>(self);
    {
      std::lock_guard lock(store->checkpoint_mutex_);
      store->checkpoint_wanted_ = true;
    }
    store->checkpoint_cv_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteStore::checkpointer_loop() {
  for (;;) {
    {
      std::unique_lock lock(checkpoint_mutex_);
      checkpoint_cv_.wait(lock, [&] { return checkpoint_stopping_ || checkpoint_wanted_; });
      if (checkpoint_stopping_) return;
      checkpoint_wanted_ = false;
    }
    // PASSIVE copies what no reader still needs, without blocking the writer or readers. A
    // failure (busy, I/O) loses nothing: the frames stay in the WAL, which remains the durable
    // copy, and the next commit past the threshold asks again.
    (void)checkpointer_->exec("PRAGMA wal_checkpoint(PASSIVE)");
  }
}

void SqliteStore::begin_preparing() {
  std::lock_guard lock(queue_mutex_);
  ++preparing_;
}

Status SqliteStore::write(std::function<Status(Connection&)> work, bool was_preparing) {
  Job job{std::move(work), {}};
  auto done = job.done.get_future();
  {
    std::lock_guard lock(queue_mutex_);
    if (was_preparing) --preparing_;
    if (stopping_) return Error{ErrorCode::kInternal, "store is closing"};
    queue_.push_back(&job);
  }
  queue_cv_.notify_one();
  return done.get();
}

void SqliteStore::writer_loop() {
  // Bounded so that one transaction (and the callers waiting on it) stays short.
  constexpr std::size_t kMaxBatch = 512;
  std::vector<Job*> batch;
  std::vector<Status> results;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      auto take = [&] {
        while (!queue_.empty() && batch.size() < kMaxBatch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      };
      take();
      // Callers still encoding their report will enqueue within a fraction of a millisecond;
      // waiting for them (never longer than kGatherWait) turns alternating batches of 1 and
      // N-1 into batches of N: one fsync for all. Nobody preparing = no delay at all.
      const auto deadline = std::chrono::steady_clock::now() + kGatherWait;
      while (preparing_ > 0 && batch.size() < kMaxBatch && !stopping_) {
        if (!queue_cv_.wait_until(lock, deadline, [&] { return stopping_ || !queue_.empty(); })) {
          break;
        }
        take();
      }
    }
    results.assign(batch.size(), Status{});
    Connection& conn = *writer_;
    Status begin = conn.exec("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (auto* job : batch) job->done.set_value(begin);
      continue;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Status savepoint = conn.exec("SAVEPOINT job");
      if (!savepoint.ok()) {
        results[i] = savepoint;
        continue;
      }
      Status s;
      try {
        s = batch[i]->work(conn);
      } catch (const std::exception& e) {
        s = Error{ErrorCode::kInternal, std::string("store write failed: ") + e.what()};
      }
      if (s.ok()) {
        results[i] = conn.exec("RELEASE job");
      } else {
        results[i] = s;
        (void)conn.exec("ROLLBACK TO job");
        (void)conn.exec("RELEASE job");
      }
    }
    Status commit = conn.exec("COMMIT");
    if (!commit.ok()) {
      (void)conn.exec("ROLLBACK");
      for (auto& r : results) {
        if (r.ok()) r = commit;
      }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(results[i]);
  }
}

template <typename Fn>
auto SqliteStore::read(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
  std::unique_ptr<Connection> conn;
  {
    std::lock_guard lock(pool_mutex_);
    if (!pool_.empty()) {
      conn = std::move(pool_.back());
      pool_.pop_back();
    }
  }
  if (!conn) {
    auto opened = Connection::open(path_, /*create=*/false);
    if (!opened.ok()) return opened.error();
    conn = std::move(*opened);
    if (auto s = conn->exec("PRAGMA query_only = ON"); !s.ok()) return s.error();
  }
  auto result = fn(*conn);
  {
    // Keep an idle reader per busy server thread (up to 128): reopening one costs more than the
    // query it serves under load.
    constexpr std::size_t kMaxIdleReaders = 128;
    std::lock_guard lock(pool_mutex_);
    if (pool_.size() < kMaxIdleReaders) pool_.push_back(std::move(conn));
  }
  return result;
}

Result<int> SqliteStore::schema_version() {
  return read([](Connection& c) -> Result<int> {
    FP_QUERY(q, c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    auto row = q.step();
    if (!row.ok()) return row.error();
    return static_cast<int>(q.col_int(0));
  });
}

// ---- reports ------------------------------------------------------------------------------

Result<PutReportResult> SqliteStore::put_prepared_report(const PreparedReport& prepared,
                                                         core::TimePoint received_at,
                                                         const AuditEvent* audit,
                                                         const LedgerUpdate* ledger) {
  const core::HostReport& report = *prepared.report;
  if (report.host.id.empty()) return core::invalid_argument("report without host.id");
  // The expensive part runs here, in parallel across callers, not on the writer thread.
  begin_preparing();
  const PreparedReport& encoded = prepared;
  const std::string tags = codec::encode_string_list(report.host.tags);
  LedgerRows ledger_rows;
  if (ledger != nullptr) ledger_rows = ledger_rows_of(*ledger);
  const std::int64_t now = codec::to_unix(received_at);
  PutReportResult result;
  auto status = write(
      [&](Connection& c) -> Status {
        std::optional<std::int64_t> seq;
        bool same = false;
        {
          FP_QUERY(q, c, "SELECT report_hash, report_seq FROM hosts WHERE id = ?1");
          q.text(1, report.host.id);
          auto row = q.step();
          if (!row.ok()) return row.error();
          if (*row) {
            same = q.col_text(0) == encoded.content_hash;
            seq = q.col_int(1);
          }
        }
        if (same) {
          FP_QUERY(u, c,
                   "UPDATE hosts SET collected_at = ?2, last_report_at = ?3, "
                   "report_seq = report_seq + 1 WHERE id = ?1");
          u.text(1, report.host.id).text(2, report.collected_at).integer(3, now);
          FP_TRY(u.run());
          result = {*seq + 1, false};
        } else {
          FP_QUERY(u, c,
                   "INSERT INTO hosts (id, hostname, tags, os_id, os_version_id, kernel_running, "
                   "package_count, report_hash, first_report_at, last_report_at, collected_at, "
                   "report_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, 1) "
                   "ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, "
                   "tags = excluded.tags, os_id = excluded.os_id, "
                   "os_version_id = excluded.os_version_id, "
                   "kernel_running = excluded.kernel_running, "
                   "package_count = excluded.package_count, report_hash = excluded.report_hash, "
                   "last_report_at = excluded.last_report_at, "
                   "collected_at = excluded.collected_at, report_seq = hosts.report_seq + 1");
          u.text(1, report.host.id)
              .text(2, report.host.hostname)
              .text(3, tags)
              .text(4, report.os.id)
              .text(5, report.os.version_id)
              .text(6, report.kernel.running)
              .integer(7, static_cast<std::int64_t>(report.packages.size()))
              .text(8, encoded.content_hash)
              .integer(9, now)
              .text(10, report.collected_at);
          FP_TRY(u.run());
          FP_QUERY(b, c,
                   "INSERT INTO reports (host_id, body) VALUES (?1, ?2) "
                   "ON CONFLICT (host_id) DO UPDATE SET body = excluded.body");
          b.text(1, report.host.id).blob_static(2, encoded.body);
          FP_TRY(b.run());
          result = {seq ? *seq + 1 : 1, true};
        }
        if (ledger != nullptr) FP_TRY(write_ledger(c, *ledger, ledger_rows));
        return maybe_audit(c, audit);
      },
      /*was_preparing=*/true);
  if (!status.ok()) return status.error();
  return result;
}

Result<std::optional<PutReportResult>> SqliteStore::touch_report(std::string_view host_id,
                                                                 std::string_view report_hash,
                                                                 std::string_view collected_at,
                                                                 core::TimePoint received_at,
                                                                 const AuditEvent* audit) {
  std::optional<PutReportResult> result;
  auto status = write([&](Connection& c) -> Status {
    std::int64_t seq = 0;
    {
      FP_QUERY(q, c, "SELECT report_hash, report_seq FROM hosts WHERE id = ?1");
      q.text(1, host_id);
      auto row = q.step();
      if (!row.ok()) return row.error();
      if (!*row || q.col_text(0) != report_hash) return {};  // the agent must send it all
      seq = q.col_int(1);
    }
    FP_QUERY(u, c,
             "UPDATE hosts SET collected_at = ?2, last_report_at = ?3, "
             "report_seq = report_seq + 1 WHERE id = ?1");
    u.text(1, host_id).text(2, collected_at).integer(3, codec::to_unix(received_at));
    FP_TRY(u.run());
    result = PutReportResult{seq + 1, false};
    return maybe_audit(c, audit);
  });
  if (!status.ok()) return status.error();
  return result;
}

Result<std::optional<core::HostReport>> SqliteStore::get_report(std::string_view host_id) {
  std::string body;
  std::string collected_at;
  auto found = read([&](Connection& c) -> Result<bool> {
    FP_QUERY(q, c,
             "SELECT r.body, h.collected_at FROM reports r JOIN hosts h ON h.id = r.host_id "
             "WHERE r.host_id = ?1");
    q.text(1, host_id);
    auto row = q.step();
    if (!row.ok()) return row.error();
    if (!*row) return false;
    body = q.col_blob(0);
    collected_at = q.col_text(1);
    return true;
  });
  if (!found.ok()) return found.error();
  if (!*found) return std::optional<core::HostReport>{};
  auto report = codec::decode_report(body, collected_at);
  if (!report.ok()) {
    return Error{report.error().code,
                 "host " + std::string(host_id) + ": " + report.error().message};
  }
  return std::optional<core::HostReport>(std::move(*report));
}

Result<std::optional<HostRecord>> SqliteStore::get_host(std::string_view host_id) {
  return read([&](Connection& c) -> Result<std::optional<HostRecord>> {
    static const std::string sql =
        "SELECT " + std::string(kHostColumns) + " FROM hosts WHERE id = ?1";
    FP_QUERY(q, c, sql);
    q.text(1, host_id);
    auto row = q.step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<HostRecord>{};
    auto host = host_from_row(q);
    if (!host.ok()) return host.error();
    return std::optional<HostRecord>(std::move(*host));
  });
}

Result<std::vector<HostRecord>> SqliteStore::list_hosts(std::string_view after_id,
                                                        std::size_t limit) {
  return read([&](Connection& c) -> Result<std::vector<HostRecord>> {
    static const std::string sql =
        "SELECT " + std::string(kHostColumns) + " FROM hosts WHERE id > ?1 ORDER BY id LIMIT ?2";
    FP_QUERY(q, c, sql);
    q.text(1, after_id)
        .integer(2, static_cast<std::int64_t>(
                        std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max())));
    std::vector<HostRecord> out;
    for (;;) {
      auto row = q.step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      auto host = host_from_row(q);
      if (!host.ok()) return host.error();
      out.push_back(std::move(*host));
    }
    return out;
  });
}

Result<std::int64_t> SqliteStore::host_count() {
  return read([](Connection& c) -> Result<std::int64_t> {
    FP_QUERY(q, c, "SELECT COUNT(*) FROM hosts");
    auto row = q.step();
    if (!row.ok()) return row.error();
    return q.col_int(0);
  });
}

Status SqliteStore::for_each_report_raw(
    std::size_t batch_hosts, bool with_ledger,
    const std::function<bool(std::vector<StoredReportRow>&)>& fn) {
  const auto limit = static_cast<std::int64_t>(std::max<std::size_t>(batch_hosts, 1));
  std::string after;
  std::vector<StoredReportRow> rows;
  for (;;) {
    rows.clear();
    auto status = read([&](Connection& c) -> Status {
      FP_QUERY(q, c,
               with_ledger
                   ? std::string_view("SELECT h.id, h.collected_at, r.body, l.body FROM hosts h "
                                      "JOIN reports r ON r.host_id = h.id "
                                      "LEFT JOIN ledgers l ON l.host_id = h.id "
                                      "WHERE h.id > ?1 ORDER BY h.id LIMIT ?2")
                   : std::string_view("SELECT h.id, h.collected_at, r.body, NULL FROM hosts h "
                                      "JOIN reports r ON r.host_id = h.id "
                                      "WHERE h.id > ?1 ORDER BY h.id LIMIT ?2"));
      q.text(1, after).integer(2, limit);
      for (;;) {
        auto row = q.step();
        if (!row.ok()) return row.error();
        if (!*row) break;
        rows.push_back({std::string(q.col_text(0)), std::string(q.col_text(1)),
                        std::string(q.col_blob(2)), std::string(q.col_blob(3))});
      }
      return {};
    });
    if (!status.ok()) return status;
    const auto n = static_cast<std::int64_t>(rows.size());
    if (n > 0) after = rows.back().host_id;
    if (n > 0 && !fn(rows)) return {};
    if (n < limit) return {};
  }
}

// ---- ledger and evaluations ---------------------------------------------------------------

Result<std::vector<LedgerEntry>> SqliteStore::get_ledger(std::string_view host_id) {
  auto blob = get_ledger_encoded(host_id);
  if (!blob.ok()) return blob.error();
  return codec::decode_ledger(*blob);
}

Result<std::string> SqliteStore::get_ledger_encoded(std::string_view host_id) {
  std::string blob;
  auto read_status = read([&](Connection& c) -> Status {
    FP_QUERY(q, c, "SELECT body FROM ledgers WHERE host_id = ?1");
    q.text(1, host_id);
    auto row = q.step();
    if (!row.ok()) return row.error();
    if (*row) blob = q.col_blob(0);
    return {};
  });
  if (!read_status.ok()) return read_status.error();
  return blob;
}

Status SqliteStore::apply_ledger_updates(const std::vector<LedgerUpdate>& updates) {
  // Encoding happens here, on the caller's thread, not on the writer's.
  std::vector<LedgerRows> rows;
  rows.reserve(updates.size());
  for (const auto& u : updates) rows.push_back(ledger_rows_of(u));
  return write([&](Connection& c) -> Status {
    for (std::size_t i = 0; i < updates.size(); ++i) FP_TRY(write_ledger(c, updates[i], rows[i]));
    return {};
  });
}

Result<std::vector<FixedRecord>> SqliteStore::fixed_records(std::string_view host_id) {
  return read([&](Connection& c) -> Result<std::vector<FixedRecord>> {
    FP_QUERY(q, c,
             host_id.empty()
                 ? std::string_view("SELECT host_id, key, package, cves, severity, first_seen, "
                                    "fixed_at FROM fixed_findings ORDER BY fixed_at, id")
                 : std::string_view("SELECT host_id, key, package, cves, severity, first_seen, "
                                    "fixed_at FROM fixed_findings WHERE host_id = ?1 "
                                    "ORDER BY fixed_at, id"));
    if (!host_id.empty()) q.text(1, host_id);
    std::vector<FixedRecord> out;
    for (;;) {
      auto row = q.step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      FixedRecord f;
      f.host_id = q.col_text(0);
      f.key = q.col_text(1);
      f.package = q.col_text(2);
      auto cves = codec::decode_string_list(q.col_text(3));
      if (!cves.ok()) return cves.error();
      f.cves = std::move(*cves);
      const auto severity = q.col_int(4);
      f.severity = severity >= 0 && severity <= 4 ? static_cast<core::Severity>(severity)
                                                  : core::Severity::kUnknown;
      f.first_seen = codec::from_unix(q.col_int(5));
      f.fixed_at = codec::from_unix(q.col_int(6));
      out.push_back(std::move(f));
    }
    return out;
  });
}

Result<std::int64_t> SqliteStore::record_evaluation(const EvaluationRun& run) {
  std::int64_t id = 0;
  auto status = write([&](Connection& c) -> Status {
    FP_QUERY(q, c,
             "INSERT INTO evaluations (started_at, finished_at, reason, index_checksum, hosts, "
             "new_findings, fixed_findings) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    q.integer(1, codec::to_unix(run.started_at))
        .integer(2, codec::to_unix(run.finished_at))
        .text(3, run.reason)
        .text(4, run.index_checksum)
        .integer(5, run.hosts)
        .integer(6, run.new_findings)
        .integer(7, run.fixed_findings);
    FP_TRY(q.run());
    id = c.last_rowid();
    return {};
  });
  if (!status.ok()) return status.error();
  return id;
}

Result<std::vector<EvaluationRun>> SqliteStore::evaluations(std::size_t limit) {
  return read([&](Connection& c) -> Result<std::vector<EvaluationRun>> {
    FP_QUERY(q, c,
             "SELECT id, started_at, finished_at, reason, index_checksum, hosts, new_findings, "
             "fixed_findings FROM evaluations ORDER BY id DESC LIMIT ?1");
    q.integer(1, static_cast<std::int64_t>(
                     std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max())));
    std::vector<EvaluationRun> out;
    for (;;) {
      auto row = q.step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      EvaluationRun r;
      r.id = q.col_int(0);
      r.started_at = codec::from_unix(q.col_int(1));
      r.finished_at = codec::from_unix(q.col_int(2));
      r.reason = q.col_text(3);
      r.index_checksum = q.col_text(4);
      r.hosts = q.col_int(5);
      r.new_findings = q.col_int(6);
      r.fixed_findings = q.col_int(7);
      out.push_back(std::move(r));
    }
    return out;
  });
}

// ---- exceptions and tokens ----------------------------------------------------------------

Status SqliteStore::put_exception(const ExceptionDocument& doc) {
  return write([&](Connection& c) -> Status {
    FP_QUERY(q, c,
             "INSERT INTO exceptions (id, toml, created_at, created_by) "
             "VALUES (?1, ?2, ?3, ?4)");
    q.text(1, doc.id)
        .text(2, doc.toml)
        .integer(3, codec::to_unix(doc.created_at))
        .text(4, doc.created_by);
    auto s = q.run();
    if (!s.ok() && c.last_error_code() == SQLITE_CONSTRAINT) {
      return core::invalid_argument("exception id \"" + doc.id + "\" already exists");
    }
    return s;
  });
}

Result<bool> SqliteStore::delete_exception(std::string_view id) {
  bool deleted = false;
  auto status = write([&](Connection& c) -> Status {
    FP_QUERY(q, c, "DELETE FROM exceptions WHERE id = ?1");
    q.text(1, id);
    FP_TRY(q.run());
    deleted = c.changes() > 0;
    return {};
  });
  if (!status.ok()) return status.error();
  return deleted;
}

Result<std::vector<ExceptionDocument>> SqliteStore::list_exceptions() {
  return read([](Connection& c) -> Result<std::vector<ExceptionDocument>> {
    FP_QUERY(q, c, "SELECT id, toml, created_at, created_by FROM exceptions ORDER BY id");
    std::vector<ExceptionDocument> out;
    for (;;) {
      auto row = q.step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      out.push_back({std::string(q.col_text(0)), std::string(q.col_text(1)),
                     codec::from_unix(q.col_int(2)), std::string(q.col_text(3))});
    }
    return out;
  });
}

Status SqliteStore::put_token(const TokenRecord& token) {
  return write([&](Connection& c) -> Status {
    FP_QUERY(q, c,
             "INSERT INTO tokens (id, hash, name, role, host_id, created_at, revoked_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    q.text(1, token.id)
        .text(2, token.hash)
        .text(3, token.name)
        .integer(4, static_cast<std::int64_t>(token.role))
        .text(5, token.host_id)
        .integer(6, codec::to_unix(token.created_at));
    if (token.revoked_at) {
      q.integer(7, codec::to_unix(*token.revoked_at));
    } else {
      q.null(7);
    }
    auto s = q.run();
    if (!s.ok() && c.last_error_code() == SQLITE_CONSTRAINT) {
      return core::invalid_argument("token id \"" + token.id + "\" or its hash already exists");
    }
    return s;
  });
}

Result<std::optional<TokenRecord>> SqliteStore::find_token_by_hash(std::string_view hash) {
  return read([&](Connection& c) -> Result<std::optional<TokenRecord>> {
    FP_QUERY(q, c,
             "SELECT id, hash, name, role, host_id, created_at, revoked_at FROM tokens "
             "WHERE hash = ?1");
    q.text(1, hash);
    auto row = q.step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<TokenRecord>{};
    auto token = token_from_row(q);
    if (!token.ok()) return token.error();
    return std::optional<TokenRecord>(std::move(*token));
  });
}

Result<bool> SqliteStore::revoke_token(std::string_view id, core::TimePoint at) {
  bool found = false;
  auto status = write([&](Connection& c) -> Status {
    // Revoking twice keeps the first time: the audit trail already recorded it.
    FP_QUERY(q, c, "UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1");
    q.text(1, id).integer(2, codec::to_unix(at));
    FP_TRY(q.run());
    found = c.changes() > 0;
    return {};
  });
  if (!status.ok()) return status.error();
  return found;
}

Result<std::vector<TokenRecord>> SqliteStore::list_tokens() {
  return read([](Connection& c) -> Result<std::vector<TokenRecord>> {
    FP_QUERY(q, c,
             "SELECT id, hash, name, role, host_id, created_at, revoked_at FROM tokens "
             "ORDER BY created_at, id");
    std::vector<TokenRecord> out;
    for (;;) {
      auto row = q.step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      auto token = token_from_row(q);
      if (!token.ok()) return token.error();
      out.push_back(std::move(*token));
    }
    return out;
  });
}

// ---- audit and settings -------------------------------------------------------------------

Result<AuditEntry> SqliteStore::append_audit(const AuditEvent& event) {
  AuditEntry entry;
  auto status = write([&](Connection& c) -> Status {
    auto appended = append_audit_in(c, event);
    if (!appended.ok()) return appended.error();
    entry = std::move(*appended);
    return {};
  });
  if (!status.ok()) return status.error();
  return entry;
}

Status SqliteStore::for_each_audit(std::int64_t after_seq,
                                   const std::function<bool(const AuditEntry&)>& fn) {
  constexpr std::int64_t kBatch = 1024;
  std::vector<AuditEntry> entries;
  for (;;) {
    entries.clear();
    auto fetched = read([&](Connection& c) -> Status {
      FP_QUERY(q, c,
               "SELECT seq, at, actor, action, target, detail, prev_hash, hash FROM audit "
               "WHERE seq > ?1 ORDER BY seq LIMIT ?2");
      q.integer(1, after_seq).integer(2, kBatch);
      for (;;) {
        auto row = q.step();
        if (!row.ok()) return row.error();
        if (!*row) break;
        AuditEntry e;
        e.seq = q.col_int(0);
        e.event.at = codec::from_unix(q.col_int(1));
        e.event.actor = q.col_text(2);
        e.event.action = q.col_text(3);
        e.event.target = q.col_text(4);
        e.event.detail = q.col_text(5);
        e.prev_hash = q.col_text(6);
        e.hash = q.col_text(7);
        entries.push_back(std::move(e));
      }
      return {};
    });
    if (!fetched.ok()) return fetched.error();
    for (const auto& e : entries) {
      if (!fn(e)) return {};
    }
    if (static_cast<std::int64_t>(entries.size()) < kBatch) return {};
    after_seq = entries.back().seq;
  }
}

Status SqliteStore::put_setting(std::string_view key, std::string_view value) {
  return write([&](Connection& c) -> Status {
    FP_QUERY(q, c,
             "INSERT INTO settings (key, value) VALUES (?1, ?2) "
             "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    q.text(1, key).text(2, value);
    return q.run();
  });
}

Result<std::optional<std::string>> SqliteStore::get_setting(std::string_view key) {
  return read([&](Connection& c) -> Result<std::optional<std::string>> {
    FP_QUERY(q, c, "SELECT value FROM settings WHERE key = ?1");
    q.text(1, key);
    auto row = q.step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<std::string>{};
    return std::optional<std::string>(std::string(q.col_text(0)));
  });
}

}  // namespace

core::Result<std::unique_ptr<Store>> open_sqlite(const std::string& path) {
  return SqliteStore::open(path);
}

}  // namespace fleetpatch::store
