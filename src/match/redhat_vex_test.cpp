// Red Hat CSAF-VEX documents name source RPMs (distro::Rhel::entry_names_source): the matcher
// must judge the installed binaries of that source by them. Read through the real feed reader
// from the samples in tests/data/feeds/csaf/redhat-vex/ (vuls-data-update's fixtures, Apache-2.0;
// tests/data/feeds/README.md), whose statements are summarised per case below (read by hand from
// the documents, and checked by src/feed/csaf/csaf_test.cpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "feed/feed.hpp"
#include "index/index.hpp"
#include "match/matcher.hpp"

namespace fleetpatch::match {
namespace {

index::Index vex_index() {
  core::Diagnostics diags;
  auto batch =
      feed::read_paths({std::string(FLEETPATCH_TEST_DATA) + "/feeds/csaf/redhat-vex"}, diags);
  EXPECT_TRUE(batch.ok());
  EXPECT_TRUE(diags.empty());
  index::IndexBuilder builder;
  if (batch.ok()) {
    for (auto& a : batch->advisories) builder.add(std::move(a));
  }
  auto index = index::Index::from_bytes(builder.serialize());
  EXPECT_TRUE(index.ok());
  return std::move(index).value();
}

core::Package rpm(std::string name, std::string version, std::string source) {
  core::Package p;
  p.name = std::move(name);
  p.version = version;
  p.arch = "x86_64";
  p.source_name = std::move(source);
  p.source_version = std::move(version);
  return p;
}

/// "package advisory state [fixed]" per finding.
std::vector<std::string> lines(const core::HostFindings& host) {
  std::vector<std::string> out;
  for (const auto& f : host.findings) {
    std::string line = f.package;
    for (const auto& a : f.advisories) line += " " + a;
    line += " " + std::string(core::to_string(f.state));
    if (!f.fixed_version.empty()) line += " " + f.fixed_version;
    out.push_back(line);
  }
  return out;
}

TEST(RedHatVex, BinariesAreJudgedByTheirSourceRpm) {
  const index::Index index = vex_index();
  struct Case {
    const char* name;
    const char* os_id;
    const char* version_id;
    core::Package package;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      // CVE-2023-6238: "kernel.src" and "kernel-rt.src" known affected, "Will not fix", on
      // rhel-9.4.0: every binary of those sources is affected, none of them named "kernel"...
      {"will-not-fix SRPM reaches kernel-core",
       "rhel",
       "9.4",
       rpm("kernel-core", "5.14.0-427.13.1.el9_4", "kernel"),
       {"kernel-core REDHAT-CVE-2023-6238 will-not-fix"}},
      {"and kernel-rt-modules",
       "rhel",
       "9.4",
       rpm("kernel-rt-modules", "5.14.0-427.13.1.el9_4", "kernel-rt"),
       {"kernel-rt-modules REDHAT-CVE-2023-6238 will-not-fix"}},
      // ... while rhel-8.10.z states "kernel.src" known not affected: suppressed.
      {"not-affected SRPM suppresses",
       "rhel",
       "8.10",
       rpm("kernel-core", "4.18.0-553.el8_10", "kernel"),
       {}},
      // CVE-2023-6228: compat-libtiff3.src "Will not fix" on RHEL 7 ELS.
      {"will-not-fix on RHEL 7",
       "rhel",
       "7.9",
       rpm("compat-libtiff3", "3.9.4-12.el7", "compat-libtiff3"),
       {"compat-libtiff3 REDHAT-CVE-2023-6228 will-not-fix"}},
      // CVE-2023-6228 fixed on rhel-8.10.z as the SRPM NVR "libtiff-0:4.0.9-32.el8_10": the
      // -devel binary of an older build has the fix to install, a current one nothing.
      {"fixed SRPM reaches libtiff-devel",
       "rhel",
       "8.10",
       rpm("libtiff-devel", "4.0.9-31.el8", "libtiff"),
       {"libtiff-devel REDHAT-CVE-2023-6228 fixed 4.0.9-32.el8_10"}},
      {"a fixed build is clean",
       "rhel",
       "8.10",
       rpm("libtiff-devel", "4.0.9-32.el8_10", "libtiff"),
       {}},
      // CVE-2024-6923: "python3.12.src" known affected, none_available "Affected", on rhel-10.0.
      {"unfixed SRPM reaches python3.12-libs",
       "rhel",
       "10.0",
       rpm("python3.12-libs", "3.12.5-2.el10", "python3.12"),
       {"python3.12-libs REDHAT-CVE-2024-6923 unfixed"}},
      // RHEL 9's python3-libs is built from python3.9, fixed as "python3.9-0:3.9.18-3.el9_4.5".
      {"fixed SRPM of another name",
       "rhel",
       "9.4",
       rpm("python3-libs", "3.9.18-1.el9_4", "python3.9"),
       {"python3-libs REDHAT-CVE-2024-6923 fixed 3.9.18-3.el9_4.5"}},
      // Without the source name recorded, only the binary name can match.
      {"no source name, no match",
       "rhel",
       "9.4",
       rpm("kernel-core", "5.14.0-427.13.1.el9_4", ""),
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    core::HostReport host;
    host.host.id = "h";
    host.os.id = c.os_id;
    host.os.version_id = c.version_id;
    host.packages = {c.package};
    const core::HostFindings got = Matcher(index).match_host(host);
    EXPECT_EQ(lines(got), c.want);
  }
}

// --ignore-unfixed drops the source-named unfixed and will-not-fix findings like any other.
TEST(RedHatVex, IgnoreUnfixedDropsThem) {
  const index::Index index = vex_index();
  core::HostReport host;
  host.os.id = "rhel";
  host.os.version_id = "9.4";
  host.packages = {rpm("kernel-core", "5.14.0-427.13.1.el9_4", "kernel"),
                   rpm("python3-libs", "3.9.18-1.el9_4", "python3.9")};
  EXPECT_EQ(lines(Matcher(index).match_host(host)),
            (std::vector<std::string>{"kernel-core REDHAT-CVE-2023-6238 will-not-fix",
                                      "python3-libs REDHAT-CVE-2024-6923 fixed 3.9.18-3.el9_4.5"}));
  EXPECT_EQ(lines(Matcher(index, {.ignore_unfixed = true}).match_host(host)),
            (std::vector<std::string>{"python3-libs REDHAT-CVE-2024-6923 fixed 3.9.18-3.el9_4.5"}));
}

}  // namespace
}  // namespace fleetpatch::match
