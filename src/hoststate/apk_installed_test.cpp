#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {
namespace {

std::string describe(const core::Package& p) {
  return p.name + " " + p.version + " " + p.arch + " " + p.source_name + " " + p.source_version;
}

std::vector<std::string> describe_all(const std::vector<core::Package>& packages) {
  std::vector<std::string> out;
  out.reserve(packages.size());
  for (const auto& p : packages) out.push_back(describe(p));
  return out;
}

struct Case {
  std::string name;
  std::string input;
  std::vector<std::string> packages;
  std::vector<std::size_t> diagnostic_lines;
};

// Names the case in failure messages instead of dumping its bytes.
// NOLINTNEXTLINE(readability-identifier-naming): gtest finds PrintTo by this exact name
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ApkInstalledCase : public testing::TestWithParam<Case> {};

TEST_P(ApkInstalledCase, Parses) {
  const Case& c = GetParam();
  core::Diagnostics diagnostics;
  const auto packages = parse_apk_installed(c.input, "installed", diagnostics);
  EXPECT_EQ(describe_all(packages), c.packages);
  std::vector<std::size_t> lines;
  for (const auto& d : diagnostics.items()) {
    lines.push_back(d.line);
    EXPECT_EQ(d.source, "installed");
  }
  EXPECT_EQ(lines, c.diagnostic_lines);
}

std::vector<Case> cases() {
  return {
      {"empty", "", {}, {}},
      {"one package with origin",
       "C:Q1abc=\nP:libcrypto3\nV:3.1.4-r5\nA:x86_64\nS:1\no:openssl\nm:Someone <a@b>\n\n",
       {"libcrypto3 3.1.4-r5 x86_64 openssl 3.1.4-r5"},
       {}},
      {"no origin: the package is its own source",
       "P:musl\nV:1.2.4-r2\nA:aarch64\n",
       {"musl 1.2.4-r2 aarch64 musl 1.2.4-r2"},
       {}},
      {"several packages, extra blank lines, CRLF, no trailing blank line",
       "\n\nP:a\r\nV:1.0-r0\r\nA:x86\r\n\r\n\r\nP:b\r\nV:2.0_rc1-r3\r\no:b-src\r\n",
       {"a 1.0-r0 x86 a 1.0-r0", "b 2.0_rc1-r3  b-src 2.0_rc1-r3"},
       {}},
      {"file lists and other fields are ignored",
       "P:busybox\nV:1.36.1-r15\nA:x86_64\nF:bin\nR:busybox\na:0:0:755\nZ:Q1abc=\nr:alpine-base\n"
       "D:so:libc.musl-x86_64.so.1\np:cmd:busybox=1.36.1-r15\n",
       {"busybox 1.36.1-r15 x86_64 busybox 1.36.1-r15"},
       {}},
      {"package without version is reported and skipped",
       "P:good\nV:1-r0\n\nP:noversion\nA:x86_64\n\nP:also-good\nV:2-r0\n",
       {"good 1-r0  good 1-r0", "also-good 2-r0  also-good 2-r0"},
       {4}},
      {"record without a name", "V:1-r0\nA:x86_64\n\nP:ok\nV:1-r0\n", {"ok 1-r0  ok 1-r0"}, {1}},
      {"malformed line is reported and the rest is read",
       "P:a\nnot a field\nV:1-r0\n\nP:b\nV:2-r0\n",
       {"a 1-r0  a 1-r0", "b 2-r0  b 2-r0"},
       {2}},
      {"missing blank line between packages keeps both",
       "P:a\nV:1-r0\nP:b\nV:2-r0\n",
       {"a 1-r0  a 1-r0", "b 2-r0  b 2-r0"},
       {3}},
  };
}

INSTANTIATE_TEST_SUITE_P(HandWritten, ApkInstalledCase, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) {
                           std::string name;
                           for (char c : info.param.name) {
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(ApkInstalledTrivyFixture, MatchesTrivysExpectedPackages) {
  const std::string dir = std::string(FLEETPATCH_TEST_DATA) + "/trivy-fixtures/apk/";
  const std::string installed = read_file(dir + "apk");
  ASSERT_FALSE(installed.empty()) << "missing fixture " << dir << "apk";

  std::vector<std::string> expected;
  std::istringstream tsv(read_file(dir + "expected.tsv"));
  std::string line;
  while (std::getline(tsv, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::istringstream cols(line);
    std::string field;
    while (std::getline(cols, field, '\t')) f.push_back(field);
    ASSERT_EQ(f.size(), 6u) << line;
    expected.push_back(f[1] + " " + f[2] + " " + f[3] + " " + f[4] + " " + f[5]);
  }
  ASSERT_EQ(expected.size(), 15u);

  core::Diagnostics diagnostics;
  const auto got = describe_all(parse_apk_installed(installed, "apk", diagnostics));
  // Trivy's table is in file order; so is our output.
  EXPECT_EQ(got, expected);

  // The fixture's one broken record, "P:invalidPackageWithoutAVersion", is reported at its line.
  const auto at = installed.find("P:invalidPackageWithoutAVersion");
  ASSERT_NE(at, std::string::npos);
  const auto broken_line =
      static_cast<std::size_t>(std::count(installed.begin(), installed.begin() + at, '\n')) + 1;
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics.items()[0].line, broken_line);
  EXPECT_EQ(diagnostics.items()[0].record, "invalidPackageWithoutAVersion");
}

}  // namespace
}  // namespace fleetpatch::hoststate
