#include "distro/rhel/rhel.hpp"

#include <gtest/gtest.h>

namespace fleetpatch::distro {
namespace {

TEST(Rhel, KindsAndReleases) {
  Rhel rhel;
  CentOs centos;
  const std::tuple<const RhelLike*, std::string, core::AdvisoryKind> cases[] = {
      {&rhel, "RHSA-2024:0001", core::AdvisoryKind::kSecurity},
      {&rhel, "RHBA-2024:0002", core::AdvisoryKind::kBugfix},
      {&rhel, "RHEA-2024:0003", core::AdvisoryKind::kEnhancement},
      {&centos, "CESA-2020:0001", core::AdvisoryKind::kSecurity},
      {&centos, "CEBA-2020:0002", core::AdvisoryKind::kBugfix},
      {&centos, "CEEA-2020:0003", core::AdvisoryKind::kEnhancement},
  };
  for (const auto& [distro, id, kind] : cases) {
    core::Advisory advisory;
    advisory.id = id;
    advisory.kind = core::AdvisoryKind::kSecurity == kind ? core::AdvisoryKind::kBugfix
                                                          : core::AdvisoryKind::kSecurity;
    distro->refine_advisory(advisory);
    EXPECT_EQ(advisory.kind, kind) << id;
  }
  EXPECT_FALSE(rhel.release_for_osv_ecosystem("Red Hat:9").has_value());
  core::OsInfo os;
  os.id = "centos";
  os.version_id = "7";
  EXPECT_EQ(centos.release_for_os(os), "centos:7");
  EXPECT_FALSE(rhel.release_for_os(os).has_value());
}

TEST(Rhel, ModuleBuildMarkers) {
  const std::pair<std::string, bool> cases[] = {
      {"1:18.12.1-1.module_el8.7.0+3370+7c8d9c49", true},
      {"0:1.10.5-1.module+el8.3.0+74+855e3f5d", true},
      {"1:1.1.1k-7.el8_6", false},
      {"3.2-1.modulefoo.el8", false},
  };
  for (const auto& [evr, want] : cases) EXPECT_EQ(is_module_build(evr), want) << evr;
}

}  // namespace
}  // namespace fleetpatch::distro
