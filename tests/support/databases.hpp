// Scratch databases for the tests that run against both store backends (the store conformance
// suite, the server tests, the durability test): random names, a libpq URI pointed at another
// database, and one-shot SQL on PostgreSQL or on a SQLite file (tests tamper with rows through
// these to check that `audit verify` notices). Header-only; tests only.
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstddef>
#include <random>
#include <string>

namespace fleetpatch::testsupport {

/// `n` random lowercase hex digits (scratch database and directory names).
inline std::string random_hex(std::size_t n) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += "0123456789abcdef"[rng() % 16];
  return out;
}

/// Replaces the database name of a libpq URI ("postgresql://u@h:p/DB?opts").
inline std::string with_database(const std::string& url, const std::string& db) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const auto query = url.find('?');
  if (slash == std::string::npos || (query != std::string::npos && slash > query)) {
    const auto insert_at = query == std::string::npos ? url.size() : query;
    return url.substr(0, insert_at) + "/" + db + url.substr(insert_at);
  }
  const auto end = query == std::string::npos ? url.size() : query;
  return url.substr(0, slash + 1) + db + url.substr(end);
}

/// Runs SQL on a PostgreSQL URI; "" on success, else the error text.
inline std::string pg_exec(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) error = PQerrorMessage(conn);
    PQclear(res);
  }
  PQfinish(conn);
  return error;
}

/// Runs SQL on a SQLite database file; "" on success, else the error text.
inline std::string sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string error;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(db);
  } else {
    sqlite3_busy_timeout(db, 10000);
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      error = message != nullptr ? message : "sqlite3_exec failed";
      sqlite3_free(message);
    }
  }
  sqlite3_close_v2(db);
  return error;
}

}  // namespace fleetpatch::testsupport
