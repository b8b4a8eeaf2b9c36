// What only the PostgreSQL backend has to get right, beyond the conformance suite: several
// store instances (the `serve` replicas) over one database, a write the server refuses inside a
// group-committed batch, pipelines longer than one chunk, schemas named by the URL. Each case
// gets its own database on the server FLEETPATCH_TEST_PG_URL names (the ctest fixture
// `postgres` starts one).
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "store/backends.hpp"
#include "store/store.hpp"
#include "support/databases.hpp"

namespace fleetpatch::store {
namespace {

using testsupport::random_hex;

core::TimePoint at(const char* text) { return core::parse_rfc3339(text).value(); }

/// Runs one query; the first column of the first row, or "ERROR: ..." when it failed.
std::string pg_query(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string out;
  if (PQstatus(conn) != CONNECTION_OK) {
    out = std::string("ERROR: ") + PQerrorMessage(conn);
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      out = std::string("ERROR: ") + PQerrorMessage(conn);
    } else if (status == PGRES_TUPLES_OK && PQntuples(res) > 0) {
      out = PQgetvalue(res, 0, 0);
    }
    PQclear(res);
  }
  PQfinish(conn);
  return out;
}

core::HostReport report(const std::string& id, std::size_t packages, int variant = 0) {
  core::HostReport r;
  r.host = {id, "host-" + id, {"fleet"}};
  r.os = {"debian", "12", "Debian GNU/Linux 12 (bookworm)", {}, "bookworm"};
  r.package_format = core::PackageFormat::kDpkg;
  for (std::size_t i = 0; i < packages; ++i) {
    core::Package p;
    p.name = "pkg-" + std::to_string(i);
    p.version = "1." + std::to_string(variant) + "-" + std::to_string(i % 5);
    p.arch = "amd64";
    r.packages.push_back(std::move(p));
  }
  r.collected_at = "2026-11-26T03:00:00Z";
  r.collector = "fleetpatch 0.1.0";
  return r;
}

class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("FLEETPATCH_TEST_PG_URL");
    if (base == nullptr || *base == '\0') {
      const char* skip = std::getenv("FLEETPATCH_SKIP_POSTGRES");
      if (skip != nullptr && std::string(skip) == "1") {
        GTEST_SKIP() << "FLEETPATCH_SKIP_POSTGRES=1: PostgreSQL tests skipped";
      }
      FAIL() << "FLEETPATCH_TEST_PG_URL is unset: run through ctest (fixture `postgres`), or "
                "set FLEETPATCH_SKIP_POSTGRES=1 to skip the PostgreSQL tests deliberately";
    }
    admin_url_ = base;
    database_ = "fleetpatch_pg_" + random_hex(12);
    ASSERT_EQ(pg_query(admin_url_, "CREATE DATABASE " + database_), "");
    const auto slash = admin_url_.rfind('/');
    ASSERT_NE(slash, std::string::npos);
    url_ = admin_url_.substr(0, slash + 1) + database_;
  }

  void TearDown() override {
    if (!database_.empty()) {
      EXPECT_EQ(pg_query(admin_url_, "DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)"), "");
    }
  }

  std::unique_ptr<Store> open(const std::string& url) {
    auto opened = open_postgres(url);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  std::string admin_url_;
  std::string database_;
  std::string url_;
};

TEST_F(PostgresStore, ReplicasStartingTogetherMigrateOnce) {
  constexpr int kReplicas = 6;
  std::vector<std::thread> threads;
  threads.reserve(kReplicas);
  std::atomic<int> opened{0};
  std::atomic<int> version{0};
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&] {
      auto store = open_postgres(url_);
      if (!store.ok()) return;
      if (auto v = (*store)->schema_version(); v.ok()) {
        ++opened;
        version = *v;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(opened.load(), kReplicas);
  // One row per migration: each applied once, however many replicas raced to apply it.
  EXPECT_EQ(pg_query(url_, "SELECT count(*) FROM schema_migrations"),
            std::to_string(version.load()));
  EXPECT_EQ(pg_query(url_, "SELECT count(*) FROM hosts"), "0");
}

TEST_F(PostgresStore, ReplicasAppendToOneAuditChain) {
  // Two store instances are two replicas: only the database can serialize their appends.
  auto a = open(url_);
  auto b = open(url_);
  ASSERT_TRUE(a && b);
  constexpr int kThreadsPerReplica = 3;
  constexpr int kPerThread = 20;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 2 * kThreadsPerReplica; ++t) {
    Store& store = t % 2 == 0 ? *a : *b;
    threads.emplace_back([&store, &failures, t] {
      for (int i = 0; i < kPerThread; ++i) {
        AuditEvent e{at("2026-11-26T05:00:00Z"), "replica", "report.accept",
                     "h" + std::to_string(t) + "-" + std::to_string(i), "{}"};
        // Half through the group-committed report path, half through append_audit.
        if (i % 2 == 0) {
          if (!store.put_report(report(e.target, 3), e.at, &e).ok()) ++failures;
        } else if (!store.append_audit(e).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const auto verified = verify_audit(*a);
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.entries, 2 * kThreadsPerReplica * kPerThread);
  EXPECT_EQ(*b->host_count(), 2 * kThreadsPerReplica * kPerThread / 2);
}

TEST_F(PostgresStore, WriterPlansMadeOnSmallTablesStillUseTheKeys) {
  // The writer's statements are prepared once per connection and PostgreSQL keeps the generic
  // plan it makes after five executions. Made here while `hosts` has a few rows, then used on
  // 5,000: a plan that scans the table reads all of it for every report.
  constexpr int kRows = 5000;
  {
    auto store = open(url_);
    ASSERT_TRUE(store);
    for (int i = 0; i < 12; ++i) {
      ASSERT_TRUE(store
                      ->put_report(report("early-" + std::to_string(i % 3), 2, i),
                                   at("2026-11-26T05:00:00Z"))
                      .ok());
    }
    // Rows added behind the store's back: no ANALYZE, so nothing invalidates its plans.
    ASSERT_EQ(pg_query(url_,
                       "INSERT INTO hosts SELECT 'bulk-' || g, '', '[]', '', '', '', 0, "
                       "'', 0, 0, '', 1 FROM generate_series(1, " +
                           std::to_string(kRows) + ") g"),
              "");
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(store
                      ->put_report(report("early-" + std::to_string(i % 3), 2, 100 + i),
                                   at("2026-11-26T06:00:00Z"))
                      .ok());
    }
  }  // closed: its backends' table statistics are flushed as they exit
  // A backend's statistics arrive as it exits, shortly after the store closed its connection.
  for (int tries = 0; tries < 50; ++tries) {
    if (pg_query(url_,
                 "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND pid <> pg_backend_pid()") == "0") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string read =
      pg_query(url_, "SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'hosts'");
  ASSERT_FALSE(read.empty());
  ASSERT_NE(read.rfind("ERROR", 0), 0U) << read;
  // Scanning plans read 20 x 5,000 rows; plans through the primary key read none by scans.
  EXPECT_LT(std::stoll(read), kRows) << "the writer scanned `hosts` sequentially";
}

TEST_F(PostgresStore, RefusedWriteFailsAloneInItsBatch) {
  auto store = open(url_);
  ASSERT_TRUE(store);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = report("h" + std::to_string(t) + "-" + std::to_string(i), 20);
        // Refused by the server (invalid UTF-8 in a text column) and before sending (a NUL,
        // which PostgreSQL text cannot hold): either fails only its own write.
        const bool bad = (t == 3 && i == 5) || (t == 6 && i == 2);
        if (t == 3 && i == 5) r.host.hostname = "bad\xff name";
        if (t == 6 && i == 2) r.host.hostname = std::string("bad\0name", 8);
        auto put = store->put_report(r, at("2026-11-26T05:00:00Z"));
        if (put.ok()) {
          ++ok;
        } else if (bad && put.error().code == core::ErrorCode::kInvalidArgument) {
          ++refused;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(refused.load(), 2);
  EXPECT_EQ(ok.load(), kThreads * kPerThread - 2);
  EXPECT_EQ(*store->host_count(), kThreads * kPerThread - 2);
  EXPECT_FALSE(store->get_host("h3-5")->has_value());
  EXPECT_FALSE(store->get_host("h6-2")->has_value());
}

TEST_F(PostgresStore, LedgerBatchLongerThanOnePipelineChunk) {
  auto store = open(url_);
  ASSERT_TRUE(store);
  constexpr int kHosts = 700;  // 2 statements each: three pipeline chunks in one transaction
  std::vector<LedgerUpdate> updates;
  for (int i = 0; i < kHosts; ++i) {
    const std::string host = "h" + std::to_string(i);
    updates.push_back({host,
                       {{"openssl CVE-2026-" + std::to_string(i), at("2026-11-01T00:00:00Z")}},
                       {{host,
                         "zlib CVE-2025-1",
                         "zlib",
                         {"CVE-2025-1"},
                         core::Severity::kHigh,
                         at("2026-10-01T00:00:00Z"),
                         at("2026-11-26T00:00:00Z")}}});
  }
  ASSERT_TRUE(store->apply_ledger_updates(updates).ok());
  EXPECT_EQ(store->fixed_records("")->size(), static_cast<std::size_t>(kHosts));
  const auto ledger = store->get_ledger("h699");
  ASSERT_TRUE(ledger.ok());
  ASSERT_EQ(ledger->size(), 1u);
  EXPECT_EQ((*ledger)[0].key, "openssl CVE-2026-699");

  // A refused row in the last chunk rolls back every chunk before it.
  updates.clear();
  for (int i = 0; i < kHosts; ++i) {
    updates.push_back({"x" + std::to_string(i),
                       {},
                       {{"",
                         "k",
                         "p",
                         {},
                         core::Severity::kLow,
                         at("2026-10-01T00:00:00Z"),
                         at("2026-11-26T00:00:00Z")}}});
  }
  updates.back().fixed[0].package = "invalid \xff UTF-8";
  EXPECT_FALSE(store->apply_ledger_updates(updates).ok());
  EXPECT_EQ(store->fixed_records("")->size(), static_cast<std::size_t>(kHosts));
  EXPECT_TRUE(store->fixed_records("x0")->empty());
}

TEST_F(PostgresStore, SearchPathSchemaIsCreatedAndIsolated) {
  auto tenant_a = open(url_ + "?options=-csearch_path%3Dtenant_a");
  auto tenant_b = open(url_ + "?options=-csearch_path%3D%22TenantB%22");
  ASSERT_TRUE(tenant_a && tenant_b);
  ASSERT_TRUE(tenant_a->put_report(report("h1", 5), at("2026-11-26T05:00:00Z")).ok());
  ASSERT_TRUE(tenant_a->append_audit({at("2026-11-26T05:00:00Z"), "a", "x", "y", "{}"}).ok());
  EXPECT_EQ(*tenant_a->host_count(), 1);
  EXPECT_EQ(*tenant_b->host_count(), 0);
  EXPECT_EQ(verify_audit(*tenant_b).entries, 0);
  EXPECT_EQ(pg_query(url_, "SELECT count(*) FROM tenant_a.hosts"), "1");
  EXPECT_EQ(pg_query(url_, "SELECT count(*) FROM \"TenantB\".schema_migrations"),
            std::to_string(*tenant_b->schema_version()));
}

TEST_F(PostgresStore, ConnectionsTheServerClosedAreReplaced) {
  // What a server restart does to a running `serve`: every connection it holds is closed.
  auto store = open(url_);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_report(report("h1", 5), at("2026-11-26T05:00:00Z")).ok());
  ASSERT_TRUE(store->get_host("h1").ok());
  ASSERT_TRUE(store->append_audit({at("2026-11-26T05:00:00Z"), "a", "x", "y", "{}"}).ok());
  const std::string others =
      "FROM pg_stat_activity WHERE datname = '" + database_ + "' AND pid <> pg_backend_pid()";
  ASSERT_NE(pg_query(url_, "SELECT count(*) " + others), "0");
  ASSERT_EQ(pg_query(url_, "SELECT count(pg_terminate_backend(pid)) > 0 " + others), "t");
  for (int i = 0; i < 100 && pg_query(url_, "SELECT count(*) " + others) != "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto host = store->get_host("h1");
  ASSERT_TRUE(host.ok()) << host.error().message;
  EXPECT_TRUE(host->has_value());
  auto put = store->put_report(report("h2", 5), at("2026-11-26T05:00:00Z"));
  EXPECT_TRUE(put.ok()) << put.error().message;
  auto appended = store->append_audit({at("2026-11-26T05:00:00Z"), "a", "x", "y", "{}"});
  EXPECT_TRUE(appended.ok()) << appended.error().message;
  EXPECT_TRUE(store->put_setting("k", "v").ok());
  EXPECT_EQ(*store->host_count(), 2);
  EXPECT_TRUE(verify_audit(*store).ok);
}

TEST_F(PostgresStore, UnreachableServerIsAClearError) {
  // Port 1 on 127.0.0.1: nothing listens there.
  auto opened = open_postgres("postgresql://fleetpatch@127.0.0.1:1/nothing?connect_timeout=2");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, core::ErrorCode::kIo);
  EXPECT_NE(opened.error().message.find("127.0.0.1"), std::string::npos) << opened.error().message;
}

}  // namespace
}  // namespace fleetpatch::store
