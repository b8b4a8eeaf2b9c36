#include "match/matcher.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace fleetpatch::match {
namespace {

using core::AdvisoryKind;
using core::FindingState;
using core::FixState;
using core::Severity;
using Ev = core::VersionEvent::Type;

// ---- fixtures --------------------------------------------------------------------------------

core::AffectedPackage entry(std::string release, std::string name,
                            std::vector<core::VersionEvent> events, std::string module = "",
                            FixState state = FixState::kFixed) {
  core::AffectedPackage p;
  p.release = std::move(release);
  p.name = std::move(name);
  p.module = std::move(module);
  p.state = state;
  p.events = std::move(events);
  return p;
}

std::vector<core::VersionEvent> fixed_in(std::string version) {
  return {{Ev::kIntroduced, "0"}, {Ev::kFixed, std::move(version)}};
}

core::Advisory advisory(std::string id, std::vector<std::string> cves,
                        std::vector<core::AffectedPackage> affected,
                        Severity severity = Severity::kMedium,
                        AdvisoryKind kind = AdvisoryKind::kSecurity,
                        std::string published = "2022-06-16T00:00:00Z") {
  core::Advisory a;
  a.id = std::move(id);
  a.cves = std::move(cves);
  a.kind = kind;
  a.severity = severity;
  a.vendor_severity = std::string(core::to_string(severity));
  a.published = std::move(published);
  a.affected = std::move(affected);
  return a;
}

index::Index build(std::vector<core::Advisory> advisories, std::vector<core::KevEntry> kev = {}) {
  index::IndexBuilder builder;
  for (auto& a : advisories) builder.add(std::move(a));
  for (auto& k : kev) builder.add_kev(std::move(k));
  auto index = index::Index::from_bytes(builder.serialize());
  EXPECT_TRUE(index.ok());
  return std::move(index).value();
}

core::Package pkg(std::string name, std::string version, std::string source_name = "",
                  std::string source_version = "", std::optional<std::string> module = {}) {
  core::Package p;
  p.name = std::move(name);
  p.version = std::move(version);
  p.arch = "x86_64";
  p.source_name = std::move(source_name);
  p.source_version = std::move(source_version);
  p.module = std::move(module);
  return p;
}

core::HostReport host(std::string id, std::string os_id, std::string version_id,
                      std::vector<core::Package> packages) {
  core::HostReport r;
  r.host.id = id;
  r.host.hostname = std::move(id);
  r.os.id = std::move(os_id);
  r.os.version_id = std::move(version_id);
  r.packages = std::move(packages);
  return r;
}

core::HostReport alma9(std::vector<core::Package> packages) {
  return host("alma9", "almalinux", "9.2", std::move(packages));
}

/// "package advisory state fixed" per finding, for compact table comparisons.
std::vector<std::string> summary(const core::HostFindings& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings.findings) {
    std::string line = f.package + " " + f.installed_version + " ";
    for (std::size_t i = 0; i < f.advisories.size(); ++i) {
      line += (i ? "," : "") + f.advisories[i];
    }
    line += " " + std::string(core::to_string(f.state));
    if (!f.fixed_version.empty()) line += " " + f.fixed_version;
    out.push_back(line);
  }
  return out;
}

using Lines = std::vector<std::string>;

// ---- rule tables -----------------------------------------------------------------------------

struct Case {
  const char* name;
  std::vector<core::Advisory> advisories;
  core::HostReport host;
  Lines want;
  MatchOptions options = {};
};

TEST(Matcher, RuleTable) {
  std::vector<Case> cases;
  cases.push_back({"rpm matches binary name and reports the fix",
                   {advisory("ALSA-2022:5003", {"CVE-2022-1292"},
                             {entry("almalinux:9", "openssl-libs", fixed_in("1:3.0.1-43.el9_0"))})},
                   alma9({pkg("openssl-libs", "1:3.0.1-41.el9_0", "openssl", "1:3.0.1-41.el9_0")}),
                   {"openssl-libs 1:3.0.1-41.el9_0 ALSA-2022:5003 fixed 1:3.0.1-43.el9_0"}});
  cases.push_back({"rpm does not match by source name",
                   {advisory("ALSA-2022:5003", {"CVE-2022-1292"},
                             {entry("almalinux:9", "openssl", fixed_in("1:3.0.1-43.el9_0"))})},
                   alma9({pkg("openssl-libs", "1:3.0.1-41.el9_0", "openssl", "1:3.0.1-41.el9_0")}),
                   {}});
  cases.push_back(
      {"installed at the fixed version is not affected",
       {advisory("ALSA-1", {}, {entry("almalinux:9", "bash", fixed_in("5.1.8-6.el9"))})},
       alma9({pkg("bash", "5.1.8-6.el9")}),
       {}});
  cases.push_back({"epoch outranks version: 1:1.0 is newer than a fix at 2.0 (no epoch)",
                   {advisory("ALSA-1", {}, {entry("almalinux:9", "tar", fixed_in("2.0-1.el9"))})},
                   alma9({pkg("tar", "2:1.34-6.el9")}),
                   {}});
  cases.push_back(
      {"epoch in the fix: 1.34 without epoch is older than 2:1.30",
       {advisory("ALSA-1", {}, {entry("almalinux:9", "tar", fixed_in("2:1.30-1.el9"))})},
       alma9({pkg("tar", "1.34-6.el9")}),
       {"tar 1.34-6.el9 ALSA-1 fixed 2:1.30-1.el9"}});
  cases.push_back({"bug-fix and enhancement advisories make no findings",
                   {advisory("ALBA-1", {}, {entry("almalinux:9", "bash", fixed_in("9.0-1.el9"))},
                             Severity::kUnknown, AdvisoryKind::kBugfix),
                    advisory("ALEA-1", {}, {entry("almalinux:9", "bash", fixed_in("9.0-1.el9"))},
                             Severity::kUnknown, AdvisoryKind::kEnhancement)},
                   alma9({pkg("bash", "5.1.8-6.el9")}),
                   {}});
  cases.push_back({"advisories of another release never apply",
                   {advisory("ALSA-8", {}, {entry("almalinux:8", "bash", fixed_in("9.0-1.el8"))}),
                    advisory("ALSA-9", {}, {entry("almalinux:9", "zsh", fixed_in("9.0-1.el9"))})},
                   alma9({pkg("bash", "5.1.8-6.el9")}),
                   {}});
  cases.push_back(
      {"module stream must match; non-module entry skips module packages",
       {advisory("ALSA-18", {},
                 {entry("almalinux:9", "nodejs", fixed_in("1:18.2-1.module"), "nodejs:18")}),
        advisory("ALSA-20", {},
                 {entry("almalinux:9", "nodejs", fixed_in("1:20.2-1.module"), "nodejs:20")}),
        advisory("ALSA-plain", {}, {entry("almalinux:9", "nodejs", fixed_in("1:30-1.el9"))})},
       alma9({pkg("nodejs", "1:18.1-1.module", "nodejs", "1:18.1-1.module", "nodejs:18:9020:abc")}),
       {"nodejs 1:18.1-1.module ALSA-18 fixed 1:18.2-1.module"}});
  cases.push_back(
      {"non-module package ignores module entries",
       {advisory("ALSA-18", {},
                 {entry("almalinux:9", "nodejs", fixed_in("1:18.2-1.module"), "nodejs:18")}),
        advisory("ALSA-plain", {}, {entry("almalinux:9", "nodejs", fixed_in("1:30-1.el9"))})},
       alma9({pkg("nodejs", "1:16.1-1.el9")}),
       {"nodejs 1:16.1-1.el9 ALSA-plain fixed 1:30-1.el9"}});
  cases.push_back(
      {"module name without stream applies to every stream",
       {advisory("ALSA-ct", {},
                 {entry("almalinux:9", "podman", fixed_in("4.0-1.module"), "container-tools")})},
       alma9({pkg("podman", "3.0-1.module", "", "", "container-tools:rhel8")}),
       {"podman 3.0-1.module ALSA-ct fixed 4.0-1.module"}});
  cases.push_back(
      {"introduced later than installed: not affected",
       {advisory("ALSA-1", {},
                 {entry("almalinux:9", "curl",
                        {{Ev::kIntroduced, "7.80-1.el9"}, {Ev::kFixed, "7.85-1.el9"}})})},
       alma9({pkg("curl", "7.76-1.el9")}),
       {}});
  cases.push_back({"second interval applies",
                   {advisory("ALSA-1", {},
                             {entry("almalinux:9", "curl",
                                    {{Ev::kIntroduced, "0"},
                                     {Ev::kFixed, "7.70-1.el9"},
                                     {Ev::kIntroduced, "7.80-1.el9"},
                                     {Ev::kFixed, "7.85-1.el9"}})})},
                   alma9({pkg("curl", "7.82-1.el9")}),
                   {"curl 7.82-1.el9 ALSA-1 fixed 7.85-1.el9"}});
  cases.push_back({"last_affected: at it affected with no fix, after it not",
                   {advisory("ALSA-1", {},
                             {entry("almalinux:9", "curl",
                                    {{Ev::kIntroduced, "0"}, {Ev::kLastAffected, "7.80-1.el9"}})}),
                    advisory("ALSA-2", {},
                             {entry("almalinux:9", "wget",
                                    {{Ev::kIntroduced, "0"}, {Ev::kLastAffected, "1.20-1.el9"}})})},
                   alma9({pkg("curl", "7.80-1.el9"), pkg("wget", "1.21-1.el9")}),
                   {"curl 7.80-1.el9 ALSA-1 unfixed"}});
  cases.push_back(
      {"vendor states unfixed and will-not-fix; not-affected suppresses",
       {advisory("CVE-A", {"CVE-A"}, {entry("almalinux:9", "a", {}, "", FixState::kUnfixed)}),
        advisory("CVE-B", {"CVE-B"}, {entry("almalinux:9", "b", {}, "", FixState::kWillNotFix)}),
        advisory("CVE-C", {"CVE-C"},
                 {entry("almalinux:9", "c", {}, "", FixState::kNotAffected),
                  entry("almalinux:9", "c", fixed_in("2-1"))})},
       alma9({pkg("a", "1-1"), pkg("b", "1-1"), pkg("c", "1-1")}),
       {"a 1-1 CVE-A unfixed", "b 1-1 CVE-B will-not-fix"}});
  cases.push_back(
      {"ignore-unfixed drops findings without a fix",
       {advisory("CVE-A", {"CVE-A"}, {entry("almalinux:9", "a", {}, "", FixState::kUnfixed)}),
        advisory("CVE-B", {"CVE-B"}, {entry("almalinux:9", "b", {}, "", FixState::kWillNotFix)}),
        advisory("ALSA-C", {"CVE-C"}, {entry("almalinux:9", "c", fixed_in("2-1"))})},
       alma9({pkg("a", "1-1"), pkg("b", "1-1"), pkg("c", "1-1")}),
       {"c 1-1 ALSA-C fixed 2-1"},
       MatchOptions{.ignore_unfixed = true}});
  cases.push_back({"severity filter works per advisory before merging",
                   {advisory("DSA-1", {"CVE-1"},
                             {entry("debian:12", "openssl", fixed_in("3.0.9-1"))}, Severity::kHigh),
                    advisory("DEBIAN-CVE-2", {"CVE-2"},
                             {entry("debian:12", "openssl", fixed_in("3.0.9-1"))}, Severity::kLow)},
                   host("deb", "debian", "12", {pkg("libssl3", "3.0.8-1", "openssl", "3.0.8-1")}),
                   {"libssl3 3.0.8-1 DEBIAN-CVE-2 fixed 3.0.9-1"},
                   MatchOptions{.severities = {Severity::kLow}}});
  cases.push_back({"debian matches the source name at the source version",
                   {advisory("DSA-5343-1", {"CVE-2023-0286"},
                             {entry("debian:12", "openssl", fixed_in("3.0.8-1"))}),
                    advisory("DSA-9999-1", {}, {entry("debian:12", "libssl3", fixed_in("9.0-1"))})},
                   host("deb", "debian", "12",
                        {pkg("libssl3", "3.0.7-1+b1", "openssl", "3.0.7-1"),
                         pkg("openssl", "3.0.8-1", "openssl", "3.0.8-1")}),
                   {"libssl3 3.0.7-1+b1 DSA-5343-1 fixed 3.0.8-1"}});
  cases.push_back({"debian binary with no recorded source is its own source",
                   {advisory("DSA-1", {}, {entry("debian:12", "bash", fixed_in("5.2-2"))})},
                   host("deb", "debian", "12", {pkg("bash", "5.2-1")}),
                   {"bash 5.2-1 DSA-1 fixed 5.2-2"}});
  cases.push_back(
      {"alpine matches origin with apk ordering",
       {advisory("ALPINE-CVE-1", {"CVE-1"},
                 {entry("alpine:3.19", "openssl", fixed_in("3.1.4-r1"))})},
       host("alp", "alpine", "3.19.1", {pkg("libcrypto3", "3.1.4-r0", "openssl", "3.1.4-r0")}),
       {"libcrypto3 3.1.4-r0 ALPINE-CVE-1 fixed 3.1.4-r1"}});
  cases.push_back({"dpkg tilde ordering: 1.0~rc1 is before 1.0",
                   {advisory("DSA-1", {}, {entry("debian:12", "foo", fixed_in("1.0"))})},
                   host("deb", "debian", "12", {pkg("foo", "1.0~rc1")}),
                   {"foo 1.0~rc1 DSA-1 fixed 1.0"}});
  cases.push_back(
      {"advisories fixed by one upgrade merge; others stay apart",
       {advisory("DSA-1", {"CVE-1", "CVE-2"}, {entry("debian:12", "openssl", fixed_in("3.0.9-1"))}),
        advisory("DEBIAN-CVE-3", {"CVE-3"}, {entry("debian:12", "openssl", fixed_in("3.0.9-1"))}),
        advisory("DSA-2", {"CVE-4"}, {entry("debian:12", "openssl", fixed_in("3.0.11-1"))})},
       host("deb", "debian", "12", {pkg("openssl", "3.0.8-1")}),
       {"openssl 3.0.8-1 DEBIAN-CVE-3,DSA-1 fixed 3.0.9-1",
        "openssl 3.0.8-1 DSA-2 fixed 3.0.11-1"}});
  cases.push_back(
      {"findings sorted by package then advisory; arch duplicates once",
       {advisory("ALSA-2", {},
                 {entry("almalinux:9", "glibc", fixed_in("2.34-9.el9")),
                  entry("almalinux:9", "bash", fixed_in("9-1.el9"))}),
        advisory("ALSA-1", {}, {entry("almalinux:9", "glibc", fixed_in("2.34-8.el9"))})},
       alma9({pkg("glibc", "2.34-7.el9"), pkg("glibc", "2.34-7.el9"), pkg("bash", "5-1.el9")}),
       {"bash 5-1.el9 ALSA-2 fixed 9-1.el9", "glibc 2.34-7.el9 ALSA-1 fixed 2.34-8.el9",
        "glibc 2.34-7.el9 ALSA-2 fixed 2.34-9.el9"}});
  cases.push_back(
      {"several installed versions (kernels): grouped by version, each judged alone",
       {advisory("ALSA-1", {}, {entry("almalinux:9", "kernel", fixed_in("5.14.0-100.el9"))}),
        advisory("ALSA-2", {}, {entry("almalinux:9", "kernel", fixed_in("5.14.0-300.el9"))})},
       alma9({pkg("kernel", "5.14.0-200.el9"), pkg("kernel", "5.14.0-70.el9")}),
       {"kernel 5.14.0-200.el9 ALSA-2 fixed 5.14.0-300.el9",
        "kernel 5.14.0-70.el9 ALSA-1 fixed 5.14.0-100.el9",
        "kernel 5.14.0-70.el9 ALSA-2 fixed 5.14.0-300.el9"}});
  cases.push_back({"several entries of one advisory: the highest fix wins",
                   {advisory("ALSA-1", {},
                             {entry("almalinux:9", "x", fixed_in("1.2-1.el9")),
                              entry("almalinux:9", "x", fixed_in("1.5-1.el9"))})},
                   alma9({pkg("x", "1.0-1.el9")}),
                   {"x 1.0-1.el9 ALSA-1 fixed 1.5-1.el9"}});

  for (auto& c : cases) {
    SCOPED_TRACE(c.name);
    const index::Index index = build(c.advisories);
    const core::HostReport hosts[] = {c.host};
    const auto result = match(index, hosts, c.options);
    ASSERT_EQ(result.size(), 1u);
    EXPECT_EQ(summary(result[0]), c.want);
    EXPECT_TRUE(result[0].notes.empty()) << result[0].notes.front();
  }
}

TEST(Matcher, FindingCarriesAdvisoryFacts) {
  auto a = advisory("ALSA-2022:5003", {"CVE-2022-2068", "CVE-2022-1292"},
                    {entry("almalinux:9", "openssl-libs", fixed_in("1:3.0.1-43.el9_0"))},
                    Severity::kMedium, AdvisoryKind::kSecurity, "2022-06-16T00:00:00Z");
  a.vendor_severity = "Moderate";
  a.cvss_score = 6.5;
  auto b = advisory("ALSA-2022:9999", {"CVE-2022-2068", "CVE-2022-0001"},
                    {entry("almalinux:9", "openssl-libs", fixed_in("1:3.0.1-43.el9_0"))},
                    Severity::kHigh, AdvisoryKind::kSecurity, "2022-06-20T00:00:00Z");
  b.vendor_severity = "Important";
  const index::Index index =
      build({a, b}, {{"CVE-2022-1292", "2022-09-01", "2022-09-22", false, "", ""},
                     {"CVE-2022-0001", "2022-08-01", "2022-08-22", false, "", ""}});
  auto h = alma9({pkg("openssl-libs", "1:3.0.1-41.el9_0", "openssl", "1:3.0.1-41.el9_0")});
  h.listening.push_back(
      {"tcp", "0.0.0.0", 443, 1, "/usr/sbin/nginx", "openssl-libs", core::Exposure::kNetwork});
  const core::HostReport hosts[] = {h};
  const auto result = match(index, hosts);
  ASSERT_EQ(result[0].findings.size(), 1u);
  const core::Finding& f = result[0].findings[0];
  EXPECT_EQ(result[0].release, "almalinux:9");
  EXPECT_EQ(f.package, "openssl-libs");
  EXPECT_EQ(f.source_package, "openssl");
  EXPECT_EQ(f.state, FindingState::kFixed);
  EXPECT_EQ(f.advisories, (Lines{"ALSA-2022:5003", "ALSA-2022:9999"}));
  EXPECT_EQ(f.cves, (Lines{"CVE-2022-0001", "CVE-2022-1292", "CVE-2022-2068"}));
  EXPECT_EQ(f.severity, Severity::kHigh);  // the most severe advisory leads
  EXPECT_EQ(f.vendor_severity, "Important");
  EXPECT_FALSE(f.cvss_score.has_value());
  EXPECT_EQ(f.fix_available_since, "2022-06-16T00:00:00Z");  // earliest publication
  EXPECT_EQ(f.kev_due_date, "2022-08-22");                   // earliest KEV deadline
  EXPECT_EQ(f.exposure, core::Exposure::kNetwork);
}

TEST(Matcher, NotesForUnknownOsAndMissingRelease) {
  const index::Index index =
      build({advisory("ALSA-1", {}, {entry("almalinux:9", "bash", fixed_in("9-1"))})});
  const core::HostReport hosts[] = {
      host("deb", "debian", "12", {pkg("bash", "5.2-1")}),
      host("fed", "fedora", "40", {pkg("bash", "5.2-1")}),
      alma9({pkg("bash", "5-1"), pkg("zsh", "not a version!")}),
  };
  const auto result = match(index, hosts);
  ASSERT_EQ(result.size(), 3u);
  ASSERT_EQ(result[0].notes.size(), 1u);
  EXPECT_NE(result[0].notes[0].find("no advisories imported for debian:12"), std::string::npos);
  EXPECT_EQ(result[0].release, "debian:12");
  ASSERT_EQ(result[1].notes.size(), 1u);
  EXPECT_NE(result[1].notes[0].find("unknown or unsupported operating system"), std::string::npos);
  EXPECT_EQ(result[1].release, "");
  EXPECT_EQ(result[2].findings.size(), 1u);
  EXPECT_TRUE(result[2].notes.empty());  // zsh has no advisories: its version is never parsed
}

TEST(Matcher, UnparsableVersionIsANoteNotACrash) {
  const index::Index index =
      build({advisory("ALSA-1", {}, {entry("almalinux:9", "bash", fixed_in("9-1"))}),
             advisory("ALSA-2", {}, {entry("almalinux:9", "zsh", fixed_in("bad version"))})});
  const core::HostReport hosts[] = {alma9({pkg("bash", "1 2"), pkg("zsh", "1-1")})};
  const auto result = match(index, hosts);
  ASSERT_EQ(result[0].notes.size(), 2u);
  EXPECT_NE(result[0].notes[0].find("package bash: cannot compare version"), std::string::npos);
  EXPECT_NE(result[0].notes[1].find("ALSA-2: ignored unparsable version"), std::string::npos);
  EXPECT_TRUE(result[0].findings.empty());
}

TEST(Matcher, DistinctTuplesMatchedOnceAndShared) {
  const index::Index index = build({advisory("ALSA-1", {"CVE-1"},
                                             {entry("almalinux:9", "bash", fixed_in("9-1.el9")),
                                              entry("almalinux:9", "zsh", fixed_in("9-1.el9"))})});
  std::vector<core::HostReport> hosts;
  for (int i = 0; i < 200; ++i) {
    hosts.push_back(alma9({pkg("bash", i % 2 ? "5-1.el9" : "5-2.el9"), pkg("zsh", "5-1.el9"),
                           pkg("vim", "8-1.el9")}));
    hosts.back().host.id = "h" + std::to_string(i);
  }
  Matcher matcher(index, MatchOptions{.threads = 2});
  const auto result = matcher.match_fleet(hosts);
  const MatchStats stats = matcher.stats();
  EXPECT_EQ(stats.hosts, 200u);
  EXPECT_EQ(stats.packages, 600u);
  EXPECT_EQ(stats.distinct_tuples, 4u);  // bash x2, zsh, vim
  EXPECT_EQ(stats.shared_hits, 596u);
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    ASSERT_EQ(result[i].findings.size(), 2u);
    EXPECT_EQ(result[i].host.id, "h" + std::to_string(i));  // input order
    EXPECT_EQ(result[i].findings[0].installed_version, i % 2 ? "5-1.el9" : "5-2.el9");
  }
  // A second batch on the same Matcher reuses the cache.
  (void)matcher.match_fleet(std::span(hosts).first(10));
  EXPECT_EQ(matcher.stats().distinct_tuples, 4u);
}

// Workers keep per-release caches with keys inline up to a size: long keys and hosts of several
// releases in one worker must still find their own verdicts.
TEST(Matcher, MixedReleasesAndLongNamesOnOneWorker) {
  const std::string long_name = "python3-very-long-package-name-that-overflows-the-slot";
  const index::Index index =
      build({advisory("ALSA-8", {}, {entry("almalinux:8", long_name, fixed_in("2-1.el8"))}),
             advisory("ALSA-9", {}, {entry("almalinux:9", long_name, fixed_in("3-1.el9"))})});
  constexpr int kHosts = 50;
  std::vector<core::HostReport> hosts;
  hosts.reserve(kHosts);
  for (int i = 0; i < kHosts; ++i) {
    hosts.push_back(i % 2 ? alma9({pkg(long_name, "1-1.el9")})
                          : host("a8", "almalinux", "8.9", {pkg(long_name, "1-1.el9")}));
  }
  const auto result = match(index, hosts, MatchOptions{.threads = 1});
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    ASSERT_EQ(result[i].findings.size(), 1u) << i;
    EXPECT_EQ(result[i].findings[0].advisories.front(), i % 2 ? "ALSA-9" : "ALSA-8") << i;
  }
}

TEST(Matcher, DeterministicWhateverTheThreadCount) {
  std::vector<core::Advisory> advisories;
  for (int a = 0; a < 40; ++a) {
    std::vector<core::AffectedPackage> affected;
    for (int p = a % 7; p < 30; p += 3) {
      affected.push_back(entry("almalinux:9", "pkg" + std::to_string(p),
                               fixed_in(std::to_string(a % 5 + 1) + ".0-1.el9")));
    }
    advisories.push_back(advisory("ALSA-" + std::to_string(1000 + a), {"CVE-" + std::to_string(a)},
                                  affected, static_cast<Severity>(a % 5)));
  }
  const index::Index index = build(advisories);
  std::vector<core::HostReport> hosts;
  for (int h = 0; h < 300; ++h) {
    std::vector<core::Package> packages;
    for (int p = 29; p >= 0; --p) {  // reverse order: output must not depend on input order
      packages.push_back(pkg("pkg" + std::to_string(p), std::to_string((h + p) % 6) + ".5-1.el9"));
    }
    hosts.push_back(alma9(std::move(packages)));
  }
  const auto one = match(index, hosts, MatchOptions{.threads = 1});
  const auto two = match(index, hosts, MatchOptions{.threads = 2});
  const auto four = match(index, hosts, MatchOptions{.threads = 4});
  std::size_t total = 0;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    EXPECT_EQ(one[i].findings, two[i].findings);
    EXPECT_EQ(one[i].findings, four[i].findings);
    total += one[i].findings.size();
    for (std::size_t f = 1; f < one[i].findings.size(); ++f) {
      EXPECT_LE(one[i].findings[f - 1].package, one[i].findings[f].package);
    }
  }
  EXPECT_GT(total, 1000u);
}

// The server matches report after report into one HostMatches per thread: whatever it held
// before (more packages, fewer, another release, none), the result is match_host's.
TEST(Matcher, SharedIntoAReusedBufferEqualsMatchHost) {
  const index::Index index =
      build({advisory("ALSA-1", {"CVE-1"},
                      {entry("almalinux:9", "bash", fixed_in("9-1.el9")),
                       entry("almalinux:9", "zsh", fixed_in("9-1.el9"))}),
             advisory("ALSA-8", {}, {entry("almalinux:8", "bash", fixed_in("2-1.el8"))})});
  const Matcher matcher(index, MatchOptions{.threads = 1});
  std::vector<core::HostReport> hosts;
  constexpr int kFillers = 40;  // packages without advisories, then bash and zsh
  std::vector<core::Package> many;
  many.reserve(kFillers + 2);
  for (int p = 0; p < kFillers; ++p) many.push_back(pkg("lib" + std::to_string(p), "1-1.el9"));
  many.push_back(pkg("bash", "1-1.el9"));
  many.push_back(pkg("zsh", "1-1.el9"));
  hosts.push_back(alma9(many));
  hosts.push_back(alma9({pkg("zsh", "1-1.el9")}));
  hosts.push_back(host("a8", "almalinux", "8.9", {pkg("bash", "1-1.el8")}));
  hosts.push_back(host("x", "unknown-os", "1", {pkg("bash", "1")}));
  hosts.push_back(alma9({}));
  hosts.push_back(alma9(many));
  HostMatches reused;
  std::size_t findings = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      const auto& h = hosts[pass == 0 ? i : hosts.size() - 1 - i];
      matcher.match_host_shared_into(h, reused);
      const core::HostFindings direct = matcher.match_host(h);
      const core::HostFindings via = reused.to_host_findings();
      EXPECT_EQ(via.findings, direct.findings) << pass << "/" << i;
      EXPECT_EQ(via.notes, direct.notes) << pass << "/" << i;
      EXPECT_EQ(via.release, direct.release) << pass << "/" << i;
      EXPECT_EQ(reused.packages.size(), direct.findings.empty() ? 0U : reused.packages.size());
      findings += via.findings.size();
    }
  }
  EXPECT_GT(findings, 0U);
}

// The server's handler threads look up and fill one shared verdict cache at once, its lookups
// without a lock (matcher.cpp, Shard): enough distinct tuples that every shard's table is
// replaced several times while other threads read it. Every thread's every result must be
// match_host's on a matcher of its own, and each tuple judged once.
TEST(Matcher, ConcurrentSharedLookupsWhileTheCacheGrows) {
  std::vector<core::Advisory> advisories;
  for (int a = 0; a < 20; ++a) {
    std::vector<core::AffectedPackage> affected;
    for (int p = a; p < 400; p += 20) {
      affected.push_back(entry("almalinux:9", "pkg" + std::to_string(p),
                               fixed_in(std::to_string(a % 4 + 2) + ".0-1.el9")));
    }
    advisories.push_back(
        advisory("ALSA-" + std::to_string(2000 + a), {"CVE-" + std::to_string(a)}, affected));
  }
  const index::Index index = build(advisories);
  constexpr int kHosts = 64;
  constexpr int kPackages = 400;
  std::vector<core::HostReport> hosts;
  hosts.reserve(kHosts);
  for (int h = 0; h < kHosts; ++h) {
    std::vector<core::Package> packages;
    packages.reserve(kPackages);
    for (int p = 0; p < kPackages; ++p) {
      packages.push_back(
          pkg("pkg" + std::to_string(p), std::to_string((h * 7 + p) % 9) + ".5-1.el9"));
    }
    hosts.push_back(alma9(std::move(packages)));
  }
  const Matcher reference(index, MatchOptions{.threads = 1});
  std::vector<core::HostFindings> expected;
  expected.reserve(hosts.size());
  for (const auto& h : hosts) expected.push_back(reference.match_host(h));

  const Matcher shared(index, MatchOptions{.threads = 1});
  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HostMatches out;
      for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < kHosts; ++i) {
          // Round 0: every thread the same order (they race for the same tuples); then each its
          // own.
          const int h = round == 0 ? i : (i * (t + 1) + round) % kHosts;
          shared.match_host_shared_into(hosts[h], out);
          const core::HostFindings got = out.to_host_findings();
          if (got.findings != expected[h].findings || got.notes != expected[h].notes) {
            ++mismatches[t];
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
  // 400 packages at 9 versions: 3,600 distinct tuples, each judged once however many threads
  // asked for it at the same time.
  EXPECT_EQ(shared.stats().distinct_tuples, 3600U);
}

TEST(Matcher, StreamAndSummaryAgreeWithMatchHost) {
  const index::Index index =
      build({advisory("ALSA-1", {"CVE-1"}, {entry("almalinux:9", "bash", fixed_in("9-1.el9"))},
                      Severity::kHigh),
             advisory("CVE-2", {"CVE-2"}, {entry("almalinux:9", "zsh", {}, "", FixState::kUnfixed)},
                      Severity::kLow)},
            {{"CVE-1", "2022-01-01", "2022-01-22", false, "", ""}});
  auto make = [](std::size_t i, core::HostReport& r) {
    r = alma9({pkg("bash", std::to_string(i % 10) + "-1.el9"), pkg("zsh", "1-1.el9")});
    r.host.id = std::to_string(i);
  };
  Matcher matcher(index, MatchOptions{.threads = 2});
  std::vector<std::size_t> counts(100, 999);
  std::vector<HostMatches> streamed(counts.size());
  {
    // A Matcher of its own, gone before the results are read: they keep their payloads alive.
    const Matcher streaming(index, MatchOptions{.threads = 2});
    streaming.match_stream(counts.size(), make, [&](std::size_t i, HostMatches&& m) {
      counts[i] = m.findings.size();
      streamed[i] = std::move(m);
    });
  }
  for (std::size_t i = 0; i < counts.size(); ++i) {
    EXPECT_EQ(counts[i], i % 10 == 9 ? 1u : 2u) << i;
    core::HostReport r;
    make(i, r);
    const core::HostFindings direct = matcher.match_host(r);
    const HostMatches copy = streamed[i];
    streamed[i] = {};
    const core::HostFindings via_stream = copy.to_host_findings();
    EXPECT_EQ(via_stream.host.id, direct.host.id);
    EXPECT_EQ(via_stream.release, direct.release);
    EXPECT_EQ(via_stream.findings, direct.findings) << i;
    const HostSummary s = matcher.summarize_host(r);
    EXPECT_EQ(s.findings, counts[i]);
    EXPECT_EQ(s.unfixed, 1u);
    EXPECT_EQ(s.by_severity[static_cast<int>(Severity::kHigh)], i % 10 == 9 ? 0u : 1u);
    EXPECT_EQ(s.kev, i % 10 == 9 ? 0u : 1u);
  }
}

// ---- end of life -------------------------------------------------------------------------------

core::TimePoint at(const char* text) { return core::parse_rfc3339(text).value(); }

TEST(Matcher, EndOfLifeTable) {
  const index::Index index =
      build({advisory("DSA-1", {"CVE-1"}, {entry("debian:10", "openssl", fixed_in("1.1.1n-0"))}),
             advisory("RHSA-1", {"CVE-2"}, {entry("rhel:7", "bash", fixed_in("4.2.46-35.el7"))})});
  const auto buster = host("b", "debian", "10.1", {pkg("libssl1.1", "1.1.1d-0", "openssl", "")});
  const auto rhel7 = host("r", "rhel", "7.7", {pkg("bash", "4.2.46-33.el7")});
  const core::EndOfLife debian10{
      "debian:10", "2024-06-30", "2024-07-01T00:00:00Z", "https://wiki.debian.org/LTS", "", ""};
  const core::EndOfLife rhel7_eol{"rhel:7",
                                  "2024-06-30",
                                  "2024-07-01T00:00:00Z",
                                  "https://access.redhat.com/support/policy/updates/errata",
                                  "RHEL ELS",
                                  "2028-06-30"};
  struct EolCase {
    const char* name;
    core::HostReport host;
    std::optional<core::TimePoint> as_of;
    Lines want;
    std::optional<core::EndOfLife> want_eol;
    MatchOptions options = {};
  };
  const std::vector<EolCase> cases = {
      {"no time given: no end-of-life finding (the matcher reads no clock)",
       buster,
       std::nullopt,
       {"libssl1.1 1.1.1d-0 DSA-1 fixed 1.1.1n-0"},
       std::nullopt},
      {"the last supported day is still supported",
       buster,
       at("2024-06-30T23:59:59Z"),
       {"libssl1.1 1.1.1d-0 DSA-1 fixed 1.1.1n-0"},
       std::nullopt},
      {"from 00:00 UTC the day after it is end-of-life, first among the findings",
       buster,
       at("2024-07-01T00:00:00Z"),
       {" 10.1 EOL:debian:10 end-of-life", "libssl1.1 1.1.1d-0 DSA-1 fixed 1.1.1n-0"},
       debian10},
      {"a paid extension is named but does not count (the report cannot show a subscription)",
       rhel7,
       at("2026-11-26T00:00:00Z"),
       {" 7.7 EOL:rhel:7 end-of-life", "bash 4.2.46-33.el7 RHSA-1 fixed 4.2.46-35.el7"},
       rhel7_eol},
      {"--ignore-unfixed keeps it",
       buster,
       at("2026-11-26T00:00:00Z"),
       {" 10.1 EOL:debian:10 end-of-life", "libssl1.1 1.1.1d-0 DSA-1 fixed 1.1.1n-0"},
       debian10,
       MatchOptions{.ignore_unfixed = true}},
      {"the severity filter applies to it (high)",
       buster,
       at("2026-11-26T00:00:00Z"),
       {" 10.1 EOL:debian:10 end-of-life"},
       debian10,
       MatchOptions{.severities = {Severity::kHigh}}},
      {"a filter without high drops it",
       buster,
       at("2026-11-26T00:00:00Z"),
       {"libssl1.1 1.1.1d-0 DSA-1 fixed 1.1.1n-0"},
       std::nullopt,
       MatchOptions{.severities = {Severity::kMedium}}},
      {"a release without advisories imported still gets it",
       host("old", "debian", "9.13", {pkg("libssl1.1", "1.1.0l-1", "openssl", "")}),
       at("2026-11-26T00:00:00Z"),
       {" 9.13 EOL:debian:9 end-of-life"},
       core::EndOfLife{"debian:9", "2022-06-30", "2022-07-01T00:00:00Z",
                       "https://wiki.debian.org/LTS", "", ""}},
      {"a supported release has none",
       host("alma", "almalinux", "9.2", {}),
       at("2026-11-26T00:00:00Z"),
       {},
       std::nullopt},
      {"a rolling release (no lifecycle row) has none",
       host("tw", "opensuse-tumbleweed", "20240101", {}),
       at("2026-11-26T00:00:00Z"),
       {},
       std::nullopt},
      {"an unknown OS has none",
       host("x", "plan9", "4", {}),
       at("2026-11-26T00:00:00Z"),
       {},
       std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    MatchOptions options = c.options;
    options.as_of = c.as_of;
    const Matcher matcher(index, options);
    const core::HostFindings got = matcher.match_host(c.host);
    EXPECT_EQ(summary(got), c.want);
    const core::Finding* eol = nullptr;
    for (const auto& f : got.findings) {
      if (f.state == FindingState::kEndOfLife) eol = &f;
    }
    ASSERT_EQ(eol != nullptr, c.want_eol.has_value());
    const HostSummary s = matcher.summarize_host(c.host);
    EXPECT_EQ(s.findings, got.findings.size());
    EXPECT_EQ(s.by_state[static_cast<int>(FindingState::kEndOfLife)], eol != nullptr ? 1u : 0u);
    EXPECT_EQ(s.unfixed, 0u);  // not an unfixed package finding
    if (eol == nullptr) continue;
    EXPECT_EQ(eol->end_of_life, c.want_eol);
    EXPECT_EQ(eol->severity, Severity::kHigh);
    EXPECT_TRUE(eol->package.empty() && eol->source_package.empty() && eol->cves.empty());
    EXPECT_TRUE(eol->fixed_version.empty() && eol->fix_available_since.empty());
  }
}

}  // namespace
}  // namespace fleetpatch::match
