#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {
namespace {

// One package as "name version arch source_name source_version", so that a failing
// comparison prints readably.
std::string describe(const core::Package& p) {
  return p.name + " " + p.version + " " + p.arch + " " + p.source_name + " " + p.source_version;
}

std::vector<std::string> describe_all(const std::vector<core::Package>& packages) {
  std::vector<std::string> out;
  out.reserve(packages.size());
  for (const auto& p : packages) out.push_back(describe(p));
  return out;
}

std::vector<std::size_t> diagnostic_lines(const core::Diagnostics& diagnostics) {
  std::vector<std::size_t> lines;
  for (const auto& d : diagnostics.items()) lines.push_back(d.line);
  return lines;
}

struct Case {
  std::string name;
  std::string input;
  std::vector<std::string> packages;          // describe() of each, in input order
  std::vector<std::size_t> diagnostic_lines;  // 1-based
};

// Names the case in failure messages instead of dumping its bytes.
// NOLINTNEXTLINE(readability-identifier-naming): gtest finds PrintTo by this exact name
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class DpkgStatusCase : public testing::TestWithParam<Case> {};

TEST_P(DpkgStatusCase, Parses) {
  const Case& c = GetParam();
  core::Diagnostics diagnostics;
  const auto packages = parse_dpkg_status(c.input, "status", diagnostics);
  EXPECT_EQ(describe_all(packages), c.packages);
  EXPECT_EQ(diagnostic_lines(diagnostics), c.diagnostic_lines);
  for (const auto& d : diagnostics.items()) {
    EXPECT_EQ(d.source, "status");
    EXPECT_FALSE(d.message.empty());
  }
}

std::vector<Case> cases() {
  return {
      {"empty input", "", {}, {}},
      {"only blank lines", "\n\n  \n\t\n", {}, {}},
      {"no source: the binary is its own source",
       "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n",
       {"bash 5.2.15-2+b2 amd64 bash 5.2.15-2+b2"},
       {}},
      {"source without version takes the binary's version, epoch included",
       "Package: login\nStatus: install ok installed\nSource: shadow\nVersion: 1:4.13+dfsg1-1\n"
       "Architecture: amd64\n",
       {"login 1:4.13+dfsg1-1 amd64 shadow 1:4.13+dfsg1-1"},
       {}},
      {"source with its own version (binNMU)",
       "Package: liblzma5\nStatus: install ok installed\nArchitecture: amd64\n"
       "Source: xz-utils (5.1.1alpha+20120614-2)\nVersion: 5.1.1alpha+20120614-2+b3\n",
       {"liblzma5 5.1.1alpha+20120614-2+b3 amd64 xz-utils 5.1.1alpha+20120614-2"},
       {}},
      {"status filter: files on disk (installed, unpacked, half-configured, triggers-*)",
       "Package: a\nStatus: install ok installed\nVersion: 1\n\n"
       "Package: b\nStatus: deinstall ok config-files\nVersion: 1\n\n"
       "Package: c\nStatus: hold ok installed\nVersion: 1\n\n"
       "Package: d\nStatus: install ok unpacked\nVersion: 1\n\n"
       "Package: e\nStatus: deinstall ok installed\nVersion: 1\n\n"
       "Package: f\nStatus: install reinstreq half-installed\nVersion: 1\n\n"
       "Package: g\nStatus: purge ok not-installed\n\n"
       "Package: h\nStatus: install ok half-configured\nVersion: 1\n\n"
       "Package: i\nStatus: install ok triggers-pending\nVersion: 1\n\n"
       "Package: j\nStatus: install ok triggers-awaited\nVersion: 1\n",
       {"a 1  a 1", "c 1  c 1", "d 1  d 1", "e 1  e 1", "h 1  h 1", "i 1  i 1", "j 1  j 1"},
       {}},
      {"continuation lines are not fields",
       "Package: apt\nStatus: install ok installed\nConffiles:\n /etc/apt/x 0123\n"
       "Description: commandline package manager\n This package provides\n .\n"
       " Version: 9.9\n\tSource: evil\nVersion: 2.6.1\nArchitecture: amd64\n",
       {"apt 2.6.1 amd64 apt 2.6.1"},
       {}},
      {"multiarch: the same package for two architectures stays two packages",
       "Package: libc6\nStatus: install ok installed\nMulti-Arch: same\nArchitecture: amd64\n"
       "Source: glibc\nVersion: 2.36-9+deb12u4\n\n"
       "Package: libc6\nStatus: install ok installed\nMulti-Arch: same\nArchitecture: i386\n"
       "Source: glibc\nVersion: 2.36-9+deb12u4\n",
       {"libc6 2.36-9+deb12u4 amd64 glibc 2.36-9+deb12u4",
        "libc6 2.36-9+deb12u4 i386 glibc 2.36-9+deb12u4"},
       {}},
      {"CRLF line endings, no final newline, field names in any case",
       "package: a\r\nSTATUS: install ok installed\r\nversion: 1.0-1\r\nsource: b (1.0-0)\r\n"
       "architecture: all\r\n\r\nPackage: c\r\nStatus: install ok installed\r\nVersion: 2",
       {"a 1.0-1 all b 1.0-0", "c 2  c 2"},
       {}},
      {"whitespace-only lines separate paragraphs; extra spaces are trimmed",
       "Package:   a  \nStatus:  install   ok   installed \nVersion:  1.0 \n   \n"
       "Package: b\nStatus: install ok installed\nVersion: 2.0\n",
       {"a 1.0  a 1.0", "b 2.0  b 2.0"},
       {}},
      {"malformed line is reported and the rest is read",
       "Package: a\nStatus: install ok installed\nthis is not a field\nVersion: 1\n\n"
       "Package: b\nStatus: install ok installed\nVersion: 2\n",
       {"a 1  a 1", "b 2  b 2"},
       {3}},
      {"paragraph problems name the line",
       "Status: install ok installed\nVersion: 1\n\n"           // 1: no Package
       "Package: nostatus\nVersion: 1\n\n"                      // 4: no Status
       "Package: noversion\nStatus: install ok installed\n\n"   // 7: no Version
       "Package: badstatus\nStatus: installed\nVersion: 1\n\n"  // 11: malformed Status
       "Package: ok\nStatus: install ok installed\nVersion: 3\n",
       {"ok 3  ok 3"},
       {1, 4, 7, 11}},
      {"malformed Source keeps the name, falls back to the binary's version",
       "Package: a\nStatus: install ok installed\nVersion: 1.0\nSource: b (2.0\n",
       {"a 1.0  b 1.0"},
       {1}},
      {"continuation line with nothing to continue",
       " orphan continuation\nPackage: a\nStatus: install ok installed\nVersion: 1\n",
       {"a 1  a 1"},
       {1}},
      {"Version with embedded whitespace is rejected",
       "Package: a\nStatus: install ok installed\nVersion: 1.0 beta\n",
       {},
       {1}},
  };
}

INSTANTIATE_TEST_SUITE_P(HandWritten, DpkgStatusCase, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) {
                           std::string name;
                           for (char c : info.param.name) {
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });

// --- Trivy's fixtures ------------------------------------------------------------------------

std::string fixture_path(std::string_view file) {
  return std::string(FLEETPATCH_TEST_DATA "/trivy-fixtures/dpkg/").append(file);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The body of one "-- NAME --" section of a Go txtar archive.
std::string txtar_section(const std::string& archive, const std::string& name) {
  const std::string marker = "-- " + name + " --\n";
  const auto start = archive.find(marker);
  if (start == std::string::npos) return {};
  const auto body = start + marker.size();
  const auto next = archive.find("\n-- ", body - 1);
  return archive.substr(body, next == std::string::npos ? std::string::npos : next + 1 - body);
}

// Rows of expected.tsv for one fixture, as describe() strings, sorted.
std::vector<std::string> expected_packages(const std::string& fixture) {
  std::istringstream tsv(read_file(fixture_path("expected.tsv")));
  std::vector<std::string> rows;
  std::string line;
  while (std::getline(tsv, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::istringstream cols(line);
    std::string field;
    while (std::getline(cols, field, '\t')) fields.push_back(field);
    if (fields.size() != 6 || fields[0] != fixture) continue;
    rows.push_back(fields[1] + " " + fields[2] + " " + fields[3] + " " + fields[4] + " " +
                   fields[5]);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

struct Fixture {
  std::string file;
  std::size_t diagnostics;  // counted by reading the fixture
};

// Names the case in failure messages instead of dumping its bytes.
// NOLINTNEXTLINE(readability-identifier-naming): gtest finds PrintTo by this exact name
void PrintTo(const Fixture& c, std::ostream* os) { *os << c.file; }

class TrivyDpkgFixture : public testing::TestWithParam<Fixture> {};

TEST_P(TrivyDpkgFixture, MatchesTrivysExpectedPackages) {
  const Fixture& f = GetParam();
  const std::string archive = read_file(fixture_path(f.file));
  ASSERT_FALSE(archive.empty()) << "missing fixture " << fixture_path(f.file);
  const std::string status = txtar_section(archive, "var/lib/dpkg/status");
  ASSERT_FALSE(status.empty());
  const auto expected = expected_packages(f.file);
  ASSERT_FALSE(expected.empty()) << "no rows for " << f.file << " in expected.tsv";

  core::Diagnostics diagnostics;
  auto got = describe_all(parse_dpkg_status(status, f.file, diagnostics));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, expected);
  EXPECT_EQ(diagnostics.size(), f.diagnostics);
  for (const auto& d : diagnostics.items()) {
    EXPECT_EQ(d.source, f.file);
    EXPECT_GT(d.line, 0u) << d.to_string();
  }
}

// corrupsed.txtar has two paragraphs without a Status field ("brokenPackage..." and
// "invalidpkg"): reported, not returned.
INSTANTIATE_TEST_SUITE_P(Trivy, TrivyDpkgFixture,
                         testing::Values(Fixture{"valid.txtar", 0}, Fixture{"corrupsed.txtar", 2},
                                         Fixture{"only-apt.txtar", 0}, Fixture{"digest.txtar", 0}),
                         [](const testing::TestParamInfo<Fixture>& info) {
                           std::string name;
                           for (char c : info.param.file) {
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace fleetpatch::hoststate
