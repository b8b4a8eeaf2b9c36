// DebVersion against the rules of deb-version(7); every order expectation here also holds for
// `dpkg --compare-versions` (version_differential_test checks the same code against libdpkg).
#include "version/deb_version.hpp"

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

const OrderCase kOrderCases[] = {
    {"1.0", "1.0", '='},
    {"1.0", "1.1", '<'},
    {"1.10", "1.9", '>'},
    {"1.010", "1.10", '='},  // digit runs are numbers: leading zeros vanish
    {"1.0001", "1.1", '='},
    {"1.0.0", "1.0", '>'},
    {"1.0.", "1.0", '>'},                                       // '.' weighs more than the end
    {"1.18446744073709551616", "1.18446744073709551615", '>'},  // longer than any integer
    // '~' sorts before everything, even the end.
    {"1.0~rc1", "1.0", '<'},
    {"1.0~", "1.0", '<'},
    {"1.0~~", "1.0~", '<'},
    {"1.0~~a", "1.0~~", '>'},
    {"1.0~rc1", "1.0~rc2", '<'},
    {"1.0~rc1", "1.0~beta", '>'},
    {"1.0~rc1-1", "1.0-1", '<'},
    {"1.2.3~~", "1.2.3~", '<'},
    // Letters sort before other characters, and after the end.
    {"1.0a", "1.0", '>'},
    {"1.0a", "1.0+", '<'},
    {"1.0a", "1.0.", '<'},
    {"1.0+b1", "1.0", '>'},
    {"1.0+b1", "1.0.1", '<'},  // '+' < '.' by ASCII
    {"1.0Z", "1.0a", '<'},
    {"7.6p2-4", "7.6-0", '>'},
    // Epochs.
    {"1:1.0", "2.0", '>'},
    {"0:1.0", "1.0", '='},
    {"2:1.0", "10:0.1", '<'},
    {"1:0", "0:99", '>'},
    {"00:1.0", "1.0", '='},
    {"+1:1.0", "1:1.0", '='},  // strtol() takes a sign; dpkg accepts it
    {"-0:1.0", "1.0", '='},
    // Revisions: missing equals "0".
    {"1.0", "1.0-0", '='},
    {"1.0", "1.0-00", '='},
    {"1.0-0", "1.0-0.1", '<'},
    {"1.0", "1.0-1", '<'},
    {"1.0-1", "1.0-1ubuntu1", '<'},
    {"1.0-1ubuntu1", "1.0-1+deb12u1", '<'},
    {"1.0-1~bpo11+1", "1.0-1", '<'},
    {"1.0-1+deb12u1", "1.0-1+deb12u2", '<'},
    {"1.0-a", "1.0-A", '>'},
    {"1.0-10", "1.0-9", '>'},
    {"1.2-3-4", "1.2-3-5", '<'},  // the revision is after the last hyphen
    {"2.36-9+deb12u4", "2.36-9+deb12u10", '<'},
    {"1:2.3.4-1", "1:2.3.4-1", '='},
    {"3.0.11-1~deb12u2", "3.0.11-1", '<'},
    // dpkg accepts (with a warning) an upstream that does not start with a digit.
    {"a", "b", '<'},
    {"a1", "1", '>'},
    // Leading and trailing blanks are trimmed, as dpkg does.
    {" 1.0", "1.0", '='},
    {"1.0\t", "1.0", '='},
};

TEST(DebVersion, OrdersAsDpkg) {
  for (const auto& c : kOrderCases) {
    SCOPED_TRACE(std::string(c.a) + " " + c.expected + " " + c.b);
    const auto a = DebVersion::parse(c.a);
    const auto b = DebVersion::parse(c.b);
    ASSERT_TRUE(a.ok()) << a.error().message;
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_EQ(sign(a->compare(*b)), expected_sign(c.expected));
    EXPECT_EQ(sign(b->compare(*a)), -expected_sign(c.expected));
    EXPECT_EQ(a->compare(*a), 0);
    EXPECT_EQ(*a == *b, c.expected == '=');
    EXPECT_EQ(*a < *b, c.expected == '<');
  }
}

TEST(DebVersion, TableSortsConsistently) {
  std::vector<DebVersion> all;
  for (const auto& c : kOrderCases) {
    all.push_back(DebVersion::parse(c.a).value());
    all.push_back(DebVersion::parse(c.b).value());
  }
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = i + 1; j < all.size(); ++j) {
      ASSERT_LE(all[i].compare(all[j]), 0) << all[i].str() << " sorted before " << all[j].str();
    }
  }
}

TEST(DebVersion, SplitsEpochUpstreamRevision) {
  struct Case {
    const char* text;
    std::uint32_t epoch;
    const char* upstream;
    const char* revision;
  };
  const Case cases[] = {
      {"1.0", 0, "1.0", ""},
      {"1:2.3-4", 1, "2.3", "4"},
      {"1.2-3-4", 0, "1.2-3", "4"},
      {"1:2:3", 1, "2:3", ""},  // after an epoch, ':' is an upstream character
      {"2147483647:1", 2147483647, "1", ""},
      {"007:1-0", 7, "1", "0"},
      {" 1:1.0-1 ", 1, "1.0", "1"},
      {"1.0+dfsg-1~exp1", 0, "1.0+dfsg", "1~exp1"},
  };
  for (const auto& c : cases) {
    const auto v = DebVersion::parse(c.text);
    ASSERT_TRUE(v.ok()) << c.text << ": " << v.error().message;
    EXPECT_EQ(v->epoch(), c.epoch) << c.text;
    EXPECT_EQ(v->upstream(), c.upstream) << c.text;
    EXPECT_EQ(v->revision(), c.revision) << c.text;
    EXPECT_EQ(v->str(), c.text);
  }
}

TEST(DebVersion, RefusesWhatDpkgRefuses) {
  struct Case {
    std::string text;
    const char* reason;
  };
  const Case cases[] = {
      {"", "version string is empty"},
      {"  \t", "version string is empty"},
      {"1.0 x", "embedded spaces"},
      {"1.0 -1", "embedded spaces"},
      {":1.0", "epoch in version is empty"},
      {"+:1.0", "epoch in version is empty"},
      {"a:1.0", "epoch in version is empty"},
      {"1a:1.0", "epoch in version is not number"},
      {"1.0:1", "epoch in version is not number"},
      {"1.0-1:2", "epoch in version is not number"},
      {"-1:1.0", "epoch in version is negative"},
      {"2147483648:1.0", "epoch in version is too big"},
      {"99999999999999999999:1.0", "epoch in version is too big"},
      {"1:", "nothing after colon"},
      {"1: ", "version number is empty"},
      {"1.0-", "revision number is empty"},
      {"-1", "version number is empty"},
      {"1:-1", "version number is empty"},
      // dpkg only warns about these; we refuse them (see deb_version.hpp).
      {"1.0_1", "invalid character '_' in version number"},
      {"1.0@", "invalid character '@' in version number"},
      {"1.0\n", "invalid character '\\x0a' in version number"},
      {"1.0\x80", "invalid character '\\x80' in version number"},
      {std::string("1.0\0", 4), "invalid character '\\x00' in version number"},
      {"1.0-1_2", "invalid character '_' in revision number"},
      {"1.0-1-", "revision number is empty"},
      {"a_b", "invalid character '_' in version number"},
  };
  for (const auto& c : cases) {
    const auto v = DebVersion::parse(c.text);
    ASSERT_FALSE(v.ok()) << c.text;
    EXPECT_EQ(v.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_NE(v.error().message.find(c.reason), std::string::npos)
        << "'" << c.text << "': " << v.error().message;
  }
}

TEST(DebVersion, ErrorNamesTheString) {
  const auto v = DebVersion::parse("1.0 x");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message, "invalid deb version \"1.0 x\": version string has embedded spaces");
}

TEST(DebCompareFragment, IsVerrevcmp) {
  struct Case {
    const char* a;
    const char* b;
    char expected;
  };
  const Case cases[] = {
      {"", "", '='},       {"", "0", '='},     {"~", "", '<'},      {"", "a", '<'},
      {"a", "+", '<'},     {"1a", "1~", '>'},  {"00", "0", '='},    {"1.2", "1.10", '<'},
      {"~~", "~~a", '<'},  {"~", "~~a", '>'},  {"1+", "1.", '<'},   {"a", "B", '>'},
      {"1-2", "1.2", '<'}, {"0.1", ".1", '<'}, {"1~1", "1~0", '>'},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(sign(deb_compare_fragment(c.a, c.b)), expected_sign(c.expected))
        << c.a << " vs " << c.b;
    EXPECT_EQ(sign(deb_compare_fragment(c.b, c.a)), -expected_sign(c.expected))
        << c.b << " vs " << c.a;
  }
}

}  // namespace
}  // namespace fleetpatch::version
