// The complete AlmaLinux feed from ../shared/data (skipped when absent): every record must
// parse, and the counts must match what the feed's README states. The feed has 5,680 files
// (4,480 ALSA) but 43 of them are copies: an advisory covering two or three releases sits in
// each release's folder, byte for byte the same. Unique advisories: 5,637 (4,437 ALSA, 978 ALBA,
// 222 ALEA); per release they are the README's 3,237 / 1,783 / 660.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "distro/rhel/rhel_like.hpp"
#include "feed/osv/osv.hpp"

namespace fleetpatch::feed::osv {
namespace {

TEST(AlmaFeed, WholeFeedParsesWithoutErrors) {
  const std::string path = std::string(FLEETPATCH_SHARED_DATA) + "/almalinux-osv/advisories";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data absent: " << path;
  core::Diagnostics diags;
  const auto start = std::chrono::steady_clock::now();
  auto batch = read_path(path, diags);
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  RecordProperty("parse_seconds", std::to_string(elapsed.count()));
  EXPECT_TRUE(diags.empty()) << diags.size()
                             << " problems, first: " << diags.items().front().to_string();
  EXPECT_EQ(batch->sources.at(0).records, 5680u);
  EXPECT_EQ(batch->advisories.size(), 5637u);
  EXPECT_EQ(batch->duplicates, 43u);
  EXPECT_TRUE(batch->skipped_ecosystems.empty());
  EXPECT_EQ(batch->advisories_per_release,
            (std::map<std::string, std::size_t>{
                {"almalinux:8", 3237}, {"almalinux:9", 1783}, {"almalinux:10", 660}}));

  std::map<core::AdvisoryKind, std::size_t> kinds;
  std::size_t module_entries = 0;
  for (const auto& advisory : batch->advisories) {
    ++kinds[advisory.kind];
    if (advisory.kind == core::AdvisoryKind::kSecurity) {
      EXPECT_FALSE(advisory.cves.empty() && advisory.severity == core::Severity::kUnknown)
          << advisory.id;
    }
    for (const auto& entry : advisory.affected) {
      ASSERT_FALSE(entry.events.empty()) << advisory.id;
      EXPECT_EQ(entry.state, core::FixState::kFixed) << advisory.id;
      const bool module_build = distro::is_module_build(entry.events.back().version);
      // Every module build is tied to a module (a stream or at least the module name), and
      // nothing else is.
      EXPECT_EQ(module_build, !entry.module.empty()) << advisory.id << " " << entry.name;
      module_entries += module_build ? 1 : 0;
    }
  }
  EXPECT_EQ(kinds[core::AdvisoryKind::kSecurity], 4437u);
  EXPECT_EQ(kinds[core::AdvisoryKind::kBugfix], 978u);
  EXPECT_EQ(kinds[core::AdvisoryKind::kEnhancement], 222u);
  EXPECT_GT(module_entries, 0u);
  std::printf("AlmaLinux feed: %zu advisories, %zu module entries, parsed in %.3f s\n",
              batch->advisories.size(), module_entries, elapsed.count());
}

}  // namespace
}  // namespace fleetpatch::feed::osv
