// The matcher's runtime rules (matcher.hpp, "Runtime rules"): the running kernel decides kernel
// findings, livepatches mitigate, pending restarts and exposure, on hand-built host reports and
// small indexes; and the running-kernel answer on the shared Vuls inventories (read in place).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "hoststate/collect.hpp"
#include "match/matcher.hpp"
#include "match/runtime_facts.hpp"
#include "platform/posix_env.hpp"

namespace fleetpatch::match {
namespace {

using core::FindingState;
using core::Severity;
using Ev = core::VersionEvent::Type;
using Lines = std::vector<std::string>;

// ---- fixtures --------------------------------------------------------------------------------

core::AffectedPackage fixed_entry(std::string release, std::string name, std::string fixed) {
  core::AffectedPackage p;
  p.release = std::move(release);
  p.name = std::move(name);
  p.state = core::FixState::kFixed;
  p.events = {{Ev::kIntroduced, "0"}, {Ev::kFixed, std::move(fixed)}};
  return p;
}

core::Advisory advisory(std::string id, std::vector<std::string> cves,
                        std::vector<core::AffectedPackage> affected,
                        Severity severity = Severity::kHigh) {
  core::Advisory a;
  a.id = std::move(id);
  a.cves = std::move(cves);
  a.kind = core::AdvisoryKind::kSecurity;
  a.severity = severity;
  a.published = "2022-03-08T00:00:00Z";
  a.affected = std::move(affected);
  return a;
}

index::Index build(std::vector<core::Advisory> advisories) {
  index::IndexBuilder builder;
  for (auto& a : advisories) builder.add(std::move(a));
  auto index = index::Index::from_bytes(builder.serialize());
  EXPECT_TRUE(index.ok());
  return std::move(index).value();
}

core::Package pkg(std::string name, std::string version, std::string source = "",
                  std::string source_version = "") {
  core::Package p;
  p.name = std::move(name);
  p.version = std::move(version);
  p.arch = "x86_64";
  p.source_name = source.empty() ? p.name : std::move(source);
  p.source_version = source_version.empty() ? p.version : std::move(source_version);
  return p;
}

core::HostReport host(std::string os_id, std::string version_id, core::PackageFormat format,
                      std::vector<core::Package> packages, std::string running = "") {
  core::HostReport r;
  r.host.id = "h";
  r.os.id = std::move(os_id);
  r.os.version_id = std::move(version_id);
  r.package_format = format;
  r.packages = std::move(packages);
  r.kernel.running = std::move(running);
  return r;
}

core::Livepatch patch(std::string name, std::string tool, bool enabled, bool transition,
                      std::vector<std::string> cves, std::string effective = "") {
  return {std::move(name), std::move(tool), enabled,
          transition,      std::move(cves), std::move(effective)};
}

/// "package version advisories state [fixed] [mitigated_by: name(cves) ...]
/// [restart: pid/unit ...] [exposure]" per finding: compact enough to compare as tables.
Lines describe(const core::HostFindings& h) {
  Lines out;
  for (const auto& f : h.findings) {
    std::string line = f.package + " " + f.installed_version + " ";
    for (std::size_t i = 0; i < f.advisories.size(); ++i) line += (i ? "," : "") + f.advisories[i];
    line += " " + std::string(core::to_string(f.state));
    if (!f.fixed_version.empty()) line += " " + f.fixed_version;
    if (!f.mitigated_by.empty()) {
      line += " mitigated_by:";
      for (const auto& m : f.mitigated_by) {
        line += " " + m.livepatch + "(";
        for (std::size_t i = 0; i < m.cves.size(); ++i) line += (i ? "," : "") + m.cves[i];
        line += ")";
      }
    }
    if (!f.pending_restart.empty()) {
      line += " restart:";
      for (const auto& p : f.pending_restart) {
        line += " " + std::to_string(p.pid) + "/" + (p.unit.empty() ? p.exe : p.unit);
      }
    }
    if (f.exposure != core::Exposure::kNone) {
      line += f.exposure == core::Exposure::kNetwork ? " network" : " local";
    }
    out.push_back(line);
  }
  return out;
}

/// match_host, checking on the way that summarize_host counts exactly what it returns.
core::HostFindings match_checked(const index::Index& index, const core::HostReport& report,
                                 const MatchOptions& options = {}) {
  const Matcher matcher(index, options);
  core::HostFindings result = matcher.match_host(report);
  HostSummary want;
  for (const auto& f : result.findings) {
    ++want.findings;
    ++want.by_severity[static_cast<std::size_t>(f.severity)];
    ++want.by_state[static_cast<std::size_t>(f.state)];
    if (f.state == FindingState::kUnfixed || f.state == FindingState::kWillNotFix) ++want.unfixed;
    if (f.kev_due_date) ++want.kev;
  }
  // match_stream gives the same findings, sharing payloads that outlive its Matcher.
  std::optional<HostMatches> streamed;
  {
    const Matcher streaming(index, options);
    streaming.match_stream(
        1, [&report](std::size_t, core::HostReport& r) { r = report; },
        [&streamed](std::size_t, HostMatches&& m) { streamed = std::move(m); });
  }
  EXPECT_TRUE(streamed.has_value());
  if (streamed) {
    const core::HostFindings via_stream = std::move(*streamed).to_host_findings();
    EXPECT_EQ(via_stream.findings, result.findings);
    EXPECT_EQ(via_stream.notes, result.notes);
  }
  // So does match_host_shared_into through a HostMatches that held another host's findings
  // (every runtime case of this file goes through this one, in turn).
  static HostMatches reused;
  matcher.match_host_shared_into(report, reused);
  const core::HostFindings via_reused = reused.to_host_findings();
  EXPECT_EQ(via_reused.findings, result.findings);
  EXPECT_EQ(via_reused.notes, result.notes);
  EXPECT_EQ(via_reused.release, result.release);
  EXPECT_EQ(via_reused.host.id, result.host.id);
  const HostSummary got = matcher.summarize_host(report);
  EXPECT_EQ(got.findings, want.findings);
  EXPECT_EQ(got.unfixed, want.unfixed);
  EXPECT_EQ(got.kev, want.kev);
  for (std::size_t s = 0; s < std::size(want.by_state); ++s) {
    EXPECT_EQ(got.by_state[s], want.by_state[s]) << "state " << s;
  }
  for (std::size_t s = 0; s < std::size(want.by_severity); ++s) {
    EXPECT_EQ(got.by_severity[s], want.by_severity[s]) << "severity " << s;
  }
  return result;
}

bool has_note(const core::HostFindings& h, std::string_view text) {
  for (const auto& note : h.notes) {
    if (note.find(text) != std::string::npos) return true;
  }
  return false;
}

// ---- kernel and livepatch --------------------------------------------------------------------

constexpr std::string_view kRunning = "5.14.0-70.13.1.el9_0.x86_64";
constexpr std::string_view kKpatch = "kpatch_5_14_0_70_13_1_1_2";

// Two kernel advisories of AlmaLinux 9: Dirty Pipe alone, and one with two CVEs.
index::Index alma_kernel_index() {
  return build({advisory("ALSA-2022:0825", {"CVE-2022-0847"},
                         {fixed_entry("almalinux:9", "kernel-core", "5.14.0-70.22.1.el9_0")}),
                advisory("ALSA-2022:1988", {"CVE-2022-0001", "CVE-2022-0002"},
                         {fixed_entry("almalinux:9", "kernel-core", "5.14.0-70.26.1.el9_0")})});
}

core::HostReport alma_kernel_host(std::vector<core::Livepatch> livepatch) {
  auto h = host("almalinux", "9.0", core::PackageFormat::kRpm,
                {pkg("kernel-core", "5.14.0-70.13.1.el9_0", "kernel")}, std::string(kRunning));
  h.kernel.installed = {std::string(kRunning)};
  h.kernel.livepatch = std::move(livepatch);
  return h;
}

struct LivepatchCase {
  const char* name;
  std::vector<core::Livepatch> livepatch;
  Lines want;
};

// The scenario as one sequence: open, mitigated while the patch is enabled and settled,
// open again when it is disabled or in transition; partial coverage is listed, not mitigated.
TEST(RuntimeRules, KernelCveOpenMitigatedAndOpenAgain) {
  const index::Index index = alma_kernel_index();
  const std::string dirty_pipe_open =
      "kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:0825 fixed 5.14.0-70.22.1.el9_0";
  const std::string other_open =
      "kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:1988 fixed 5.14.0-70.26.1.el9_0";
  const std::string k(kKpatch);
  const LivepatchCase cases[] = {
      {"no livepatch: open", {}, {dirty_pipe_open, other_open}},
      {"enabled and settled: mitigated, the patch named",
       {patch(k, "kpatch", true, false, {"CVE-2022-0847"})},
       {"kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:0825 mitigated 5.14.0-70.22.1.el9_0 "
        "mitigated_by: " +
            k + "(CVE-2022-0847)",
        other_open}},
      {"disabled: open again",
       {patch(k, "kpatch", false, false, {"CVE-2022-0847"})},
       {dirty_pipe_open, other_open}},
      {"enabled but in transition: open",
       {patch(k, "kpatch", true, true, {"CVE-2022-0847"})},
       {dirty_pipe_open, other_open}},
      {"settled again: mitigated",
       {patch(k, "kpatch", true, false, {"CVE-2022-0847"})},
       {"kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:0825 mitigated 5.14.0-70.22.1.el9_0 "
        "mitigated_by: " +
            k + "(CVE-2022-0847)",
        other_open}},
      {"one of two CVEs covered: still open, the covered one listed",
       {patch("klp_a", "klp", true, false, {"CVE-2022-0001"})},
       {dirty_pipe_open, other_open + " mitigated_by: klp_a(CVE-2022-0001)"}},
      {"two patches cover both CVEs together: mitigated, both named",
       {patch("klp_b", "klp", true, false, {"CVE-2022-0002"}),
        patch("klp_a", "klp", true, false, {"CVE-2022-0001", "CVE-2099-9999"})},
       {dirty_pipe_open,
        "kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:1988 mitigated 5.14.0-70.26.1.el9_0 "
        "mitigated_by: klp_a(CVE-2022-0001) klp_b(CVE-2022-0002)"}},
      {"a patch of the same CVE in transition does not add to a settled one",
       {patch("klp_a", "klp", true, false, {"CVE-2022-0001"}),
        patch("klp_b", "klp", true, true, {"CVE-2022-0002"})},
       {dirty_pipe_open, other_open + " mitigated_by: klp_a(CVE-2022-0001)"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto result = match_checked(index, alma_kernel_host(c.livepatch));
    EXPECT_EQ(describe(result), c.want);
  }
}

// Livepatches patch the running kernel: with the running kernel unknown nothing is attributed,
// and a package that is not a kernel is never mitigated by a CVE list naming its CVE.
TEST(RuntimeRules, LivepatchesCoverOnlyTheRunningKernel) {
  const index::Index index =
      build({advisory("ALSA-2022:0825", {"CVE-2022-0847"},
                      {fixed_entry("almalinux:9", "kernel-core", "5.14.0-70.22.1.el9_0"),
                       fixed_entry("almalinux:9", "kernel-tools", "5.14.0-70.22.1.el9_0")})});
  auto h =
      alma_kernel_host({patch(std::string(kKpatch), "kpatch", true, false, {"CVE-2022-0847"})});
  h.packages.push_back(pkg("kernel-tools", "5.14.0-70.13.1.el9_0", "kernel"));
  EXPECT_EQ(describe(match_checked(index, h)),
            (Lines{"kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:0825 mitigated 5.14.0-70.22.1.el9_0 "
                   "mitigated_by: " +
                       std::string(kKpatch) + "(CVE-2022-0847)",
                   "kernel-tools 5.14.0-70.13.1.el9_0 ALSA-2022:0825 fixed 5.14.0-70.22.1.el9_0"}));
  h.kernel.running.clear();
  h.kernel.installed.clear();
  EXPECT_EQ(describe(match_checked(index, h)),
            (Lines{"kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:0825 fixed 5.14.0-70.22.1.el9_0",
                   "kernel-tools 5.14.0-70.13.1.el9_0 ALSA-2022:0825 fixed 5.14.0-70.22.1.el9_0"}));
}

// KernelCare states the kernel its patches bring the running one up to: advisories that kernel
// no longer has are mitigated by it, the others stay open.
TEST(RuntimeRules, KernelCareEffectiveKernel) {
  const index::Index index =
      build({advisory("CESA-2021:2725", {"CVE-2021-33909"},
                      {fixed_entry("centos:7", "kernel", "3.10.0-1160.36.2.el7")}),
             advisory("CESA-2021:3801", {"CVE-2021-22555"},
                      {fixed_entry("centos:7", "kernel", "3.10.0-1160.45.1.el7")}),
             advisory("DSA-9999-1", {"CVE-2021-33909"},
                      {fixed_entry("debian:12", "linux", "6.1.90-1")})});
  const auto centos = [](std::vector<core::Livepatch> livepatch) {
    auto h = host("centos", "7", core::PackageFormat::kRpm, {pkg("kernel", "3.10.0-1160.el7")},
                  "3.10.0-1160.el7.x86_64");
    h.kernel.livepatch = std::move(livepatch);
    return h;
  };
  const std::string a_open = "kernel 3.10.0-1160.el7 CESA-2021:2725 fixed 3.10.0-1160.36.2.el7";
  const std::string b_open = "kernel 3.10.0-1160.el7 CESA-2021:3801 fixed 3.10.0-1160.45.1.el7";
  const std::string a_mitigated =
      "kernel 3.10.0-1160.el7 CESA-2021:2725 mitigated 3.10.0-1160.36.2.el7 "
      "mitigated_by: kernelcare(CVE-2021-33909)";
  struct Case {
    const char* name;
    std::vector<core::Livepatch> livepatch;
    Lines want;
  };
  const Case cases[] = {
      {"effective kernel past the first fix only",
       {patch("kernelcare", "kernelcare", true, false, {}, "3.10.0-1160.36.2.el7")},
       {a_mitigated, b_open}},
      {"effective kernel with the arch, and its CVE list",
       {patch("kernelcare", "kernelcare", true, false, {"CVE-2021-33909"},
              "3.10.0-1160.36.2.el7.x86_64")},
       {a_mitigated, b_open}},
      {"past both fixes",
       {patch("kernelcare", "kernelcare", true, false, {}, "3.10.0-1160.45.1.el7")},
       {a_mitigated,
        "kernel 3.10.0-1160.el7 CESA-2021:3801 mitigated 3.10.0-1160.45.1.el7 "
        "mitigated_by: kernelcare(CVE-2021-22555)"}},
      {"not applied: the installed kernel is judged",
       {patch("kernelcare", "kernelcare", false, false, {}, "3.10.0-1160.45.1.el7")},
       {a_open, b_open}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(describe(match_checked(index, centos(c.livepatch))), c.want);
  }
  // Debian names kernel releases by ABI: no version to judge, so a note says the installed one
  // was judged.
  auto debian =
      host("debian", "12", core::PackageFormat::kDpkg,
           {pkg("linux-image-6.1.0-18-amd64", "6.1.76-1", "linux", "6.1.76-1")}, "6.1.0-18-amd64");
  debian.kernel.livepatch = {patch("kernelcare", "kernelcare", true, false, {}, "6.1.0-21-amd64")};
  const auto result = match_checked(index, debian);
  EXPECT_EQ(describe(result),
            (Lines{"linux-image-6.1.0-18-amd64 6.1.76-1 DSA-9999-1 fixed 6.1.90-1"}));
  EXPECT_TRUE(has_note(result, "effective kernel 6.1.0-21-amd64"))
      << ::testing::PrintToString(result.notes);
}

// A fixed build installed but not booted: the running one's finding waits for the reboot and
// names that build; the newer build makes no findings of its own.
TEST(RuntimeRules, FixedKernelInstalledButNotRunning) {
  const index::Index index =
      build({advisory("ALSA-2022:0825", {"CVE-2022-0847"},
                      {fixed_entry("almalinux:9", "kernel-core", "5.14.0-70.17.1.el9_0"),
                       fixed_entry("almalinux:9", "kernel-modules", "5.14.0-70.17.1.el9_0")}),
             advisory("ALSA-2022:9000", {"CVE-2022-9000"},
                      {fixed_entry("almalinux:9", "kernel-core", "5.14.0-70.30.1.el9_0")})});
  const auto make = [](std::string running) {
    auto h = host("almalinux", "9.0", core::PackageFormat::kRpm,
                  {pkg("kernel-core", "5.14.0-70.13.1.el9_0", "kernel"),
                   pkg("kernel-core", "5.14.0-70.22.1.el9_0", "kernel"),
                   pkg("kernel-modules", "5.14.0-70.13.1.el9_0", "kernel"),
                   pkg("kernel-modules", "5.14.0-70.22.1.el9_0", "kernel")},
                  std::move(running));
    return h;
  };
  struct Case {
    const char* name;
    core::HostReport report;
    MatchOptions options;
    Lines want;
    const char* note;  // "" = no note expected
  };
  const Case cases[] = {
      {"running the old build",
       make("5.14.0-70.13.1.el9_0.x86_64"),
       {},
       {"kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:0825 fixed-pending-reboot "
        "5.14.0-70.22.1.el9_0",
        "kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:9000 fixed 5.14.0-70.30.1.el9_0",
        "kernel-modules 5.14.0-70.13.1.el9_0 ALSA-2022:0825 fixed-pending-reboot "
        "5.14.0-70.22.1.el9_0"},
       "kernel 5.14.0-70.22.1.el9_0.x86_64 is installed but not running: its 1 finding is not"},
      {"inactive kernels reported on request",
       make("5.14.0-70.13.1.el9_0.x86_64"),
       {.report_inactive_kernels = true},
       {"kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:0825 fixed-pending-reboot "
        "5.14.0-70.22.1.el9_0",
        "kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:9000 fixed 5.14.0-70.30.1.el9_0",
        "kernel-core 5.14.0-70.22.1.el9_0 ALSA-2022:9000 fixed 5.14.0-70.30.1.el9_0",
        "kernel-modules 5.14.0-70.13.1.el9_0 ALSA-2022:0825 fixed-pending-reboot "
        "5.14.0-70.22.1.el9_0"},
       ""},
      {"running the new build: the old one is not judged",
       make("5.14.0-70.22.1.el9_0.x86_64"),
       {},
       {"kernel-core 5.14.0-70.22.1.el9_0 ALSA-2022:9000 fixed 5.14.0-70.30.1.el9_0"},
       "kernel 5.14.0-70.13.1.el9_0.x86_64 is installed but not running: its 3 findings are not"},
      {"running kernel unknown (offline image): every build judged as installed",
       make(""),
       {},
       {"kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:0825 fixed 5.14.0-70.17.1.el9_0",
        "kernel-core 5.14.0-70.13.1.el9_0 ALSA-2022:9000 fixed 5.14.0-70.30.1.el9_0",
        "kernel-core 5.14.0-70.22.1.el9_0 ALSA-2022:9000 fixed 5.14.0-70.30.1.el9_0",
        "kernel-modules 5.14.0-70.13.1.el9_0 ALSA-2022:0825 fixed 5.14.0-70.17.1.el9_0"},
       ""},
      {"running kernel's package removed since boot",
       make("5.14.0-70.9.1.el9_0.x86_64"),
       {},
       {},
       "the running kernel 5.14.0-70.9.1.el9_0.x86_64 has no installed package"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto result = match_checked(index, c.report, c.options);
    EXPECT_EQ(describe(result), c.want);
    if (*c.note != '\0') {
      EXPECT_TRUE(has_note(result, c.note)) << ::testing::PrintToString(result.notes);
    } else {
      EXPECT_TRUE(result.notes.empty()) << ::testing::PrintToString(result.notes);
    }
  }
}

// Debian: kernel builds are different binary packages of one source; the pending reboot names
// the newer build's version.
TEST(RuntimeRules, DebianPendingReboot) {
  const index::Index index = build(
      {advisory("DSA-5700-1", {"CVE-2024-1086"}, {fixed_entry("debian:12", "linux", "6.1.85-1")})});
  const auto h = host("debian", "12", core::PackageFormat::kDpkg,
                      {pkg("linux-image-6.1.0-18-amd64", "6.1.76-1", "linux", "6.1.76-1"),
                       pkg("linux-image-6.1.0-21-amd64", "6.1.90-1", "linux", "6.1.90-1"),
                       pkg("linux-image-amd64", "6.1.90-1", "linux-signed-amd64", "6.1.90+1")},
                      "6.1.0-18-amd64");
  const auto result = match_checked(index, h);
  EXPECT_EQ(describe(result), (Lines{"linux-image-6.1.0-18-amd64 6.1.76-1 DSA-5700-1 "
                                     "fixed-pending-reboot 6.1.90-1"}));
  EXPECT_TRUE(result.notes.empty()) << ::testing::PrintToString(result.notes);
}

// A container shares its host's kernel: no kernel package of its own runs, so none is judged,
// and that is not worth a note when no kernel package has findings.
TEST(RuntimeRules, ContainerWithoutKernelPackages) {
  const index::Index index =
      build({advisory("ALSA-1", {"CVE-1"}, {fixed_entry("almalinux:9", "bash", "5.1.8-6.el9")})});
  const auto h = host("almalinux", "9.0", core::PackageFormat::kRpm, {pkg("bash", "5.1.8-4.el9")},
                      "6.8.0-60-generic");
  const auto result = match_checked(index, h);
  EXPECT_EQ(describe(result), (Lines{"bash 5.1.8-4.el9 ALSA-1 fixed 5.1.8-6.el9"}));
  EXPECT_TRUE(result.notes.empty());
}

// ---- restart pending -------------------------------------------------------------------------

TEST(RuntimeRules, FixedOnDiskWhileTheOldCopyRuns) {
  const index::Index index =
      build({advisory("ALSA-2022:1000", {"CVE-2022-1000"},
                      {fixed_entry("almalinux:9", "openssl-libs", "1:3.0.1-41.el9_0")}),
             advisory("ALSA-2022:5003", {"CVE-2022-1292"},
                      {fixed_entry("almalinux:9", "openssl-libs", "1:3.0.1-43.el9_0")}),
             advisory("ALSA-2022:5004", {"CVE-2022-2068"},
                      {fixed_entry("almalinux:9", "openssl-libs", "1:3.0.1-43.el9_0")}),
             advisory("ALSA-2022:7000", {"CVE-2022-3602"},
                      {fixed_entry("almalinux:9", "openssl-libs", "1:3.0.1-45.el9_0")}),
             advisory("ALSA-2022:8000", {"CVE-2022-8000"},
                      {fixed_entry("almalinux:9", "glibc", "2.34-40.el9")})});
  const auto make = [](std::string openssl_version, std::vector<core::PendingRestart> restarts) {
    auto h = host("almalinux", "9.0", core::PackageFormat::kRpm,
                  {pkg("glibc", "2.34-28.el9_0"),
                   pkg("openssl-libs", std::move(openssl_version), "openssl")});
    h.pending_restart = std::move(restarts);
    return h;
  };
  const core::PendingRestart nginx{
      900, "/usr/sbin/nginx", "nginx.service", {"/usr/lib64/libssl.so.3"}, {"openssl-libs"}};
  const core::PendingRestart worker{
      812, "/usr/bin/worker", "", {"/usr/lib64/libssl.so.3"}, {"openssl-libs"}};
  const core::PendingRestart libc_user{
      77, "/usr/bin/x", "x.service", {"/usr/lib64/libc.so.6"}, {"glibc"}};
  struct Case {
    const char* name;
    core::HostReport report;
    Lines want;
  };
  const Case cases[] = {
      {"fixed on disk at exactly the fix: the fix's advisories wait for the restart",
       make("1:3.0.1-43.el9_0", {nginx, worker}),
       {"glibc 2.34-28.el9_0 ALSA-2022:8000 fixed 2.34-40.el9",
        "openssl-libs 1:3.0.1-43.el9_0 ALSA-2022:5003,ALSA-2022:5004 fixed-pending-restart "
        "1:3.0.1-43.el9_0 restart: 812//usr/bin/worker 900/nginx.service",
        "openssl-libs 1:3.0.1-43.el9_0 ALSA-2022:7000 fixed 1:3.0.1-45.el9_0"}},
      {"newer than every fix: the newest fix is the one waiting",
       make("1:3.0.1-47.el9_0", {nginx}),
       {"glibc 2.34-28.el9_0 ALSA-2022:8000 fixed 2.34-40.el9",
        "openssl-libs 1:3.0.1-47.el9_0 ALSA-2022:7000 fixed-pending-restart 1:3.0.1-45.el9_0 "
        "restart: 900/nginx.service"}},
      {"no process maps the old copy: nothing pending",
       make("1:3.0.1-43.el9_0", {}),
       {"glibc 2.34-28.el9_0 ALSA-2022:8000 fixed 2.34-40.el9",
        "openssl-libs 1:3.0.1-43.el9_0 ALSA-2022:7000 fixed 1:3.0.1-45.el9_0"}},
      {"not fixed on disk: the open finding stays, no pending restart",
       make("1:3.0.1-40.el9_0", {nginx}),
       {"glibc 2.34-28.el9_0 ALSA-2022:8000 fixed 2.34-40.el9",
        "openssl-libs 1:3.0.1-40.el9_0 ALSA-2022:1000 fixed 1:3.0.1-41.el9_0",
        "openssl-libs 1:3.0.1-40.el9_0 ALSA-2022:5003,ALSA-2022:5004 fixed 1:3.0.1-43.el9_0",
        "openssl-libs 1:3.0.1-40.el9_0 ALSA-2022:7000 fixed 1:3.0.1-45.el9_0"}},
      {"a vulnerable package's restart adds nothing; another package's does",
       make("1:3.0.1-47.el9_0", {libc_user}),
       {"glibc 2.34-28.el9_0 ALSA-2022:8000 fixed 2.34-40.el9"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(describe(match_checked(index, c.report)), c.want);
  }
}

// ---- exposure --------------------------------------------------------------------------------

TEST(RuntimeRules, ExposureFromListenersRunningThePackage) {
  std::vector<core::AffectedPackage> entries;
  for (const char* name : {"nginx", "openssl-libs", "glibc", "openssh-server", "bash"}) {
    entries.push_back(fixed_entry("almalinux:9", name, "99-1.el9"));
  }
  const index::Index index = build({advisory("ALSA-1", {"CVE-1"}, entries)});
  auto h = host("almalinux", "9.0", core::PackageFormat::kRpm,
                {pkg("bash", "1-1.el9"), pkg("glibc", "1-1.el9"), pkg("nginx", "1-1.el9"),
                 pkg("openssh-server", "1-1.el9"), pkg("openssl-libs", "1-1.el9")});
  h.listening = {
      {"tcp",
       "127.0.0.1",
       22,
       700,
       "/usr/sbin/sshd",
       "openssh-server",
       core::Exposure::kLocal,
       {"glibc", "openssh-server"}},
      {"tcp6",
       "::",
       443,
       900,
       "/usr/sbin/nginx",
       "nginx",
       core::Exposure::kNetwork,
       {"glibc", "nginx", "openssl-libs"}},
      {"udp", "0.0.0.0", 5353, std::nullopt, "", "", core::Exposure::kNetwork, {}},
  };
  EXPECT_EQ(
      describe(match_checked(index, h)),
      (Lines{"bash 1-1.el9 ALSA-1 fixed 99-1.el9", "glibc 1-1.el9 ALSA-1 fixed 99-1.el9 network",
             "nginx 1-1.el9 ALSA-1 fixed 99-1.el9 network",
             "openssh-server 1-1.el9 ALSA-1 fixed 99-1.el9 local",
             "openssl-libs 1-1.el9 ALSA-1 fixed 99-1.el9 network"}));
  // Without the network listener the library is only as exposed as sshd.
  h.listening.resize(1);
  EXPECT_EQ(
      describe(match_checked(index, h)),
      (Lines{"bash 1-1.el9 ALSA-1 fixed 99-1.el9", "glibc 1-1.el9 ALSA-1 fixed 99-1.el9 local",
             "nginx 1-1.el9 ALSA-1 fixed 99-1.el9",
             "openssh-server 1-1.el9 ALSA-1 fixed 99-1.el9 local",
             "openssl-libs 1-1.el9 ALSA-1 fixed 99-1.el9"}));
}

// ---- fleets: the runtime rules are per host, the shared cache still shares ------------------

TEST(RuntimeRules, FleetStreamsAndSummariesAgree) {
  const index::Index index = alma_kernel_index();
  auto make = [](std::size_t i, core::HostReport& r) {
    const bool patched = i % 3 == 0;
    const bool transition = i % 3 == 1;
    r = alma_kernel_host({patch(std::string(kKpatch), "kpatch", patched || transition, transition,
                                {"CVE-2022-0847"})});
    r.host.id = std::to_string(i);
  };
  Matcher matcher(index, MatchOptions{.threads = 2});
  std::vector<std::size_t> mitigated(60, 99);
  matcher.match_stream(mitigated.size(), make, [&](std::size_t i, HostMatches&& m) {
    std::size_t n = 0;
    for (const auto& finding : m.findings) n += finding.payload->state == FindingState::kMitigated;
    mitigated[i] = n;
  });
  std::vector<std::size_t> summarized(60, 99);
  matcher.summarize_stream(summarized.size(), make, [&](std::size_t i, const HostSummary& s) {
    EXPECT_EQ(s.findings, 2u);
    summarized[i] = s.by_state[static_cast<std::size_t>(FindingState::kMitigated)];
  });
  for (std::size_t i = 0; i < mitigated.size(); ++i) {
    EXPECT_EQ(mitigated[i], i % 3 == 0 ? 1u : 0u) << i;
    EXPECT_EQ(summarized[i], mitigated[i]) << i;
  }
  EXPECT_EQ(matcher.stats().distinct_tuples, 1u);  // one kernel-core build across the fleet
}

// ---- the shared Vuls inventories ------------------------------------------------------------

// Real hosts from ../shared/data/vuls-host-inventories (no license: read in place from
// FLEETPATCH_SHARED_DATA, never copied). In that data every host runs its newest installed
// kernel (Vuls keeps one version per package name), so each host's report gets a newer build of
// its running kernel packages added in memory, installed but not booted, and advisories made up
// for it: one fixed between the running and the newer build (-> fixed-pending-reboot naming the
// newer build), one fixed after both (-> open on the running kernel; the newer build's own
// finding left out with a note).
std::filesystem::path vuls_dir() {
  return std::filesystem::path(FLEETPATCH_SHARED_DATA) / "vuls-host-inventories" / "raw";
}

core::Result<core::HostReport> import_in_place(const std::filesystem::path& path) {
  platform::PosixEnv env;
  const core::FixedClock clock(core::TimePoint(std::chrono::seconds(1'800'000'000)));
  core::Diagnostics diagnostics;
  return hoststate::import_file(env, clock, path.string(), diagnostics);
}

/// `version` with `marker` as the first component of its release ("5.10.245-243.979.amzn2" ->
/// "5.10.245-<marker>.243.979.amzn2"): RPM orders it by `marker` against the original release.
std::string with_release_prefix(std::string version, std::string_view marker) {
  const auto dash = version.rfind('-');
  version.insert(dash + 1, std::string(marker) + ".");
  return version;
}

TEST(RuntimeRules, VulsInventoriesGetTheRunningKernelAnswer) {
  const std::filesystem::path dir = vuls_dir();
  if (!std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << "shared Vuls inventories not present at " << dir
                 << " (set up ../shared/data to run this test)";
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::size_t checked = 0;
  bool saw_extra_kernel = false;
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    auto imported = import_in_place(file);
    ASSERT_TRUE(imported.ok()) << imported.error().message;
    core::HostReport report = std::move(imported).value();
    const auto release = distro::resolve_os(report.os);
    if (!release) continue;  // Oracle, Fedora: no family registered, nothing is matched
    const distro::Distro& family = *release->distro;
    std::vector<const core::Package*> running;
    {
      const RuntimeFacts facts(report, &family);
      running = facts.running_kernel_packages();
    }
    if (running.empty()) continue;  // a container: its host's kernel is not installed in it
    ASSERT_TRUE(report.kernel.installed.empty() ||
                report.kernel.installed == Lines{report.kernel.running});

    // Advisories for the running kernel packages, as the family matches them.
    const bool by_source = family.matches_source_names();
    std::vector<core::AffectedPackage> mid_entries, above_entries;
    Lines want;
    std::vector<core::Package> added;
    for (const core::Package* p : running) {
      core::Package newer = *p;
      std::string mid, above;
      if (report.package_format == core::PackageFormat::kDpkg) {
        // Builds are named by release: linux-image-<release>, linux-modules-<release>.
        const std::string& release_text = report.kernel.running;
        newer.name.replace(newer.name.find(release_text), release_text.size(), "99.0.0-1-test");
        newer.version = newer.source_version = "99.0.0-1";
        mid = "50.0.0-1";
        above = "100.0.0-1";
      } else {
        newer.version = with_release_prefix(p->version, "999999999");
        newer.source_version = newer.version;
        mid = with_release_prefix(p->version, "500000000");
        above = with_release_prefix(p->version, "9999999999");
      }
      const std::string name = by_source && !p->source_name.empty() ? p->source_name : p->name;
      mid_entries.push_back(fixed_entry(release->key, name, mid));
      above_entries.push_back(fixed_entry(release->key, name, above));
      want.push_back(p->name + " " + p->version + " TEST-MID fixed-pending-reboot " +
                     newer.version);
      want.push_back(p->name + " " + p->version + " TEST-ABOVE fixed " + above);
      added.push_back(std::move(newer));
    }
    std::vector<core::Advisory> advisories = {
        advisory("TEST-MID", {"CVE-2099-0001"}, mid_entries),
        advisory("TEST-ABOVE", {"CVE-2099-0002"}, above_entries)};
    const bool extra_kernel = file.stem() == "amazon_2_extra_kernel";
    if (extra_kernel) {
      // Amazon Linux 2 with the 5.10 kernel of the extras topic: kernel-tools and the kernel
      // source RPM are the 4.14 line. An advisory for the 4.14 kernel concerns kernel-tools,
      // never the 5.10 kernel that runs.
      saw_extra_kernel = true;
      ASSERT_EQ(running.size(), 1u);
      EXPECT_EQ(running[0]->name, "kernel");
      EXPECT_EQ(running[0]->version, "5.10.245-243.979.amzn2");
      advisories.push_back(
          advisory("ALAS2-2023-2100", {"CVE-2023-0001"},
                   {fixed_entry("amzn:2", "kernel", "4.14.320-242.534.amzn2"),
                    fixed_entry("amzn:2", "kernel-tools", "4.14.320-242.534.amzn2")}));
      want.push_back(
          "kernel-tools 4.14.314-237.533.amzn2 ALAS2-2023-2100 fixed "
          "4.14.320-242.534.amzn2");
    }
    std::sort(want.begin(), want.end());
    for (auto& p : added) report.packages.push_back(std::move(p));
    report.kernel.installed.clear();  // stale now; the matcher then looks at the packages
    const index::Index index = build(std::move(advisories));

    const auto result = match_checked(index, report);
    // Where advisories name source packages, the made-up ones also reach the other binaries of
    // the kernel source (headers, tools, meta packages): judged as plain packages, not checked
    // here. Amazon's are binary names: every finding is checked.
    core::HostFindings checked_findings = result;
    if (by_source) {
      std::erase_if(checked_findings.findings, [&family](const core::Finding& f) {
        core::Package probe;
        probe.name = f.package;
        probe.version = f.installed_version;
        return !family.kernel_package(probe).has_value();
      });
    }
    Lines got = describe(checked_findings);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, want);
    EXPECT_TRUE(has_note(result, "is installed but not running: its"))
        << ::testing::PrintToString(result.notes);
    // On request the newer build's own finding (TEST-ABOVE) is reported too.
    const auto all = match_checked(index, report, {.report_inactive_kernels = true});
    EXPECT_EQ(all.findings.size(), result.findings.size() + running.size());
    ++checked;
  }
  EXPECT_TRUE(saw_extra_kernel);
  EXPECT_GE(checked, 25u);
}

}  // namespace
}  // namespace fleetpatch::match
