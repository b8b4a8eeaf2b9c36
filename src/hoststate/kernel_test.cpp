#include "hoststate/kernel.hpp"

#include <gtest/gtest.h>
#include <sys/utsname.h>

#include <filesystem>

#include "hoststate/collect.hpp"
#include "hoststate/test_support.hpp"
#include "match/runtime_facts.hpp"
#include "platform/posix_env.hpp"

namespace fleetpatch::hoststate {
namespace {

using match::RuntimeFacts;

namespace fs = std::filesystem;
using core::PackageFormat;
using testing_support::fixture;

core::Package pkg(std::string name, std::string version, std::string arch = "x86_64",
                  std::optional<std::int64_t> installed = std::nullopt) {
  core::Package p;
  p.name = std::move(name);
  p.version = std::move(version);
  p.arch = std::move(arch);
  p.install_time = installed;
  return p;
}

struct ReleaseCase {
  std::string name;
  PackageFormat format;
  core::Package package;
  std::optional<std::string> release;
};

class KernelRelease : public ::testing::TestWithParam<ReleaseCase> {};

TEST_P(KernelRelease, AsUnameShowsIt) {
  EXPECT_EQ(kernel_release(GetParam().format, GetParam().package), GetParam().release);
}

INSTANTIATE_TEST_SUITE_P(
    Table, KernelRelease,
    ::testing::Values(
        ReleaseCase{"debian", PackageFormat::kDpkg, pkg("linux-image-6.1.0-18-amd64", "6.1.76-1"),
                    "6.1.0-18-amd64"},
        ReleaseCase{"ubuntu_unsigned", PackageFormat::kDpkg,
                    pkg("linux-image-unsigned-5.15.0-91-generic", "5.15.0-91.101"),
                    "5.15.0-91-generic"},
        ReleaseCase{"debian_meta", PackageFormat::kDpkg, pkg("linux-image-amd64", "6.1.76-1"),
                    std::nullopt},
        ReleaseCase{"debian_dbg", PackageFormat::kDpkg,
                    pkg("linux-image-6.1.0-18-amd64-dbg", "6.1.76-1"), std::nullopt},
        ReleaseCase{"rhel", PackageFormat::kRpm, pkg("kernel-core", "5.14.0-70.13.1.el9_0"),
                    "5.14.0-70.13.1.el9_0.x86_64"},
        ReleaseCase{"oracle_uek", PackageFormat::kRpm,
                    pkg("kernel-uek", "5.4.17-2136.330.7.1.el7uek"),
                    "5.4.17-2136.330.7.1.el7uek.x86_64"},
        ReleaseCase{"rhel_tools_are_not_kernels", PackageFormat::kRpm,
                    pkg("kernel-tools", "5.14.0-70.13.1.el9_0"), std::nullopt},
        ReleaseCase{"suse", PackageFormat::kRpm, pkg("kernel-default", "5.3.18-150300.59.49.1"),
                    "5.3.18-150300.59.49-default"},
        ReleaseCase{"suse_base", PackageFormat::kRpm,
                    pkg("kernel-default-base", "6.12.0-160000.2.1.160000.2.1"),
                    "6.12.0-160000.2-default"},
        ReleaseCase{"alpine", PackageFormat::kApk, pkg("linux-lts", "6.6.14-r0"), "6.6.14-0-lts"}),
    [](const auto& info) { return info.param.name; });

struct RebootCase {
  std::string name;
  PackageFormat format;
  std::string running;
  std::vector<core::Package> packages;
  bool flag = false;
  std::vector<std::string> flag_pkgs;
  std::optional<std::int64_t> boot_time;
  std::vector<std::string> extra;
  RebootDecision expected;
};

class DecideReboot : public ::testing::TestWithParam<RebootCase> {};

TEST_P(DecideReboot, AsTheDistributionDecides) {
  const auto& c = GetParam();
  RebootInputs in;
  in.format = c.format;
  in.running = c.running;
  in.packages = &c.packages;
  in.reboot_required_flag = c.flag;
  in.reboot_required_pkgs = c.flag_pkgs;
  in.boot_time = c.boot_time;
  in.extra_reboot_packages = c.extra;
  EXPECT_EQ(decide_reboot(in), c.expected);
}

constexpr std::int64_t kBoot = 1'700'000'000;

INSTANTIATE_TEST_SUITE_P(
    Table, DecideReboot,
    ::testing::Values(RebootCase{"debian_flag_and_pkgs",
                                 PackageFormat::kDpkg,
                                 "6.1.0-18-amd64",
                                 {pkg("linux-image-6.1.0-18-amd64", "6.1.76-1")},
                                 true,
                                 {"libssl3", "linux-image-6.1.0-21-amd64"},
                                 kBoot,
                                 {},
                                 {true, {"libssl3", "linux-image-6.1.0-21-amd64"}}},
                      RebootCase{"debian_without_its_flag_is_not_pending",
                                 PackageFormat::kDpkg,
                                 "6.1.0-18-amd64",
                                 {pkg("linux-image-6.1.0-18-amd64", "6.1.76-1"),
                                  pkg("linux-image-6.1.0-21-amd64", "6.1.90-1")},
                                 false,
                                 {},
                                 kBoot,
                                 {},
                                 {false, {}}},
                      RebootCase{"rpm_newer_kernel_installed",
                                 PackageFormat::kRpm,
                                 "5.14.0-70.13.1.el9_0.x86_64",
                                 {pkg("kernel-core", "5.14.0-70.13.1.el9_0"),
                                  pkg("kernel-core", "5.14.0-70.22.1.el9_0")},
                                 false,
                                 {},
                                 std::nullopt,
                                 {},
                                 {true, {"kernel-core"}}},
                      RebootCase{"rpm_running_the_newest",
                                 PackageFormat::kRpm,
                                 "5.14.0-70.22.1.el9_0.x86_64",
                                 {pkg("kernel-core", "5.14.0-70.13.1.el9_0"),
                                  pkg("kernel-core", "5.14.0-70.22.1.el9_0")},
                                 false,
                                 {},
                                 std::nullopt,
                                 {},
                                 {false, {}}},
                      RebootCase{"rpm_core_library_updated_after_boot",
                                 PackageFormat::kRpm,
                                 "5.14.0-70.13.1.el9_0.x86_64",
                                 {pkg("kernel-core", "5.14.0-70.13.1.el9_0", "x86_64", kBoot - 100),
                                  pkg("glibc", "2.34-28.el9_0", "x86_64", kBoot + 100),
                                  pkg("openssl-libs", "1:3.0.1-41.el9_0", "x86_64", kBoot + 100)},
                                 false,
                                 {},
                                 kBoot,
                                 {},
                                 {true, {"glibc"}}},
                      RebootCase{"rpm_updates_before_boot_are_booted",
                                 PackageFormat::kRpm,
                                 "5.14.0-70.13.1.el9_0.x86_64",
                                 {pkg("kernel-core", "5.14.0-70.13.1.el9_0", "x86_64", kBoot - 100),
                                  pkg("glibc", "2.34-28.el9_0", "x86_64", kBoot - 50)},
                                 false,
                                 {},
                                 kBoot,
                                 {},
                                 {false, {}}},
                      RebootCase{"rpm_needs_restarting_d_names",
                                 PackageFormat::kRpm,
                                 "5.14.0-70.13.1.el9_0.x86_64",
                                 {pkg("openssl-libs", "1:3.0.1-41.el9_0", "x86_64", kBoot + 100)},
                                 false,
                                 {},
                                 kBoot,
                                 {"openssl-libs"},
                                 {true, {"openssl-libs"}}},
                      RebootCase{"oracle_booting_the_older_family_is_a_choice",
                                 PackageFormat::kRpm,
                                 "4.18.0-553.el8_10.x86_64",
                                 {pkg("kernel", "4.18.0-553.el8_10"),
                                  pkg("kernel-uek", "5.15.0-209.el8uek")},
                                 false,
                                 {},
                                 std::nullopt,
                                 {},
                                 {false, {}}},
                      RebootCase{"running_kernel_package_removed",
                                 PackageFormat::kRpm,
                                 "5.14.0-70.13.1.el9_0.x86_64",
                                 {pkg("kernel-core", "5.14.0-70.22.1.el9_0")},
                                 false,
                                 {},
                                 std::nullopt,
                                 {},
                                 {true, {"kernel-core"}}},
                      RebootCase{"offline_image_has_no_reboot",
                                 PackageFormat::kRpm,
                                 "",
                                 {pkg("kernel-core", "5.14.0-70.13.1.el9_0"),
                                  pkg("kernel-core", "5.14.0-70.22.1.el9_0")},
                                 false,
                                 {},
                                 std::nullopt,
                                 {},
                                 {false, {}}},
                      RebootCase{"alpine_newer_kernel",
                                 PackageFormat::kApk,
                                 "6.6.14-0-lts",
                                 {pkg("linux-lts", "6.6.20-r0")},
                                 false,
                                 {},
                                 std::nullopt,
                                 {},
                                 {true, {"linux-lts"}}},
                      RebootCase{"flag_counts_on_any_distribution",
                                 PackageFormat::kRpm,
                                 "5.14.0-70.13.1.el9_0.x86_64",
                                 {},
                                 true,
                                 {},
                                 std::nullopt,
                                 {},
                                 {true, {}}}),
    [](const auto& info) { return info.param.name; });

TEST(KernelParsers, BootTimeAndRebootPackages) {
  EXPECT_EQ(parse_boot_time("cpu 1 2\nbtime 1706860800\nprocesses 3\n"), 1706860800);
  EXPECT_EQ(parse_boot_time("cpu 1 2\n"), std::nullopt);
  EXPECT_EQ(parse_boot_time("btime x\n"), std::nullopt);
  EXPECT_EQ(parse_reboot_required_pkgs("b\na\n\nb\n"), (std::vector<std::string>{"a", "b"}));
}

TEST(KernelParsers, RpmInstallTimesMatchNameArchAndVersion) {
  std::vector<core::Package> packages = {pkg("openssl-libs", "1:3.0.1-41.el9_0"),
                                         pkg("glibc", "2.34-28.el9_0", "i686"),
                                         pkg("glibc", "2.34-28.el9_0")};
  core::Diagnostics diagnostics;
  attach_rpm_install_times(
      "openssl-libs\t1\t3.0.1\t41.el9_0\tx86_64\t1656000100\n"
      "glibc\t0\t2.34\t28.el9_0\tx86_64\t1650000000\n"
      "broken line\n",
      "times", packages, diagnostics);
  EXPECT_EQ(packages[0].install_time, 1656000100);
  EXPECT_EQ(packages[1].install_time, std::nullopt);  // the i686 build was not listed
  EXPECT_EQ(packages[2].install_time, 1650000000);
  EXPECT_EQ(diagnostics.size(), 1u);
}

TEST(CollectKernel, DebianFixture) {
  const std::string root = fixture("hosts/debian-web");
  platform::PosixEnv env;
  core::Diagnostics diagnostics;
  const std::vector<core::Package> packages = {pkg("linux-image-6.1.0-18-amd64", "6.1.76-1"),
                                               pkg("linux-image-6.1.0-21-amd64", "6.1.90-1")};
  const auto info =
      collect_kernel(env, root, root + "/proc", PackageFormat::kDpkg, packages, diagnostics);
  EXPECT_EQ(info.running, "6.1.0-18-amd64");
  EXPECT_EQ(info.installed, (std::vector<std::string>{"6.1.0-18-amd64", "6.1.0-21-amd64"}));
  EXPECT_TRUE(info.reboot_required);
  EXPECT_EQ(info.reboot_required_by,
            (std::vector<std::string>{"libssl3", "linux-image-6.1.0-21-amd64"}));
  EXPECT_TRUE(diagnostics.empty());
}

TEST(CollectKernel, LiveRunningKernelIsUnameR) {
  utsname names{};
  ASSERT_EQ(::uname(&names), 0);
  platform::PosixEnv env;
  core::Diagnostics diagnostics;
  const auto info = collect_kernel(env, "/", "/proc", PackageFormat::kDpkg, {}, diagnostics);
  EXPECT_EQ(info.running, names.release);
}

// Vuls inventories of real hosts (shared data, not redistributable: read in place, never
// committed). A copy of each gets a newer kernel package added; the running kernel's own package
// must still be the one judged, the newer one recognised as installed-but-not-running, and on
// RPM and apk hosts the reboot be pending because of it.
core::Package newer_kernel(PackageFormat format, const core::Package& running) {
  core::Package newer = running;
  if (format == PackageFormat::kDpkg) {
    newer.name = "linux-image-99.0.0-1-amd64";
    newer.version = "99.0.0-1";
  } else if (format == PackageFormat::kApk) {
    newer.version = "99.0.0-r0";
  } else {
    const auto dash = newer.version.rfind('-');
    newer.version.insert(dash + 1, "999999999.");
  }
  return newer;
}

TEST(CollectKernel, VulsInventoriesAreJudgedByTheRunningKernel) {
  const fs::path dir = fs::path(FLEETPATCH_SHARED_DATA) / "vuls-host-inventories" / "raw";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "shared Vuls inventories not present at " << dir;
  testing_support::ScratchDir scratch("vuls-copy");
  platform::PosixEnv env;
  const core::FixedClock clock(core::TimePoint(std::chrono::seconds(1'800'000'000)));
  std::size_t checked = 0;
  bool saw_extra_kernel = false;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().filename().string());
    const fs::path copy = scratch.path() / entry.path().filename();
    fs::copy_file(entry.path(), copy, fs::copy_options::overwrite_existing);
    core::Diagnostics diagnostics;
    auto report = import_file(env, clock, copy.string(), diagnostics);
    ASSERT_TRUE(report.ok()) << report.error().message;
    const auto running =
        running_kernel_packages(report->package_format, report->packages, report->kernel.running);
    if (running.empty()) continue;  // a container: its host's kernel is not installed in it
    const core::Package original = *running.front();
    report->packages.push_back(newer_kernel(report->package_format, original));
    const core::Package& added = report->packages.back();

    const RuntimeFacts facts(*report);
    ASSERT_FALSE(facts.running_kernel_packages().empty());
    for (const auto* p : facts.running_kernel_packages()) {
      EXPECT_NE(p->version, added.version) << "judged the newest, not the running kernel";
      // The running build's packages: its image (kernel_release) and its modules packages.
      const auto kernel = facts.kernel_package(*p);
      ASSERT_TRUE(kernel.has_value()) << p->name;
      EXPECT_EQ(kernel->release, report->kernel.running) << p->name;
      if (kernel->image) {
        EXPECT_EQ(kernel_release(report->package_format, *p), kernel->release);
      }
    }
    EXPECT_TRUE(facts.is_installed_kernel_not_running(added));
    EXPECT_FALSE(facts.is_installed_kernel_not_running(original));

    RebootInputs in;
    in.format = report->package_format;
    in.running = report->kernel.running;
    in.packages = &report->packages;
    const auto decision = decide_reboot(in);
    if (report->package_format == PackageFormat::kDpkg) {
      EXPECT_FALSE(decision.required) << "Debian's signal is /run/reboot-required alone";
    } else {
      EXPECT_TRUE(decision.required);
      EXPECT_EQ(decision.by, (std::vector<std::string>{added.name}));
    }
    if (entry.path().stem() == "amazon_2_extra_kernel") {
      saw_extra_kernel = true;
      EXPECT_EQ(original.name, "kernel");
      EXPECT_EQ(original.version, "5.10.245-243.979.amzn2");
    }
    ++checked;
  }
  EXPECT_TRUE(saw_extra_kernel);
  EXPECT_GE(checked, 30u);
}

}  // namespace
}  // namespace fleetpatch::hoststate
