#include "policy/evaluate.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace fleetpatch::policy {
namespace {

using core::Severity;

core::TimePoint at(std::string_view text) { return core::parse_rfc3339(text).value(); }

core::Finding finding(Severity severity, std::string published = "2026-01-01T00:00:00Z") {
  core::Finding f;
  f.package = "openssl-libs";
  f.source_package = "openssl";
  f.installed_version = "1:3.0.1-41.el9_0";
  f.fixed_version = "1:3.0.1-43.el9_0";
  f.advisories = {"ALSA-2026:0001"};
  f.cves = {"CVE-2026-0001"};
  f.severity = severity;
  f.fix_available_since = std::move(published);
  return f;
}

Policy builtin(std::string_view name) { return builtin_policy(name).value(); }

const core::HostIdentity& test_host() {
  static const core::HostIdentity host{"id-1", "web-1", {"prod"}};
  return host;
}

// Each built-in framework's deadline per severity for a fix published 2026-01-01.
TEST(Evaluator, BuiltinDeadlinesPerSeverity) {
  struct Case {
    std::string policy;
    Severity severity;
    std::optional<std::string> deadline;  // nullopt = no deadline
    std::string reason;
  };
  const Case cases[] = {
      {"soc2", Severity::kCritical, "2026-01-31T00:00:00Z",
       "soc2: critical within 30 days of fix-available"},
      {"soc2", Severity::kHigh, "2026-01-31T00:00:00Z",
       "soc2: high within 30 days of fix-available"},
      {"soc2", Severity::kMedium, "2026-04-01T00:00:00Z",
       "soc2: medium within 90 days of fix-available"},
      {"soc2", Severity::kLow, "2026-06-30T00:00:00Z",
       "soc2: low within 180 days of fix-available"},
      {"sox", Severity::kHigh, "2026-01-31T00:00:00Z", "sox: high within 30 days of fix-available"},
      {"sox", Severity::kLow, "2026-06-30T00:00:00Z", "sox: low within 180 days of fix-available"},
      {"pci-dss-4", Severity::kCritical, "2026-01-31T00:00:00Z",
       "pci-dss-4: critical within 30 days of fix-available"},
      {"pci-dss-4", Severity::kMedium, "2026-04-01T00:00:00Z",
       "pci-dss-4: medium within 90 days of fix-available"},
      {"pci-dss-4", Severity::kLow, "2026-04-01T00:00:00Z",
       "pci-dss-4: low within 90 days of fix-available"},
      {"fedramp", Severity::kHigh, "2026-01-31T00:00:00Z",
       "fedramp: high within 30 days of fix-available"},
      {"fedramp", Severity::kMedium, "2026-04-01T00:00:00Z",
       "fedramp: medium within 90 days of fix-available"},
      {"fedramp", Severity::kLow, "2026-06-30T00:00:00Z",
       "fedramp: low within 180 days of fix-available"},
      {"cisa-bod-22-01", Severity::kCritical, "2026-01-16T00:00:00Z",
       "cisa-bod-22-01: critical within 15 days of fix-available"},
      {"cisa-bod-22-01", Severity::kHigh, "2026-01-31T00:00:00Z",
       "cisa-bod-22-01: high within 30 days of fix-available"},
      {"cisa-bod-22-01", Severity::kMedium, std::nullopt, "cisa-bod-22-01: no deadline for medium"},
      {"cisa-bod-22-01", Severity::kLow, std::nullopt, "cisa-bod-22-01: no deadline for low"},
  };
  const core::FixedClock clock(at("2026-01-02"));
  for (const auto& c : cases) {
    const Policy p = builtin(c.policy);
    const Evaluator ev(p, nullptr, nullptr, clock);
    const Deadline d = ev.deadline(test_host(), finding(c.severity), std::nullopt);
    SCOPED_TRACE(c.policy + " " + std::string(core::to_string(c.severity)));
    EXPECT_EQ(d.clock_start, at("2026-01-01"));
    EXPECT_EQ(d.basis, ClockStart::kFixAvailable);
    if (c.deadline) {
      ASSERT_TRUE(d.deadline);
      EXPECT_EQ(core::format_rfc3339(*d.deadline), *c.deadline);
    } else {
      EXPECT_FALSE(d.deadline);
    }
    EXPECT_EQ(d.reason, c.reason);
    EXPECT_FALSE(d.kev_applied);
  }
}

TEST(Evaluator, KevDueDateCapsOrReplacesTheDeadline) {
  struct Case {
    std::string policy;
    Severity severity;
    std::string kev_due;
    std::optional<std::string> deadline;
    std::string reason;
    bool kev_applied;
  };
  const Case cases[] = {
      // earliest-of: an earlier KEV date wins and says what it beat...
      {"soc2", Severity::kMedium, "2026-01-21", "2026-01-21T00:00:00Z",
       "soc2: KEV due date 2026-01-21 (earlier than medium within 90 days of fix-available)", true},
      // ...a later one does not.
      {"soc2", Severity::kHigh, "2026-03-01", "2026-01-31T00:00:00Z",
       "soc2: high within 30 days of fix-available", false},
      {"pci-dss-4", Severity::kLow, "2026-02-15", "2026-02-15T00:00:00Z",
       "pci-dss-4: KEV due date 2026-02-15 (earlier than low within 90 days of fix-available)",
       true},
      // due-date (BOD 22-01): the KEV date IS the deadline, later or not, even for medium/low.
      {"cisa-bod-22-01", Severity::kCritical, "2026-03-01", "2026-03-01T00:00:00Z",
       "cisa-bod-22-01: KEV due date 2026-03-01", true},
      {"cisa-bod-22-01", Severity::kLow, "2026-01-20", "2026-01-20T00:00:00Z",
       "cisa-bod-22-01: KEV due date 2026-01-20", true},
  };
  const core::FixedClock clock(at("2026-01-02"));
  for (const auto& c : cases) {
    const Policy p = builtin(c.policy);
    const Evaluator ev(p, nullptr, nullptr, clock);
    auto f = finding(c.severity);
    f.kev_due_date = c.kev_due;
    const Deadline d = ev.deadline(test_host(), f, std::nullopt);
    SCOPED_TRACE(c.policy + " " + c.kev_due);
    ASSERT_TRUE(d.deadline);
    EXPECT_EQ(core::format_rfc3339(*d.deadline), *c.deadline);
    EXPECT_EQ(d.reason, c.reason);
    EXPECT_EQ(d.kev_applied, c.kev_applied);
  }
}

TEST(Evaluator, KevIgnoreAndNoDeadlineSeverityUnderEarliestOf) {
  const core::FixedClock clock(at("2026-01-02"));
  Policy p = builtin("soc2");
  p.days[static_cast<std::size_t>(Severity::kLow)].reset();
  auto f = finding(Severity::kLow);
  f.kev_due_date = "2026-05-01";
  {
    const Evaluator ev(p, nullptr, nullptr, clock);
    const Deadline d = ev.deadline(test_host(), f, std::nullopt);
    ASSERT_TRUE(d.deadline);  // none + KEV = the KEV date
    EXPECT_EQ(*d.deadline, at("2026-05-01"));
    EXPECT_EQ(d.reason, "soc2: KEV due date 2026-05-01 (earlier than no deadline for low)");
  }
  p.kev = KevRule::kIgnore;
  const Evaluator ev(p, nullptr, nullptr, clock);
  EXPECT_FALSE(ev.deadline(test_host(), f, std::nullopt).deadline);
}

TEST(Evaluator, TiersShortenAndTheShortestWins) {
  const Policy p = parse_policy(R"(name = "tiered"
[days]
critical = 30
high = 30
medium = 90
low = "none"

[[tier]]
match = "exposure:network"
factor = 0.5

[[tier]]
match = "tag:pci"
days = { high = 10, low = 60 }

[[tier]]
match = "exposure:local"
factor = 0.9
)",
                                "tiered.toml")
                       .value();
  struct Case {
    std::vector<std::string> tags;
    core::Exposure exposure;
    Severity severity;
    std::optional<int> days;
    std::string tier;
  };
  const Case cases[] = {
      {{}, core::Exposure::kNone, Severity::kHigh, 30, ""},
      {{}, core::Exposure::kNetwork, Severity::kHigh, 15, "exposure:network"},
      {{}, core::Exposure::kLocal, Severity::kHigh, 27, "exposure:local"},  // floor(30 x 0.9)
      {{"pci"}, core::Exposure::kNone, Severity::kHigh, 10, "tag:pci"},
      {{"pci"}, core::Exposure::kNetwork, Severity::kHigh, 10, "tag:pci"},  // 10 < 15
      {{"pci"}, core::Exposure::kNetwork, Severity::kMedium, 45, "exposure:network"},
      {{"pci"}, core::Exposure::kNone, Severity::kLow, 60, "tag:pci"},   // none -> 60
      {{}, core::Exposure::kNetwork, Severity::kLow, std::nullopt, ""},  // factor of none = none
  };
  const core::FixedClock clock(at("2026-01-02"));
  const Evaluator ev(p, nullptr, nullptr, clock);
  for (const auto& c : cases) {
    core::HostIdentity host{"h", "h", c.tags};
    auto f = finding(c.severity);
    f.exposure = c.exposure;
    const Deadline d = ev.deadline(host, f, std::nullopt);
    SCOPED_TRACE(std::string(core::to_string(c.severity)) + " " + c.tier);
    EXPECT_EQ(d.days, c.days);
    EXPECT_EQ(d.tier, c.tier);
    if (c.days) {
      EXPECT_EQ(d.deadline, at("2026-01-01") + std::chrono::days(*c.days));
      if (!c.tier.empty()) {
        EXPECT_NE(d.reason.find("(tier " + c.tier + ")"), std::string::npos) << d.reason;
      }
    }
  }
}

TEST(Evaluator, FirstSeenClockAndMissingFixDate) {
  Policy p = builtin("soc2");
  p.clock_start = ClockStart::kFirstSeen;
  const core::FixedClock clock(at("2026-03-01"));
  const Evaluator ev(p, nullptr, nullptr, clock);
  auto f = finding(Severity::kHigh);
  Deadline d = ev.deadline(test_host(), f, at("2026-02-10"));
  EXPECT_EQ(d.clock_start, at("2026-02-10"));
  EXPECT_EQ(d.deadline, at("2026-03-12"));
  EXPECT_EQ(d.reason, "soc2: high within 30 days of first-seen");
  d = ev.deadline(test_host(), f, std::nullopt);  // never seen before: now
  EXPECT_EQ(d.clock_start, at("2026-03-01"));

  // fix-available without a date falls back to first-seen and says so.
  const Policy soc2 = builtin("soc2");
  const Evaluator ev2(soc2, nullptr, nullptr, clock);
  f.fix_available_since.clear();
  d = ev2.deadline(test_host(), f, at("2026-02-10"));
  EXPECT_EQ(d.basis, ClockStart::kFirstSeen);
  EXPECT_EQ(d.clock_start, at("2026-02-10"));
  EXPECT_EQ(d.reason, "soc2: high within 30 days of first-seen (no fix-available date)");
}

// The deadline arithmetic reads dates itself (fast path): it must agree with core's parser on
// every day of a long range, leap days included, and reject dates that do not exist.
TEST(Evaluator, ClockStartAgreesWithCoreParserOnEveryDay) {
  const Policy p = builtin("soc2");
  const core::FixedClock clock(at("2026-01-02"));
  const Evaluator ev(p, nullptr, nullptr, clock);
  const auto first = std::chrono::sys_days{std::chrono::year{1899} / 12 / 1};
  const auto last = std::chrono::sys_days{std::chrono::year{2101} / 3 / 1};
  for (auto day = first; day <= last; day += std::chrono::days{1}) {
    const std::string text =
        core::format_rfc3339(core::TimePoint{day} + std::chrono::seconds{3723});
    auto f = finding(Severity::kHigh, text);
    ASSERT_EQ(ev.deadline(test_host(), f, std::nullopt).clock_start, at(text)) << text;
    f.fix_available_since = text.substr(0, 10);
    ASSERT_EQ(ev.deadline(test_host(), f, std::nullopt).clock_start, at(text.substr(0, 10)))
        << text;
  }
  for (const char* bad : {"2023-02-29", "2100-02-29", "2026-13-01", "2026-04-31", "2026-00-10",
                          "2026-01-01T24:00:00Z"}) {
    auto f = finding(Severity::kHigh, bad);
    const Deadline d = ev.deadline(test_host(), f, at("2025-05-05"));
    EXPECT_EQ(d.basis, ClockStart::kFirstSeen) << bad;  // unreadable date: first-seen
    EXPECT_EQ(d.clock_start, at("2025-05-05")) << bad;
  }
  // Other RFC 3339 forms go through the full parser.
  auto f = finding(Severity::kHigh, "2026-01-01T02:00:00+02:00");
  EXPECT_EQ(ev.deadline(test_host(), f, std::nullopt).clock_start, at("2026-01-01"));
}

// Status as the clock advances over one soc2 high finding published 2026-01-01 (due 01-31).
TEST(Evaluator, StatusFollowsTheClock) {
  struct Case {
    std::string now;
    Status status;
  };
  const Case cases[] = {
      {"2026-01-02", Status::kOpen},
      {"2026-01-23T23:59:59Z", Status::kOpen},
      {"2026-01-24", Status::kDueSoon},  // exactly 7 days left
      {"2026-01-30T23:59:59Z", Status::kDueSoon},
      {"2026-01-31", Status::kOverdue},
      {"2026-06-01", Status::kOverdue},
  };
  const Policy p = builtin("soc2");
  for (const auto& c : cases) {
    const core::FixedClock clock(at(c.now));
    const Evaluator ev(p, nullptr, nullptr, clock);
    EXPECT_EQ(ev.evaluate(test_host(), finding(Severity::kHigh), std::nullopt).status, c.status)
        << c.now;
  }
}

TEST(Evaluator, ExceptionsMitigationsAndExpiry) {
  const ExceptionSet set = parse_exceptions(R"(
[[exception]]
id = "EX-1"
cve = "CVE-2026-0001"
justification = "accepted until the migration"
approver = "ciso"
created = 2026-01-10
expires = 2026-03-01

[[mitigation]]
id = "MIT-1"
tag = "dmz"
justification = "WAF"
approver = "secops"
created = 2026-01-10
expires = 2026-02-15
)",
                                            "ex.toml")
                               .value();
  struct Case {
    std::string now;
    std::vector<std::string> tags;
    Status status;
    std::optional<std::size_t> record;
    std::string note;  // substring; "" = no note
  };
  const Case cases[] = {
      {"2026-01-05", {}, Status::kOpen, std::nullopt, ""},  // not yet created
      {"2026-02-10", {}, Status::kExcepted, 0, ""},
      {"2026-02-10", {"dmz"}, Status::kMitigated, 1, ""},  // mitigation wins
      {"2026-02-20", {"dmz"}, Status::kExcepted, 0, "mitigation MIT-1 expired 2026-02-15"},
      {"2026-03-01",
       {},
       Status::kOverdue,
       std::nullopt,
       "exception EX-1 expired 2026-03-01T00:00:00Z and no longer counts"},
      {"2026-03-02", {"dmz"}, Status::kOverdue, std::nullopt, "; mitigation MIT-1 expired"},
  };
  const Policy p = builtin("soc2");
  for (const auto& c : cases) {
    const core::FixedClock clock(at(c.now));
    const Evaluator ev(p, &set, nullptr, clock);
    const core::HostIdentity host{"h", "h", c.tags};
    const FindingEvaluation e = ev.evaluate(host, finding(Severity::kHigh), std::nullopt);
    SCOPED_TRACE(c.now);
    EXPECT_EQ(e.status, c.status);
    EXPECT_EQ(e.exception, c.record);
    if (c.note.empty()) {
      EXPECT_EQ(e.note, "");
    } else {
      EXPECT_NE(e.note.find(c.note), std::string::npos) << e.note;
    }
  }
}

TEST(Evaluator, LivepatchedFindingIsMitigated) {
  const Policy p = builtin("soc2");
  const core::FixedClock clock(at("2026-06-01"));
  const Evaluator ev(p, nullptr, nullptr, clock);
  auto f = finding(Severity::kCritical);
  f.state = core::FindingState::kMitigated;
  EXPECT_EQ(ev.evaluate(test_host(), f, std::nullopt).status, Status::kMitigated);
}

// Issue 4: a release past its vendor's support is due on its end-of-life date under every
// policy (docs/compliance-report.md, "End of life"), whatever its severity's days or tiers say.
TEST(Evaluator, EndOfLifeIsDueOnItsDate) {
  core::Finding eol;
  eol.installed_version = "10.13";
  eol.state = core::FindingState::kEndOfLife;
  eol.advisories = {"EOL:debian:10"};
  eol.severity = Severity::kHigh;
  eol.end_of_life = core::EndOfLife{
      "debian:10", "2024-06-30", "2024-07-01T00:00:00Z", "https://wiki.debian.org/LTS", "", ""};
  core::Finding no_dates = eol;  // defensive: a finding without its dates falls back to now
  no_dates.end_of_life.reset();
  struct Case {
    std::string policy;
    const core::Finding* finding;
    std::string now;
    std::optional<core::TimePoint> first_seen;
    std::string clock_start;
    Status status;
    std::string reason;
  };
  const std::string reason =
      ": debian:10 past its vendor's support since 2024-07-01, due on its end-of-life date (no "
      "grace period)";
  const Case cases[] = {
      {"soc2", &eol, "2024-07-01", std::nullopt, "2024-07-01T00:00:00Z", Status::kOverdue,
       "soc2" + reason},
      {"soc2", &eol, "2026-11-26", at("2023-01-01"), "2024-07-01T00:00:00Z", Status::kOverdue,
       "soc2" + reason},
      // BOD 22-01 gives high 30 days and medium none: end of life ignores both.
      {"cisa-bod-22-01", &eol, "2025-01-01", std::nullopt, "2024-07-01T00:00:00Z", Status::kOverdue,
       "cisa-bod-22-01" + reason},
      {"pci-dss-4", &no_dates, "2026-11-26", at("2026-11-20"), "2026-11-20T00:00:00Z",
       Status::kOverdue,
       "pci-dss-4: release past its vendor's support since 2026-11-20, due on "
       "its end-of-life date (no grace period)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.policy + " " + c.now);
    const Policy p = builtin(c.policy);
    const core::FixedClock clock(at(c.now));
    const Evaluator ev(p, nullptr, nullptr, clock);
    const FindingEvaluation e = ev.evaluate(test_host(), *c.finding, c.first_seen);
    EXPECT_EQ(e.deadline.basis, ClockStart::kEndOfLife);
    EXPECT_EQ(to_string(e.deadline.basis), "end-of-life");
    ASSERT_TRUE(e.deadline.clock_start && e.deadline.deadline);
    EXPECT_EQ(core::format_rfc3339(*e.deadline.clock_start), c.clock_start);
    EXPECT_EQ(e.deadline.deadline, e.deadline.clock_start);
    EXPECT_EQ(e.deadline.days, 0);
    EXPECT_EQ(e.status, c.status);
    EXPECT_EQ(e.deadline.reason, c.reason);
  }
  // A tier cannot move it, and an active host exception still excepts it.
  const ExceptionSet set = parse_exceptions(R"(
[[exception]]
id = "EX-EOL"
host = "id-1"
justification = "migration to debian 12 booked for Q1"
approver = "ciso"
created = 2024-06-01
)",
                                            "ex.toml")
                               .value();
  const Policy p = builtin("soc2");
  const core::FixedClock clock(at("2026-11-26"));
  const Evaluator ev(p, &set, nullptr, clock);
  const FindingEvaluation e = ev.evaluate(test_host(), eol, std::nullopt);
  EXPECT_EQ(e.status, Status::kExcepted);
  EXPECT_EQ(core::format_rfc3339(*e.deadline.deadline), "2024-07-01T00:00:00Z");
}

TEST(Evaluator, FixedCarriesTimeToFix) {
  const Policy p = builtin("soc2");
  const core::FixedClock clock(at("2026-06-01"));
  const Evaluator ev(p, nullptr, nullptr, clock);
  const auto e = ev.evaluate_fixed(test_host(), finding(Severity::kHigh), at("2026-01-05"),
                                   at("2026-01-11T12:00:00Z"));
  EXPECT_EQ(e.status, Status::kFixed);
  EXPECT_EQ(e.fixed_at, at("2026-01-11T12:00:00Z"));
  ASSERT_TRUE(e.days_to_fix);
  EXPECT_DOUBLE_EQ(*e.days_to_fix, 10.5);  // from fix-available 2026-01-01
}

TEST(Risk, FormulaFactors) {
  EpssScores epss;
  epss.add("CVE-2026-0001", {0.5, 0.97});
  epss.add("CVE-2026-0002", {0.9, 0.99});
  struct Case {
    std::optional<double> cvss;
    Severity severity;
    bool kev;
    std::vector<std::string> cves;
    core::Exposure exposure;
    double tier;
    double raw;
  };
  const Case cases[] = {
      {std::nullopt, Severity::kHigh, false, {"CVE-X"}, core::Exposure::kNone, 1, 7.5},
      {7.0, Severity::kHigh, false, {"CVE-X"}, core::Exposure::kNone, 1, 7.0},
      {7.0, Severity::kHigh, true, {"CVE-X"}, core::Exposure::kNone, 1, 14.0},
      {7.0, Severity::kHigh, false, {"CVE-2026-0001"}, core::Exposure::kNone, 1, 10.5},
      {7.0,
       Severity::kHigh,
       false,
       {"CVE-2026-0001", "CVE-2026-0002"},
       core::Exposure::kNone,
       1,
       13.3},
      {7.0, Severity::kHigh, false, {"CVE-X"}, core::Exposure::kNetwork, 1, 10.5},
      {7.0, Severity::kHigh, false, {"CVE-X"}, core::Exposure::kLocal, 1, 8.4},
      {7.0, Severity::kHigh, false, {"CVE-X"}, core::Exposure::kNone, 2, 14.0},
      {std::nullopt, Severity::kLow, false, {}, core::Exposure::kNone, 1, 2.5},
      {10.0, Severity::kCritical, true, {"CVE-2026-0002"}, core::Exposure::kNetwork, 3, 171.0},
  };
  for (const auto& c : cases) {
    core::Finding f = finding(c.severity);
    f.cvss_score = c.cvss;
    f.cves = c.cves;
    if (c.kev) f.kev_due_date = "2026-02-01";
    f.exposure = c.exposure;
    const RiskBreakdown r = risk_score(f, &epss, c.tier, "tag:x");
    SCOPED_TRACE(r.explain());
    EXPECT_NEAR(r.raw, c.raw, 1e-9);
    EXPECT_NEAR(r.score, std::min(100.0, std::round(c.raw / 60.0 * 1000.0) / 10.0), 1e-9);
    EXPECT_GE(r.score, 0.0);
    EXPECT_LE(r.score, 100.0);
  }
}

TEST(EpssScores, AddFindOverwriteAndGrow) {
  EpssScores epss;
  EXPECT_EQ(epss.find("CVE-2024-0001"), nullptr);
  for (int i = 0; i < 5000; ++i) {
    epss.add("CVE-2024-" + std::to_string(1000 + i), {i / 5000.0, 0.5});
  }
  epss.add("CVE-2024-1000", {0.75, 0.9});  // overwrites
  epss.add("GHSA-xxxx-yyyy", {0.5, 0.5});  // not a CVE: ignored
  EXPECT_EQ(epss.size(), 5000u);
  ASSERT_NE(epss.find("CVE-2024-1000"), nullptr);
  EXPECT_DOUBLE_EQ(epss.find("CVE-2024-1000")->epss, 0.75);
  ASSERT_NE(epss.find("CVE-2024-5999"), nullptr);
  EXPECT_DOUBLE_EQ(epss.find("CVE-2024-5999")->epss, 4999 / 5000.0);
  EXPECT_EQ(epss.find("CVE-2024-6000"), nullptr);
  EXPECT_EQ(epss.find("CVE-2023-1000"), nullptr);  // another year
  EXPECT_EQ(epss.find("GHSA-xxxx-yyyy"), nullptr);
  EXPECT_EQ(EpssScores::cve_key("CVE-2014-0160"), EpssScores::cve_key("CVE-2014-0160"));
  EXPECT_NE(EpssScores::cve_key("CVE-2014-0160"), EpssScores::cve_key("CVE-2014-0161"));
  EXPECT_EQ(EpssScores::cve_key("CVE-14-0160"), 0u);
  EXPECT_EQ(EpssScores::cve_key("CVE-2014-016x"), 0u);
  const std::vector<std::string> cves = {"CVE-2024-1001", "CVE-2024-1000", "CVE-9999-1"};
  const auto best = epss.highest(cves);  // views into `cves`
  ASSERT_TRUE(best);
  EXPECT_EQ(best->first, "CVE-2024-1000");
}

TEST(Risk, ExplainShowsEveryFactor) {
  EpssScores epss;
  epss.add("CVE-2026-0001", {0.25, 0.9});
  core::Finding f = finding(Severity::kHigh);
  f.cvss_score = 7.5;
  f.kev_due_date = "2026-02-01";
  f.exposure = core::Exposure::kNetwork;
  const RiskBreakdown r = risk_score(f, &epss, 2.0, "tag:pci");
  EXPECT_EQ(r.explain(),
            "cvss 7.5 x kev 2 x epss 1.25 (CVE-2026-0001 0.250) x exposure 1.5 x tier 2 "
            "(tag:pci) = 56.25 -> 93.8/100");
}

// Dates are parsed through a per-thread cache (a fleet repeats each advisory's date on every
// host): more distinct dates than it has slots, in both forms and in two passes (hits, misses
// and evictions), must each give their own deadline; bad dates stay bad.
TEST(Evaluator, DeadlinesOfManyDistinctDates) {
  const Policy soc2 = builtin("soc2");
  const core::FixedClock clock(at("2030-01-01"));
  const Evaluator ev(soc2, nullptr, nullptr, clock);
  const core::TimePoint base = at("2010-01-01");
  for (int pass = 0; pass < 2; ++pass) {
    for (int day = 0; day < 5000; day += 1 + pass) {
      const core::TimePoint published = base + std::chrono::days(day);
      core::Finding f = finding(Severity::kHigh, core::format_rfc3339(published));
      // The KEV date, "YYYY-MM-DD", is earlier on odd days.
      if (day % 2 == 1) f.kev_due_date = core::format_rfc3339(published).substr(0, 10);
      const Deadline d = ev.deadline(test_host(), f, std::nullopt, Detail::kStatus);
      ASSERT_TRUE(d.clock_start) << day;
      ASSERT_EQ(*d.clock_start, published) << f.fix_available_since;
      ASSERT_TRUE(d.deadline) << day;
      EXPECT_EQ(*d.deadline, day % 2 == 1 ? published : published + std::chrono::days(30))
          << f.fix_available_since;
      EXPECT_EQ(d.kev_applied, day % 2 == 1);
    }
  }
  for (const char* bad : {"2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z",
                          "2026-0a-01T00:00:00Z", "20260101T000000Z"}) {
    for (int pass = 0; pass < 2; ++pass) {
      const Deadline d = ev.deadline(test_host(), finding(Severity::kHigh, bad), std::nullopt);
      EXPECT_EQ(d.basis, ClockStart::kFirstSeen) << bad;  // no usable fix-available date
    }
  }
}

}  // namespace
}  // namespace fleetpatch::policy
