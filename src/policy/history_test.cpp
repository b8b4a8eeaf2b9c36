#include "policy/history.hpp"

#include <gtest/gtest.h>

#include "policy/evaluate.hpp"

namespace fleetpatch::policy {
namespace {

core::TimePoint at(std::string_view text) { return core::parse_rfc3339(text).value(); }

core::Finding finding(std::string package, std::vector<std::string> advisories) {
  core::Finding f;
  f.package = std::move(package);
  f.advisories = std::move(advisories);
  f.severity = core::Severity::kHigh;
  f.fix_available_since = "2026-01-01T00:00:00Z";
  return f;
}

core::HostFindings host(std::vector<core::Finding> findings) {
  core::HostFindings h;
  h.host = {"id-1", "web-1", {}};
  h.findings = std::move(findings);
  return h;
}

TEST(History, FirstSeenAndFixed) {
  const auto jan = host({finding("bash", {"A-1"}), finding("curl", {"A-2"})});
  const auto feb =
      host({finding("bash", {"A-1"}), finding("curl", {"A-2"}), finding("zlib", {"A-3"})});
  const auto mar = host({finding("zlib", {"A-3"}), finding("bash", {"A-1", "A-9"})});
  // Given out of order: the latest (March) is current.
  const Snapshot snaps[] = {
      {at("2026-02-01"), &feb}, {at("2026-03-01"), &mar}, {at("2026-01-01"), &jan}};
  const HostHistory h = track_history(snaps);
  ASSERT_EQ(h.first_seen.size(), 2u);
  EXPECT_EQ(h.first_seen[0], at("2026-02-01"));  // zlib
  EXPECT_EQ(h.first_seen[1], at("2026-01-01"));  // bash, merged with a new advisory
  ASSERT_EQ(h.fixed.size(), 1u);
  EXPECT_EQ(h.fixed[0].finding.package, "curl");
  EXPECT_EQ(h.fixed[0].first_seen, at("2026-01-01"));
  EXPECT_EQ(h.fixed[0].fixed_at, at("2026-03-01"));
}

TEST(History, FixedAtIsTheFirstSnapshotWithoutIt) {
  const auto a = host({finding("curl", {"A-2"})});
  const auto b = host({});
  const Snapshot snaps[] = {{at("2026-01-01"), &a}, {at("2026-01-15"), &b}, {at("2026-02-01"), &b}};
  const HostHistory h = track_history(snaps);
  ASSERT_EQ(h.fixed.size(), 1u);
  EXPECT_EQ(h.fixed[0].fixed_at, at("2026-01-15"));
  EXPECT_TRUE(h.first_seen.empty());
}

TEST(History, SingleSnapshotHasNoFixes) {
  const auto a = host({finding("curl", {"A-2"})});
  const Snapshot snaps[] = {{at("2026-01-01"), &a}};
  const HostHistory h = track_history(snaps);
  EXPECT_TRUE(h.fixed.empty());
  ASSERT_EQ(h.first_seen.size(), 1u);
  EXPECT_EQ(h.first_seen[0], at("2026-01-01"));
  EXPECT_TRUE(track_history({}).first_seen.empty());
}

// The progression: one soc2 high finding (due 2026-01-31) is open, then due soon, then
// overdue as the clock advances, and fixed when a new inventory without it arrives.
TEST(History, StatusOpenDueSoonOverdueFixed) {
  const Policy soc2 = builtin_policy("soc2").value();
  const auto before = host({finding("curl", {"A-2"})});
  const auto after = host({});
  struct Case {
    std::string now;
    bool new_inventory;
    Status status;
  };
  const Case cases[] = {
      {"2026-01-10", false, Status::kOpen},
      {"2026-01-26", false, Status::kDueSoon},
      {"2026-02-05", false, Status::kOverdue},
      {"2026-02-10", true, Status::kFixed},
  };
  for (const auto& c : cases) {
    const core::FixedClock clock(at(c.now));
    const Evaluator ev(soc2, nullptr, nullptr, clock);
    std::vector<Snapshot> snaps{{at("2026-01-05"), &before}};
    if (c.new_inventory) snaps.push_back({at("2026-02-09"), &after});
    const HostHistory h = track_history(snaps);
    const core::HostFindings& current = c.new_inventory ? after : before;
    std::vector<Status> statuses;
    for (std::size_t i = 0; i < current.findings.size(); ++i) {
      statuses.push_back(ev.evaluate(current.host, current.findings[i], h.first_seen[i]).status);
    }
    for (const auto& fixed : h.fixed) {
      const auto e =
          ev.evaluate_fixed(current.host, fixed.finding, fixed.first_seen, fixed.fixed_at);
      statuses.push_back(e.status);
      ASSERT_TRUE(e.days_to_fix);
      EXPECT_DOUBLE_EQ(*e.days_to_fix, 39.0);  // 2026-01-01 -> 2026-02-09
    }
    ASSERT_EQ(statuses.size(), 1u) << c.now;
    EXPECT_EQ(statuses[0], c.status) << c.now;
  }
}

}  // namespace
}  // namespace fleetpatch::policy
