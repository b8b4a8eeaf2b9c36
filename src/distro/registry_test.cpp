#include <gtest/gtest.h>

#include <set>
#include <string>

#include "distro/distro.hpp"

namespace fleetpatch::distro {
namespace {

struct OsCase {
  std::string id;
  std::string version_id;
  std::string codename;
  std::string want_key;  // "" = not resolved
  std::string want_family;
};

TEST(Registry, ResolvesHostOs) {
  const OsCase cases[] = {
      {"almalinux", "9.3", "", "almalinux:9", "almalinux"},
      {"almalinux", "8.10", "", "almalinux:8", "almalinux"},
      {"almalinux", "10.0", "", "almalinux:10", "almalinux"},
      {"rocky", "9.5", "", "rocky:9", "rocky"},
      {"rhel", "9.4", "", "rhel:9", "rhel"},
      {"centos", "7", "", "centos:7", "centos"},
      {"debian", "12", "bookworm", "debian:12", "debian"},
      {"debian", "", "trixie", "debian:13", "debian"},
      {"debian", "", "sid", "", ""},
      {"ubuntu", "22.04", "jammy", "ubuntu:22.04", "ubuntu"},
      {"ubuntu", "24.10", "", "ubuntu:24.10", "ubuntu"},
      {"alpine", "3.19.1", "", "alpine:3.19", "alpine"},
      {"alpine", "3.20_alpha20240329", "", "alpine:3.20", "alpine"},
      {"opensuse-leap", "15.5", "", "opensuse-leap:15.5", "opensuse-leap"},
      {"opensuse-tumbleweed", "20240101", "", "opensuse-tumbleweed", "opensuse-tumbleweed"},
      {"sles", "15.5", "", "sles:15.5", "sles"},
      {"sles", "15", "", "sles:15", "sles"},
      {"amzn", "2", "", "amzn:2", "amzn"},
      {"amzn", "2023", "", "amzn:2023", "amzn"},
      {"fedora", "40", "", "", ""},
      {"almalinux", "", "", "", ""},
  };
  for (const auto& c : cases) {
    core::OsInfo os;
    os.id = c.id;
    os.version_id = c.version_id;
    os.version_codename = c.codename;
    auto release = resolve_os(os);
    SCOPED_TRACE(c.id + " " + c.version_id);
    if (c.want_key.empty()) {
      EXPECT_FALSE(release.has_value());
      continue;
    }
    ASSERT_TRUE(release.has_value());
    EXPECT_EQ(release->key, c.want_key);
    EXPECT_EQ(release->distro->family(), c.want_family);
  }
}

TEST(Registry, ResolvesOsvEcosystems) {
  const std::pair<std::string, std::string> cases[] = {
      {"AlmaLinux:8", "almalinux:8"},
      {"AlmaLinux:9", "almalinux:9"},
      {"AlmaLinux:10", "almalinux:10"},
      {"AlmaLinux:9.2", ""},
      {"AlmaLinux", ""},
      {"Rocky Linux:9", "rocky:9"},
      {"Debian:12", "debian:12"},
      {"Debian:6.0", "debian:6"},
      {"Debian:12.1", ""},
      {"Ubuntu:22.04:LTS", "ubuntu:22.04"},
      {"Ubuntu:24.10", "ubuntu:24.10"},
      {"Ubuntu:Pro:18.04:LTS", "ubuntu:18.04"},
      {"Ubuntu:Pro:FIPS:22.04:LTS", ""},
      {"Alpine:v3.19", "alpine:3.19"},
      {"Alpine:v3.19.1", ""},
      {"Alpine:3.19", ""},
      {"openSUSE:Leap 15.5", "opensuse-leap:15.5"},
      {"openSUSE:Leap Micro 5.5", ""},
      {"openSUSE:Tumbleweed", "opensuse-tumbleweed"},
      {"SUSE:Linux Enterprise Server 15 SP5", "sles:15.5"},
      {"SUSE:Linux Enterprise Server 15", "sles:15"},
      {"SUSE:Linux Enterprise Server 12 SP1", "sles:12.1"},
      {"SUSE:Linux Enterprise Server LTSS 15 SP3", "sles:15.3"},
      {"SUSE:Linux Enterprise Module for Basesystem 15 SP5", "sles:15.5"},
      {"SUSE:Linux Enterprise Module for Server Applications 15 SP6", "sles:15.6"},
      {"SUSE:Linux Enterprise Server for SAP Applications 15 SP5", ""},
      {"SUSE:Linux Enterprise Desktop 12", ""},
      {"SUSE:Package Hub 12", ""},
      {"PyPI", ""},
      {"", ""},
  };
  for (const auto& [ecosystem, want] : cases) {
    auto release = resolve_osv_ecosystem(ecosystem);
    SCOPED_TRACE(ecosystem);
    if (want.empty()) {
      EXPECT_FALSE(release.has_value());
      continue;
    }
    ASSERT_TRUE(release.has_value());
    EXPECT_EQ(release->key, want);
    EXPECT_EQ(distro_for_release(release->key), release->distro);
  }
}

TEST(Registry, FamiliesAreUniqueAndFindable) {
  std::set<std::string_view> seen;
  for (const Distro* distro : registry()) {
    EXPECT_TRUE(seen.insert(distro->family()).second) << distro->family();
    EXPECT_EQ(distro_for_release(std::string(distro->family()) + ":1"), distro);
  }
  EXPECT_EQ(distro_for_release("fedora:40"), nullptr);
  EXPECT_EQ(distro_for_release(""), nullptr);
}

TEST(Registry, SourceNameRuleFollowsPackageFormat) {
  for (const Distro* distro : registry()) {
    bool dpkg_or_apk = distro->package_format() == core::PackageFormat::kDpkg ||
                       distro->package_format() == core::PackageFormat::kApk;
    EXPECT_EQ(distro->matches_source_names(), dpkg_or_apk) << distro->family();
  }
}

TEST(ModuleApplies, Table) {
  struct Case {
    std::string advisory;
    std::string package;
    bool want;
  };
  const Case cases[] = {
      {"", "", true},
      {"nodejs:18", "nodejs:18", true},
      {"nodejs:18", "nodejs:20", false},
      {"nodejs:18", "", false},
      {"", "nodejs:18", false},
      {"container-tools", "container-tools:rhel8", true},
      {"container-tools", "container-tools-extra:rhel8", false},
      {"container-tools", "", false},
      {"virt:rhel", "virt-devel:rhel", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(module_applies(c.advisory, c.package), c.want) << c.advisory << " / " << c.package;
  }
}

}  // namespace
}  // namespace fleetpatch::distro
