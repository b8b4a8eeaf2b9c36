// Fleet evaluation over the store: the fast ledger diff (diff_ledger, string-free) must give what
// the straightforward update_ledger gives, and reevaluate_fleet's pipeline must leave every host's
// ledger as evaluating each host alone would, write nothing for unchanged hosts, and stop with an
// error naming the host on a corrupt stored row.
#include "server/fleet_eval.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "store/codec.hpp"
#include "support/databases.hpp"

namespace fleetpatch::server {
namespace {

namespace fs = std::filesystem;
using core::Severity;
using Ev = core::VersionEvent::Type;

core::TimePoint at(const char* text) { return core::parse_rfc3339(text).value(); }

core::Advisory advisory(std::string id, std::vector<std::string> cves, std::string package,
                        std::string fixed, core::FixState state = core::FixState::kFixed) {
  core::AffectedPackage p;
  p.release = "almalinux:9";
  p.name = std::move(package);
  p.state = state;
  if (state == core::FixState::kFixed) {
    p.events = {{Ev::kIntroduced, "0"}, {Ev::kFixed, std::move(fixed)}};
  }
  core::Advisory a;
  a.id = std::move(id);
  a.cves = std::move(cves);
  a.severity = Severity::kHigh;
  a.vendor_severity = "Important";
  a.published = "2024-01-01T00:00:00Z";
  a.affected = {std::move(p)};
  return a;
}

index::Index build(std::vector<core::Advisory> advisories) {
  index::IndexBuilder builder;
  for (auto& a : advisories) builder.add(std::move(a));
  return index::Index::from_bytes(builder.serialize()).value();
}

/// The fixture's advisories: two fixed ones (one with two packages' worth of keys), one unfixed
/// CVE (its key is "zsh CVE-3"), one for a package only some hosts have.
std::vector<core::Advisory> advisories(bool with_update) {
  std::vector<core::Advisory> out = {
      advisory("ALSA-1", {"CVE-1"}, "bash", "5.1-2.el9"),
      advisory("ALSA-2", {"CVE-2", "CVE-9"}, "openssl", "3.0.7-2.el9"),
      advisory("CVE-3", {"CVE-3"}, "zsh", "", core::FixState::kUnfixed),
  };
  if (with_update) {
    out.push_back(advisory("ALSA-4", {"CVE-4"}, "curl", "7.76.1-30.el9"));
    out.push_back(advisory("ALSA-5", {"CVE-5"}, "bash", "5.1-3.el9"));
  }
  return out;
}

core::Package pkg(std::string name, std::string version) {
  core::Package p;
  p.name = std::move(name);
  p.version = std::move(version);
  p.arch = "x86_64";
  p.source_name = p.name;
  p.source_version = p.version;
  return p;
}

core::HostReport host(int i) {
  core::HostReport r;
  r.host.id = "host-" + std::to_string(1000 + i);
  r.host.hostname = r.host.id;
  r.os.id = "almalinux";
  r.os.version_id = "9.2";
  r.package_format = core::PackageFormat::kRpm;
  r.collected_at = "2026-01-01T00:00:00Z";
  r.packages = {pkg("bash", i % 3 == 0 ? "5.1-3.el9" : "5.1-1.el9"), pkg("zsh", "5.8-9.el9")};
  if (i % 2 == 0) r.packages.push_back(pkg("openssl", "3.0.7-1.el9"));
  if (i % 5 != 0) r.packages.push_back(pkg("curl", "7.76.1-20.el9"));
  return r;
}

store::codec::LedgerView view_of(std::vector<store::LedgerEntry> entries, bool sort = true) {
  if (sort) {
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.key < b.key; });
  }
  store::codec::LedgerView view;
  for (const auto& e : entries) {
    view.entries.push_back({static_cast<std::uint32_t>(view.keys.size()),
                            static_cast<std::uint32_t>(e.key.size()), e.first_seen});
    view.keys += e.key;
  }
  return view;
}

std::vector<std::string> keys_of(const std::vector<store::FixedRecord>& fixed) {
  std::vector<std::string> out;
  out.reserve(fixed.size());
  for (const auto& f : fixed) out.push_back(f.key);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DiffLedger, SameAnswerAsUpdateLedger) {
  const index::Index index = build(advisories(true));
  const match::Matcher matcher(index, match::MatchOptions{.threads = 1});
  const auto old_time = at("2025-06-01T00:00:00Z");
  const auto now = at("2026-02-01T00:00:00Z");
  struct Case {
    const char* name;
    std::vector<store::LedgerEntry> previous;
    bool sorted = true;
  };
  const std::vector<Case> cases = {
      {"no ledger yet", {}},
      {"all known",
       {{"bash ALSA-1", old_time},
        {"bash ALSA-5", old_time},
        {"curl ALSA-4", old_time},
        {"openssl ALSA-2", old_time},
        {"zsh CVE-3", old_time}}},
      {"some known", {{"bash ALSA-1", old_time}, {"zsh CVE-3", old_time - std::chrono::hours(9)}}},
      {"some fixed",
       {{"aaa ALSA-0", old_time},
        {"bash ALSA-1", old_time},
        {"kernel ALSA-7", old_time},
        {"zzz ALSA-8", old_time}}},
      {"stored out of order", {{"zsh CVE-3", old_time}, {"bash ALSA-1", old_time}}, false},
      {"duplicate stored key",
       {{"bash ALSA-1", old_time}, {"bash ALSA-1", old_time - std::chrono::hours(1)}}},
  };
  for (int i = 0; i < 10; ++i) {
    const core::HostReport report = host(i);
    const core::HostFindings findings = matcher.match_host(report);
    for (const auto& c : cases) {
      SCOPED_TRACE(std::string(c.name) + " / " + report.host.id);
      // A key stored twice counts from its earliest time (as encode_ledger keeps it).
      auto previous = c.previous;
      std::sort(previous.begin(), previous.end(), [](const auto& a, const auto& b) {
        return a.key != b.key ? a.key < b.key : a.first_seen < b.first_seen;
      });
      previous.erase(std::unique(previous.begin(), previous.end(),
                                 [](const auto& a, const auto& b) { return a.key == b.key; }),
                     previous.end());
      const auto expected = update_ledger(report.host.id, previous, findings, now);
      const auto diff = diff_ledger(report.host.id, view_of(c.previous, c.sorted),
                                    matcher.match_host_shared(report), now, &index);
      std::vector<store::LedgerEntry> want = expected.current;
      std::size_t added = 0;
      for (const auto& e : want) added += e.first_seen == now ? 1 : 0;
      EXPECT_EQ(diff.added, added);
      EXPECT_EQ(diff.open, want.size());
      EXPECT_EQ(keys_of(diff.update.fixed), keys_of(expected.fixed));
      const bool changed = added > 0 || !expected.fixed.empty() || !c.sorted;
      ASSERT_EQ(diff.changed, changed);
      if (!changed) continue;
      EXPECT_EQ(diff.update.host_id, report.host.id);
      // The encoded ledger is what encode_ledger makes of update_ledger's entries.
      EXPECT_EQ(diff.update.current_encoded,
                want.empty() ? std::string() : store::codec::encode_ledger(want));
      for (const auto& f : diff.update.fixed) {
        EXPECT_EQ(f.fixed_at, now);
        EXPECT_EQ(f.host_id, report.host.id);
      }
    }
  }
}

// diff_stored_ledger reads the stored blob itself: with a version 2 blob whose keys digest equals
// the current keys it skips decoding; every answer must be diff_ledger's, for version 2 and
// version 1 blobs alike.
TEST(DiffLedger, StoredBlobGivesTheSameAnswer) {
  const index::Index index = build(advisories(true));
  const match::Matcher matcher(index, match::MatchOptions{.threads = 1});
  const auto old_time = at("2025-06-01T00:00:00Z");
  const auto now = at("2026-02-01T00:00:00Z");
  int shortcuts = 0;
  for (int i = 0; i < 10; ++i) {
    const core::HostReport report = host(i);
    const auto current = matcher.match_host_shared(report);
    // Every case the host could have stored: its own current keys (nothing changes), fewer,
    // more, none.
    const auto mine = update_ledger(report.host.id, {}, matcher.match_host(report), old_time);
    std::vector<std::vector<store::LedgerEntry>> stored = {{}, mine.current};
    if (!mine.current.empty()) {
      stored.emplace_back(mine.current.begin() + 1, mine.current.end());
    }
    auto more = mine.current;
    more.push_back({"zzz ALSA-8", old_time});
    stored.push_back(more);
    for (const auto& previous : stored) {
      SCOPED_TRACE(report.host.id + " with " + std::to_string(previous.size()) + " stored");
      const std::string v2 = previous.empty() ? "" : store::codec::encode_ledger(previous);
      ASSERT_TRUE(previous.empty() || v2.starts_with(std::string_view("FPL\x02", 4)));
      const std::string v1 = previous.empty() ? "" : v2.substr(4 + 16);
      ASSERT_FALSE(store::codec::stored_keys_digest(v1).has_value());
      const auto want = diff_ledger(report.host.id, view_of(previous), current, now, &index);
      for (const std::string* blob : {&v2, &v1}) {
        const auto got = diff_stored_ledger(report.host.id, *blob, current, now, &index);
        ASSERT_TRUE(got.ok()) << got.error().message;
        EXPECT_EQ(got->added, want.added);
        EXPECT_EQ(got->open, want.open);
        EXPECT_EQ(keys_of(got->update.fixed), keys_of(want.update.fixed));
        if (blob == &v1 && !previous.empty() && !want.changed) {
          // A version 1 ledger is rewritten (as version 2) once, with the same entries.
          EXPECT_TRUE(got->changed);
          EXPECT_EQ(got->update.host_id, report.host.id);
          EXPECT_EQ(got->update.current_encoded, v2);
          continue;
        }
        EXPECT_EQ(got->changed, want.changed);
        EXPECT_EQ(got->update.current_encoded, want.update.current_encoded);
      }
      shortcuts += !want.changed && !previous.empty() ? 1 : 0;
    }
  }
  EXPECT_GT(shortcuts, 0) << "no case had unchanged findings: the digest path went untested";
  // A corrupt blob is an error naming the host, not a crash.
  const auto bad = diff_stored_ledger("h9", std::string("FPL\x02", 4) + "short",
                                      matcher.match_host_shared(host(1)), now, &index);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("h9"), std::string::npos) << bad.error().message;
}

TEST(DiffLedger, FixedRecordsCarryTheAdvisoryFacts) {
  const index::Index index = build(advisories(true));
  const match::Matcher matcher(index, match::MatchOptions{.threads = 1});
  core::HostReport report = host(1);
  report.packages.push_back(pkg("openssl", "3.0.7-5.el9"));  // patched: ALSA-2 went away
  const auto first = at("2025-06-01T00:00:00Z");
  const auto diff =
      diff_ledger(report.host.id, view_of({{"openssl ALSA-2", first}}),
                  matcher.match_host_shared(report), at("2026-02-01T00:00:00Z"), &index);
  ASSERT_EQ(diff.update.fixed.size(), 1u);
  const auto& f = diff.update.fixed[0];
  EXPECT_EQ(f.package, "openssl");
  EXPECT_EQ(f.first_seen, first);
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_EQ(f.cves, (std::vector<std::string>{"CVE-2", "CVE-9"}));
}

// ---- the whole-fleet pipeline over a real SQLite store ---------------------------------------

class ReevaluateFleet : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fleet_eval_test." + testsupport::random_hex(8));
    fs::create_directories(dir_);
    store_ = store::open_store("", dir_.string()).value();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(ReevaluateFleet, LedgersEqualOneHostAtATime) {
  constexpr int kHosts = 700;  // several batches of the pipeline
  for (int i = 0; i < kHosts; ++i) {
    ASSERT_TRUE(store_->put_report(host(i), at("2026-01-01T00:00:00Z")).ok());
  }
  const index::Index before = build(advisories(false));
  const index::Index after = build(advisories(true));
  ReevaluationOptions options;
  options.threads = 2;
  options.batch_hosts = 64;
  const core::FixedClock day1(at("2026-01-02T00:00:00Z"));
  auto first = reevaluate_fleet(*store_, before, day1, options);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->hosts, kHosts);

  // Nothing changed: the same counts, nothing new, nothing fixed.
  const core::FixedClock day2(at("2026-01-03T00:00:00Z"));
  auto again = reevaluate_fleet(*store_, before, day2, options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->new_findings, 0);
  EXPECT_EQ(again->fixed_findings, 0);

  const core::FixedClock day3(at("2026-01-04T00:00:00Z"));
  auto update = reevaluate_fleet(*store_, after, day3, options);
  ASSERT_TRUE(update.ok()) << update.error().message;
  EXPECT_EQ(update->hosts, kHosts);
  EXPECT_GT(update->new_findings, 0);

  // Every ledger: what evaluating the host alone against each index in turn gives.
  std::int64_t new_total = 0;
  const match::Matcher old_matcher(before, match::MatchOptions{.threads = 1});
  const match::Matcher new_matcher(after, match::MatchOptions{.threads = 1});
  for (int i = 0; i < kHosts; ++i) {
    const auto report = host(i);
    const auto l1 = update_ledger(report.host.id, {}, old_matcher.match_host(report), day1.now());
    const auto l3 =
        update_ledger(report.host.id, l1.current, new_matcher.match_host(report), day3.now());
    for (const auto& e : l3.current) new_total += e.first_seen == day3.now() ? 1 : 0;
    auto stored = store_->get_ledger(report.host.id);
    ASSERT_TRUE(stored.ok());
    auto want = l3.current;
    std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    ASSERT_EQ(stored->size(), want.size()) << report.host.id;
    for (std::size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ((*stored)[k].key, want[k].key);
      EXPECT_EQ((*stored)[k].first_seen, want[k].first_seen) << want[k].key;
    }
  }
  EXPECT_EQ(update->new_findings, new_total);
  auto runs = store_->evaluations(10);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 3u);
}

TEST_F(ReevaluateFleet, CorruptStoredReportNamesTheHostAndRecordsNoRun) {
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(store_->put_report(host(i), at("2026-01-01T00:00:00Z")).ok());
  }
  const index::Index index = build(advisories(true));
  ASSERT_EQ(testsupport::sqlite_exec((dir_ / "fleet.db").string(),
                                     "UPDATE reports SET body = x'00112233' "
                                     "WHERE host_id = 'host-1200'"),
            "");
  ReevaluationOptions options;
  options.threads = 2;
  options.batch_hosts = 50;
  auto run =
      reevaluate_fleet(*store_, index, core::FixedClock(at("2026-01-02T00:00:00Z")), options);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.error().message.find("host-1200"), std::string::npos) << run.error().message;
  auto runs = store_->evaluations(10);
  ASSERT_TRUE(runs.ok());
  EXPECT_TRUE(runs->empty());
}

}  // namespace
}  // namespace fleetpatch::server
