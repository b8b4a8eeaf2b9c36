#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "feed/osv/osv.hpp"
#include "feed/osv/test_util.hpp"

namespace fleetpatch::feed::osv {
namespace {

using namespace fleetpatch::feed::testing;

std::vector<std::string> ids(const FeedBatch& batch) {
  std::vector<std::string> out;
  for (const auto& advisory : batch.advisories) out.push_back(advisory.id);
  return out;
}

TEST(OsvReader, DirectoryOfRealRecordsInSortedOrder) {
  core::Diagnostics diags;
  auto batch = read_path(test_data("almalinux"), diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(ids(*batch),
            (std::vector<std::string>{"ALBA-2019:0973", "ALEA-2020:4767", "ALSA-2022:8833",
                                      "ALSA-2023:6980", "ALSA-2022:6224", "ALSA-2022:8832"}));
  EXPECT_EQ(batch->advisories_per_release,
            (std::map<std::string, std::size_t>{{"almalinux:8", 4}, {"almalinux:9", 2}}));
  ASSERT_EQ(batch->sources.size(), 1u);
  EXPECT_EQ(batch->sources[0].format, "osv-directory");
  EXPECT_EQ(batch->sources[0].records, 6u);
  EXPECT_EQ(batch->sources[0].accepted, 6u);
  EXPECT_FALSE(batch->sources[0].date.empty());
}

TEST(OsvReader, SingleFile) {
  core::Diagnostics diags;
  auto batch = read_path(test_data("almalinux/almalinux9/ALSA-2022:6224.json"), diags);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(ids(*batch), std::vector<std::string>{"ALSA-2022:6224"});
  EXPECT_EQ(batch->sources.at(0).format, "osv-json");
}

TEST(OsvReader, MissingPathIsAnError) {
  core::Diagnostics diags;
  auto batch = read_path(test_data("no-such-dir"), diags);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().code, core::ErrorCode::kNotFound);
  EXPECT_NE(batch.error().message.find("no-such-dir"), std::string::npos);
}

TEST(OsvReader, BadAndTruncatedFilesAreNamedAndTheRestIsRead) {
  const std::string dir = fresh_dir();
  const std::string good = slurp(test_data("almalinux/almalinux9/ALSA-2022:6224.json"));
  write_file(dir + "/a/good.json", good);
  write_file(dir + "/b/truncated.json", good.substr(0, good.size() / 2));
  write_file(dir + "/b/wrong-type.json", R"({"id":"ALSA-2099:1","affected":"none"})");
  write_file(dir + "/c/notes.txt", "not a record");
  core::Diagnostics diags;
  auto batch = read_path(dir, diags);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(ids(*batch), std::vector<std::string>{"ALSA-2022:6224"});
  ASSERT_EQ(diags.size(), 2u);
  EXPECT_EQ(diags.items()[0].source, dir + "/b/truncated.json");
  EXPECT_EQ(diags.items()[0].record, "ALSA-2022:6224");
  EXPECT_EQ(diags.items()[1].source, dir + "/b/wrong-type.json");
  EXPECT_EQ(diags.items()[1].record, "ALSA-2099:1");
  EXPECT_EQ(batch->sources.at(0).records, 3u);
}

TEST(OsvReader, ZipWithABadMember) {
  const std::string dir = fresh_dir();
  const std::string zip = dir + "/all.zip";
  write_zip(
      zip,
      {{"ALSA-2022:6224.json", slurp(test_data("almalinux/almalinux9/ALSA-2022:6224.json"))},
       {"ALSA-2099:2.json", R"({"id":"ALSA-2099:2","affected":[)"},
       {"README.md", "ignored"},
       {"sub/ALSA-2022:8832.json", slurp(test_data("almalinux/almalinux9/ALSA-2022:8832.json"))}});
  core::Diagnostics diags;
  auto batch = read_path(zip, diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(ids(*batch), (std::vector<std::string>{"ALSA-2022:6224", "ALSA-2022:8832"}));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags.items()[0].source, zip + "!ALSA-2099:2.json");
  EXPECT_EQ(diags.items()[0].record, "ALSA-2099:2");
  EXPECT_EQ(batch->sources.at(0).format, "osv-zip");
  EXPECT_EQ(batch->sources.at(0).records, 3u);
}

TEST(OsvReader, TruncatedZipKeepsWhatWasReadAndSaysSo) {
  const std::string dir = fresh_dir();
  const std::string zip = dir + "/all.zip";
  std::vector<std::pair<std::string, std::string>> members;
  const std::string record = slurp(test_data("almalinux/almalinux8/ALSA-2023:6980.json"));
  constexpr int kMembers = 4;
  members.reserve(kMembers);
  for (int i = 0; i < kMembers; ++i) {
    members.emplace_back("m" + std::to_string(i) + ".json", record);
  }
  write_zip(zip, members);
  std::string bytes = slurp(zip);
  write_file(zip, bytes.substr(0, bytes.size() * 2 / 3));
  core::Diagnostics diags;
  auto batch = read_path(zip, diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_LT(batch->advisories.size(), 4u);
  ASSERT_FALSE(diags.empty());
  EXPECT_EQ(diags.items().back().source.rfind(zip, 0), 0u) << diags.items().back().to_string();
}

TEST(OsvReader, ZipInsideDirectoryIsRead) {
  const std::string dir = fresh_dir();
  write_zip(
      dir + "/feeds/alma9.zip",
      {{"ALSA-2022:6224.json", slurp(test_data("almalinux/almalinux9/ALSA-2022:6224.json"))}});
  write_file(dir + "/feeds/x/ALSA-2022:8833.json",
             slurp(test_data("almalinux/almalinux8/ALSA-2022:8833.json")));
  core::Diagnostics diags;
  auto batch = read_path(dir, diags);
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(ids(*batch), (std::vector<std::string>{"ALSA-2022:8833", "ALSA-2022:6224"}));
  EXPECT_EQ(batch->sources.size(), 2u);
}

}  // namespace
}  // namespace fleetpatch::feed::osv
