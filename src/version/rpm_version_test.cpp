// rpm_vercmp and RpmEvr against the rules in rpm_version.hpp; every expectation here also holds
// for librpm 4.18 (version_differential_test checks the same code against it).
#include "version/rpm_version.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace fleetpatch::version {
namespace {

struct OrderCase {
  const char* a;
  const char* b;
  char expected;  // '<', '=' or '>': how a compares to b
};

int expected_sign(char c) { return c == '<' ? -1 : (c == '>' ? 1 : 0); }
int sign(int c) { return (c > 0) - (c < 0); }

const OrderCase kVercmpCases[] = {
    {"1.0", "1.0", '='},
    {"1.0", "2.0", '<'},
    {"2.0.1", "2.0", '>'},
    {"1.9", "1.10", '<'},
    {"1.010", "1.10", '='},  // numbers: leading zeros stripped
    {"1.00001", "1.1", '='},
    {"1.0002", "1.0010", '<'},
    {"3.999.9", "4.0", '<'},
    {"1.123456789012345678901234567890", "1.123456789012345678901234567889", '>'},
    // Separators only separate: their kind and count do not matter.
    {"1.0", "1_0", '='},
    {"1.0", "1..0", '='},
    {"1.0", "1.0.", '='},
    {"1.0", ".1.0", '='},
    {"1+0", "1-0", '='},
    {"+", "_", '='},
    {"", ".", '='},
    // Letters against letters: strcmp; against digits: the number is newer.
    {"1.0a", "1.0", '>'},
    {"1.0a", "1.0b", '<'},
    {"1.0aa", "1.0a", '>'},
    {"1.0B", "1.0a", '<'},  // ASCII: upper case first
    {"1.1", "1.a", '>'},
    {"1.a", "1.1", '<'},
    {"2a", "2.0", '<'},
    {"5.5p1", "5.5p10", '<'},
    {"5.5p9", "5.6", '<'},
    {"10xyz", "10.1xyz", '<'},
    {"xyz.4", "8", '<'},
    {"1.0rc1", "1.0", '>'},  // no tilde: a plain letter segment makes it newer
    {"el9", "el9_0", '<'},
    {"41.el9_0", "41.el9", '>'},
    // '~' sorts before everything, even the end.
    {"1.0~rc1", "1.0", '<'},
    {"1.0~rc1", "1.0~rc2", '<'},
    {"1.0~rc1~git1", "1.0~rc1", '<'},
    {"1.0~", "1.0", '<'},
    {"1.0~~", "1.0~", '<'},
    {"~", "", '<'},
    {"1.0~rc1", "1.0.rc1", '<'},
    {"1.0~1", "1.0_1", '<'},
    // '^' sorts after the end but before anything else.
    {"1.0^", "1.0", '>'},
    {"1.0^post", "1.0", '>'},
    {"1.0^post", "1.0.1", '<'},
    {"1.0^git1", "1.0^git2", '<'},
    {"1.0^git1", "1.01", '<'},
    {"1.0^20230101", "1.0a", '<'},
    {"1.0^1^2", "1.0^1", '>'},
    {"1.0^2", "1.0^1^2", '>'},
    {"1.0~rc1^git1", "1.0~rc1", '>'},
    {"1.0~rc1^git1", "1.0", '<'},
    {"1.0^git1~pre", "1.0^git1", '<'},
    {"1.0^git1~pre", "1.0", '>'},
    {"1.0^", "1.0~", '>'},
    {"^", "", '>'},
    {"^", "~", '>'},
};

TEST(RpmVercmp, OrdersAsRpmvercmp) {
  for (const auto& c : kVercmpCases) {
    SCOPED_TRACE(std::string(c.a) + " " + c.expected + " " + c.b);
    EXPECT_EQ(rpm_vercmp(c.a, c.b), expected_sign(c.expected));
    EXPECT_EQ(rpm_vercmp(c.b, c.a), -expected_sign(c.expected));
    EXPECT_EQ(rpm_vercmp(c.a, c.a), 0);
  }
}

const OrderCase kEvrCases[] = {
    {"1:3.0.1-41.el9_0", "3.0.7-1.el9", '>'},  // the epoch wins
    {"0:1.0-1", "1.0-1", '='},                 // a missing epoch is 0
    {"00:1.0-1", "0:1.0-1", '='},
    {"5:1.0-1", "4:9.9-9", '>'},
    {"1.0-1", "1.0-2", '<'},
    {"1.0-5", "1.0-10", '<'},
    {"2.0-1", "10.0-1", '<'},
    {"1.0-1.el8", "1.0-1.el8_1", '<'},
    {"1.0-1.el9", "1.0-1.el9~bootstrap", '>'},
    {"1.2.3-4.fc38", "1.2.3^20230101-1.fc38", '<'},
    {"1.2.3~rc1-1", "1.2.3-0", '<'},
    {"3.0.7-16.el9_2", "3.0.7-18.el9_2", '<'},
    {"2.9-99.el9", "2.10-1.el9", '<'},
    {"1.0-2-3", "1.0-2-4", '<'},  // the release is after the last hyphen
    {"1.0-2-3", "1.0.2-3", '='},  // versions "1.0-2" and "1.0.2": '-' only separates
    // A missing release sorts before any release (rpmverCmp), not "matches any".
    {"1.0", "1.0-1", '<'},
    {"1.0", "1.0-0", '<'},
    {"1.0", "1.0", '='},
    {"1:1.0", "1.0-99", '>'},
    {"1.1", "1.0-99", '>'},
};

TEST(RpmEvr, OrdersAsRpmverCmp) {
  for (const auto& c : kEvrCases) {
    SCOPED_TRACE(std::string(c.a) + " " + c.expected + " " + c.b);
    const auto a = RpmEvr::parse(c.a);
    const auto b = RpmEvr::parse(c.b);
    ASSERT_TRUE(a.ok()) << a.error().message;
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_EQ(sign(a->compare(*b)), expected_sign(c.expected));
    EXPECT_EQ(sign(b->compare(*a)), -expected_sign(c.expected));
    EXPECT_EQ(*a == *b, c.expected == '=');
    EXPECT_EQ(*a < *b, c.expected == '<');
  }
}

TEST(RpmEvr, TableSortsConsistently) {
  std::vector<RpmEvr> all;
  for (const auto& c : kEvrCases) {
    all.push_back(RpmEvr::parse(c.a).value());
    all.push_back(RpmEvr::parse(c.b).value());
  }
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = i + 1; j < all.size(); ++j) {
      ASSERT_LE(all[i].compare(all[j]), 0) << all[i].str() << " sorted before " << all[j].str();
    }
  }
}

TEST(RpmEvr, SplitsEpochVersionRelease) {
  struct Case {
    const char* text;
    bool has_epoch;
    std::uint32_t epoch;
    const char* version;
    bool has_release;
    const char* release;
  };
  const Case cases[] = {
      {"1.0", false, 0, "1.0", false, ""},
      {"1.0-1", false, 0, "1.0", true, "1"},
      {"0:1.0-1", true, 0, "1.0", true, "1"},
      {"2:3.0.1-41.el9_0", true, 2, "3.0.1", true, "41.el9_0"},
      {"1.0-2-3", false, 0, "1.0-2", true, "3"},
      {"007:1.0", true, 7, "1.0", false, ""},
      {"1:2:3-4", true, 1, "2:3", true, "4"},  // rpm splits at the first ':' only
      {"4294967295:1", true, 4294967295u, "1", false, ""},
      {"1.0^post~rc-1", false, 0, "1.0^post~rc", true, "1"},
  };
  for (const auto& c : cases) {
    const auto v = RpmEvr::parse(c.text);
    ASSERT_TRUE(v.ok()) << c.text << ": " << v.error().message;
    EXPECT_EQ(v->has_epoch(), c.has_epoch) << c.text;
    EXPECT_EQ(v->epoch(), c.epoch) << c.text;
    EXPECT_EQ(v->version(), c.version) << c.text;
    EXPECT_EQ(v->has_release(), c.has_release) << c.text;
    EXPECT_EQ(v->release(), c.release) << c.text;
    EXPECT_EQ(v->str(), c.text);
  }
}

TEST(RpmEvr, RefusesMalformed) {
  struct Case {
    std::string text;
    const char* reason;
  };
  const Case cases[] = {
      {"", "empty"},
      {":1.0", "epoch before ':' is empty"},
      {"a:1.0", "not a decimal number"},
      {"1a:1.0", "not a decimal number"},
      {"-1:1.0", "not a decimal number"},
      {"4294967296:1.0", "epoch is too large"},
      {"1:", "version is empty"},
      {"1:-1", "version is empty"},
      {"-1", "version is empty"},
      {"1.0-", "release after '-' is empty"},
      {"1.0 -1", "whitespace or control character ' '"},
      {" 1.0", "whitespace or control character ' '"},
      {"1.0\t", "whitespace or control character '\\x09'"},
      {"1.0\n", "whitespace or control character '\\x0a'"},
      {"1.0\x7f", "whitespace or control character '\\x7f'"},
      {std::string("1.0\0", 4), "whitespace or control character '\\x00'"},
  };
  for (const auto& c : cases) {
    const auto v = RpmEvr::parse(c.text);
    ASSERT_FALSE(v.ok()) << c.text;
    EXPECT_EQ(v.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_NE(v.error().message.find(c.reason), std::string::npos)
        << "'" << c.text << "': " << v.error().message;
  }
}

TEST(RpmEvr, ErrorNamesTheString) {
  const auto v = RpmEvr::parse("1.0-");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message, "invalid rpm version \"1.0-\": release after '-' is empty");
}

}  // namespace
}  // namespace fleetpatch::version
