#include "feed/feed.hpp"

#include <archive.h>
#include <archive_entry.h>
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

/// Writes `content` zstd-compressed (one raw zstd stream, as `zstd FILE` makes).
void write_zstd(const std::string& path, const std::string& content) {
  archive* writer = archive_write_new();
  archive_write_set_format_raw(writer);
  archive_write_add_filter_zstd(writer);
  ASSERT_EQ(archive_write_open_filename(writer, path.c_str()), ARCHIVE_OK);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
  archive_write_header(writer, entry);
  archive_write_data(writer, content.data(), content.size());
  archive_entry_free(entry);
  archive_write_close(writer);
  archive_write_free(writer);
}

// zstd-compressed inputs are told apart by what they decompress to, whatever their names say.
TEST(Feed, DetectsCompressedInputsByTheirContent) {
  const std::string dir = fresh_dir();
  const std::string kev = slurp(test_data("kev/known_exploited_vulnerabilities_sample.json"));
  const std::string osv = slurp(test_data("osv-samples/DLA-0001-1.json"));
  write_zstd(dir + "/kev.json.zst", kev);
  write_zstd(dir + "/feed.jsonl.zst", kev);  // a KEV catalog under a bundle's name
  ASSERT_TRUE(osv::write_bundle({osv}, dir + "/bundle.jsonl.zst", 3).ok());
  ASSERT_TRUE(osv::write_bundle({osv}, dir + "/kev-catalog.json.zst", 3).ok());
  write_zstd(dir + "/tracker.json.zst", slurp(test_data("debian-tracker/tracker-sample.json")));
  write_file(dir + "/garbage.zst", std::string("\x28\xb5\x2f\xfd") + "not really zstd");
  // The demo's catalog, compressed by the zstd tool (-19), as `make run` ships it.
  const std::string shipped = std::string(FLEETPATCH_TEST_DATA) + "/../../data/kev.json.zst";
  struct Case {
    std::string path;
    InputKind kind;
    std::string error;  // non-empty: detect fails with a message holding this
  };
  const Case cases[] = {
      {dir + "/kev.json.zst", InputKind::kKev, ""},
      {dir + "/feed.jsonl.zst", InputKind::kKev, ""},
      {dir + "/bundle.jsonl.zst", InputKind::kOsvBundle, ""},
      {dir + "/kev-catalog.json.zst", InputKind::kOsvBundle, ""},
      {shipped, InputKind::kKev, ""},
      // The bundle reader reports the damage, naming the file.
      {dir + "/garbage.zst", InputKind::kOsvBundle, ""},
      {dir + "/tracker.json.zst", InputKind::kOsvBundle, "zstd -d"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    auto got = detect(c.path);
    if (!c.error.empty()) {
      ASSERT_FALSE(got.ok());
      EXPECT_NE(got.error().message.find(c.error), std::string::npos) << got.error().message;
      EXPECT_NE(got.error().message.find(c.path), std::string::npos) << got.error().message;
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, c.kind);
  }

  // And read as what they are: the compressed catalog gives the plain one's entries.
  core::Diagnostics diags;
  auto plain = read_paths({test_data("kev/known_exploited_vulnerabilities_sample.json")}, diags);
  auto compressed = read_paths({dir + "/feed.jsonl.zst"}, diags);
  ASSERT_TRUE(plain.ok() && compressed.ok());
  EXPECT_TRUE(diags.empty());
  ASSERT_FALSE(plain->kev.empty());
  ASSERT_EQ(compressed->kev.size(), plain->kev.size());
  for (std::size_t i = 0; i < plain->kev.size(); ++i) {
    EXPECT_EQ(compressed->kev[i].cve, plain->kev[i].cve);
    EXPECT_EQ(compressed->kev[i].due_date, plain->kev[i].due_date);
  }
  EXPECT_TRUE(compressed->advisories.empty());
  auto demo = read_paths({shipped}, diags);
  ASSERT_TRUE(demo.ok()) << demo.error().message;
  EXPECT_TRUE(diags.empty());
  ASSERT_EQ(demo->sources.size(), 1u);
  EXPECT_EQ(demo->sources[0].format, "kev");
  EXPECT_GT(demo->kev.size(), 1000u);  // data/README.md: the catalog of 2025-08-25
  EXPECT_EQ(demo->kev.size(), demo->sources[0].records);  // its own "count" agrees

  // A compressed catalog cut short is an error or a diagnostic naming the file, never a
  // silently empty import.
  const std::string whole = slurp(dir + "/kev.json.zst");
  write_file(dir + "/cut.json.zst", whole.substr(0, whole.size() - 8));
  core::Diagnostics cut_diags;
  auto cut = read_paths({dir + "/cut.json.zst"}, cut_diags);
  const std::string said = !cut.ok()           ? cut.error().message
                           : cut_diags.empty() ? std::string()
                                               : cut_diags.items().front().to_string();
  EXPECT_NE(said.find(dir + "/cut.json.zst"), std::string::npos) << said;
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
