#include "distro/alpine/alpine.hpp"

#include <gtest/gtest.h>

namespace fleetpatch::distro {
namespace {

TEST(Alpine, Releases) {
  Alpine alpine;
  EXPECT_TRUE(alpine.matches_source_names());
  EXPECT_EQ(alpine.package_format(), core::PackageFormat::kApk);
  const std::pair<std::string, std::string> ecosystems[] = {
      {"Alpine:v3.18", "alpine:3.18"},
      {"Alpine:v3.9", "alpine:3.9"},
      {"Alpine:v3", ""},
      {"Alpine:v3.", ""},
      {"Alpine:edge", ""},
  };
  for (const auto& [ecosystem, want] : ecosystems) {
    EXPECT_EQ(alpine.release_for_osv_ecosystem(ecosystem).value_or(""), want) << ecosystem;
  }
  core::OsInfo os;
  os.id = "alpine";
  for (const auto& [version_id, want] :
       {std::pair<std::string, std::string>{"3.19.0", "alpine:3.19"},
        {"3.10", "alpine:3.10"},
        {"3", ""},
        {"edge", ""}}) {
    os.version_id = version_id;
    EXPECT_EQ(alpine.release_for_os(os).value_or(""), want) << version_id;
  }
}

}  // namespace
}  // namespace fleetpatch::distro
