// Each family's kernel package rule (Distro::kernel_package, kernel_package_version): which
// packages belong to one kernel build, and the `uname -r` release that build runs as.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "distro/distro.hpp"

namespace fleetpatch::distro {
namespace {

core::Package pkg(std::string name, std::string version, std::string arch = "x86_64") {
  core::Package p;
  p.name = std::move(name);
  p.version = std::move(version);
  p.arch = std::move(arch);
  return p;
}

const Distro& family(std::string_view release_key) {
  const Distro* distro = distro_for_release(release_key);
  EXPECT_NE(distro, nullptr) << release_key;
  return *distro;
}

struct KernelCase {
  const char* release_key;  // picks the family
  core::Package package;
  std::optional<KernelPackage> want;
};

TEST(KernelPackage, Table) {
  const KernelCase cases[] = {
      // Red Hat naming: AlmaLinux, Rocky, RHEL, CentOS, Amazon.
      {"almalinux:9", pkg("kernel-core", "5.14.0-70.13.1.el9_0"),
       KernelPackage{"5.14.0-70.13.1.el9_0.x86_64", true}},
      {"almalinux:9", pkg("kernel", "5.14.0-70.13.1.el9_0"),
       KernelPackage{"5.14.0-70.13.1.el9_0.x86_64", true}},
      {"rocky:9", pkg("kernel-modules", "5.14.0-162.6.1.el9_1"),
       KernelPackage{"5.14.0-162.6.1.el9_1.x86_64", false}},
      {"rhel:9", pkg("kernel-modules-extra", "5.14.0-70.13.1.el9_0", "aarch64"),
       KernelPackage{"5.14.0-70.13.1.el9_0.aarch64", false}},
      {"rhel:8", pkg("kernel-rt-core", "4.18.0-553.rt7.342.el8_10"),
       KernelPackage{"4.18.0-553.rt7.342.el8_10.x86_64", true}},
      {"centos:7", pkg("kernel", "3.10.0-1160.el7", ""), KernelPackage{"3.10.0-1160.el7", true}},
      {"amzn:2", pkg("kernel", "5.10.245-243.979.amzn2"),
       KernelPackage{"5.10.245-243.979.amzn2.x86_64", true}},
      {"almalinux:9", pkg("kernel-tools", "5.14.0-70.13.1.el9_0"), std::nullopt},
      {"almalinux:9", pkg("kernel-headers", "5.14.0-70.13.1.el9_0"), std::nullopt},
      {"almalinux:9", pkg("kernel-devel", "5.14.0-70.13.1.el9_0"), std::nullopt},
      {"almalinux:9", pkg("kernelshark", "2.1-1.el9"), std::nullopt},
      {"almalinux:9", pkg("kernel-default", "5.14.21-150400.24.46.1"), std::nullopt},
      {"almalinux:9", pkg("bash", "5.1.8-6.el9"), std::nullopt},
      // Debian and Ubuntu.
      {"debian:12", pkg("linux-image-6.1.0-18-amd64", "6.1.76-1"),
       KernelPackage{"6.1.0-18-amd64", true}},
      {"debian:12", pkg("linux-image-6.1.0-18-amd64-unsigned", "6.1.76-1"),
       KernelPackage{"6.1.0-18-amd64", true}},
      {"debian:12", pkg("linux-image-amd64", "6.1.76-1"), std::nullopt},
      {"debian:12", pkg("linux-image-6.1.0-18-amd64-dbg", "6.1.76-1"), std::nullopt},
      {"debian:12", pkg("linux-headers-6.1.0-18-amd64", "6.1.76-1"), std::nullopt},
      {"debian:12", pkg("linux-libc-dev", "6.1.76-1"), std::nullopt},
      {"ubuntu:22.04", pkg("linux-image-unsigned-5.15.0-91-generic", "5.15.0-91.101"),
       KernelPackage{"5.15.0-91-generic", true}},
      {"ubuntu:22.04", pkg("linux-modules-5.15.0-91-generic", "5.15.0-91.101"),
       KernelPackage{"5.15.0-91-generic", false}},
      {"ubuntu:22.04", pkg("linux-modules-extra-5.15.0-91-generic", "5.15.0-91.101"),
       KernelPackage{"5.15.0-91-generic", false}},
      {"ubuntu:22.04", pkg("linux-virtual", "5.15.0.91.88"), std::nullopt},
      // SUSE.
      {"sles:15.5", pkg("kernel-default", "5.14.21-150500.55.39.1"),
       KernelPackage{"5.14.21-150500.55.39-default", true}},
      {"opensuse-leap:16.0", pkg("kernel-default-base", "6.12.0-160000.2.1.160000.2.1"),
       KernelPackage{"6.12.0-160000.2-default", true}},
      {"sles:15.5", pkg("kernel-default-extra", "5.14.21-150500.55.39.1"),
       KernelPackage{"5.14.21-150500.55.39-default", false}},
      {"sles:15.5", pkg("kernel-firmware-all", "20230724-150500.3.3.1"), std::nullopt},
      {"sles:15.5", pkg("kernel", "5.14.0-70.13.1.el9_0"), std::nullopt},
      // Alpine.
      {"alpine:3.19", pkg("linux-lts", "6.6.14-r0"), KernelPackage{"6.6.14-0-lts", true}},
      {"alpine:3.19", pkg("linux-virt", "6.6.14-r1"), KernelPackage{"6.6.14-1-virt", true}},
      {"alpine:3.19", pkg("linux-firmware", "20231111-r1"), std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.release_key) + " " + c.package.name + " " + c.package.version);
    EXPECT_EQ(family(c.release_key).kernel_package(c.package), c.want);
  }
}

struct VersionCase {
  const char* release_key;
  std::string release;  // a livepatch's effective kernel
  core::Package running;
  std::optional<std::string> want;
};

TEST(KernelPackage, VersionOfAnEffectiveKernel) {
  const VersionCase cases[] = {
      // KernelCare's effective kernel as `kcarectl --patch-info` prints it ("uname: ...").
      {"centos:7", "3.10.0-1160.36.2.el7", pkg("kernel", "3.10.0-1160.el7"),
       "3.10.0-1160.36.2.el7"},
      {"almalinux:9", "5.14.0-70.22.1.el9_0.x86_64", pkg("kernel-core", "5.14.0-70.13.1.el9_0"),
       "5.14.0-70.22.1.el9_0"},
      {"almalinux:9", "5.14.0-70.22.1.el9_0", pkg("kernel-core", "1:5.14.0-70.13.1.el9_0"),
       "1:5.14.0-70.22.1.el9_0"},
      {"almalinux:9", "5", pkg("kernel-core", "5.14.0-70.13.1.el9_0"), std::nullopt},
      {"alpine:3.19", "6.6.20-0-lts", pkg("linux-lts", "6.6.14-r0"), "6.6.20-r0"},
      {"alpine:3.19", "6.6.20-0-virt", pkg("linux-lts", "6.6.14-r0"), std::nullopt},
      // ABI releases carry no package version.
      {"debian:12", "6.1.0-21-amd64", pkg("linux-image-6.1.0-18-amd64", "6.1.76-1"), std::nullopt},
      {"ubuntu:22.04", "5.15.0-97-generic", pkg("linux-image-5.15.0-91-generic", "5.15.0-91.101"),
       std::nullopt},
      {"sles:15.5", "5.14.21-150500.55.44-default", pkg("kernel-default", "5.14.21-150500.55.39.1"),
       std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.release_key) + " " + c.release);
    EXPECT_EQ(family(c.release_key).kernel_package_version(c.release, c.running), c.want);
  }
}

TEST(KernelPackage, ByFormatIsTheUnionOfTheFamiliesOfThatFormat) {
  using core::PackageFormat;
  EXPECT_EQ(kernel_package_for_format(PackageFormat::kRpm, pkg("kernel-uek", "5.4.17-2136.el7uek")),
            (KernelPackage{"5.4.17-2136.el7uek.x86_64", true}));
  EXPECT_EQ(kernel_package_for_format(PackageFormat::kRpm,
                                      pkg("kernel-default", "5.3.18-150300.59.49.1")),
            (KernelPackage{"5.3.18-150300.59.49-default", true}));
  EXPECT_EQ(kernel_package_for_format(PackageFormat::kDpkg,
                                      pkg("linux-image-6.1.0-18-amd64", "6.1.76-1")),
            (KernelPackage{"6.1.0-18-amd64", true}));
  EXPECT_EQ(kernel_package_for_format(PackageFormat::kApk, pkg("linux-lts", "6.6.14-r0")),
            (KernelPackage{"6.6.14-0-lts", true}));
  EXPECT_EQ(kernel_package_for_format(PackageFormat::kDpkg, pkg("kernel-core", "5.14.0-70.el9")),
            std::nullopt);
  EXPECT_EQ(kernel_package_for_format(PackageFormat::kUnknown, pkg("kernel-core", "5.14.0-70.el9")),
            std::nullopt);
}

}  // namespace
}  // namespace fleetpatch::distro
