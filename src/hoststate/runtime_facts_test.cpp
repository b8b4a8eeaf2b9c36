// The runtime collectors wired into collect_host(), on the two host fixtures, and the answers
// RuntimeFacts gives the matcher about them.
#include "match/runtime_facts.hpp"

#include <gtest/gtest.h>

#include "hoststate/collect.hpp"
#include "hoststate/host_report_json.hpp"
#include "hoststate/test_support.hpp"
#include "platform/posix_env.hpp"

namespace fleetpatch::hoststate {
namespace {

using match::RuntimeFacts;

using testing_support::fixture;
using Names = std::vector<std::string>;

const core::FixedClock& fixed_clock() {
  static const core::FixedClock clock(core::TimePoint(std::chrono::seconds(1'800'000'000)));
  return clock;
}

core::HostReport collect_fixture(const std::string& tree, const std::string& command_dir = "") {
  const std::string root = fixture(tree);
  CollectOptions options;
  options.root = root;
  if (!command_dir.empty()) options.command_output_dir = root + command_dir;
  core::Diagnostics diagnostics;
  auto report = collect_host(platform::PosixEnv(), fixed_clock(), options, diagnostics);
  EXPECT_TRUE(report.ok()) << report.error().message;
  for (const auto& d : diagnostics.items()) ADD_FAILURE() << d.to_string();
  return report.ok() ? std::move(report).value() : core::HostReport{};
}

TEST(RuntimeFacts, DebianWebServer) {
  const core::HostReport report = collect_fixture("hosts/debian-web");
  EXPECT_EQ(report.kernel.running, "6.1.0-18-amd64");
  EXPECT_TRUE(report.kernel.reboot_required);
  EXPECT_EQ(report.kernel.reboot_required_by, (Names{"libssl3", "linux-image-6.1.0-21-amd64"}));
  ASSERT_EQ(report.listening.size(), 5u);
  ASSERT_EQ(report.pending_restart.size(), 2u);

  const RuntimeFacts facts(report);
  ASSERT_EQ(facts.running_kernel_packages().size(), 1u);
  EXPECT_EQ(facts.running_kernel_packages()[0]->name, "linux-image-6.1.0-18-amd64");
  for (const auto& p : report.packages) {
    EXPECT_EQ(facts.is_installed_kernel_not_running(p), p.name == "linux-image-6.1.0-21-amd64")
        << p.name;
  }
  EXPECT_EQ(facts.exposure("nginx-core"), core::Exposure::kNetwork);
  EXPECT_EQ(facts.exposure("libssl3"), core::Exposure::kNetwork);  // mapped by nginx
  EXPECT_EQ(facts.exposure("libc6"), core::Exposure::kNetwork);    // nginx and sshd: the wider
  EXPECT_EQ(facts.exposure("openssh-server"), core::Exposure::kLocal);
  EXPECT_EQ(facts.exposure("systemd"), core::Exposure::kLocal);
  EXPECT_EQ(facts.exposure("bash"), core::Exposure::kNone);
  const auto restarts = facts.pending_restarts("libssl3");
  ASSERT_EQ(restarts.size(), 2u);
  EXPECT_EQ(restarts[0]->unit, "nginx.service");
  EXPECT_TRUE(facts.pending_restarts("libc6").empty());
  EXPECT_EQ(facts.livepatch_covering("CVE-2022-0847"), nullptr);
}

TEST(RuntimeFacts, RhelHostAsFetchedOverSsh) {
  const core::HostReport report =
      collect_fixture("hosts/rhel-over-ssh", "/.fleetpatch-ssh/commands");
  EXPECT_EQ(report.package_format, core::PackageFormat::kRpm);
  EXPECT_EQ(report.packages.size(), 7u);
  EXPECT_EQ(report.kernel.running, "5.14.0-70.13.1.el9_0.x86_64");
  EXPECT_EQ(report.kernel.installed,
            (Names{"5.14.0-70.13.1.el9_0.x86_64", "5.14.0-70.22.1.el9_0.x86_64"}));
  // The newer kernel-core went in after boot; glibc and systemd before it; openssl-libs after,
  // but it is not a package needs-restarting reboots for.
  EXPECT_TRUE(report.kernel.reboot_required);
  EXPECT_EQ(report.kernel.reboot_required_by, (Names{"kernel-core"}));
  ASSERT_EQ(report.kernel.livepatch.size(), 1u);
  EXPECT_EQ(report.kernel.livepatch[0].cves,
            (Names{"CVE-2021-0920", "CVE-2022-0847", "CVE-2022-27666"}));
  ASSERT_EQ(report.listening.size(), 1u);
  EXPECT_EQ(report.listening[0].package, "postgresql-server");
  EXPECT_EQ(report.listening[0].mapped_packages,
            (Names{"glibc", "openssl-libs", "postgresql-server"}));

  const RuntimeFacts facts(report);
  ASSERT_EQ(facts.running_kernel_packages().size(), 1u);
  EXPECT_EQ(facts.running_kernel_packages()[0]->version, "5.14.0-70.13.1.el9_0");
  const core::Livepatch* lp = facts.livepatch_covering("CVE-2022-0847");
  ASSERT_NE(lp, nullptr);
  EXPECT_EQ(lp->name, "kpatch_5_14_0_70_13_1_1_2");
  EXPECT_EQ(facts.livepatch_covering("CVE-2022-1111"), nullptr)
      << "a patch for the installed, not running, kernel covers nothing";
  EXPECT_EQ(facts.exposure("openssl-libs"), core::Exposure::kNetwork);
  ASSERT_EQ(facts.pending_restarts("openssl-libs").size(), 1u);
  EXPECT_EQ(facts.pending_restarts("openssl-libs")[0]->pid, 1234);
}

// Everything the runtime collectors add survives the host report's JSON form.
TEST(RuntimeFacts, CollectedFixturesRoundTripThroughJson) {
  for (const auto& [tree, commands] :
       {std::pair<std::string, std::string>{"hosts/debian-web", ""},
        std::pair<std::string, std::string>{"hosts/rhel-over-ssh", "/.fleetpatch-ssh/commands"}}) {
    SCOPED_TRACE(tree);
    core::HostReport report = collect_fixture(tree, commands);
    ASSERT_FALSE(report.listening.empty());
    report.kernel.livepatch.push_back(
        {"kernelcare", "kernelcare", true, false, {"CVE-2021-33909"}, "3.10.0-1160.36.2.el7"});
    const auto back = host_report_from_json(to_json(report), tree);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, report);
  }
}

TEST(RuntimeFacts, OfflineImageHasNoRunningKernel) {
  core::HostReport report;
  report.package_format = core::PackageFormat::kRpm;
  report.packages = {{"kernel-core", "5.14.0-70.13.1.el9_0", "x86_64", "kernel",
                      "5.14.0-70.13.1.el9_0", std::nullopt}};
  const RuntimeFacts facts(report);
  EXPECT_TRUE(facts.running_kernel_packages().empty());
  EXPECT_FALSE(facts.is_installed_kernel_not_running(report.packages[0]));
}

}  // namespace
}  // namespace fleetpatch::hoststate
