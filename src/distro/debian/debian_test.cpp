#include "distro/debian/debian.hpp"

#include <gtest/gtest.h>

namespace fleetpatch::distro {
namespace {

TEST(Debian, ReleasesAndNames) {
  Debian debian;
  EXPECT_TRUE(debian.matches_source_names());
  EXPECT_EQ(debian.package_format(), core::PackageFormat::kDpkg);
  const std::pair<std::string, std::string> ecosystems[] = {
      {"Debian:11", "debian:11"}, {"Debian:3.0", "debian:3"},
      {"Debian:13", "debian:13"}, {"Debian", ""},
      {"Debian:x", ""},           {"Ubuntu:22.04:LTS", ""},
  };
  for (const auto& [ecosystem, want] : ecosystems) {
    EXPECT_EQ(debian.release_for_osv_ecosystem(ecosystem).value_or(""), want) << ecosystem;
  }
  core::OsInfo os;
  os.id = "debian";
  os.version_id = "11";
  EXPECT_EQ(debian.release_for_os(os), "debian:11");
  os.id = "ubuntu";
  EXPECT_FALSE(debian.release_for_os(os).has_value());
}

}  // namespace
}  // namespace fleetpatch::distro
