#include "distro/almalinux/almalinux.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fleetpatch::distro {
namespace {

core::AffectedPackage entry(std::string name, std::string fixed,
                            std::string release = "almalinux:8") {
  core::AffectedPackage affected;
  affected.release = std::move(release);
  affected.name = std::move(name);
  affected.events = {{core::VersionEvent::Type::kIntroduced, "0"},
                     {core::VersionEvent::Type::kFixed, std::move(fixed)}};
  return affected;
}

TEST(AlmaLinux, KindAndSeverityFromIdAndSummary) {
  struct Case {
    std::string id;
    std::string summary;
    core::AdvisoryKind kind;
    core::Severity severity;
    std::string vendor_severity;
  };
  const Case cases[] = {
      {"ALSA-2022:5003", "Important: openssl security update", core::AdvisoryKind::kSecurity,
       core::Severity::kHigh, "Important"},
      {"ALSA-2023:6267", "Critical: squid:4 security update", core::AdvisoryKind::kSecurity,
       core::Severity::kCritical, "Critical"},
      {"ALSA-2022:1762", "Moderate: container-tools:rhel8 security update",
       core::AdvisoryKind::kSecurity, core::Severity::kMedium, "Moderate"},
      {"ALSA-2021:0001", "Low: foo security update", core::AdvisoryKind::kSecurity,
       core::Severity::kLow, "Low"},
      {"ALBA-2019:0973", "container-tools bug fix update", core::AdvisoryKind::kBugfix,
       core::Severity::kUnknown, ""},
      {"ALBA-2022:2141", "container-tools:rhel8 bug fix update", core::AdvisoryKind::kBugfix,
       core::Severity::kUnknown, ""},
      {"ALEA-2020:4767", "perl:5.30 metadata for the AlmaLinux 8 module matrix",
       core::AdvisoryKind::kEnhancement, core::Severity::kUnknown, ""},
      {"ALSAX-1", "Important: not an alma id", core::AdvisoryKind::kSecurity, core::Severity::kHigh,
       "Important"},
  };
  AlmaLinux alma;
  for (const auto& c : cases) {
    core::Advisory advisory;
    advisory.id = c.id;
    advisory.summary = c.summary;
    alma.refine_advisory(advisory);
    SCOPED_TRACE(c.id);
    EXPECT_EQ(advisory.kind, c.kind);
    EXPECT_EQ(advisory.severity, c.severity);
    EXPECT_EQ(advisory.vendor_severity, c.vendor_severity);
  }
}

TEST(AlmaLinux, ModuleStreamsFromSummary) {
  const std::pair<std::string, std::vector<std::string>> cases[] = {
      {"Moderate: nodejs:18 security update", {"nodejs:18"}},
      {"Moderate: virt:rhel and virt-devel:rhel security, bug fix, and enhancement update",
       {"virt:rhel", "virt-devel:rhel"}},
      {"perl-IO-Socket-SSL:2.066 and perl-libwww-perl:6.34 update",
       {"perl-IO-Socket-SSL:2.066", "perl-libwww-perl:6.34"}},
      {"perl:5.30 metadata for the AlmaLinux 8 module matrix", {"perl:5.30"}},
      {"Important: 389-ds security update", {"389-ds"}},
      {"satellite-5-client module update", {"satellite-5-client"}},
      {"Important: kernel security update", {"kernel"}},
      {"new module: perl:5.30", {"perl:5.30"}},
      {"Important: httpd:2.4/httpd and httpd:2.4/mod_http2 security update", {"httpd:2.4"}},
      {"new module: container-tools:4.0", {"container-tools:4.0"}},
      {"", {}},
  };
  for (const auto& [summary, want] : cases) {
    EXPECT_EQ(module_streams_from_summary(summary), want) << summary;
  }
}

TEST(AlmaLinux, ModuleEntriesGetTheSummaryStream) {
  AlmaLinux alma;
  core::Advisory advisory;
  advisory.id = "ALSA-2022:8832";
  advisory.summary = "Moderate: nodejs:18 security, bug fix, and enhancement update";
  advisory.affected = {entry("nodejs", "1:18.12.1-1.module_el8.7.0+3370+7c8d9c49"),
                       entry("nodejs-docs", "1:18.12.1-1.module+el8.7.0+3370+7c8d9c49")};
  alma.refine_advisory(advisory);
  ASSERT_EQ(advisory.affected.size(), 2u);
  EXPECT_EQ(advisory.affected[0].module, "nodejs:18");
  EXPECT_EQ(advisory.affected[1].module, "nodejs:18");
}

TEST(AlmaLinux, NonModuleEntriesStayWithoutModule) {
  AlmaLinux alma;
  core::Advisory advisory;
  advisory.id = "ALSA-2022:5003";
  advisory.summary = "Important: openssl security update";
  advisory.affected = {entry("openssl", "1:1.1.1k-7.el8_6")};
  alma.refine_advisory(advisory);
  ASSERT_EQ(advisory.affected.size(), 1u);
  EXPECT_EQ(advisory.affected[0].module, "");
}

TEST(AlmaLinux, SeveralStreamsRepeatTheEntryAndCollapseBuilds) {
  AlmaLinux alma;
  core::Advisory advisory;
  advisory.id = "ALSA-2023:6980";
  advisory.summary = "Moderate: virt:rhel and virt-devel:rhel security update";
  // hivex built twice (two module contexts) at the same V-R; SLOF once.
  advisory.affected = {entry("SLOF", "20210217-1.module_el8.6.0+2880+7d9e3703"),
                       entry("hivex", "1.3.18-23.module_el8.6.0+3161+a07c0ea5"),
                       entry("hivex", "1.3.18-23.module_el8.6.0+2880+7d9e3703")};
  alma.refine_advisory(advisory);
  std::vector<std::string> got;
  for (const auto& a : advisory.affected) {
    got.push_back(a.name + " " + a.module + " " + a.events.back().version);
  }
  const std::vector<std::string> want = {
      "SLOF virt:rhel 20210217-1.module_el8.6.0+2880+7d9e3703",
      "SLOF virt-devel:rhel 20210217-1.module_el8.6.0+2880+7d9e3703",
      "hivex virt:rhel 1.3.18-23.module_el8.6.0+2880+7d9e3703",
      "hivex virt-devel:rhel 1.3.18-23.module_el8.6.0+2880+7d9e3703",
  };
  EXPECT_EQ(got, want);
}

TEST(AlmaLinux, DifferentVersionsOfOnePackageAreKept) {
  AlmaLinux alma;
  core::Advisory advisory;
  advisory.id = "ALSA-2024:0001";
  advisory.summary = "Important: idm:DL1 security update";
  advisory.affected = {entry("ipa-client", "4.9.13-1.module_el8.10.0+100+aaaa"),
                       entry("ipa-client", "4.9.12-9.module_el8.9.0+90+bbbb")};
  alma.refine_advisory(advisory);
  EXPECT_EQ(advisory.affected.size(), 2u);
}

TEST(AlmaLinux, ModuleOfCutsTheLabel) {
  AlmaLinux alma;
  const std::pair<std::optional<std::string>, std::string> cases[] = {
      {std::nullopt, ""},
      {"", ""},
      {"nodejs:18", "nodejs:18"},
      {"nodejs:18:8090020231019152822:a75119d5", "nodejs:18"},
      {"container-tools", "container-tools"},
  };
  for (const auto& [label, want] : cases) {
    core::Package package;
    package.module = label;
    EXPECT_EQ(alma.module_of(package), want);
  }
}

}  // namespace
}  // namespace fleetpatch::distro
