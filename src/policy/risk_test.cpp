#include "policy/risk.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fleetpatch::policy {
namespace {

core::Finding finding(std::string package, core::Severity severity,
                      core::Exposure exposure = core::Exposure::kNone, bool kev = false) {
  core::Finding f;
  f.package = std::move(package);
  f.severity = severity;
  f.exposure = exposure;
  if (kev) f.kev_due_date = "2026-01-01";
  f.cves = {"CVE-2026-" + std::to_string(1000 + f.package.size())};
  return f;
}

// scan's order: risk descending; equal scores keep the order they came in (the matcher's).
TEST(SortByRisk, HighestFirstStableOnTies) {
  using core::Exposure;
  using core::Severity;
  struct Case {
    std::string name;
    std::vector<core::Finding> in;
    std::vector<std::string> want;  // packages, in order
  };
  const Case cases[] = {
      {"empty", {}, {}},
      {"already ordered",
       {finding("a", Severity::kCritical), finding("b", Severity::kLow)},
       {"a", "b"}},
      {"severity reverses the input",
       {finding("low", Severity::kLow), finding("medium", Severity::kMedium),
        finding("critical", Severity::kCritical)},
       {"critical", "medium", "low"}},
      // medium x KEV 2 (10) beats high (7.5); high x network 1.5 (11.25) beats both.
      {"kev and exposure count",
       {finding("high", Severity::kHigh),
        finding("medium-kev", Severity::kMedium, Exposure::kNone, true),
        finding("high-net", Severity::kHigh, Exposure::kNetwork)},
       {"high-net", "medium-kev", "high"}},
      // Equal scores (medium = unknown = base 5) keep their given order, either way round.
      {"ties keep input order",
       {finding("x", Severity::kMedium), finding("y", Severity::kUnknown),
        finding("z", Severity::kHigh), finding("w", Severity::kMedium)},
       {"z", "x", "y", "w"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<core::Finding> findings = c.in;
    const std::vector<RiskBreakdown> scores = sort_by_risk(findings, nullptr);
    ASSERT_EQ(scores.size(), findings.size());
    std::vector<std::string> got;
    for (std::size_t i = 0; i < findings.size(); ++i) {
      got.push_back(findings[i].package);
      // The breakdowns stay parallel to the reordered findings.
      EXPECT_EQ(scores[i], risk_score(findings[i], nullptr, 1.0, {}));
      if (i > 0) EXPECT_GE(scores[i - 1].score, scores[i].score);
    }
    EXPECT_EQ(got, c.want);
  }
}

// EPSS raises a finding's score and names the CVE it came from.
TEST(SortByRisk, UsesEpss) {
  EpssScores epss;
  std::vector<core::Finding> findings = {finding("a", core::Severity::kHigh),
                                         finding("bb", core::Severity::kHigh)};
  epss.add(findings[1].cves[0], {0.9, 0.99});
  const auto scores = sort_by_risk(findings, &epss);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].package, "bb");
  ASSERT_TRUE(scores[0].epss_probability);
  EXPECT_DOUBLE_EQ(*scores[0].epss_probability, 0.9);
  EXPECT_EQ(scores[0].epss_cve, findings[0].cves[0]);
  EXPECT_FALSE(scores[1].epss_probability);
}

}  // namespace
}  // namespace fleetpatch::policy
