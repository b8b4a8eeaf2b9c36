#include "distro/suse/suse.hpp"

#include <gtest/gtest.h>

namespace fleetpatch::distro {
namespace {

TEST(Suse, EachProductClaimsOnlyItsOwnEcosystems) {
  Suse leap(Suse::Product::kLeap);
  Suse tumbleweed(Suse::Product::kTumbleweed);
  Suse sles(Suse::Product::kSles);
  struct Case {
    std::string ecosystem;
    std::string leap, tumbleweed, sles;
  };
  const Case cases[] = {
      {"openSUSE:Leap 15.5", "opensuse-leap:15.5", "", ""},
      {"openSUSE:Leap 15", "", "", ""},
      {"openSUSE:Tumbleweed", "", "opensuse-tumbleweed", ""},
      {"SUSE:Linux Enterprise Server 15 SP5", "", "", "sles:15.5"},
      {"SUSE:Linux Enterprise Server 15 SPx", "", "", ""},
      {"SUSE:Linux Enterprise Module for Basesystem 15 SP5", "", "", "sles:15.5"},
      {"SUSE:Linux Enterprise Module for Basesystem", "", "", ""},
      {"SUSE:Linux Enterprise Micro 5.5", "", "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.ecosystem);
    EXPECT_EQ(leap.release_for_osv_ecosystem(c.ecosystem).value_or(""), c.leap);
    EXPECT_EQ(tumbleweed.release_for_osv_ecosystem(c.ecosystem).value_or(""), c.tumbleweed);
    EXPECT_EQ(sles.release_for_osv_ecosystem(c.ecosystem).value_or(""), c.sles);
  }
  EXPECT_FALSE(sles.matches_source_names());
  EXPECT_EQ(sles.package_format(), core::PackageFormat::kRpm);
}

TEST(Suse, AdvisoryKindFromTheUpdateType) {
  const Suse sles(Suse::Product::kSles);
  const std::pair<std::string, core::AdvisoryKind> cases[] = {
      {"SUSE-SU-2015:0011-2", core::AdvisoryKind::kSecurity},
      {"openSUSE-SU-2016:1623-1", core::AdvisoryKind::kSecurity},
      {"SUSE-SU-403", core::AdvisoryKind::kSecurity},
      {"SUSE-RU-2024:0001-1", core::AdvisoryKind::kBugfix},
      {"openSUSE-RU-2024:0001-1", core::AdvisoryKind::kBugfix},
      {"SUSE-OU-2024:0001-1", core::AdvisoryKind::kBugfix},
      {"SUSE-FU-2024:0001-1", core::AdvisoryKind::kEnhancement},
      // Not an update id: the parsed kind stays (parsed here as an enhancement).
      {"SUSE-CVE-2024-1", core::AdvisoryKind::kEnhancement},
      {"CVE-2024-1", core::AdvisoryKind::kEnhancement},
  };
  for (const auto& [id, want] : cases) {
    core::Advisory advisory;
    advisory.id = id;
    advisory.kind = core::AdvisoryKind::kEnhancement;
    sles.refine_advisory(advisory);
    EXPECT_EQ(advisory.kind, want) << id;
  }
}

}  // namespace
}  // namespace fleetpatch::distro
