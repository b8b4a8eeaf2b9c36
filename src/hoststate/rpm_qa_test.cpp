#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {
namespace {

std::string describe(const core::Package& p) {
  return p.name + " " + p.version + " " + p.arch + " " + p.source_name + " " + p.source_version +
         " " + p.module.value_or("-");
}

std::string test_name(const std::string& text) {
  std::string name;
  for (char c : text) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

// --- rpm_version_string ----------------------------------------------------------------------

struct VersionCase {
  std::string epoch, version, release, expected;
};

// Names the case in failure messages instead of dumping its bytes.
// NOLINTNEXTLINE(readability-identifier-naming): gtest finds PrintTo by this exact name
void PrintTo(const VersionCase& c, std::ostream* os) {
  *os << c.epoch + "|" + c.version + "|" + c.release;
}

class RpmVersionString : public testing::TestWithParam<VersionCase> {};

TEST_P(RpmVersionString, Formats) {
  const auto& c = GetParam();
  EXPECT_EQ(rpm_version_string(c.epoch, c.version, c.release), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Table, RpmVersionString,
                         testing::Values(VersionCase{"0", "3.0.1", "41.el9_0", "3.0.1-41.el9_0"},
                                         VersionCase{"1", "3.0.1", "41.el9_0", "1:3.0.1-41.el9_0"},
                                         VersionCase{"", "1.0", "1", "1.0-1"},
                                         VersionCase{"(none)", "1.0", "1", "1.0-1"},
                                         VersionCase{"00", "1.0", "1", "1.0-1"},
                                         VersionCase{"10", "1.0", "1", "10:1.0-1"},
                                         VersionCase{"2", "1.0", "", "2:1.0"},
                                         VersionCase{"0", "1.0", "(none)", "1.0"}));

// --- split_source_rpm ------------------------------------------------------------------------

struct SplitCase {
  std::string input;
  bool ok;
  std::string name, version;
};

// Names the case in failure messages instead of dumping its bytes.
// NOLINTNEXTLINE(readability-identifier-naming): gtest finds PrintTo by this exact name
void PrintTo(const SplitCase& c, std::ostream* os) { *os << c.input; }

class SplitSourceRpm : public testing::TestWithParam<SplitCase> {};

TEST_P(SplitSourceRpm, Splits) {
  const auto& c = GetParam();
  std::string name = "unchanged";
  std::string version = "unchanged";
  EXPECT_EQ(split_source_rpm(c.input, name, version), c.ok) << c.input;
  if (c.ok) {
    EXPECT_EQ(name, c.name);
    EXPECT_EQ(version, c.version);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, SplitSourceRpm,
    testing::Values(
        SplitCase{"openssl-3.0.1-41.el9_0.src.rpm", true, "openssl", "3.0.1-41.el9_0"},
        SplitCase{"perl-IO-Socket-SSL-2.066-4.module_el8.6.0+2811+fe6c84b0.src.rpm", true,
                  "perl-IO-Socket-SSL", "2.066-4.module_el8.6.0+2811+fe6c84b0"},
        SplitCase{"kernel-5.14.0-70.13.1.el9_0.nosrc.rpm", true, "kernel", "5.14.0-70.13.1.el9_0"},
        SplitCase{"python3.11-3.11.2-2.el9.src.rpm", true, "python3.11", "3.11.2-2.el9"},
        SplitCase{"a-1-2.src.rpm", true, "a", "1-2"}, SplitCase{"", false, "", ""},
        SplitCase{"(none)", false, "", ""}, SplitCase{"openssl.src.rpm", false, "", ""},
        SplitCase{"openssl-3.0.1.src.rpm", false, "", ""}, SplitCase{"-1-2.src.rpm", false, "", ""},
        SplitCase{"foo--2.src.rpm", false, "", ""}, SplitCase{"foo-1-.src.rpm", false, "", ""},
        SplitCase{"foo-1-2.src", false, "", ""}, SplitCase{"foo-1-2.rpm", false, "", ""},
        SplitCase{"foo 1-2.src.rpm", false, "", ""}, SplitCase{".rpm", false, "", ""}));

// --- parse_rpm_qa ----------------------------------------------------------------------------

struct Case {
  std::string name;
  std::string input;
  std::vector<std::string> packages;
  std::vector<std::size_t> diagnostic_lines;
};

// Names the case in failure messages instead of dumping its bytes.
// NOLINTNEXTLINE(readability-identifier-naming): gtest finds PrintTo by this exact name
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class RpmQaCase : public testing::TestWithParam<Case> {};

TEST_P(RpmQaCase, Parses) {
  const Case& c = GetParam();
  core::Diagnostics diagnostics;
  std::vector<std::string> got;
  for (const auto& p : parse_rpm_qa(c.input, "rpm-qa", diagnostics)) got.push_back(describe(p));
  EXPECT_EQ(got, c.packages);
  std::vector<std::size_t> lines;
  for (const auto& d : diagnostics.items()) {
    lines.push_back(d.line);
    EXPECT_EQ(d.source, "rpm-qa");
  }
  EXPECT_EQ(lines, c.diagnostic_lines);
}

std::vector<Case> cases() {
  return {
      {"empty", "", {}, {}},
      {"epoch shown only when not zero; source gets the binary's epoch",
       "openssl-libs\t1\t3.0.1\t41.el9_0\tx86_64\topenssl-3.0.1-41.el9_0.src.rpm\t(none)\n"
       "bash\t0\t5.1.8\t4.el9\tx86_64\tbash-5.1.8-4.el9.src.rpm\t(none)\n",
       {"openssl-libs 1:3.0.1-41.el9_0 x86_64 openssl 1:3.0.1-41.el9_0 -",
        "bash 5.1.8-4.el9 x86_64 bash 5.1.8-4.el9 -"},
       {}},
      {"gpg-pubkey: (none) arch and source",
       "gpg-pubkey\t0\tced7258b\t6525146f\t(none)\t(none)\t(none)\n",
       {"gpg-pubkey ced7258b-6525146f  gpg-pubkey ced7258b-6525146f -"},
       {}},
      {"module stream from MODULARITYLABEL",
       "perl-IO-Socket-SSL\t0\t2.066\t4.module_el8.6.0+2811+fe6c84b0\tnoarch\t"
       "perl-IO-Socket-SSL-2.066-4.module_el8.6.0+2811+fe6c84b0.src.rpm\t"
       "perl-IO-Socket-SSL:2.066:8060020220422081814:fbe42456\n"
       "nodejs\t1\t18.14.2\t3.module_el8.7.0+3370+9c2a52b4\tx86_64\t"
       "nodejs-18.14.2-3.module_el8.7.0+3370+9c2a52b4.src.rpm\tnodejs:18\n",
       {"perl-IO-Socket-SSL 2.066-4.module_el8.6.0+2811+fe6c84b0 noarch perl-IO-Socket-SSL "
        "2.066-4.module_el8.6.0+2811+fe6c84b0 perl-IO-Socket-SSL:2.066",
        "nodejs 1:18.14.2-3.module_el8.7.0+3370+9c2a52b4 x86_64 nodejs "
        "1:18.14.2-3.module_el8.7.0+3370+9c2a52b4 nodejs:18"},
       {}},
      {"EPOCH instead of EPOCHNUM prints (none); six columns (rpm < 4.14) accepted; CRLF",
       "zlib\t(none)\t1.2.7\t21.el7_9\tx86_64\tzlib-1.2.7-21.el7_9.src.rpm\r\n"
       "\n"
       "tzdata\t\t2024a\t1.el7\tnoarch\ttzdata-2024a-1.el7.src.rpm\t(none)",
       {"zlib 1.2.7-21.el7_9 x86_64 zlib 1.2.7-21.el7_9 -",
        "tzdata 2024a-1.el7 noarch tzdata 2024a-1.el7 -"},
       {}},
      {"broken lines are reported and skipped, the rest is read",
       "too\tfew\tfields\n"                                      // 1
       "a\tx\t1.0\t1\tnoarch\ta-1.0-1.src.rpm\t(none)\n"         // 2 bad epoch
       "b\t0\t(none)\t1\tnoarch\tb-1.0-1.src.rpm\t(none)\n"      // 3 no version
       "\t0\t1.0\t1\tnoarch\tc-1.0-1.src.rpm\t(none)\n"          // 4 no name
       "d\t0\t1.0\t1\tnoarch\td-1.0-1.src.rpm\t(none)\textra\n"  // 5 too many
       "e\t0\t1:1.0\t1\tnoarch\te-1.0-1.src.rpm\t(none)\n"       // 6 ':' in VERSION
       "f\t0\t1.0\t1-2\tnoarch\tf-1.0-1.src.rpm\t(none)\n"       // 7 '-' in RELEASE
       "ok\t0\t1.0\t1\tnoarch\tok-1.0-1.src.rpm\t(none)\n",      // 8
       {"ok 1.0-1 noarch ok 1.0-1 -"},
       {1, 2, 3, 4, 5, 6, 7}},
      {"bad SOURCERPM or MODULARITYLABEL is reported; the package is kept",
       "a\t0\t1.0\t1\tnoarch\tgarbage\t(none)\n"
       "b\t0\t1.0\t1\tnoarch\tb-1.0-1.src.rpm\tnocolon\n",
       {"a 1.0-1 noarch a 1.0-1 -", "b 1.0-1 noarch b 1.0-1 -"},
       {1, 2}},
  };
}

INSTANTIATE_TEST_SUITE_P(HandWritten, RpmQaCase, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) {
                           return test_name(info.param.name);
                         });

TEST(RpmQueryFormat, HasTheSevenColumnsTheParserReads) {
  // The collector passes kRpmQueryFormat to rpm; the parser assumes its column order.
  std::string format(kRpmQueryFormat);
  std::size_t tabs = 0;
  for (std::size_t at = format.find("\\t"); at != std::string::npos;
       at = format.find("\\t", at + 1)) {
    ++tabs;
  }
  EXPECT_EQ(tabs, 6u);
  EXPECT_LT(format.find("%{NAME}"), format.find("%{EPOCHNUM}"));
  EXPECT_LT(format.find("%{EPOCHNUM}"), format.find("%{VERSION}"));
  EXPECT_LT(format.find("%{VERSION}"), format.find("%{RELEASE}"));
  EXPECT_LT(format.find("%{RELEASE}"), format.find("%{ARCH}"));
  EXPECT_LT(format.find("%{ARCH}"), format.find("%{SOURCERPM}"));
  EXPECT_LT(format.find("%{SOURCERPM}"), format.find("%{MODULARITYLABEL}"));
  EXPECT_TRUE(format.ends_with("\\n"));
}

}  // namespace
}  // namespace fleetpatch::hoststate
