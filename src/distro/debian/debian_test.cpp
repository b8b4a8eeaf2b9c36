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

TEST(Debian, CodenamesMapToReleaseKeys) {
  const std::pair<std::string, std::string> cases[] = {
      {"bookworm", "debian:12"},
      {"bullseye", "debian:11"},
      {"trixie", "debian:13"},
      {"forky", "debian:14"},
      {"woody", "debian:3"},
      {"sarge", "debian:3"},
      {"jessie", "debian:8"},
      {"sid", ""},
      {"experimental", ""},
      {"Bookworm", ""},
      {"", ""},
  };
  for (const auto& [codename, want] : cases) {
    EXPECT_EQ(debian_release_for_codename(codename).value_or(""), want) << codename;
  }
}

}  // namespace
}  // namespace fleetpatch::distro
