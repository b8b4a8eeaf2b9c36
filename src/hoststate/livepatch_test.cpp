#include "hoststate/livepatch.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "hoststate/test_support.hpp"
#include "match/runtime_facts.hpp"
#include "platform/posix_env.hpp"

namespace fleetpatch::hoststate {
namespace {

using match::RuntimeFacts;

namespace fs = std::filesystem;
using testing_support::fixture;
using Cves = std::vector<std::string>;

const char* const kKpatch = "kpatch_5_14_0_70_13_1_1_2";
const char* const kCanonical = "lkp_Ubuntu_5_15_0_91_101_generic_99";
const char* const kKlp = "livepatch_5_14_21_150400_24_46_default_3";
Cves kpatch_cves() { return {"CVE-2021-0920", "CVE-2022-0847", "CVE-2022-27666"}; }
Cves canonical_cves() { return {"CVE-2023-6817", "CVE-2023-6932"}; }
Cves kernelcare_cves() { return {"CVE-2020-14305", "CVE-2021-33909"}; }
Cves klp_cves() { return {"CVE-2023-0461", "CVE-2023-1281", "CVE-2023-1390"}; }

std::vector<core::Livepatch> collect_tree(const std::string& tree, core::Diagnostics& diagnostics) {
  platform::PosixEnv env;
  return collect_livepatches(env, tree + "/sys", tree + "/commands", nullptr, diagnostics);
}

struct FlavourCase {
  std::string tree;
  std::vector<core::Livepatch> expected;
};

class LivepatchFixture : public ::testing::TestWithParam<FlavourCase> {};

TEST_P(LivepatchFixture, KernelStateWithTheToolsCves) {
  core::Diagnostics diagnostics;
  EXPECT_EQ(collect_tree(fixture("livepatch/" + GetParam().tree), diagnostics),
            GetParam().expected);
  for (const auto& d : diagnostics.items()) ADD_FAILURE() << d.to_string();
}

INSTANTIATE_TEST_SUITE_P(
    Flavours, LivepatchFixture,
    ::testing::Values(
        FlavourCase{"kpatch/enabled", {{kKpatch, "kpatch", true, false, kpatch_cves(), ""}}},
        FlavourCase{"kpatch/transition", {{kKpatch, "kpatch", true, true, kpatch_cves(), ""}}},
        FlavourCase{"canonical/enabled",
                    {{kCanonical, "canonical-livepatch", true, false, canonical_cves(), ""}}},
        FlavourCase{"canonical/transition",
                    {{kCanonical, "canonical-livepatch", true, true, canonical_cves(), ""}}},
        FlavourCase{
            "kernelcare/enabled",
            {{"kernelcare", "kernelcare", true, false, kernelcare_cves(), "3.10.0-1160.36.2.el7"}}},
        FlavourCase{"kernelcare/disabled",
                    {{"kernelcare", "kernelcare", false, false, kernelcare_cves(),
                      "3.10.0-1160.36.2.el7"}}},
        FlavourCase{"klp/enabled", {{kKlp, "klp", true, false, klp_cves(), ""}}},
        FlavourCase{"klp/transition", {{kKlp, "klp", true, true, klp_cves(), ""}}},
        FlavourCase{"sysfs-only/enabled", {{"my_custom_patch", "livepatch", true, false, {}, ""}}}),
    [](const auto& info) {
      std::string name = info.param.tree;
      std::replace(name.begin(), name.end(), '/', '_');
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

// The Done-when scenario: a kernel CVE is mitigated while the patch is enabled and settled, open
// again when it is disabled or still in transition.
TEST(Livepatch, CveGoesFromOpenToMitigatedAndBack) {
  testing_support::ScratchDir dir("livepatch-toggle");
  fs::copy(fixture("livepatch/kpatch/enabled"), dir.path(), fs::copy_options::recursive);
  const fs::path module = dir.path() / "sys/kernel/livepatch" / kKpatch;
  const auto covering = [&]() -> std::string {
    core::Diagnostics diagnostics;
    core::HostReport report;
    report.kernel.livepatch = collect_tree(dir.path().string(), diagnostics);
    const RuntimeFacts facts(report);
    const core::Livepatch* lp = facts.livepatch_covering("CVE-2022-0847");
    return lp == nullptr ? "open" : "mitigated by " + lp->name;
  };
  const std::string mitigated = std::string("mitigated by ") + kKpatch;
  EXPECT_EQ(covering(), mitigated);
  testing_support::write_text(module / "enabled", "0\n");
  EXPECT_EQ(covering(), "open");
  testing_support::write_text(module / "enabled", "1\n");
  EXPECT_EQ(covering(), mitigated);
  testing_support::write_text(module / "transition", "1\n");
  EXPECT_EQ(covering(), "open") << "a patch in transition does not count yet";
  testing_support::write_text(module / "transition", "0\n");
  EXPECT_EQ(covering(), mitigated);
}

TEST(Livepatch, ExtractCves) {
  EXPECT_EQ(extract_cves("fix {CVE-2022-0847} and cve-2021-0920, CVE-2022-0847 again; "
                         "not XCVE-2020-1234 nor CVE-20-1 nor CVE-2020-123"),
            (Cves{"CVE-2021-0920", "CVE-2022-0847"}));
  EXPECT_EQ(extract_cves(""), Cves{});
}

TEST(Livepatch, ToolForModule) {
  EXPECT_EQ(livepatch_tool_for_module("kpatch_5_14_0_70_1_1"), "kpatch");
  EXPECT_EQ(livepatch_tool_for_module("lkp_Ubuntu_5_15_0_91"), "canonical-livepatch");
  EXPECT_EQ(livepatch_tool_for_module("livepatch_15_1"), "klp");
  EXPECT_EQ(livepatch_tool_for_module("custom"), "livepatch");
}

struct KpatchListCase {
  std::string name;
  std::string text;
  std::vector<KpatchModule> expected;
  std::size_t diagnostics = 0;
};

class KpatchList : public ::testing::TestWithParam<KpatchListCase> {};

TEST_P(KpatchList, LoadedModulesAndTheirState) {
  core::Diagnostics diagnostics;
  EXPECT_EQ(parse_kpatch_list(GetParam().text, "kpatch list", diagnostics), GetParam().expected);
  EXPECT_EQ(diagnostics.size(), GetParam().diagnostics);
}

INSTANTIATE_TEST_SUITE_P(
    Table, KpatchList,
    ::testing::Values(
        KpatchListCase{
            "states",
            "Loaded patch modules:\nkp_a [enabled]\nkp_b [disabled]\nkp_c [enabling...]\n"
            "kp_d [disabling...]\n\nInstalled patch modules:\nkp_a (5.14.0)\nkp_e (5.14.0)\n",
            {{"kp_a", true, false},
             {"kp_b", false, false},
             {"kp_c", true, true},
             {"kp_d", false, true}}},
        KpatchListCase{"old_kpatch_bare_names",
                       "Loaded patch modules:\nkpatch_3_10_0_1\n\nInstalled patch modules:\n",
                       {{"kpatch_3_10_0_1", true, false}}},
        KpatchListCase{"nothing_loaded", "Loaded patch modules:\n\nInstalled patch modules:\n", {}},
        KpatchListCase{"unknown_state", "Loaded patch modules:\nkp_a [sleeping]\n", {}, 1}),
    [](const auto& info) { return info.param.name; });

TEST(Livepatch, KpatchChangelogTiesCvesToTheKernelTheyPatch) {
  const auto sections = parse_kpatch_changelog(
      "==> kpatch-patch-5_14_0-70_13_1\n- a {CVE-2022-0847}\n"
      "==> kpatch-patch-5_14_0-70_22_1\n- b {CVE-2022-1111}\n");
  EXPECT_EQ(sections.at("kpatch-patch-5_14_0-70_13_1"), Cves{"CVE-2022-0847"});
  EXPECT_EQ(sections.at("kpatch-patch-5_14_0-70_22_1"), Cves{"CVE-2022-1111"});
  EXPECT_TRUE(
      kpatch_module_from_package("kpatch_5_14_0_70_13_1_1_2", "kpatch-patch-5_14_0-70_13_1"));
  EXPECT_FALSE(
      kpatch_module_from_package("kpatch_5_14_0_70_13_1_1_2", "kpatch-patch-5_14_0-70_22_1"));
  // A plain `rpm -q --changelog` without package headers applies to every kpatch module.
  EXPECT_EQ(parse_kpatch_changelog("- c {CVE-2023-0001}\n").at(""), Cves{"CVE-2023-0001"});
}

TEST(Livepatch, CanonicalStatusFormats) {
  const auto old_format = parse_canonical_livepatch_status(
      R"({"Status":[{"Kernel":"4.15.0-20.21-generic","Running":true,"Livepatch":)"
      R"({"CheckState":"checked","State":"applied","Version":"44.1",)"
      R"("Fixes":"* cve-2018-1000199\n* cve-2018-1120"}}]})",
      "status");
  ASSERT_TRUE(old_format.ok()) << old_format.error().message;
  EXPECT_EQ(old_format->cves, (Cves{"CVE-2018-1000199", "CVE-2018-1120"}));
  EXPECT_EQ(old_format->state, "applied");
  const auto picks_running = parse_canonical_livepatch_status(
      R"({"Status":[{"Kernel":"old","Running":false,"Livepatch":{"State":"applied","Fixes":[{"Name":"cve-2020-0001","Patched":true}]}},)"
      R"({"Kernel":"new","Running":true,"Livepatch":{"State":"nothing-to-apply"}}]})",
      "status");
  ASSERT_TRUE(picks_running.ok());
  EXPECT_EQ(picks_running->kernel, "new");
  EXPECT_TRUE(picks_running->cves.empty());
  for (const char* bad : {"", "[]", "{\"Status\": 3}", "{not json"}) {
    EXPECT_FALSE(parse_canonical_livepatch_status(bad, "status").ok()) << bad;
  }
}

TEST(Livepatch, CanonicalWithoutKernelModuleIsItsOwnEntry) {
  LivepatchToolOutputs tools;
  tools.canonical_status = testing_support::read_text(
      fixture("livepatch/canonical/enabled/commands/canonical-livepatch-status.json"));
  core::Diagnostics diagnostics;
  const auto patches = merge_livepatches({}, tools, diagnostics);
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].name, "canonical-livepatch 99.1");
  EXPECT_TRUE(patches[0].enabled);
  EXPECT_EQ(patches[0].cves, canonical_cves());
}

TEST(Livepatch, KlpContinuedCveLines) {
  core::Diagnostics diagnostics;
  const auto patches = parse_klp_patches(
      "lp_a\n    active: 0\n    CVE: CVE-2023-0001\n      CVE-2023-0002: a description\n"
      "    bug fixes and enhancements: CVE-2099-9999 is not a CVE of this patch\n"
      "lp_b\n",
      "klp", diagnostics);
  ASSERT_EQ(patches.size(), 2u);
  EXPECT_FALSE(patches[0].enabled);
  EXPECT_EQ(patches[0].cves, (Cves{"CVE-2023-0001", "CVE-2023-0002"}));
  EXPECT_TRUE(patches[1].enabled);
  EXPECT_TRUE(patches[1].cves.empty());
  EXPECT_TRUE(diagnostics.empty());
}

TEST(Livepatch, ToolsTableNamesEveryOutputOnce) {
  std::set<std::string_view> files;
  for (const auto& tool : livepatch_tools()) {
    EXPECT_TRUE(files.insert(tool.file).second) << tool.file;
    EXPECT_NE(tool.command.find("exit 127"), std::string_view::npos) << tool.file;
  }
  EXPECT_EQ(files.size(), 6u);
}

// On this machine none of the tools is installed: running them reports nothing and no error.
TEST(Livepatch, RunningAbsentToolsIsQuiet) {
  PosixProcessRunner runner;
  core::Diagnostics diagnostics;
  const auto outputs = run_livepatch_tools(runner, std::chrono::seconds(20), diagnostics);
  for (const auto& tool : livepatch_tools()) {
    const std::string probe =
        "command -v " + std::string(tool.command.substr(11, tool.command.find(' ', 11) - 11));
    auto installed =
        runner.run({"sh", "-c", std::string(kToolPath) + probe}, {}, std::chrono::seconds(5));
    ASSERT_TRUE(installed.ok());
    if (installed->exit_code == 0) continue;  // installed here after all: nothing to assert
    EXPECT_FALSE((outputs.*tool.output).has_value()) << tool.file;
  }
  EXPECT_TRUE(diagnostics.empty()) << diagnostics.items().front().to_string();
}

}  // namespace
}  // namespace fleetpatch::hoststate
