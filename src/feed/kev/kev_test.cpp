#include "feed/kev/kev.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "feed/osv/test_util.hpp"

namespace fleetpatch::feed::kev {
namespace {

using namespace fleetpatch::feed::testing;

TEST(Kev, SampleCatalog) {
  core::Diagnostics diags;
  auto batch = read_kev(test_data("kev/known_exploited_vulnerabilities_sample.json"), diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_TRUE(diags.empty());
  ASSERT_EQ(batch->kev.size(), 5u);
  EXPECT_EQ(batch->kev[0],
            (core::KevEntry{"CVE-2025-48384", "2025-08-25", "2025-09-15", false, "Git", "Git"}));
  EXPECT_TRUE(batch->kev[3].known_ransomware);
  EXPECT_EQ(batch->kev[3].cve, "CVE-2025-49704");
  ASSERT_EQ(batch->sources.size(), 1u);
  EXPECT_EQ(batch->sources[0].version, "2025.08.25");
  EXPECT_EQ(batch->sources[0].date, "2025-08-25T17:04:19.9796Z");
  EXPECT_EQ(batch->sources[0].format, "kev");
}

TEST(Kev, BadEntriesAreNamedAndSkipped) {
  const std::string json = R"({"catalogVersion":"1","dateReleased":"2025-01-01T00:00:00Z",
    "count":5,"vulnerabilities":[
      {"cveID":"CVE-2024-0001","dateAdded":"2024-01-01","dueDate":"2024-01-22",
       "knownRansomwareCampaignUse":"Known","vendorProject":"V","product":"P","notes":""},
      {"cveID":"CVE-2024-0002","dateAdded":"2024/01/01","dueDate":"2024-01-22"},
      {"cveID":"not-a-cve","dateAdded":"2024-01-01","dueDate":"2024-01-22"},
      {"dateAdded":"2024-01-01","dueDate":"2024-01-22"},
      {"cveID":"CVE-2024-0005","dateAdded":"2024-01-01","dueDate":20240122}]})";
  core::Diagnostics diags;
  auto catalog = parse_catalog(json, "kev.json", diags);
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  ASSERT_EQ(catalog->entries.size(), 1u);
  EXPECT_EQ(catalog->entries[0].cve, "CVE-2024-0001");
  EXPECT_TRUE(catalog->entries[0].known_ransomware);
  std::vector<std::string> records;
  for (const auto& d : diags.items()) {
    EXPECT_EQ(d.source, "kev.json");
    records.push_back(d.record);
  }
  EXPECT_EQ(records, (std::vector<std::string>{"CVE-2024-0002", "not-a-cve", "vulnerabilities[3]",
                                               "CVE-2024-0005", ""}));
}

TEST(Kev, NotACatalogIsAnError) {
  const std::string cases[] = {
      "",
      "[]",
      R"({"title":"x"})",
      R"({"vulnerabilities":{}})",
      R"({"vulnerabilities":[{"cveID":"CVE-2024-0001")",
  };
  for (const auto& json : cases) {
    core::Diagnostics diags;
    EXPECT_FALSE(parse_catalog(json, "k", diags).ok()) << json;
  }
}

TEST(Kev, LooksLikeKev) {
  EXPECT_TRUE(looks_like_kev(R"({"title":"CISA","catalogVersion":"2025.08.25")"));
  EXPECT_TRUE(looks_like_kev(R"({"vulnerabilities":[{"cveID":"CVE-1")"));
  EXPECT_FALSE(looks_like_kev(R"({"id":"ALSA-2022:1","related":["CVE-1"])"));
}

TEST(Kev, FullCatalogFromSharedData) {
  const std::string path =
      std::string(FLEETPATCH_SHARED_DATA) + "/cisa-kev/known_exploited_vulnerabilities.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data absent: " << path;
  core::Diagnostics diags;
  auto batch = read_kev(path, diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_TRUE(diags.empty()) << diags.items().front().to_string();
  // The catalog's own count (1,404 at 2025.08.25) must match what was read.
  EXPECT_EQ(batch->kev.size(), batch->sources.at(0).records);
  EXPECT_GE(batch->kev.size(), 1404u);
  std::set<std::string> unique;
  for (const auto& entry : batch->kev) unique.insert(entry.cve);
  EXPECT_EQ(unique.size(), batch->kev.size());
}

}  // namespace
}  // namespace fleetpatch::feed::kev
