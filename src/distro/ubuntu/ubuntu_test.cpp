#include "distro/ubuntu/ubuntu.hpp"

#include <gtest/gtest.h>

namespace fleetpatch::distro {
namespace {

TEST(Ubuntu, Releases) {
  Ubuntu ubuntu;
  EXPECT_TRUE(ubuntu.matches_source_names());
  const std::pair<std::string, std::string> ecosystems[] = {
      {"Ubuntu:20.04:LTS", "ubuntu:20.04"},
      {"Ubuntu:24.10", "ubuntu:24.10"},
      {"Ubuntu:Pro:16.04:LTS", "ubuntu:16.04"},
      {"Ubuntu:Pro:FIPS-updates:22.04:LTS", ""},
      {"Ubuntu:22.04:ESM", ""},
      {"Ubuntu:2204", ""},
      {"Ubuntu", ""},
  };
  for (const auto& [ecosystem, want] : ecosystems) {
    EXPECT_EQ(ubuntu.release_for_osv_ecosystem(ecosystem).value_or(""), want) << ecosystem;
  }
  core::OsInfo os;
  os.id = "ubuntu";
  for (const auto& [version_id, want] :
       {std::pair<std::string, std::string>{"22.04", "ubuntu:22.04"}, {"22.04.3", ""}, {"", ""}}) {
    os.version_id = version_id;
    EXPECT_EQ(ubuntu.release_for_os(os).value_or(""), want) << version_id;
  }
}

TEST(Ubuntu, RefineAdvisory) {
  Ubuntu ubuntu;
  struct Case {
    std::string id;
    core::AdvisoryKind parsed;
    std::size_t want_entries;
  };
  const Case cases[] = {
      {"USN-7095-1", core::AdvisoryKind::kBugfix, 1},
      {"UBUNTU-CVE-2024-51988", core::AdvisoryKind::kEnhancement, 1},
      // Livepatch notices repeat the kernel fixes of USNs; livepatch coverage comes from hosts.
      {"LSN-0113-1", core::AdvisoryKind::kSecurity, 0},
  };
  for (const auto& c : cases) {
    core::Advisory advisory;
    advisory.id = c.id;
    advisory.kind = c.parsed;
    advisory.affected.push_back({"ubuntu:16.04",
                                 "linux-aws",
                                 "",
                                 core::FixState::kFixed,
                                 {{core::VersionEvent::Type::kFixed, "4.4.0-1182.197"}}});
    ubuntu.refine_advisory(advisory);
    EXPECT_EQ(advisory.kind, core::AdvisoryKind::kSecurity) << c.id;
    EXPECT_EQ(advisory.affected.size(), c.want_entries) << c.id;
  }
}

}  // namespace
}  // namespace fleetpatch::distro
