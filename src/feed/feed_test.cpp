#include "feed/feed.hpp"

#include <gtest/gtest.h>

#include "feed/osv/bundle.hpp"
#include "feed/osv/test_util.hpp"

namespace fleetpatch::feed {
namespace {

using namespace fleetpatch::feed::testing;

TEST(Feed, DetectsInputsByContent) {
  const std::string dir = fresh_dir();
  // Names deliberately misleading: detection must look at the bytes.
  write_zip(dir + "/archive.json", {{"a.json", "{}"}});
  ASSERT_TRUE(
      osv::write_bundle({slurp(test_data("osv-samples/DLA-0001-1.json"))}, dir + "/bundle.bin", 3)
          .ok());
  write_file(dir + "/kev.data",
             slurp(test_data("kev/known_exploited_vulnerabilities_sample.json")));
  const std::pair<std::string, InputKind> cases[] = {
      {dir, InputKind::kOsvDirectory},
      {dir + "/archive.json", InputKind::kOsvZip},
      {dir + "/bundle.bin", InputKind::kOsvBundle},
      {dir + "/kev.data", InputKind::kKev},
      {test_data("osv-samples/DLA-0001-1.json"), InputKind::kOsvJson},
  };
  for (const auto& [path, kind] : cases) {
    auto got = detect(path);
    ASSERT_TRUE(got.ok()) << path;
    EXPECT_EQ(*got, kind) << path;
  }
  EXPECT_FALSE(detect(dir + "/missing").ok());
}

TEST(Feed, ReadPathsMergesEveryKind) {
  const std::string dir = fresh_dir();
  ASSERT_TRUE(osv::write_bundle({slurp(test_data("osv-samples/DLA-0001-1.json"))},
                                dir + "/debian.jsonl.zst", 3)
                  .ok());
  core::Diagnostics diags;
  auto batch = read_paths({test_data("almalinux"), dir + "/debian.jsonl.zst",
                           test_data("kev/known_exploited_vulnerabilities_sample.json")},
                          diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(batch->advisories.size(), 7u);
  EXPECT_EQ(batch->advisories.back().id, "DLA-0001-1");
  EXPECT_EQ(batch->kev.size(), 5u);
  ASSERT_EQ(batch->sources.size(), 3u);
  EXPECT_EQ(batch->sources[0].format, "osv-directory");
  EXPECT_EQ(batch->sources[1].format, "osv-bundle");
  EXPECT_EQ(batch->sources[2].format, "kev");
  EXPECT_EQ(batch->advisories_per_release.at("debian:6"), 1u);
}

TEST(Feed, UnreadablePathFailsTheWholeRead) {
  core::Diagnostics diags;
  auto batch = read_paths({test_data("almalinux"), test_data("missing.json")}, diags);
  ASSERT_FALSE(batch.ok());
  EXPECT_NE(batch.error().message.find("missing.json"), std::string::npos);
}

}  // namespace
}  // namespace fleetpatch::feed
