// One suite, every backend: each TEST_P runs against SQLite (a fresh temporary directory) and
// PostgreSQL (a fresh database on the server FLEETPATCH_TEST_PG_URL names; the ctest fixture
// `postgres` starts one). ctest runs every case as its own process, possibly in parallel, so no
// two cases share a database.
//
// The suite is the behavioural contract of store.hpp; where the header leaves a choice open the
// suite pins it (ordering of listings, error codes) so both backends answer alike.
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "core/diagnostics.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoststate/parsers.hpp"
#include "store/backends.hpp"
#include "store/codec.hpp"
#include "store/store.hpp"
#include "support/databases.hpp"

namespace fleetpatch::store {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testsupport::pg_exec;
using testsupport::random_hex;
using testsupport::sqlite_exec;
using testsupport::with_database;

core::TimePoint at(const char* text) { return core::parse_rfc3339(text).value(); }

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// A real report: the debian-web fixture host's dpkg status and os-release, with every other
/// field of the report set so that a lossy backend shows.
core::HostReport fixture_report(const std::string& id) {
  const fs::path root = fs::path(FLEETPATCH_TEST_DATA) / "hoststate/hosts/debian-web";
  core::Diagnostics diagnostics;
  core::HostReport r;
  r.host = {id, "web-" + id, {"prod", "dmz", "équipe"}};
  r.os = hoststate::parse_os_release(read_text(root / "etc/os-release"), "os-release", diagnostics);
  r.package_format = core::PackageFormat::kDpkg;
  r.packages = hoststate::parse_dpkg_status(read_text(root / "var/lib/dpkg/status"), "dpkg status",
                                            diagnostics);
  r.packages.front().install_time = -5;  // negative and large values survive
  r.packages.back().install_time = 1'764'000'000;
  r.packages.back().module = "nodejs:18";
  r.kernel.running = "6.1.0-13-amd64";
  r.kernel.installed = {"6.1.0-13-amd64", "6.1.0-18-amd64"};
  r.kernel.reboot_required = true;
  r.kernel.reboot_required_by = {"linux-image-6.1.0-18-amd64"};
  r.kernel.livepatch = {{"lp1", "canonical-livepatch", true, false, {"CVE-2024-1086"}, "6.1.0-18"}};
  r.listening = {{"tcp",
                  "0.0.0.0",
                  443,
                  812,
                  "/usr/sbin/nginx",
                  "nginx",
                  core::Exposure::kNetwork,
                  {"libssl3", "nginx"}},
                 {"udp6", "::1", 53, std::nullopt, "", "", core::Exposure::kLocal, {}}};
  r.pending_restart = {
      {812, "/usr/sbin/nginx", "nginx.service", {"/usr/lib/libssl.so.3"}, {"libssl3"}}};
  r.collected_at = "2026-11-26T03:00:00Z";
  r.collector = "fleetpatch 0.1.0";
  return r;
}

/// A synthetic host with `packages` packages (the fleet's 600-package size in the load tests).
core::HostReport synthetic_report(const std::string& id, std::size_t packages, int variant = 0) {
  core::HostReport r;
  r.host = {id, "host-" + id, {"fleet"}};
  r.os = {"almalinux", "9.3", "AlmaLinux 9.3", {"rhel"}, ""};
  r.package_format = core::PackageFormat::kRpm;
  r.kernel.running = "5.14.0-362.8.1.el9_3.x86_64";
  for (std::size_t i = 0; i < packages; ++i) {
    core::Package p;
    p.name = "package-" + std::to_string(i);
    p.version = "1." + std::to_string(i % 7) + "-" + std::to_string(variant) + ".el9";
    p.arch = "x86_64";
    p.source_name = "source-" + std::to_string(i / 3);
    p.source_version = p.version;
    r.packages.push_back(std::move(p));
  }
  r.collected_at = "2026-11-26T03:00:00Z";
  r.collector = "fleetpatch 0.1.0";
  return r;
}

AuditEvent event(int n, const std::string& actor = "admin") {
  return {at("2026-11-26T03:00:00Z") + std::chrono::seconds(n), actor, "token.create",
          "target-" + std::to_string(n), "{\"n\":" + std::to_string(n) + "}"};
}

// ---- per-backend scratch databases ----------------------------------------------------------

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      dir_ = fs::temp_directory_path() / ("fleetpatch-store-" + random_hex(12));
      url_ = "sqlite:" + (dir_ / "fleet.db").string();
    } else {
      const char* base = std::getenv("FLEETPATCH_TEST_PG_URL");
      if (base == nullptr || *base == '\0') {
        const char* skip = std::getenv("FLEETPATCH_SKIP_POSTGRES");
        if (skip != nullptr && std::string(skip) == "1") {
          GTEST_SKIP() << "FLEETPATCH_SKIP_POSTGRES=1: PostgreSQL half of the suite skipped";
        }
        FAIL() << "FLEETPATCH_TEST_PG_URL is unset: the ctest fixture `postgres` "
                  "(scripts/test-postgres.sh) sets it; run through ctest, or set "
                  "FLEETPATCH_SKIP_POSTGRES=1 to skip the PostgreSQL half deliberately";
      }
      admin_url_ = base;
      pg_database_ = "fleetpatch_test_" + random_hex(12);
      const auto error = pg_exec(admin_url_, "CREATE DATABASE " + pg_database_);
      ASSERT_EQ(error, "") << "creating the test database on " << admin_url_;
      url_ = with_database(admin_url_, pg_database_);
    }
    reopen();
  }

  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
    if (!pg_database_.empty()) {
      EXPECT_EQ(pg_exec(admin_url_, "DROP DATABASE IF EXISTS " + pg_database_ + " WITH (FORCE)"),
                "");
    }
  }

  core::Result<std::unique_ptr<Store>> open() { return open_store(url_, ""); }

  void reopen() {
    store_.reset();
    auto opened = open();
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    ASSERT_EQ(store_->backend(), GetParam());
  }

  /// Raw SQL behind the store's back (tampering, a future schema).
  void raw(const std::string& sql) {
    const auto error = GetParam() == "sqlite" ? sqlite_exec((dir_ / "fleet.db").string(), sql)
                                              : pg_exec(url_, sql);
    ASSERT_EQ(error, "") << sql;
  }

  Store& store() { return *store_; }

  void put(const core::HostReport& report, const char* when = "2026-11-26T04:00:00Z") {
    auto r = store().put_report(report, at(when));
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  std::vector<AuditEntry> audit_entries() {
    std::vector<AuditEntry> out;
    auto s = store().for_each_audit(0, [&](const AuditEntry& e) {
      out.push_back(e);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.error().message;
    return out;
  }

  fs::path dir_;
  std::string url_;
  std::string admin_url_;
  std::string pg_database_;
  std::unique_ptr<Store> store_;
};

// ---- reports --------------------------------------------------------------------------------

TEST_P(StoreConformance, PutGetReportRoundTrip) {
  const auto report = fixture_report("h1");
  ASSERT_GE(report.packages.size(), 5u);
  auto put_result = store().put_report(report, at("2026-11-26T04:00:00Z"));
  ASSERT_TRUE(put_result.ok()) << put_result.error().message;
  EXPECT_EQ(put_result->report_seq, 1);
  EXPECT_TRUE(put_result->changed);

  auto got = store().get_report("h1");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, report);

  auto host = store().get_host("h1");
  ASSERT_TRUE(host.ok()) << host.error().message;
  ASSERT_TRUE(host->has_value());
  const HostRecord& h = **host;
  EXPECT_EQ(h.id, "h1");
  EXPECT_EQ(h.hostname, "web-h1");
  EXPECT_EQ(h.tags, report.host.tags);
  EXPECT_EQ(h.os_id, "debian");
  EXPECT_EQ(h.os_version_id, "12");
  EXPECT_EQ(h.kernel_running, "6.1.0-13-amd64");
  EXPECT_EQ(h.package_count, report.packages.size());
  EXPECT_EQ(h.report_hash, report_content_hash(report));
  EXPECT_EQ(h.first_report_at, at("2026-11-26T04:00:00Z"));
  EXPECT_EQ(h.last_report_at, at("2026-11-26T04:00:00Z"));
  EXPECT_EQ(h.collected_at, "2026-11-26T03:00:00Z");
  EXPECT_EQ(h.report_seq, 1);

  auto missing = store().get_report("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto missing_host = store().get_host("nope");
  ASSERT_TRUE(missing_host.ok());
  EXPECT_FALSE(missing_host->has_value());
  EXPECT_EQ(store().host_count().value(), 1);
}

TEST_P(StoreConformance, LargeReportRoundTrip) {
  const auto report = synthetic_report("big", 900, 3);
  put(report);
  auto got = store().get_report("big");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, report);
}

TEST_P(StoreConformance, ReportWithoutHostIdIsRefused) {
  auto report = synthetic_report("", 3);
  auto r = store().put_report(report, at("2026-11-26T04:00:00Z"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().host_count().value(), 0);
}

TEST_P(StoreConformance, SameContentMovesOnlyTheTimes) {
  auto report = fixture_report("h1");
  put(report, "2026-11-26T04:00:00Z");
  report.collected_at = "2026-11-26T05:00:00Z";
  auto second = store().put_report(report, at("2026-11-26T05:00:01Z"));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_FALSE(second->changed);
  EXPECT_EQ(second->report_seq, 2);
  auto host = store().get_host("h1").value().value();
  EXPECT_EQ(host.collected_at, "2026-11-26T05:00:00Z");
  EXPECT_EQ(host.first_report_at, at("2026-11-26T04:00:00Z"));
  EXPECT_EQ(host.last_report_at, at("2026-11-26T05:00:01Z"));
  EXPECT_EQ(store().get_report("h1").value()->collected_at, "2026-11-26T05:00:00Z");

  report.packages[0].version += "+deb12u1";
  auto third = store().put_report(report, at("2026-11-26T06:00:00Z"));
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->changed);
  EXPECT_EQ(third->report_seq, 3);
  host = store().get_host("h1").value().value();
  EXPECT_EQ(host.report_hash, report_content_hash(report));
  EXPECT_EQ(host.first_report_at, at("2026-11-26T04:00:00Z"));
  EXPECT_EQ(store().get_report("h1").value().value(), report);
}

TEST_P(StoreConformance, TouchReport) {
  const auto report = fixture_report("h1");
  put(report);
  const auto hash = report_content_hash(report);

  struct Case {
    std::string host;
    std::string hash;
    bool accepted;
  };
  const std::vector<Case> cases = {
      {"h1", hash, true},
      {"h1", std::string(64, 'f'), false},  // content changed on the agent's side
      {"h1", "", false},
      {"unknown", hash, false},  // nothing stored: the agent must send it all
      {"h1", hash, true},
  };
  std::int64_t seq = 1;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.host + " " + c.hash);
    const std::string collected =
        c.accepted ? "2026-11-26T0" + std::to_string(seq + 4) + ":00:00Z" : "2030-01-01T00:00:00Z";
    auto r = store().touch_report(c.host, c.hash, collected, at("2026-11-26T09:00:00Z"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->has_value(), c.accepted);
    auto host = store().get_host("h1").value().value();
    if (c.accepted) {
      ++seq;
      EXPECT_EQ((*r)->report_seq, seq);
      EXPECT_FALSE((*r)->changed);
      EXPECT_EQ(host.collected_at, collected);
      EXPECT_EQ(host.last_report_at, at("2026-11-26T09:00:00Z"));
    }
    EXPECT_EQ(host.report_seq, seq);
    EXPECT_NE(host.collected_at, "2030-01-01T00:00:00Z");
  }
  EXPECT_FALSE(store().get_host("unknown").value().has_value());
  // The stored report itself is unchanged apart from collected_at.
  auto stored = store().get_report("h1").value().value();
  stored.collected_at = report.collected_at;
  EXPECT_EQ(stored, report);
}

TEST_P(StoreConformance, ListHostsPagination) {
  std::vector<std::string> ids;
  ids.reserve(25);
  for (int i = 0; i < 25; ++i) ids.push_back("host-" + std::to_string(1000 + (i * 7) % 25));
  for (const auto& id : ids) put(synthetic_report(id, 2));
  std::sort(ids.begin(), ids.end());

  struct Page {
    std::size_t limit;
    std::vector<std::size_t> sizes;
  };
  for (const Page& page : {Page{10, {10, 10, 5}}, Page{25, {25}}, Page{7, {7, 7, 7, 4}}}) {
    SCOPED_TRACE(page.limit);
    std::vector<std::string> seen;
    std::string after;
    std::vector<std::size_t> sizes;
    for (;;) {
      auto hosts = store().list_hosts(after, page.limit);
      ASSERT_TRUE(hosts.ok()) << hosts.error().message;
      if (hosts->empty()) break;
      sizes.push_back(hosts->size());
      for (const auto& h : *hosts) seen.push_back(h.id);
      after = hosts->back().id;
    }
    EXPECT_EQ(sizes, page.sizes);
    EXPECT_EQ(seen, ids);
  }
  EXPECT_EQ(store().list_hosts(ids[9], 3).value().front().id, ids[10]);
  EXPECT_EQ(store().host_count().value(), 25);
}

TEST_P(StoreConformance, ForEachReportOrderStopAndLedger) {
  std::vector<std::string> ids;
  ids.reserve(300);
  // More hosts than one internal batch of a backend is likely to hold.
  for (int i = 0; i < 300; ++i) ids.push_back("h" + std::to_string(i));
  for (const auto& id : ids) put(synthetic_report(id, 3));
  std::sort(ids.begin(), ids.end());
  ASSERT_TRUE(store()
                  .apply_ledger_updates({{ids[1], {{"pkg ADV-1", at("2026-01-01T00:00:00Z")}}, {}}})
                  .ok());

  std::vector<std::string> seen;
  auto s = store().for_each_report(
      [&](core::HostReport&& r, std::vector<LedgerEntry>&& ledger) {
        if (r.host.id == ids[1]) {
          EXPECT_EQ(ledger.size(), 1u);
        } else {
          EXPECT_TRUE(ledger.empty());
        }
        EXPECT_EQ(r.packages.size(), 3u);
        seen.push_back(r.host.id);
        return true;
      },
      true);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(seen, ids);

  seen.clear();
  s = store().for_each_report(
      [&](core::HostReport&& r, std::vector<LedgerEntry>&& ledger) {
        EXPECT_TRUE(ledger.empty());  // not asked for
        seen.push_back(r.host.id);
        return seen.size() < 3;
      },
      false);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(seen, std::vector<std::string>(ids.begin(), ids.begin() + 3));
}

TEST_P(StoreConformance, ForEachReportRawBatchesDecodeToTheStoredReports) {
  constexpr int kReports = 130;
  std::vector<std::string> ids;
  ids.reserve(kReports);
  for (int i = 0; i < kReports; ++i) ids.push_back("r" + std::to_string(i));
  for (const auto& id : ids) put(synthetic_report(id, 4));
  std::sort(ids.begin(), ids.end());
  const auto t1 = at("2026-01-01T00:00:00Z");
  ASSERT_TRUE(store().apply_ledger_updates({{ids[7], {{"pkg ADV-7", t1}}, {}}}).ok());

  std::vector<std::string> seen;
  std::vector<std::size_t> batch_sizes;
  auto s = store().for_each_report_raw(50, true, [&](std::vector<StoredReportRow>& rows) {
    batch_sizes.push_back(rows.size());
    for (auto& row : rows) {
      auto report = codec::decode_report(row.report_body, row.collected_at);
      EXPECT_TRUE(report.ok()) << row.host_id;
      if (!report.ok()) continue;
      EXPECT_EQ(report->host.id, row.host_id);
      EXPECT_EQ(*report, store().get_report(row.host_id).value().value());
      auto ledger = codec::decode_ledger(row.ledger_body).value();
      EXPECT_EQ(ledger.size(), row.host_id == ids[7] ? 1u : 0u) << row.host_id;
      seen.push_back(row.host_id);
    }
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(batch_sizes, (std::vector<std::size_t>{50, 50, 30}));

  // Without ledgers, and stopped after the first batch.
  std::size_t calls = 0;
  s = store().for_each_report_raw(64, false, [&](std::vector<StoredReportRow>& rows) {
    ++calls;
    for (const auto& row : rows) EXPECT_TRUE(row.ledger_body.empty()) << row.host_id;
    return false;
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(calls, 1u);
}

TEST_P(StoreConformance, PreparedReportCommitsWithItsLedgerAndAudit) {
  put(synthetic_report("p", 2));
  const auto t1 = at("2026-01-01T00:00:00Z");
  const auto t2 = at("2026-02-01T00:00:00Z");
  ASSERT_TRUE(store().apply_ledger_updates({{"p", {{"a ADV-1", t1}, {"b ADV-2", t1}}, {}}}).ok());

  auto report = synthetic_report("p", 3);
  const PreparedReport prepared = prepare_report(report);
  EXPECT_EQ(prepared.content_hash, report_content_hash(report));
  LedgerUpdate ledger;
  ledger.host_id = "p";
  ledger.current_encoded = codec::encode_ledger({{"a ADV-1", t1}, {"c ADV-3", t2}});
  ledger.fixed.push_back({"p", "b ADV-2", "b", {"CVE-2"}, core::Severity::kLow, t1, t2});
  const AuditEvent audit{t2, "agent", "report.accept", "p", "{}"};
  auto put_result = store().put_prepared_report(prepared, t2, &audit, &ledger);
  ASSERT_TRUE(put_result.ok()) << put_result.error().message;
  EXPECT_TRUE(put_result->changed);

  EXPECT_EQ(store().get_report("p").value().value(), report);
  auto stored = store().get_ledger("p").value();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[1].key, "c ADV-3");
  EXPECT_EQ(stored[1].first_seen, t2);
  auto fixed = store().fixed_records("p").value();
  ASSERT_EQ(fixed.size(), 1u);
  EXPECT_EQ(fixed[0].key, "b ADV-2");
  std::vector<std::string> actions;
  ASSERT_TRUE(store()
                  .for_each_audit(0,
                                  [&](const AuditEntry& e) {
                                    actions.push_back(e.event.action);
                                    return true;
                                  })
                  .ok());
  EXPECT_EQ(actions, std::vector<std::string>{"report.accept"});
}

// ---- ledger, evaluations ----------------------------------------------------------------------

TEST_P(StoreConformance, LedgerUpdatesAndFixedRecords) {
  put(synthetic_report("a", 2));
  put(synthetic_report("b", 2));
  const auto t1 = at("2026-01-01T00:00:00Z");
  const auto t2 = at("2026-02-01T00:00:00Z");
  const auto t3 = at("2026-03-01T00:00:00Z");
  ASSERT_TRUE(store()
                  .apply_ledger_updates({
                      {"a", {{"zlib DSA-1", t2}, {"openssl DSA-2", t1}, {"bash DSA-3", t1}}, {}},
                      {"b", {{"curl DSA-9", t1}}, {}},
                  })
                  .ok());
  auto ledger = store().get_ledger("a").value();
  ASSERT_EQ(ledger.size(), 3u);
  EXPECT_EQ(ledger[0].key, "bash DSA-3");  // sorted by key
  EXPECT_EQ(ledger[2].key, "zlib DSA-1");
  EXPECT_EQ(ledger[2].first_seen, t2);

  FixedRecord fixed_openssl{
      "a", "openssl DSA-2", "openssl", {"CVE-2026-1", "CVE-2026-2"}, core::Severity::kHigh, t1, t3};
  FixedRecord fixed_curl{"b", "curl DSA-9", "curl", {}, core::Severity::kCritical, t1, t2};
  auto s = store().apply_ledger_updates({
      {"a", {{"zlib DSA-1", t2}, {"bash DSA-3", t1}}, {fixed_openssl}},
      {"b", {}, {fixed_curl}},  // nothing open any more
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  ledger = store().get_ledger("a").value();
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger[0].key, "bash DSA-3");
  EXPECT_TRUE(store().get_ledger("b").value().empty());
  EXPECT_TRUE(store().get_ledger("never").value().empty());

  auto a_fixed = store().fixed_records("a").value();
  ASSERT_EQ(a_fixed.size(), 1u);
  EXPECT_EQ(a_fixed[0].host_id, "a");
  EXPECT_EQ(a_fixed[0].key, "openssl DSA-2");
  EXPECT_EQ(a_fixed[0].package, "openssl");
  EXPECT_EQ(a_fixed[0].cves, fixed_openssl.cves);
  EXPECT_EQ(a_fixed[0].severity, core::Severity::kHigh);
  EXPECT_EQ(a_fixed[0].first_seen, t1);
  EXPECT_EQ(a_fixed[0].fixed_at, t3);
  auto all = store().fixed_records("").value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "curl DSA-9");  // oldest (fixed_at) first
  EXPECT_EQ(all[1].key, "openssl DSA-2");
  EXPECT_TRUE(all[0].cves.empty());
}

// As the fleet re-evaluation sends them: ledgers already encoded, many hosts in one call
// (PostgreSQL writes them as one statement), with fixed records; and one host twice in one call,
// where the later update wins.
TEST_P(StoreConformance, ManyEncodedLedgersInOneCall) {
  const auto t1 = at("2026-01-01T00:00:00Z");
  const auto t2 = at("2026-02-01T00:00:00Z");
  std::vector<LedgerUpdate> updates;
  for (int i = 0; i < 40; ++i) {
    const std::string host = "e" + std::to_string(i);
    put(synthetic_report(host, 1));
    LedgerUpdate u;
    u.host_id = host;
    const std::vector<LedgerEntry> open = {
        {"pkg" + std::to_string(i) + " DSA-" + std::to_string(i), t1}, {"zz DSA-0", t2}};
    u.current_encoded = codec::encode_ledger(open);
    if (i % 10 == 0)
      u.fixed.push_back({host, "old DSA-7", "old", {"CVE-2025-7"}, core::Severity::kLow, t1, t2});
    updates.push_back(std::move(u));
  }
  ASSERT_TRUE(store().apply_ledger_updates(updates).ok());
  for (int i = 0; i < 40; ++i) {
    const auto ledger = store().get_ledger("e" + std::to_string(i)).value();
    ASSERT_EQ(ledger.size(), 2u) << i;
    EXPECT_EQ(ledger[0].key, "pkg" + std::to_string(i) + " DSA-" + std::to_string(i));
    EXPECT_EQ(ledger[1].first_seen, t2);
  }
  EXPECT_EQ(store().fixed_records("").value().size(), 4u);

  LedgerUpdate first{"e1", {{"first DSA-1", t1}}, {}, {}};
  LedgerUpdate second{"e1", {{"second DSA-2", t2}}, {}, {}};
  LedgerUpdate gone{"e2", {}, {}, {}};
  ASSERT_TRUE(store().apply_ledger_updates({first, gone, second}).ok());
  const auto e1 = store().get_ledger("e1").value();
  ASSERT_EQ(e1.size(), 1u);
  EXPECT_EQ(e1[0].key, "second DSA-2");
  EXPECT_TRUE(store().get_ledger("e2").value().empty());
}

// Concurrent reads of stored ledgers (PostgreSQL gathers them into one statement): every caller
// gets its own host's blob, or nothing for a host without one, also when two ask for one host.
TEST_P(StoreConformance, ConcurrentLedgerReadsGetTheirOwnHost) {
  constexpr int kHosts = 30;
  constexpr int kThreads = 8;
  constexpr int kReads = 60;
  std::vector<LedgerUpdate> updates;
  std::map<std::string, std::string> blobs;
  for (int h = 0; h < kHosts; h += 1) {
    if (h % 3 == 0) continue;  // no ledger
    const std::string id = "g" + std::to_string(h);
    LedgerUpdate u;
    u.host_id = id;
    u.current_encoded = codec::encode_ledger(
        {{"package-" + std::to_string(h) + " ADV-1", at("2026-01-01T00:00:00Z")}});
    blobs[id] = u.current_encoded;
    updates.push_back(std::move(u));
  }
  ASSERT_TRUE(store().apply_ledger_updates(updates).ok());
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads + 1);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kReads; ++i) {
        const std::string id = "g" + std::to_string((t * 7 + i) % kHosts);
        auto got = store().get_ledger_encoded(id);
        const auto it = blobs.find(id);
        if (!got.ok() || *got != (it == blobs.end() ? std::string() : it->second)) ++wrong;
      }
    });
  }
  // Among them, reads of an id PostgreSQL cannot take (a NUL byte): those may fail or find
  // nothing, but must not fail the reads gathered with them.
  threads.emplace_back([&] {
    for (int i = 0; i < kReads; ++i) {
      auto got = store().get_ledger_encoded(std::string("g1\0x", 4));
      if (got.ok() && !got->empty()) ++wrong;
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

// Readers arriving together, each with one read and nothing after it: the last batch of every
// wave must still answer whoever queued behind it (a batch that ends with reads queued hands
// them to one of their readers). A lost hand-over hangs here.
TEST_P(StoreConformance, EveryQueuedLedgerReadIsAnswered) {
  LedgerUpdate u;
  u.host_id = "w";
  u.current_encoded = codec::encode_ledger({{"pkg ADV-1", at("2026-01-01T00:00:00Z")}});
  ASSERT_TRUE(store().apply_ledger_updates({u}).ok());
  constexpr int kThreads = 12;
  constexpr int kWaves = 40;
  std::atomic<int> wrong{0};
  for (int wave = 0; wave < kWaves; ++wave) {
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ++ready;
        while (ready.load() < kThreads) std::this_thread::yield();
        auto got = store().get_ledger_encoded(t % 2 == 0 ? "w" : "none");
        if (!got.ok() || *got != (t % 2 == 0 ? u.current_encoded : std::string())) ++wrong;
      });
    }
    for (auto& th : threads) th.join();
  }
  EXPECT_EQ(wrong.load(), 0);
}

TEST_P(StoreConformance, LargeLedgerRoundTrip) {
  put(synthetic_report("a", 2));
  std::vector<LedgerEntry> entries;
  entries.reserve(900);
  for (int i = 0; i < 900; ++i) {
    entries.push_back({"package-" + std::to_string(i % 300) + " ALSA-2026:" + std::to_string(i),
                       at("2025-01-01T00:00:00Z") + std::chrono::hours(i * 13)});
  }
  ASSERT_TRUE(store().apply_ledger_updates({{"a", entries, {}}}).ok());
  auto got = store().get_ledger("a").value();
  std::sort(entries.begin(), entries.end(),
            [](const auto& x, const auto& y) { return x.key < y.key; });
  ASSERT_EQ(got.size(), entries.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].key, entries[i].key);
    EXPECT_EQ(got[i].first_seen, entries[i].first_seen);
  }
}

TEST_P(StoreConformance, Evaluations) {
  for (int i = 1; i <= 3; ++i) {
    EvaluationRun run;
    run.started_at = at("2026-11-26T00:00:00Z") + std::chrono::hours(i);
    run.finished_at = run.started_at + std::chrono::seconds(42);
    run.reason = "feed import " + std::to_string(i);
    run.index_checksum = "sha256:" + std::to_string(i);
    run.hosts = std::int64_t{100} * i;
    run.new_findings = std::int64_t{10} * i;
    run.fixed_findings = i;
    auto id = store().record_evaluation(run);
    ASSERT_TRUE(id.ok()) << id.error().message;
    EXPECT_GT(*id, 0);
  }
  auto runs = store().evaluations(2).value();
  ASSERT_EQ(runs.size(), 2u);  // newest first
  EXPECT_EQ(runs[0].reason, "feed import 3");
  EXPECT_EQ(runs[1].reason, "feed import 2");
  EXPECT_GT(runs[0].id, runs[1].id);
  EXPECT_EQ(runs[0].started_at, at("2026-11-26T03:00:00Z"));
  EXPECT_EQ(runs[0].finished_at, at("2026-11-26T03:00:42Z"));
  EXPECT_EQ(runs[0].index_checksum, "sha256:3");
  EXPECT_EQ(runs[0].hosts, 300);
  EXPECT_EQ(runs[0].new_findings, 30);
  EXPECT_EQ(runs[0].fixed_findings, 3);
  EXPECT_EQ(store().evaluations(10).value().size(), 3u);
}

// ---- exceptions, tokens, settings -----------------------------------------------------------

TEST_P(StoreConformance, Exceptions) {
  const ExceptionDocument b{"EXC-b", "[[exception]]\nid = \"EXC-b\"\n", at("2026-11-01T00:00:00Z"),
                            "ops"};
  const ExceptionDocument a{"EXC-a", "[[mitigation]]\nid = \"EXC-a\"\n", at("2026-11-02T00:00:00Z"),
                            "sec"};
  ASSERT_TRUE(store().put_exception(b).ok());
  ASSERT_TRUE(store().put_exception(a).ok());
  auto dup = store().put_exception({"EXC-a", "other", at("2026-11-03T00:00:00Z"), "x"});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(dup.error().message, HasSubstr("already exists"));

  auto list = store().list_exceptions().value();
  ASSERT_EQ(list.size(), 2u);  // by id
  EXPECT_EQ(list[0].id, "EXC-a");
  EXPECT_EQ(list[0].toml, a.toml);
  EXPECT_EQ(list[0].created_at, a.created_at);
  EXPECT_EQ(list[0].created_by, "sec");
  EXPECT_EQ(list[1].id, "EXC-b");

  EXPECT_TRUE(store().delete_exception("EXC-a").value());
  EXPECT_FALSE(store().delete_exception("EXC-a").value());
  EXPECT_EQ(store().list_exceptions().value().size(), 1u);
}

TEST_P(StoreConformance, Tokens) {
  const TokenRecord admin{
      "0123456789ab", std::string(64, 'a'), "ci", Role::kAdmin, "", at("2026-11-01T00:00:00Z"),
      std::nullopt};
  const TokenRecord agent{"ba9876543210", std::string(64, 'b'),       "host:web-1", Role::kAgent,
                          "web-1",        at("2026-11-02T00:00:00Z"), std::nullopt};
  ASSERT_TRUE(store().put_token(agent).ok());
  ASSERT_TRUE(store().put_token(admin).ok());
  EXPECT_FALSE(store().put_token(admin).ok());  // same id

  auto found = store().find_token_by_hash(std::string(64, 'b')).value();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, agent.id);
  EXPECT_EQ(found->name, "host:web-1");
  EXPECT_EQ(found->role, Role::kAgent);
  EXPECT_EQ(found->host_id, "web-1");
  EXPECT_EQ(found->created_at, agent.created_at);
  EXPECT_FALSE(found->revoked_at.has_value());
  EXPECT_FALSE(store().find_token_by_hash(std::string(64, 'c')).value().has_value());

  EXPECT_TRUE(store().revoke_token(admin.id, at("2026-11-05T00:00:00Z")).value());
  EXPECT_TRUE(store().revoke_token(admin.id, at("2026-11-09T00:00:00Z")).value());
  EXPECT_FALSE(store().revoke_token("nosuchtoken0", at("2026-11-05T00:00:00Z")).value());
  auto revoked = store().find_token_by_hash(admin.hash).value();
  ASSERT_TRUE(revoked.has_value());
  ASSERT_TRUE(revoked->revoked_at.has_value());
  EXPECT_EQ(*revoked->revoked_at, at("2026-11-05T00:00:00Z"));  // the first revocation holds

  auto all = store().list_tokens().value();  // by created_at
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, admin.id);
  EXPECT_EQ(all[0].role, Role::kAdmin);
  EXPECT_EQ(all[1].id, agent.id);
}

TEST_P(StoreConformance, Settings) {
  EXPECT_FALSE(store().get_setting("feed.state").value().has_value());
  ASSERT_TRUE(store().put_setting("feed.state", "{\"a\":1}").ok());
  ASSERT_TRUE(store().put_setting("enroll", "").ok());
  EXPECT_EQ(store().get_setting("feed.state").value(), std::optional<std::string>("{\"a\":1}"));
  EXPECT_EQ(store().get_setting("enroll").value(), std::optional<std::string>(""));
  ASSERT_TRUE(store().put_setting("feed.state", "2").ok());
  EXPECT_EQ(store().get_setting("feed.state").value(), std::optional<std::string>("2"));
}

// ---- audit ----------------------------------------------------------------------------------

TEST_P(StoreConformance, AuditAppendAndRead) {
  for (int i = 1; i <= 3; ++i) {
    auto e = store().append_audit(event(i));
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(e->seq, i);
    EXPECT_EQ(e->hash, audit_entry_hash(e->seq, event(i), e->prev_hash));
  }
  auto entries = audit_entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].prev_hash, std::string(64, '0'));
  EXPECT_EQ(entries[1].prev_hash, entries[0].hash);
  EXPECT_EQ(entries[2].event.detail, "{\"n\":3}");
  EXPECT_EQ(entries[2].event.at, event(3).at);
  EXPECT_EQ(entries[2].event.actor, "admin");
  EXPECT_EQ(entries[2].event.action, "token.create");
  EXPECT_EQ(entries[2].event.target, "target-3");

  std::vector<std::int64_t> after;
  ASSERT_TRUE(store()
                  .for_each_audit(1,
                                  [&](const AuditEntry& e) {
                                    after.push_back(e.seq);
                                    return true;
                                  })
                  .ok());
  EXPECT_EQ(after, (std::vector<std::int64_t>{2, 3}));
  EXPECT_TRUE(verify_audit(store()).ok);
}

TEST_P(StoreConformance, ReportAuditInSameTransaction) {
  const auto report = fixture_report("h1");
  AuditEvent accept{at("2026-11-26T04:00:00Z"), "host:h1", "report.accept", "h1", "{}"};
  ASSERT_TRUE(store().put_report(report, at("2026-11-26T04:00:00Z"), &accept).ok());
  auto touched = store().touch_report("h1", report_content_hash(report), "2026-11-26T05:00:00Z",
                                      at("2026-11-26T05:00:00Z"), &accept);
  ASSERT_TRUE(touched.ok() && touched->has_value());
  // A refused touch changes nothing, its audit entry included.
  auto refused = store().touch_report("h1", std::string(64, 'e'), "2026-11-26T06:00:00Z",
                                      at("2026-11-26T06:00:00Z"), &accept);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->has_value());
  auto entries = audit_entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].event.action, "report.accept");
  EXPECT_TRUE(verify_audit(store()).ok);
}

TEST_P(StoreConformance, ConcurrentAuditAppendsFormOneChain) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!store().append_audit(event(i, "thread-" + std::to_string(t))).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const auto result = verify_audit(store());
  EXPECT_TRUE(result.ok) << result.problem;
  EXPECT_EQ(result.entries, kThreads * kPerThread);
  std::map<std::string, int> per_actor;
  for (const auto& e : audit_entries()) ++per_actor[e.event.actor];
  EXPECT_EQ(per_actor.size(), static_cast<std::size_t>(kThreads));
  for (const auto& [actor, n] : per_actor) EXPECT_EQ(n, kPerThread) << actor;
}

// Many agents' "unchanged" markers at once: the backends commit them in batches (PostgreSQL
// sends a batch's touches as one statement), including touches that do not match (audited ones
// then must not be chained), several touches of one host in one batch, and audit details with
// the characters an array literal must escape.
TEST_P(StoreConformance, ConcurrentTouchesCountOnceAndAuditOnlyMatches) {
  constexpr int kHosts = 24;
  constexpr int kThreads = 8;
  constexpr int kRounds = 12;
  std::vector<std::string> hashes;
  for (int h = 0; h < kHosts; ++h) {
    const auto report = fixture_report("t" + std::to_string(h));
    put(report);
    hashes.push_back(report_content_hash(report));
  }
  std::atomic<int> errors{0};
  std::vector<std::vector<int>> accepted(kThreads, std::vector<int>(kHosts, 0));
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        // Threads overlap on hosts (t and t + 8 share host h % kHosts), so one batch may hold
        // two touches of one host.
        const int h = (t * 3 + round) % kHosts;
        const bool matching = (round + t) % 4 != 0;
        const std::string host = "t" + std::to_string(h);
        const AuditEvent audit{
            at("2026-11-26T05:00:00Z") + std::chrono::seconds(round), "agent \"" + host + "\", {x}",
            "report.unchanged", host,
            R"({"note":"a \"quoted\" \\ value, {braces}","round":)" + std::to_string(round) + "}"};
        auto r = store().touch_report(host, matching ? hashes[h] : std::string(64, 'e'),
                                      "2026-11-26T05:00:00Z", at("2026-11-26T06:00:00Z"), &audit);
        if (!r.ok() || r->has_value() != matching) {
          ++errors;
        } else if (matching) {
          ++accepted[t][h];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(errors.load(), 0);
  int total = 0;
  for (int h = 0; h < kHosts; ++h) {
    int n = 0;
    for (int t = 0; t < kThreads; ++t) n += accepted[t][h];
    total += n;
    const auto host = store().get_host("t" + std::to_string(h)).value().value();
    EXPECT_EQ(host.report_seq, 1 + n) << "host t" << h << ": every accepted touch counts once";
  }
  const auto result = verify_audit(store());
  EXPECT_TRUE(result.ok) << result.problem;
  const auto entries = audit_entries();
  ASSERT_EQ(static_cast<int>(entries.size()), total) << "only matching touches are audited";
  for (const auto& e : entries) {
    EXPECT_EQ(e.event.actor, "agent \"" + e.event.target + "\", {x}");
    EXPECT_TRUE(e.event.detail.starts_with(R"({"note":"a \"quoted\" \\ value, {braces}")"))
        << e.event.detail;
  }
}

/// Five entries, then raw SQL (built from the entries) tampers with them; the verification must
/// fail at `bad_seq` naming `problem`.
struct TamperCase {
  const char* name;
  std::function<std::string(const std::vector<AuditEntry>&)> sql;
  std::int64_t bad_seq;
  const char* problem;
};

TEST_P(StoreConformance, VerifyAuditDetectsTampering) {
  auto fixed_sql = [](const std::string& sql) {
    return [sql](const std::vector<AuditEntry>&) { return sql; };
  };
  const std::vector<TamperCase> cases = {
      {"edited detail", fixed_sql("UPDATE audit SET detail = '{\"n\":333}' WHERE seq = 3"), 3,
       "edited"},
      {"edited actor", fixed_sql("UPDATE audit SET actor = 'mallory' WHERE seq = 1"), 1, "edited"},
      // The edit of an attacker who also recomputes the edited entry's own hash: the next
      // entry's prev_hash still gives it away.
      {"edited with recomputed hash",
       [](const std::vector<AuditEntry>& entries) {
         AuditEvent edited = entries[2].event;
         edited.detail = "{\"n\":333}";
         return "UPDATE audit SET detail = '{\"n\":333}', hash = '" +
                audit_entry_hash(3, edited, entries[2].prev_hash) + "' WHERE seq = 3";
       },
       4, "prev_hash"},
      {"removed", fixed_sql("DELETE FROM audit WHERE seq = 3"), 3, "removed"},
      {"removed first", fixed_sql("DELETE FROM audit WHERE seq = 1"), 1, "removed"},
      {"swapped",
       fixed_sql("UPDATE audit SET seq = 1002 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE "
                 "seq = 3; UPDATE audit SET seq = 3 WHERE seq = 1002"),
       2, "prev_hash"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    raw("DELETE FROM audit");
    std::vector<AuditEntry> entries;
    for (int i = 1; i <= 5; ++i) entries.push_back(store().append_audit(event(i)).value());
    ASSERT_EQ(entries[0].seq, 1);
    ASSERT_TRUE(verify_audit(store()).ok);
    raw(c.sql(entries));
    const auto result = verify_audit(store());
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.first_bad_seq, c.bad_seq);
    EXPECT_THAT(result.problem, HasSubstr(c.problem));
  }
}

TEST_P(StoreConformance, VerifyAuditDetectsTruncationAgainstExpectedHead) {
  std::vector<AuditEntry> entries;
  for (int i = 1; i <= 5; ++i) entries.push_back(store().append_audit(event(i)).value());
  const std::string head = entries.back().hash;
  EXPECT_TRUE(verify_audit(store(), head).ok);
  EXPECT_TRUE(verify_audit(store(), entries[2].hash).ok);  // an older head is still in the chain
  raw("DELETE FROM audit WHERE seq >= 4");
  const auto plain = verify_audit(store());
  EXPECT_TRUE(plain.ok) << "the remaining prefix is a valid chain on its own";
  EXPECT_EQ(plain.entries, 3);
  const auto checked = verify_audit(store(), head);
  EXPECT_FALSE(checked.ok);
  EXPECT_EQ(checked.first_bad_seq, 4);
  EXPECT_THAT(checked.problem, HasSubstr("truncated"));
}

// ---- schema and durability ------------------------------------------------------------------

TEST_P(StoreConformance, MigrationsIdempotentOnReopen) {
  const int version = store().schema_version().value();
  EXPECT_GE(version, 1);
  put(fixture_report("h1"));
  ASSERT_TRUE(store().append_audit(event(1)).ok());
  reopen();
  EXPECT_EQ(store().schema_version().value(), version);
  reopen();
  EXPECT_EQ(store().schema_version().value(), version);
  EXPECT_EQ(store().host_count().value(), 1);
  EXPECT_TRUE(verify_audit(store()).ok);
}

TEST_P(StoreConformance, NewerSchemaIsRefused) {
  const int version = store().schema_version().value();
  store_.reset();
  raw("INSERT INTO schema_migrations (version) VALUES (" + std::to_string(version + 100) + ")");
  auto opened = open();
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(opened.error().message, HasSubstr("newer"));
  EXPECT_THAT(opened.error().message, HasSubstr(std::to_string(version + 100)));
}

TEST_P(StoreConformance, AcknowledgedWritesSurviveReopen) {
  const auto report = fixture_report("h1");
  put(report);
  ASSERT_TRUE(
      store().apply_ledger_updates({{"h1", {{"k A", at("2026-01-01T00:00:00Z")}}, {}}}).ok());
  ASSERT_TRUE(store().put_setting("k", "v").ok());
  const auto entry = store().append_audit(event(1)).value();
  reopen();
  EXPECT_EQ(store().get_report("h1").value().value(), report);
  EXPECT_EQ(store().get_ledger("h1").value().size(), 1u);
  EXPECT_EQ(store().get_setting("k").value(), std::optional<std::string>("v"));
  EXPECT_TRUE(verify_audit(store(), entry.hash).ok);
}

TEST_P(StoreConformance, ConcurrentPutReports) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::atomic<int> failures{0};
  std::atomic<int> changed{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Each host twice: a new report, then the same one again (unchanged).
        const auto id = "t" + std::to_string(t) + "-" + std::to_string(i / 2);
        auto report = synthetic_report(id, 20, t);
        report.collected_at = i % 2 == 0 ? "2026-11-26T03:00:00Z" : "2026-11-26T04:00:00Z";
        AuditEvent accept{at("2026-11-26T04:00:00Z"), "host:" + id, "report.accept", id, "{}"};
        auto r = store().put_report(report, at("2026-11-26T04:00:00Z"), &accept);
        if (!r.ok()) {
          ++failures;
        } else if (r->changed) {
          ++changed;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(changed.load(), kThreads * kPerThread / 2);
  EXPECT_EQ(store().host_count().value(), kThreads * kPerThread / 2);
  for (int t = 0; t < kThreads; ++t) {
    const auto id = "t" + std::to_string(t) + "-" + std::to_string(t * 11 % (kPerThread / 2));
    auto host = store().get_host(id).value();
    ASSERT_TRUE(host.has_value()) << id;
    EXPECT_EQ(host->report_seq, 2);
    EXPECT_EQ(host->collected_at, "2026-11-26T04:00:00Z");
    auto expected = synthetic_report(id, 20, t);
    expected.collected_at = "2026-11-26T04:00:00Z";
    EXPECT_EQ(store().get_report(id).value().value(), expected);
  }
  const auto audit = verify_audit(store());
  EXPECT_TRUE(audit.ok) << audit.problem;
  EXPECT_EQ(audit.entries, kThreads * kPerThread);
}

// Threads whose puts overlap on hosts (so one group-commit batch holds hosts written once, which
// PostgreSQL stores with one statement for all, and hosts written twice, stored one by one), with
// host fields that need escaping in an array literal, ledger updates committed with some puts and
// a new host in every round. Every put must count once, the last one of each host win, the
// changed flag follow the content and every ledger update land.
TEST_P(StoreConformance, ConcurrentPutsOfOverlappingHostsInOneBatch) {
  constexpr int kHosts = 20;
  constexpr int kThreads = 8;
  constexpr int kRounds = 10;
  const auto t0 = at("2026-11-26T04:00:00Z");
  std::atomic<int> errors{0};
  std::mutex mu;
  std::map<std::string, int> puts;                // host -> accepted puts
  std::map<std::string, std::set<int>> variants;  // host -> variants written
  std::map<std::string, std::string> ledger_of;   // host -> the ledger key written last
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        // Threads t and t + 4 write the same host in the same round.
        const bool fresh = round % 3 == 2;
        const std::string id = fresh ? "n" + std::to_string(t) + "-" + std::to_string(round)
                                     : "o" + std::to_string((t % 4 + round * 4) % kHosts);
        const int variant = (t + round) % 2;
        auto report = synthetic_report(id, 12, variant);
        report.host.hostname = "web \"" + id + "\", {a\\b}";
        report.host.tags = {"x,y", "{z}", "q\"uote"};
        report.kernel.running = "6.1 \\ NULL";
        const PreparedReport prepared = prepare_report(report);
        LedgerUpdate ledger;
        ledger.host_id = id;
        const std::string key = "package-" + std::to_string(t) + " ADV-" + std::to_string(round);
        ledger.current_encoded = codec::encode_ledger({{key, t0}});
        const bool with_ledger = t % 2 == 0;
        const AuditEvent audit{t0, "host:" + id, "report.accept", id, "{}"};
        auto r = store().put_prepared_report(prepared, t0 + std::chrono::seconds(round), &audit,
                                             with_ledger ? &ledger : nullptr);
        if (!r.ok()) {
          ++errors;
          continue;
        }
        std::lock_guard lock(mu);
        ++puts[id];
        variants[id].insert(variant);
        if (with_ledger) ledger_of[id] = key;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(errors.load(), 0);
  int total = 0;
  for (const auto& [id, n] : puts) {
    total += n;
    const auto host = store().get_host(id).value();
    ASSERT_TRUE(host.has_value()) << id;
    EXPECT_EQ(host->report_seq, n) << id << ": every put counts once";
    EXPECT_EQ(host->hostname, "web \"" + id + "\", {a\\b}");
    EXPECT_EQ(host->tags, (std::vector<std::string>{"x,y", "{z}", "q\"uote"}));
    const auto stored = store().get_report(id).value().value();
    EXPECT_EQ(stored.kernel.running, "6.1 \\ NULL");
    EXPECT_EQ(host->report_hash, report_content_hash(stored)) << id;
    EXPECT_TRUE(variants[id].contains(stored.packages[0].version[4] - '0')) << id;
    if (const auto it = ledger_of.find(id); it != ledger_of.end()) {
      const auto entries = store().get_ledger(id).value();
      ASSERT_EQ(entries.size(), 1U) << id;
      // Concurrent writers of one host may commit in either order; the key is one of theirs.
      EXPECT_TRUE(entries[0].key.starts_with("package-")) << entries[0].key;
    }
  }
  EXPECT_EQ(total, kThreads * kRounds);
  const auto audit = verify_audit(store());
  EXPECT_TRUE(audit.ok) << audit.problem;
  EXPECT_EQ(audit.entries, total);
}

// A put whose content equals the stored one writes no body and says so, also when it is stored
// together with other hosts' puts.
TEST_P(StoreConformance, UnchangedPutAmongOthersIsReportedUnchanged) {
  constexpr int kThreads = 6;
  for (int t = 0; t < kThreads; ++t) put(synthetic_report("u" + std::to_string(t), 8));
  std::vector<int> changed(kThreads, -1);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Even threads send the same content again, odd ones a new version.
      const auto report = synthetic_report("u" + std::to_string(t), 8, t % 2);
      auto r = store().put_report(report, at("2026-11-26T05:00:00Z"), nullptr);
      changed[t] = r.ok() ? static_cast<int>(r->changed) : -1;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(changed[t], t % 2) << "host u" << t;
    EXPECT_EQ(store().get_host("u" + std::to_string(t)).value()->report_seq, 2);
    EXPECT_EQ(store().get_report("u" + std::to_string(t)).value().value(),
              synthetic_report("u" + std::to_string(t), 8, t % 2));
  }
}

// The durability contract itself: a child process puts reports from four threads and writes
// each acknowledgement to a pipe; it is killed with SIGKILL mid-run. Every acknowledged report
// must be there after reopening (an acknowledgement the store gave before its commit was durable
// would show up here as a missing host or an older report_seq).
TEST_P(StoreConformance, AcknowledgedReportsSurviveSigkill) {
  store_.reset();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    auto opened = open();
    if (!opened.ok()) _exit(3);
    Store& s = **opened;
    std::vector<std::thread> threads;
    threads.reserve(4);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          auto report =
              synthetic_report("k" + std::to_string(t) + "-" + std::to_string(i % 50), 30, i);
          auto r = s.put_report(report, at("2026-11-26T04:00:00Z"));
          if (!r.ok()) _exit(4);
          const std::string line =
              report.host.id + " " + std::to_string(r->report_seq) + "\n";  // < PIPE_BUF: atomic
          if (write(fds[1], line.data(), line.size()) < 0) _exit(5);
        }
      });
    }
    for (auto& th : threads) th.join();
    _exit(0);
  }
  close(fds[1]);
  std::string acks;
  char buffer[4096];
  std::size_t lines = 0;
  bool killed = false;
  for (;;) {
    const auto n = read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    acks.append(buffer, static_cast<std::size_t>(n));
    lines = static_cast<std::size_t>(std::count(acks.begin(), acks.end(), '\n'));
    if (!killed && lines >= 300) {
      kill(child, SIGKILL);  // keep reading: acknowledgements already in the pipe count too
      killed = true;
    }
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited on its own with " << status;
  ASSERT_GE(lines, 300u);

  std::map<std::string, std::int64_t> acked;  // host -> highest acknowledged report_seq
  std::istringstream in(acks);
  std::string id;
  std::int64_t seq = 0;
  while (in >> id >> seq) acked[id] = std::max(acked[id], seq);
  reopen();
  for (const auto& [host, acked_seq] : acked) {
    auto record = store().get_host(host);
    ASSERT_TRUE(record.ok()) << record.error().message;
    ASSERT_TRUE(record->has_value()) << host << " was acknowledged but is missing";
    EXPECT_GE((*record)->report_seq, acked_seq) << host;
    auto report = store().get_report(host);
    ASSERT_TRUE(report.ok() && report->has_value()) << host;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace fleetpatch::store
