// apk-tools has no Debian package, so this hand-checked table is the reference for ApkVersion.
// Each expectation was derived from the rules in apk_version.hpp (apk-tools src/version.c):
// walk both strings part by part; same kinds compare by value; at the first pair of different
// kinds, a pre-release suffix loses, else the later kind (or the end) loses. Every case is
// checked both ways round.
#include "version/apk_version.hpp"

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
    // Numbers: the first compares numerically; later ones numerically unless a leading zero
    // makes both compare as text.
    {"1", "1", '='},
    {"1", "2", '<'},
    {"2", "10", '<'},
    {"1.0", "1.0", '='},
    {"1.0", "1.1", '<'},
    {"1.9", "1.10", '<'},
    {"1.10", "1.9", '>'},
    {"1.2.3", "1.2.3", '='},
    {"1.2.3", "1.2.4", '<'},
    {"1.2", "1.2.0", '<'},  // the shorter has ended: older
    {"1.2.0", "1.2", '>'},
    {"1.2.3", "1.3", '<'},
    {"2.0", "1.99.99", '>'},
    {"10", "9.9", '>'},
    {"0.1", "0.01", '>'},  // "1" vs "01": text, '1' > '0'
    {"1.01", "1.1", '<'},  // text
    {"1.05", "1.5", '<'},  // text
    {"1.0", "1.00", '<'},  // text: a proper prefix first
    {"1.00", "1.000", '<'},
    {"1.010", "1.01", '>'},
    {"1.10", "1.01", '>'},
    {"1.09", "1.1", '<'},
    {"1.09", "1.10", '<'},  // text, although 9 < 10 numerically anyway
    {"1.0.5", "1.0.05", '>'},
    {"1.0.50", "1.0.5", '>'},  // no leading zero: numeric
    {"1.0.0", "1.0.00", '<'},
    {"2024.01.15", "2024.1.15", '<'},
    {"01", "1", '='},  // the first number is always numeric
    {"001.2", "1.2", '='},
    {"0001", "1", '='},
    {"01.0", "1.0", '='},
    {"0", "0.0", '<'},
    {"0.0", "0", '>'},
    {"1.2.3.4.5", "1.2.3.4", '>'},
    {"1.0.0.0", "1.0.0", '>'},
    {"1", "1.0", '<'},
    {"0.0.1", "0.0.0.1", '>'},
    {"10.0", "9.99.99", '>'},
    {"20230101", "20221231", '>'},
    {"1.18446744073709551615", "1.18446744073709551614", '>'},
    // apk reads numbers into 64 bits and wraps: 2^64 reads as 0, 2^64 + 1 as 1.
    {"18446744073709551616", "0", '='},
    {"18446744073709551617.5", "1.5", '='},
    {"3.0.0", "3", '>'},
    // One lower-case letter after the last number.
    {"1.0a", "1.0", '>'},
    {"1.0a", "1.0b", '<'},
    {"1.0z", "1.0a", '>'},
    {"1.0a", "1.0a", '='},
    {"1.0a", "1.0.1", '<'},  // letter against number: the letter kind comes later, so older
    {"1.0a", "1.1", '<'},
    {"1a", "1", '>'},
    {"1a", "2", '<'},
    {"1a", "1.0", '<'},
    {"1.2a", "1.2_p1", '>'},   // a post-release suffix is a later kind than a letter
    {"1.2a", "1.2_rc1", '>'},  // a pre-release suffix always loses
    {"1.2a-r1", "1.2a-r0", '>'},
    {"1.2a", "1.2a-r1", '<'},
    {"1.0a_p1", "1.0a", '>'},
    {"1.0a_rc1", "1.0a", '<'},
    {"1.0b_alpha", "1.0a", '>'},
    {"1.1.1k-r0", "1.1.1l-r0", '<'},
    {"1.1.1l-r0", "1.1.1-r9", '>'},
    {"1.0.2u-r0", "1.0.2t-r9", '>'},
    // Suffixes: _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p.
    {"1.0_alpha", "1.0_beta", '<'},
    {"1.0_beta", "1.0_pre", '<'},
    {"1.0_pre", "1.0_rc", '<'},
    {"1.0_rc", "1.0", '<'},
    {"1.0", "1.0_cvs", '<'},
    {"1.0_cvs", "1.0_svn", '<'},
    {"1.0_svn", "1.0_git", '<'},
    {"1.0_git", "1.0_hg", '<'},
    {"1.0_hg", "1.0_p", '<'},
    {"1.0_alpha", "1.0_p", '<'},
    {"1.0_rc", "1.0_alpha", '>'},
    {"1.0_p", "1.0.1", '<'},  // a suffix is a later kind than a number
    {"1.0_rc1", "1.0_rc2", '<'},
    {"1.0_rc10", "1.0_rc9", '>'},  // suffix numbers are numeric
    {"1.0_rc", "1.0_rc1", '<'},    // the one without a number ends first
    {"1.0_rc0", "1.0_rc", '>'},
    {"1.0_beta", "1.0_beta0", '<'},
    {"1.0_rc01", "1.0_rc1", '='},
    {"1.0_pre1", "1.0_pre", '>'},
    {"1.0_p1", "1.0_p2", '<'},
    {"1.0_p10", "1.0_p9", '>'},
    {"1.0_p1", "1.0", '>'},
    {"1.0_alpha1", "1.0", '<'},
    {"1.0_alpha", "1.0_alpha1", '<'},
    {"1.0_beta1", "1.0_alpha9", '>'},
    {"1.0_pre20230101", "1.0_pre20230102", '<'},
    {"1.0_git20200101", "1.0", '>'},
    {"1.0_hg5", "1.0_p0", '<'},
    {"1.0_svn", "1.0_cvs9", '>'},
    {"1.0_cvs", "1.0a", '<'},  // a post-release suffix is a later kind than a letter
    {"0.9_p5", "1.0_alpha", '<'},
    {"1.0_rc1", "0.9", '>'},
    {"1_alpha", "1", '<'},
    {"1_p", "1", '>'},
    {"1_p1", "1a", '<'},
    {"1_rc", "1_alpha", '>'},
    {"1.2_alpha", "1.2.0_alpha", '<'},  // pre-release suffix against a number: loses
    {"1.2_p1", "1.2.0", '<'},           // post-release suffix against a number: later kind
    {"1.0.0_rc1", "1.0_rc1", '>'},
    {"1.0.0", "1.0.0_p0", '<'},
    // Several suffixes.
    {"1.0_alpha1_p2", "1.0_alpha1", '>'},
    {"1.0_alpha1_p2", "1.0_alpha2", '<'},
    {"1.0_alpha_pre2", "1.0_alpha", '<'},
    {"1.0_alpha", "1.0_alpha_alpha", '>'},
    {"1.0_alpha_beta", "1.0_alpha_alpha", '>'},
    {"1.0_rc1_p1", "1.0_rc1", '>'},
    {"1.0_rc1_p1", "1.0", '<'},
    {"1.0_p1_rc1", "1.0_p1", '<'},
    {"1.0_p1_p1", "1.0_p2", '<'},
    {"4.5.6_rc1_p2-r0", "4.5.6_rc1_p1-r7", '>'},
    // Commit hash "~hex": text order; a later kind than numbers, letters and suffixes, an
    // earlier one than the release.
    {"1.0~abc", "1.0~abc", '='},
    {"1.0~abc", "1.0~abd", '<'},
    {"1.0~ab", "1.0~abc", '<'},
    {"1.0~b", "1.0~abc", '>'},
    {"1.0~0123", "1.0~123", '<'},
    {"1.0~9", "1.0~10", '>'},  // text, not numeric
    {"1.0~abc", "1.0", '>'},
    {"1.0~abc", "1.0-r1", '>'},
    {"1.0-r1", "1.0~ab", '<'},
    {"1.0~abc-r1", "1.0~abc-r2", '<'},
    {"1.0~abc-r2", "1.0~abd-r1", '<'},
    {"1.0_p1~abc", "1.0_p1", '>'},
    {"1.0~abc", "1.0.1", '<'},
    {"1.0~abc", "1.0a", '<'},
    {"1.0~abc", "1.0_p1", '<'},
    {"1.0~abc", "1.0_rc1", '>'},
    {"1.0a~f", "1.0a", '>'},
    {"1.0a~f", "1.0b", '<'},
    {"1~a", "1", '>'},
    {"1.0~abc-r0", "1.0~abc", '='},
    // Release -rN: numeric; a missing release reads as -r0 (our one difference from apk).
    {"1.0-r0", "1.0-r1", '<'},
    {"1.0-r1", "1.0-r0", '>'},
    {"1.0-r9", "1.0-r10", '<'},
    {"1.0-r01", "1.0-r1", '='},
    {"1.0", "1.0-r0", '='},
    {"1.0", "1.0-r1", '<'},
    {"1.0-r1", "1.1", '<'},
    {"1.0-r100", "1.0.1-r0", '<'},
    {"1.2.3-r1", "1.2.3-r0", '>'},
    {"1.0_rc1-r5", "1.0-r0", '<'},
    {"1.0_p1-r0", "1.0-r5", '>'},
    {"1.0a-r0", "1.0-r9", '>'},
    {"1.0-r0", "1.0.0-r0", '<'},
    {"2-r0", "1-r99", '>'},
    {"1-r1", "1.0", '<'},
    {"1.0_rc01-r01", "1.0_rc1-r1", '='},
    {"1.2.3_beta2-r4", "1.2.3_beta2-r10", '<'},
    {"1.2.3_beta2-r4", "1.2.3_beta10-r0", '<'},
    // Versions as Alpine ships them.
    {"3.0.8-r0", "3.0.10-r0", '<'},
    {"2.36.1-r0", "2.36.1-r1", '<'},
    {"9.1.0496-r1", "9.1.0497-r0", '<'},
    {"9.1.0496-r1", "9.1.496-r1", '<'},
    {"8.5.0-r0", "8.4.0-r3", '>'},
    {"1.36.1-r29", "1.36.1-r30", '<'},
    {"5.2.15-r0", "5.2.15-r5", '<'},
    {"3.1.4-r1", "3.1.4_p1-r0", '<'},
    {"2.4.57-r0", "2.4.6-r0", '>'},
    {"1.3.1-r1", "1.3.1_git20230101-r0", '<'},
    {"7.88.1-r1", "8.0.0-r0", '<'},
    {"6.4_p20231125-r0", "6.4_p20230527-r0", '>'},
    {"2.9.14-r0", "2.10.0-r0", '<'},
    {"1.2.13-r0", "1.2.13_rc1-r0", '>'},
    {"23.0.1_p1-r0", "23.0.1-r0", '>'},
    {"3.3.0_pre20220925-r0", "3.3.0-r0", '<'},
    {"0.4.2_git20221104-r1", "0.4.2-r5", '>'},
};

TEST(ApkVersion, OrdersAsApkTools) {
  ASSERT_GE(std::size(kOrderCases), 150u);
  for (const auto& c : kOrderCases) {
    SCOPED_TRACE(std::string(c.a) + " " + c.expected + " " + c.b);
    const auto a = ApkVersion::parse(c.a);
    const auto b = ApkVersion::parse(c.b);
    ASSERT_TRUE(a.ok()) << a.error().message;
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_EQ(sign(a->compare(*b)), expected_sign(c.expected));
    EXPECT_EQ(sign(b->compare(*a)), -expected_sign(c.expected));
    EXPECT_EQ(a->compare(*a), 0);
    EXPECT_EQ(*a == *b, c.expected == '=');
    EXPECT_EQ(*a < *b, c.expected == '<');
  }
}

// Every valid string of the table, sorted: the order must be consistent over all pairs
// (a comparator that is not transitive shows up as a pair out of order).
TEST(ApkVersion, TableSortsConsistently) {
  std::vector<ApkVersion> all;
  for (const auto& c : kOrderCases) {
    all.push_back(ApkVersion::parse(c.a).value());
    all.push_back(ApkVersion::parse(c.b).value());
  }
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = i + 1; j < all.size(); ++j) {
      ASSERT_LE(all[i].compare(all[j]), 0) << all[i].str() << " sorted before " << all[j].str();
    }
  }
}

TEST(ApkVersion, KeepsTheText) {
  auto v = ApkVersion::parse("1.2.3_rc1-r4");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->str(), "1.2.3_rc1-r4");
  const ApkVersion moved = std::move(v).value();  // parts refer to the text by offset
  EXPECT_LT(moved.compare(ApkVersion::parse("1.2.3-r0").value()), 0);
}

struct InvalidCase {
  std::string text;
  const char* reason;  // a piece of the expected message
};

TEST(ApkVersion, RefusesWhatApkRefuses) {
  const InvalidCase cases[] = {
      {"", "empty"},
      {"a", "must start with a digit"},
      {"v1.0", "must start with a digit"},
      {".1", "must start with a digit"},
      {"_p1", "must start with a digit"},
      {"-r1", "must start with a digit"},
      {" 1.0", "must start with a digit"},
      {"1.", "expected a number after '.'"},
      {"1..2", "expected a number after '.'"},
      {"1.a", "expected a number after '.'"},
      {"1.0-foo", "-r<number>"},
      {"1.0-1", "-r<number>"},
      {"1.0-", "-r<number>"},
      {"1.0-R1", "-r<number>"},
      {"1.0-r", "number after \"-r\""},
      {"1.0-ra", "number after \"-r\""},
      {"1.0-r1a", "cannot follow the release"},
      {"1.0-r1-r2", "cannot follow the release"},
      {"1.0-r1.2", "cannot follow the release"},
      {"1.0-r1_p1", "cannot follow the release"},
      {"1.0-r1~ab", "cannot follow the release"},
      {"1.0_foo", "unknown suffix \"_foo\""},
      {"1.0_", "unknown suffix \"_\""},
      {"1.0_alphabeta", "unknown suffix"},
      {"1.0_pr1", "unknown suffix"},
      {"1.0_Alpha", "unknown suffix"},
      {"1.0A", "unexpected character 'A'"},
      {"1.0ab", "letter 'b' at offset 4 cannot follow a letter"},
      {"0.9.8zh", "cannot follow a letter"},
      {"1.0a1", "digit at offset 4 cannot follow a letter"},
      {"1.0a.1", "cannot follow a letter"},
      {"1.0_p1a", "cannot follow a suffix number"},
      {"1.0_p1.2", "cannot follow a suffix number"},
      {"1.0_rc.1", "cannot follow a suffix"},
      {"1.0~", "hex digits after '~'"},
      {"1.0~xyz", "hex digits after '~'"},
      {"1.0~ABC", "hex digits after '~'"},
      {"1.0~ab~cd", "cannot follow a commit hash"},
      {"1.0~abg", "cannot follow a commit hash"},
      {"1.0~ab_p1", "cannot follow a commit hash"},
      {"1.0 ", "unexpected character ' '"},
      {"1.0\n", "unexpected character '\\x0a'"},
      {"1,0", "unexpected character ','"},
      {"1.0+1", "unexpected character '+'"},
      {"1:1.0", "unexpected character ':'"},
      {"1.0\x80", "unexpected character '\\x80'"},
      {std::string("1.0\0", 4), "unexpected character '\\x00'"},
  };
  for (const auto& c : cases) {
    const auto v = ApkVersion::parse(c.text);
    ASSERT_FALSE(v.ok()) << c.text;
    EXPECT_EQ(v.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_NE(v.error().message.find("invalid apk version \""), std::string::npos)
        << v.error().message;
    EXPECT_NE(v.error().message.find(c.reason), std::string::npos)
        << "'" << c.text << "': " << v.error().message;
  }
}

TEST(ApkVersion, ErrorNamesTheString) {
  const auto v = ApkVersion::parse("1.0-foo");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message,
            "invalid apk version \"1.0-foo\": expected the release \"-r<number>\" at offset 3");
}

}  // namespace
}  // namespace fleetpatch::version
