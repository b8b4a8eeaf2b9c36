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

}  // namespace
}  // namespace fleetpatch::distro
