#include "feed/osv/bundle.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "feed/osv/osv.hpp"
#include "feed/osv/test_util.hpp"

namespace fleetpatch::feed::osv {
namespace {

using namespace fleetpatch::feed::testing;

std::vector<std::string> sample_records() {
  std::vector<std::string> records;
  for (const char* file :
       {"almalinux/almalinux8/ALSA-2022:8833.json", "almalinux/almalinux8/ALBA-2019:0973.json",
        "almalinux/almalinux8/ALSA-2023:6980.json", "almalinux/almalinux9/ALSA-2022:6224.json",
        "osv-samples/CVE-2023-46850.json", "osv-samples/UBUNTU-CVE-2024-51988.json"}) {
    records.push_back(slurp(test_data(file)));
  }
  return records;
}

TEST(Bundle, StripKeepsMachineReadableFieldsOnly) {
  auto stripped = strip_record(slurp(test_data("osv-samples/CVE-2023-46850.json")));
  ASSERT_TRUE(stripped.ok());
  EXPECT_EQ(stripped->find('\n'), std::string::npos);
  auto json = nlohmann::json::parse(*stripped);
  for (const char* kept : {"id", "published", "modified", "related", "severity", "affected"}) {
    EXPECT_TRUE(json.contains(kept)) << kept;
  }
  for (const char* dropped : {"details", "references", "schema_version"}) {
    EXPECT_FALSE(json.contains(dropped)) << dropped;
  }
  EXPECT_FALSE(json["affected"][0].contains("versions"));
  EXPECT_TRUE(json["affected"][0].contains("package"));
  EXPECT_TRUE(json["affected"][0].contains("ranges"));
}

TEST(Bundle, RoundTripGivesTheSameAdvisories) {
  const auto records = sample_records();
  const std::string path = fresh_dir() + "/feed.jsonl.zst";
  ASSERT_TRUE(write_bundle(records, path, 3).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  std::vector<core::Advisory> direct;
  core::Diagnostics direct_diags;
  for (const auto& record : records) {
    if (auto advisory = parse_record(record, "r", direct_diags)) direct.push_back(*advisory);
  }
  core::Diagnostics diags;
  auto batch = read_bundle(path, diags);
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(diags.empty());
  EXPECT_TRUE(direct_diags.empty());
  ASSERT_EQ(direct.size(), records.size());
  EXPECT_EQ(batch->advisories, direct);
  ASSERT_EQ(batch->sources.size(), 1u);
  EXPECT_EQ(batch->sources[0].format, "osv-bundle");
  EXPECT_EQ(batch->sources[0].records, records.size());
  // Dropping prose makes it much smaller than the input.
  std::size_t input = 0;
  for (const auto& record : records) input += record.size();
  EXPECT_LT(std::filesystem::file_size(path) * 10, input);
}

TEST(Bundle, UnparsableRecordFailsTheWrite) {
  const std::string path = fresh_dir() + "/feed.jsonl.zst";
  auto status = write_bundle({R"({"id":"A-1"})", "{broken"}, path);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("record 2"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Bundle, BadLineIsNamedByLineAndRecord) {
  const std::string path = fresh_dir() + "/feed.jsonl.zst";
  auto records = sample_records();
  // Valid JSON, so the writer keeps it, but not a valid OSV record.
  records.insert(records.begin() + 1, R"({"id":"ALSA-2099:3","summary":5})");
  ASSERT_TRUE(write_bundle(records, path, 3).ok());
  core::Diagnostics diags;
  auto batch = read_bundle(path, diags);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->advisories.size(), records.size() - 1);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags.items()[0].source, path);
  EXPECT_EQ(diags.items()[0].line, 2u);
  EXPECT_EQ(diags.items()[0].record, "ALSA-2099:3");
}

TEST(Bundle, TruncatedAndCorruptBundlesAreDiagnosed) {
  const std::string path = fresh_dir() + "/feed.jsonl.zst";
  ASSERT_TRUE(write_bundle(sample_records(), path, 3).ok());
  const std::string bytes = slurp(path);
  struct Case {
    std::string name;
    std::string bytes;
  };
  std::string corrupt = bytes;
  for (std::size_t i = 20; i < corrupt.size(); i += 7) corrupt[i] = static_cast<char>(~corrupt[i]);
  const Case cases[] = {
      {"truncated", bytes.substr(0, bytes.size() / 2)},
      {"corrupt", corrupt},
      {"empty", ""},
  };
  for (const auto& c : cases) {
    core::Diagnostics diags;
    FeedBatch batch = read_bundle_bytes(c.bytes, "b.jsonl.zst", diags);
    EXPECT_FALSE(diags.empty()) << c.name;
    EXPECT_LT(batch.advisories.size(), sample_records().size()) << c.name;
    for (const auto& d : diags.items()) EXPECT_EQ(d.source, "b.jsonl.zst");
  }
}

}  // namespace
}  // namespace fleetpatch::feed::osv
