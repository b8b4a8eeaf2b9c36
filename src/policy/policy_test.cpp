#include "policy/policy.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fleetpatch::policy {
namespace {

using core::Severity;

int days_of(const Policy& p, Severity s) {
  return p.days[static_cast<std::size_t>(s)].value_or(-1);
}

// The issue's table of built-in deadlines (-1 = no deadline).
TEST(BuiltinPolicies, DeadlinesPerFramework) {
  struct Case {
    std::string name;
    int critical, high, medium, low;
    KevRule kev;
  };
  const Case cases[] = {
      {"soc2", 30, 30, 90, 180, KevRule::kEarliestOf},
      {"sox", 30, 30, 90, 180, KevRule::kEarliestOf},
      {"pci-dss-4", 30, 30, 90, 90, KevRule::kEarliestOf},
      {"fedramp", 30, 30, 90, 180, KevRule::kEarliestOf},
      {"cisa-bod-22-01", 15, 30, -1, -1, KevRule::kDueDate},
  };
  ASSERT_EQ(builtin_policies().size(), std::size(cases));
  for (const auto& c : cases) {
    const auto p = builtin_policy(c.name);
    ASSERT_TRUE(p.ok()) << c.name << ": " << p.error().message;
    EXPECT_EQ(p->name, c.name);
    EXPECT_EQ(days_of(*p, Severity::kCritical), c.critical) << c.name;
    EXPECT_EQ(days_of(*p, Severity::kHigh), c.high) << c.name;
    EXPECT_EQ(days_of(*p, Severity::kMedium), c.medium) << c.name;
    EXPECT_EQ(days_of(*p, Severity::kLow), c.low) << c.name;
    EXPECT_EQ(p->kev, c.kev) << c.name;
    EXPECT_EQ(p->clock_start, ClockStart::kFixAvailable) << c.name;
    EXPECT_EQ(p->due_soon_days, 7) << c.name;
    EXPECT_FALSE(p->description.empty()) << c.name;
    EXPECT_EQ(p->source, "builtin:" + c.name);
  }
}

TEST(BuiltinPolicies, UnknownNameListsTheKnownOnes) {
  const auto p = builtin_policy("hipaa");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, core::ErrorCode::kNotFound);
  EXPECT_NE(p.error().message.find("soc2, sox, pci-dss-4, fedramp, cisa-bod-22-01"),
            std::string::npos);
}

TEST(ParsePolicy, CustomPolicyWithTiers) {
  const auto p = parse_policy(R"(name = "internal"
description = "ours"
clock_start = "first-seen"
kev = "ignore"
due_soon_days = 3

[days]
critical = 7
high = 14
medium = "none"
low = "none"

[[tier]]
match = "exposure:network"
factor = 0.5

[[tier]]
match = "tag:pci"
days = { critical = 2, medium = 30 }
risk_factor = 3
)",
                              "internal.toml");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->clock_start, ClockStart::kFirstSeen);
  EXPECT_EQ(p->kev, KevRule::kIgnore);
  EXPECT_EQ(p->due_soon_days, 3);
  EXPECT_EQ(days_of(*p, Severity::kHigh), 14);
  EXPECT_EQ(days_of(*p, Severity::kMedium), -1);
  EXPECT_EQ(days_of(*p, Severity::kUnknown), -1);  // optional, defaults to none
  ASSERT_EQ(p->tiers.size(), 2u);
  EXPECT_EQ(p->tiers[0].match.kind, TierMatch::Kind::kExposure);
  EXPECT_EQ(p->tiers[0].match.exposure, core::Exposure::kNetwork);
  EXPECT_DOUBLE_EQ(*p->tiers[0].factor, 0.5);
  EXPECT_DOUBLE_EQ(p->tiers[0].risk_factor, 2.0);  // 1 / factor
  EXPECT_EQ(p->tiers[0].line, 13u);
  EXPECT_EQ(p->tiers[1].match.to_string(), "tag:pci");
  EXPECT_EQ(p->tiers[1].days[static_cast<std::size_t>(Severity::kCritical)], 2);
  EXPECT_EQ(p->tiers[1].days[static_cast<std::size_t>(Severity::kMedium)], 30);
  EXPECT_FALSE(p->tiers[1].factor);
  EXPECT_DOUBLE_EQ(p->tiers[1].risk_factor, 3.0);
}

TEST(ParsePolicy, ErrorsNameFileAndLine) {
  const std::string days = "[days]\ncritical = 1\nhigh = 1\nmedium = 1\nlow = 1\n";
  struct Case {
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {days, "p.toml:1: the policy needs a \"name\""},
      {"name = \"x\"\n", "p.toml:1: the policy needs a [days] table"},
      {"name = \"x\"\ncolour = \"red\"\n" + days, "p.toml:2: unknown key \"colour\""},
      {"name = 3\n" + days, "p.toml:1: \"name\" must be a string"},
      {"name = \"x\"\nclock_start = \"boot\"\n" + days, "p.toml:2: \"clock_start\" must be"},
      {"name = \"x\"\nkev = \"sometimes\"\n" + days, "p.toml:2: \"kev\" must be"},
      {"name = \"x\"\ndue_soon_days = -1\n" + days, "p.toml:2: \"due_soon_days\""},
      {"name = \"x\"\n[days]\ncritical = 1\nhigh = 1\nmedium = 1\n",
       "p.toml:2: [days] needs \"low\""},
      {"name = \"x\"\n[days]\ncritical = \"soon\"\n",
       "p.toml:3: \"critical\" must be a number of days"},
      {"name = \"x\"\n[days]\nurgent = 1\n", "p.toml:3: unknown severity \"urgent\""},
      {"name = \"x\"\n" + days + "[[tier]]\nfactor = 0.5\n",
       "p.toml:7: a [[tier]] needs \"match\""},
      {"name = \"x\"\n" + days + "[[tier]]\nmatch = \"tag:a\"\n", "needs \"factor\" or \"days\""},
      {"name = \"x\"\n" + days + "[[tier]]\nmatch = \"host:a\"\nfactor = 0.5\n",
       "p.toml:8: \"match\" must be"},
      {"name = \"x\"\n" + days + "[[tier]]\nmatch = \"tag:a\"\nfactor = 2\n",
       "p.toml:9: \"factor\" must be in (0, 1]"},
      {"name = \"x\"\n" + days + "[[tier]]\nmatch = \"tag:a\"\nfactor = 0.5\nrisk = 2\n",
       "p.toml:10: unknown tier key \"risk\""},
      {"name = \"x\"\n" + days + "[tier]\nmatch = \"tag:a\"\n", "tiers are written as [[tier]]"},
      // After [days], keys belong to the table (TOML semantics): a late top-level key is caught.
      {"name = \"x\"\n" + days + "\nname = \"y\"\n", "p.toml:8: unknown severity \"name\""},
      {"name = \"x\"\nname = \"y\"\n" + days, "p.toml:2: duplicate key \"name\""},
  };
  for (const auto& c : cases) {
    const auto p = parse_policy(c.text, "p.toml");
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_NE(p.error().message.find(c.expected), std::string::npos)
        << c.text << "\n-> " << p.error().message;
  }
}

}  // namespace
}  // namespace fleetpatch::policy
