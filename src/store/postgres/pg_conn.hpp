// Thin libpq helpers (header-only: postgres_store.cpp is their one user) for the PostgreSQL store:
// one connection with lazily prepared statements, statement parameters (text, or binary for bytea),
// and a bounded connection pool. Nothing here knows the schema; postgres_store.cpp does.
//
// Thread-safety: a Connection is used by one thread at a time (libpq's rule); the Pool hands
// connections out to many threads.
#pragma once

#include <libpq-fe.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace fleetpatch::store::pg {

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

/// A statement prepared on each connection the first time that connection runs it. `slot`
/// indexes the connection's prepared set (< kMaxStatements); `name` must be unique.
struct Statement {
  std::size_t slot;
  const char* name;
  const char* sql;
};
inline constexpr std::size_t kMaxStatements = 64;

/// Statement parameters. Text parameters are sent in text format; binary ones (bytea) in binary
/// format so that blobs are neither escaped nor hex-encoded on the wire.
class Params {
 public:
  Params& text(std::string_view value);
  Params& integer(std::int64_t value);
  Params& binary(std::string_view value);
  Params& binary(std::string&& value);
  Params& null();
  Params& optional_text(const std::optional<std::string>& value);

  int size() const { return static_cast<int>(values_.size()); }
  /// Why the parameters cannot be sent, or empty. libpq sends text parameters as C strings: a
  /// NUL inside one would silently cut it short, so it is refused instead (PostgreSQL text
  /// cannot hold a NUL anyway).
  const std::string& problem() const { return problem_; }
  /// Pointer arrays for libpq; valid until the next change to the Params.
  const char* const* values() const;
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::string problem_;
  std::vector<std::string> storage_;
  std::vector<int> values_;  // index into storage_, -1 for NULL
  std::vector<int> lengths_;
  std::vector<int> formats_;
  mutable std::vector<const char*> pointers_;
};

/// A one-dimensional PostgreSQL array literal in text form ({"a","b\\"c"}), for statements
/// that take a whole batch of rows as arrays (unnest) instead of one statement per row.
class TextArray {
 public:
  TextArray& add(std::string_view value) {
    if (text_.size() > 1) text_.push_back(',');
    text_.push_back('"');
    for (const char c : value) {
      if (c == '"' || c == '\\') text_.push_back('\\');
      text_.push_back(c);
    }
    text_.push_back('"');
    return *this;
  }
  TextArray& add(std::int64_t value) { return add(std::string_view(std::to_string(value))); }
  TextArray& add(bool value) { return add(std::string_view(value ? "t" : "f")); }
  /// The literal ("{}" when empty).
  std::string str() const { return text_ + '}'; }

 private:
  std::string text_ = "{";
};

/// A one-dimensional PostgreSQL array in binary form (array_recv's input), to send many bytea
/// values as one parameter without the hex escaping the text form would need. Sent with
/// Params::binary; `element_oid` is the element type's OID (17 bytea, 25 text).
class BinaryArray {
 public:
  explicit BinaryArray(std::uint32_t element_oid) {
    // Header: 1 dimension, no NULLs, the element type, the length (set by take()), lower bound 1.
    for (const std::uint32_t v : {1u, 0u, element_oid, 0u, 1u}) put32(v);
  }
  BinaryArray& add(std::string_view value) {
    put32(static_cast<std::uint32_t>(value.size()));
    data_.append(value);
    ++count_;
    return *this;
  }
  std::size_t size() const { return count_; }
  /// The array (each element a 4-byte big-endian length and its bytes); leaves this empty.
  std::string take() {
    for (int i = 0; i < 4; ++i) data_[12 + i] = static_cast<char>(count_ >> (24 - 8 * i));
    return std::move(data_);
  }

 private:
  void put32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) data_.push_back(static_cast<char>(v >> shift));
  }
  std::size_t count_ = 0;
  std::string data_;
};

/// Which format libpq returns result columns in. Binary is used only for queries whose columns
/// are all text or bytea (whose binary forms are their raw bytes).
enum class ResultFormat : int { kText = 0, kBinary = 1 };

/// A libpq error as a core::Error: unique violations and refused data are kInvalidArgument, a lost
/// or refused connection kIo, anything else kInternal. `what` says what we were doing.
core::Error error_from(PGconn* conn, const PGresult* result, std::string_view what);

/// SQLSTATE of a failed result ("23505"), empty when there is none.
std::string sqlstate(const PGresult* result);

/// One statement of a pipeline: a prepared statement with its parameters or, when `statement`
/// is null, a parameterless command such as BEGIN or COMMIT.
struct Queued {
  const Statement* statement = nullptr;
  const Params* params = nullptr;
  const char* sql = nullptr;
  ResultFormat format = ResultFormat::kText;
};

class Connection {
 public:
  /// Connects with a libpq connection URI or keyword string.
  static core::Result<std::unique_ptr<Connection>> connect(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  PGconn* raw() { return conn_; }

  /// Runs SQL without parameters (may be several statements); for DDL, BEGIN, COMMIT.
  core::Status exec(const char* sql);
  /// Runs a prepared statement (preparing it on this connection first if needed); a result
  /// that is not PGRES_COMMAND_OK or PGRES_TUPLES_OK is an error.
  core::Result<ResultPtr> run(const Statement& statement, const Params& params,
                              ResultFormat format = ResultFormat::kText);
  /// Prepares `statement` on this connection unless it already is (synchronous round trip).
  core::Status prepare(const Statement& statement);
  /// Sends the statements of `queued` pipelined (libpq pipeline mode: one round trip per 512
  /// statements), then reads all results. Fails with the first statement that failed (the server
  /// skipped the ones after it); an open transaction is then left to the caller to roll back.
  core::Result<std::vector<ResultPtr>> pipeline(const std::vector<Queued>& queued);

  /// False when the server has closed the connection while it sat idle (a restart, an
  /// administrator's pg_terminate_backend): reads what arrived without blocking.
  bool alive();

  /// True when the connection can go back to the pool: connected, idle, not in a transaction,
  /// not in pipeline mode.
  bool reusable() const;

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
  std::vector<bool> prepared_ = std::vector<bool>(kMaxStatements, false);
};

/// Helpers over text-format results.
std::string_view text_at(const PGresult* result, int row, int column);
bool is_null(const PGresult* result, int row, int column);
std::int64_t int_at(const PGresult* result, int row, int column);

class Pool;

/// A connection borrowed from a Pool; returned on destruction (dropped when not reusable).
class Lease {
 public:
  Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
  Lease(Lease&& other) noexcept = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  Connection& operator*() { return *conn_; }
  Connection* operator->() { return conn_.get(); }

 private:
  Pool* pool_;
  std::unique_ptr<Connection> conn_;
};

/// At most `max_size` connections to one database, opened on demand and kept while idle.
/// acquire() waits while all are in use.
class Pool {
 public:
  Pool(std::string url, std::size_t max_size) : url_(std::move(url)), max_size_(max_size) {}
  core::Result<Lease> acquire();
  /// Adds an already open connection (the one open() used for migrations).
  void adopt(std::unique_ptr<Connection> conn);

 private:
  friend class Lease;
  void release(std::unique_ptr<Connection> conn);

  const std::string url_;
  const std::size_t max_size_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle + leased
};

/// Runs `body` between BEGIN and COMMIT on `conn`; rolls back when it fails.
template <typename Body>
core::Status in_transaction(Connection& conn, Body&& body) {
  if (auto begun = conn.exec("BEGIN"); !begun.ok()) return begun;
  core::Status status = body();
  if (!status.ok()) {
    (void)conn.exec("ROLLBACK");
    return status;
  }
  return conn.exec("COMMIT");
}

// ---- implementation ------------------------------------------------------------------------

namespace detail {

inline std::string trimmed(const char* message) {
  std::string text = message == nullptr ? "" : message;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace detail

inline Params& Params::text(std::string_view value) {
  if (problem_.empty() && value.find('\0') != std::string_view::npos) {
    problem_ = "parameter " + std::to_string(values_.size() + 1) + " contains a NUL byte";
  }
  values_.push_back(static_cast<int>(storage_.size()));
  storage_.emplace_back(value);
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(0);
  return *this;
}

inline Params& Params::integer(std::int64_t value) { return text(std::to_string(value)); }

inline Params& Params::binary(std::string_view value) {
  values_.push_back(static_cast<int>(storage_.size()));
  storage_.emplace_back(value);
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(1);
  return *this;
}

inline Params& Params::binary(std::string&& value) {
  values_.push_back(static_cast<int>(storage_.size()));
  lengths_.push_back(static_cast<int>(value.size()));
  storage_.push_back(std::move(value));
  formats_.push_back(1);
  return *this;
}

inline Params& Params::null() {
  values_.push_back(-1);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

inline Params& Params::optional_text(const std::optional<std::string>& value) {
  return value ? text(*value) : null();
}

inline const char* const* Params::values() const {
  pointers_.clear();
  for (int index : values_) {
    pointers_.push_back(index < 0 ? nullptr : storage_[static_cast<std::size_t>(index)].data());
  }
  return pointers_.data();
}

inline std::string sqlstate(const PGresult* result) {
  if (result == nullptr) return {};
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return state == nullptr ? std::string() : std::string(state);
}

inline core::Error error_from(PGconn* conn, const PGresult* result, std::string_view what) {
  std::string detail = result != nullptr ? detail::trimmed(PQresultErrorMessage(result)) : "";
  if (detail.empty() && conn != nullptr) detail = detail::trimmed(PQerrorMessage(conn));
  std::string message = "postgresql: " + std::string(what) + ": " + detail;
  const std::string state = sqlstate(result);
  // Unique violations, and data the server refuses (class 22: a NUL or invalid UTF-8 in a text
  // column, a number out of range) are the caller's input, not a server fault.
  if (state == "23505" || state.starts_with("22"))
    return core::invalid_argument(std::move(message));
  // Class 08: connection exceptions; a connection that went bad is the same to the caller.
  if (state.starts_with("08") || (conn != nullptr && PQstatus(conn) != CONNECTION_OK)) {
    return core::io_error(std::move(message));
  }
  return core::Error{core::ErrorCode::kInternal, std::move(message)};
}

inline core::Result<std::unique_ptr<Connection>> Connection::connect(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return core::io_error("postgresql: out of memory opening a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    // PQerrorMessage names host and port but never the password.
    core::Error error =
        core::io_error("postgresql: cannot connect: " + detail::trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return error;
  }
  // Notices (e.g. "relation already exists, skipping") are not for our users' terminals.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn));
}

inline Connection::~Connection() { PQfinish(conn_); }

inline core::Status Connection::exec(const char* sql) {
  ResultPtr result(PQexec(conn_, sql));
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string what = sql;
    if (what.size() > 60) what = what.substr(0, 60) + "...";
    return error_from(conn_, result.get(), what);
  }
  return {};
}

inline core::Status Connection::prepare(const Statement& statement) {
  if (prepared_[statement.slot]) return {};
  ResultPtr result(PQprepare(conn_, statement.name, statement.sql, 0, nullptr));
  if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return error_from(conn_, result.get(), std::string("preparing ") + statement.name);
  }
  prepared_[statement.slot] = true;
  return {};
}

inline core::Result<ResultPtr> Connection::run(const Statement& statement, const Params& params,
                                               ResultFormat format) {
  if (!params.problem().empty()) {
    return core::invalid_argument(std::string("postgresql: ") + statement.name + ": " +
                                  params.problem());
  }
  if (auto prepared = prepare(statement); !prepared.ok()) return prepared.error();
  ResultPtr result(PQexecPrepared(conn_, statement.name, params.size(), params.values(),
                                  params.lengths(), params.formats(), static_cast<int>(format)));
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return error_from(conn_, result.get(), statement.name);
  }
  return result;
}

inline core::Result<std::vector<ResultPtr>> Connection::pipeline(
    const std::vector<Queued>& queued) {
  // In blocking mode the server's replies pile up unread while we send; a sync every kChunk
  // statements keeps them well below the socket buffers (libpq's pipeline deadlock warning).
  // A sync inside BEGIN ... COMMIT does not end the transaction.
  constexpr std::size_t kChunk = 512;
  for (const Queued& q : queued) {
    if (q.statement == nullptr) continue;
    if (!q.params->problem().empty()) {
      return core::invalid_argument(std::string("postgresql: ") + q.statement->name + ": " +
                                    q.params->problem());
    }
    if (auto prepared = prepare(*q.statement); !prepared.ok()) return prepared.error();
  }
  if (PQenterPipelineMode(conn_) != 1) return error_from(conn_, nullptr, "entering pipeline mode");
  std::vector<ResultPtr> results;
  results.reserve(queued.size());
  for (std::size_t begin = 0; begin < queued.size(); begin += kChunk) {
    const std::size_t end = std::min(queued.size(), begin + kChunk);
    std::optional<core::Error> failure;
    std::size_t sent = begin;
    for (; sent < end; ++sent) {
      const Queued& q = queued[sent];
      const int ok = q.statement != nullptr
                         ? PQsendQueryPrepared(conn_, q.statement->name, q.params->size(),
                                               q.params->values(), q.params->lengths(),
                                               q.params->formats(), static_cast<int>(q.format))
                         : PQsendQueryParams(conn_, q.sql, 0, nullptr, nullptr, nullptr, nullptr,
                                             static_cast<int>(q.format));
      if (ok != 1) {
        failure = error_from(conn_, nullptr, "sending a pipelined statement");
        break;
      }
    }
    if (PQpipelineSync(conn_) != 1) {
      // The connection is broken: nothing more can be read; reusable() is false from here on.
      return failure ? *failure : error_from(conn_, nullptr, "pipeline sync");
    }
    for (std::size_t i = begin; i < sent; ++i) {
      ResultPtr result(PQgetResult(conn_));
      if (!result) return error_from(conn_, nullptr, "reading pipelined results");
      const auto status = PQresultStatus(result.get());
      if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && !failure) {
        const Queued& q = queued[i];
        failure =
            error_from(conn_, result.get(), q.statement != nullptr ? q.statement->name : q.sql);
      }
      results.push_back(std::move(result));
      // Each statement's results end with a null.
      while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
    }
    ResultPtr sync(PQgetResult(conn_));
    if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
      return failure ? *failure : error_from(conn_, sync.get(), "pipeline sync");
    }
    if (failure) {
      // The server skipped the rest of this chunk; the ones after it are not sent at all.
      if (PQexitPipelineMode(conn_) != 1) return error_from(conn_, nullptr, "leaving pipeline");
      return *failure;
    }
  }
  if (PQexitPipelineMode(conn_) != 1) {
    return error_from(conn_, nullptr, "leaving pipeline mode");
  }
  return results;
}

inline bool Connection::alive() {
  if (PQconsumeInput(conn_) != 1 || PQstatus(conn_) != CONNECTION_OK) return false;
  // libpq takes the server's goodbye ("terminating connection due to administrator command")
  // as a notice and sees the close only on its next read: look for end-of-file ourselves.
  char byte = 0;
  const ssize_t n = ::recv(PQsocket(conn_), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
}

inline bool Connection::reusable() const {
  return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE &&
         PQpipelineStatus(conn_) == PQ_PIPELINE_OFF;
}

inline std::string_view text_at(const PGresult* result, int row, int column) {
  return {PQgetvalue(result, row, column),
          static_cast<std::size_t>(PQgetlength(result, row, column))};
}

inline bool is_null(const PGresult* result, int row, int column) {
  return PQgetisnull(result, row, column) != 0;
}

inline std::int64_t int_at(const PGresult* result, int row, int column) {
  const std::string_view text = text_at(result, row, column);
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

inline Lease::~Lease() {
  if (pool_ != nullptr && conn_) pool_->release(std::move(conn_));
}

inline core::Result<Lease> Pool::acquire() {
  std::unique_lock lock(mu_);
  for (;;) {
    available_.wait(lock, [&] { return !idle_.empty() || open_ < max_size_; });
    if (idle_.empty()) break;
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    // A connection the server closed while it sat here is replaced before anything is sent
    // on it, so that no statement has to guess whether it ran.
    if (conn->alive()) return Lease(this, std::move(conn));
    --open_;
  }
  ++open_;
  lock.unlock();
  auto conn = Connection::connect(url_);
  if (!conn.ok()) {
    lock.lock();
    --open_;
    available_.notify_one();
    return conn.error();
  }
  return Lease(this, std::move(conn).value());
}

inline void Pool::adopt(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(mu_);
  ++open_;
  idle_.push_back(std::move(conn));
  available_.notify_one();
}

inline void Pool::release(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(mu_);
  if (conn->reusable()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;  // dropped: a broken connection or one left mid-transaction; reopened on demand
  }
  available_.notify_one();
}

}  // namespace fleetpatch::store::pg
