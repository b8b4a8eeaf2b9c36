#include "feed/csaf/product.hpp"

#include <gtest/gtest.h>

namespace fleetpatch::feed::csaf {
namespace {

TEST(CsafProduct, ReleaseForCpe) {
  const std::pair<std::string, std::string> cases[] = {
      {"cpe:/o:redhat:enterprise_linux:9::baseos", "rhel:9"},
      {"cpe:/a:redhat:enterprise_linux:8::appstream", "rhel:8"},
      {"cpe:/a:redhat:enterprise_linux:8", "rhel:8"},
      {"cpe:/o:redhat:enterprise_linux:10.0", "rhel:10"},
      {"cpe:/o:redhat:enterprise_linux:4::as", "rhel:4"},
      {"cpe:/o:redhat:rhel_els:7", "rhel:7"},
      {"cpe:2.3:o:redhat:enterprise_linux:9:*:*:*:*:*:*:*", "rhel:9"},
      {"cpe:/a:redhat:rhel_eus:9.2::appstream", ""},
      {"cpe:/a:redhat:rhel_aus:8.2", ""},
      {"cpe:/a:redhat:rhel_e4s:8.4::appstream", ""},
      {"cpe:/a:redhat:satellite:6.16::el8", ""},
      {"cpe:/a:redhat:rhel_dotnet:6.0::el7", ""},
      {"cpe:/a:redhat:kernel_module_management:1.1::el9", ""},
      {"cpe:/o:suse:suse_sles:11:sp2", "sles:11.2"},
      {"cpe:/o:suse:sles:15:sp5", "sles:15.5"},
      {"cpe:/o:suse:sles:15", "sles:15"},
      {"cpe:/o:suse:suse_sles_ltss:11:sp2", "sles:11.2"},
      {"cpe:/o:suse:sles-ltss:15:sp3", "sles:15.3"},
      {"cpe:/o:suse:sle-module-basesystem:15:sp5", "sles:15.5"},
      {"cpe:/o:opensuse:leap:15.5", "opensuse-leap:15.5"},
      {"cpe:/o:opensuse:tumbleweed", "opensuse-tumbleweed"},
      {"cpe:/o:suse:sles_sap:11:sp2", ""},
      {"cpe:/o:suse:packagehub:12", ""},
      {"cpe:/o:suse:sles:15:beta", ""},
      {"", ""},
      {"not a cpe", ""},
  };
  for (const auto& [cpe, want] : cases) {
    EXPECT_EQ(release_for_cpe(cpe).value_or(""), want) << cpe;
  }
}

struct ComponentCase {
  std::string input;
  bool ok;
  std::string name, version, arch, module;
  NotRpm why = NotRpm::kUnparsable;
};

void expect_component(const ComponentCase& c, const std::optional<RpmComponent>& got, NotRpm why) {
  ASSERT_EQ(got.has_value(), c.ok) << c.input;
  if (!c.ok) {
    EXPECT_EQ(why, c.why) << c.input;
    return;
  }
  EXPECT_EQ(got->name, c.name) << c.input;
  EXPECT_EQ(got->version, c.version) << c.input;
  EXPECT_EQ(got->arch, c.arch) << c.input;
  EXPECT_EQ(got->module, c.module) << c.input;
}

TEST(CsafProduct, RpmPurls) {
  const ComponentCase cases[] = {
      {"pkg:rpm/redhat/c-ares@1.13.0-9.el8_9.1?arch=aarch64", true, "c-ares", "1.13.0-9.el8_9.1",
       "aarch64", ""},
      {"pkg:rpm/redhat/foreman-installer@3.12.0.4-2.el8sat?arch=src&epoch=1", true,
       "foreman-installer", "1:3.12.0.4-2.el8sat", "src", ""},
      {"pkg:rpm/redhat/dotnet6.0@6.0.126-1.el8_9?epoch=0", true, "dotnet6.0", "6.0.126-1.el8_9", "",
       ""},
      {"pkg:rpm/redhat/aardvark-dns@1.7.0-1.module%2Bel8.9.0%2B19244%2B655f84ee?arch=src&epoch=2&"
       "rpmmod=container-tools:rhel8:8090020230825121312:e7857ab1",
       true, "aardvark-dns", "2:1.7.0-1.module+el8.9.0+19244+655f84ee", "src",
       "container-tools:rhel8"},
      {"pkg:rpm/redhat/kernel?arch=src", true, "kernel", "", "src", ""},
      {"pkg:rpm/redhat/python2?arch=src&rpmmod=gimp:flatpak", false, "", "", "", "",
       NotRpm::kFlatpak},
      {"pkg:rpm/redhat/firefox-flatpak?arch=src&rpmmod=rhel10", false, "", "", "", "",
       NotRpm::kFlatpak},
      {"pkg:golang/redhat/ose-openstack-machine-controllers-container", false, "", "", "", "",
       NotRpm::kOtherType},
      {"pkg:oci/kernel-module-management-rhel9-operator@sha256:b2c2?arch=amd64", false, "", "", "",
       "", NotRpm::kOtherType},
      {"rpm/redhat/kernel", false, "", "", "", "", NotRpm::kUnparsable},
      {"pkg:rpm", false, "", "", "", "", NotRpm::kUnparsable},
      {"pkg:rpm/redhat/@1.0", false, "", "", "", "", NotRpm::kUnparsable},
  };
  for (const auto& c : cases) {
    NotRpm why = NotRpm::kUnparsable;
    auto got = parse_rpm_purl(c.input, &why);
    expect_component(c, got, why);
  }
}

TEST(CsafProduct, RpmProductIds) {
  const ComponentCase cases[] = {
      {"c-ares-0:1.13.0-9.el8_9.1.aarch64", true, "c-ares", "1.13.0-9.el8_9.1", "aarch64", ""},
      {"foreman-installer-1:3.12.0.4-2.el8sat.noarch", true, "foreman-installer",
       "1:3.12.0.4-2.el8sat", "noarch", ""},
      {"bind-libs-32bit-9.9.4P2-0.6.1.x86_64", true, "bind-libs-32bit", "9.9.4P2-0.6.1", "x86_64",
       ""},
      {"python3.11-0:3.11.9-7.el8_10", true, "python3.11", "3.11.9-7.el8_10", "", ""},
      {"aardvark-dns-1.7.0-1.module+el8.9.0+19244+655f84ee.aarch64.rpm-container-tools:rhel8", true,
       "aardvark-dns", "1.7.0-1.module+el8.9.0+19244+655f84ee", "aarch64", "container-tools:rhel8"},
      {"nodejs:18:9020020230602092936:rhel9/nodejs-1:18.14.2-3.module+el9.2.0.z+18497+a402347c.src",
       true, "nodejs", "1:18.14.2-3.module+el9.2.0.z+18497+a402347c", "src", "nodejs:18"},
      {"python36:3.6/python36.src", true, "python36", "", "src", "python36:3.6"},
      {"kernel", true, "kernel", "", "", ""},
      {"kernel-rt.src", true, "kernel-rt", "", "src", ""},
      {"java-17-openjdk", true, "java-17-openjdk", "", "", ""},
      {"rhel10/firefox-flatpak.src", false, "", "", "", "", NotRpm::kFlatpak},
      {"gimp:flatpak/python2.src", false, "", "", "", "", NotRpm::kFlatpak},
      {"kmm/kernel-module-management-rhel9-operator@sha256:b2c25e_amd64", false, "", "", "", "",
       NotRpm::kOtherType},
      {"", false, "", "", "", "", NotRpm::kUnparsable},
  };
  for (const auto& c : cases) {
    NotRpm why = NotRpm::kUnparsable;
    auto got = parse_rpm_product_id(c.input, &why);
    expect_component(c, got, why);
  }
}

TEST(CsafProduct, Dates) {
  EXPECT_EQ(normalize_date("2023-11-14T17:00:58+00:00"), "2023-11-14T17:00:58Z");
  EXPECT_EQ(normalize_date("2014-01-27T18:38:10Z"), "2014-01-27T18:38:10Z");
  EXPECT_EQ(normalize_date("2023-11-14T19:00:58+02:00"), "2023-11-14T17:00:58Z");
  EXPECT_EQ(normalize_date(""), "");
  EXPECT_EQ(normalize_date("yesterday"), "yesterday");
}

}  // namespace
}  // namespace fleetpatch::feed::csaf
