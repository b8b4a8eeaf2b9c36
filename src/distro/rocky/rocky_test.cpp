#include "distro/rocky/rocky.hpp"

#include <gtest/gtest.h>

namespace fleetpatch::distro {
namespace {

core::AffectedPackage entry(std::string name, std::string fixed) {
  core::AffectedPackage affected;
  affected.release = "rocky:8";
  affected.name = std::move(name);
  affected.events = {{core::VersionEvent::Type::kIntroduced, "0"},
                     {core::VersionEvent::Type::kFixed, std::move(fixed)}};
  return affected;
}

TEST(Rocky, KindSeverityAndSigAdvisories) {
  struct Case {
    std::string id;
    std::string summary;
    core::AdvisoryKind kind;
    core::Severity severity;
    std::size_t affected_after;
  };
  const Case cases[] = {
      {"RLSA-2024:8121", "Moderate: java-11-openjdk security update", core::AdvisoryKind::kSecurity,
       core::Severity::kMedium, 1},
      {"RLBA-2023:1000", "tzdata bug fix update", core::AdvisoryKind::kBugfix,
       core::Severity::kUnknown, 1},
      {"RLEA-2023:1001", "foo enhancement update", core::AdvisoryKind::kEnhancement,
       core::Severity::kUnknown, 1},
      {"RXSA-2023:0101", "Important: kernel security and bug fix update",
       core::AdvisoryKind::kSecurity, core::Severity::kHigh, 0},
  };
  Rocky rocky;
  for (const auto& c : cases) {
    core::Advisory advisory;
    advisory.id = c.id;
    advisory.summary = c.summary;
    advisory.affected = {entry("pkg", "0:1.0-1.el8")};
    rocky.refine_advisory(advisory);
    SCOPED_TRACE(c.id);
    EXPECT_EQ(advisory.kind, c.kind);
    EXPECT_EQ(advisory.severity, c.severity);
    EXPECT_EQ(advisory.affected.size(), c.affected_after);
  }
}

TEST(Rocky, ModulePlusElMarker) {
  Rocky rocky;
  core::Advisory advisory;
  advisory.id = "RLSA-2025:9318";
  advisory.summary = "Important: javapackages-tools:201801 security update";
  advisory.affected = {entry("ant", "0:1.10.5-1.module+el8.3.0+74+855e3f5d"),
                       entry("ant", "0:1.10.5-1.module+el8.10.0+2003+8aeac9cb")};
  rocky.refine_advisory(advisory);
  ASSERT_EQ(advisory.affected.size(), 1u);
  EXPECT_EQ(advisory.affected[0].module, "javapackages-tools:201801");
  EXPECT_EQ(advisory.affected[0].events.back().version, "0:1.10.5-1.module+el8.3.0+74+855e3f5d");
}

}  // namespace
}  // namespace fleetpatch::distro
