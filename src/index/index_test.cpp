#include "index/index.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace fleetpatch::index {
namespace {

using core::AdvisoryKind;
using core::FixState;
using core::Severity;
using core::VersionEvent;

core::AffectedPackage affected(std::string release, std::string name, std::string fixed,
                               std::string module = "", FixState state = FixState::kFixed) {
  core::AffectedPackage p;
  p.release = std::move(release);
  p.name = std::move(name);
  p.module = std::move(module);
  p.state = state;
  p.events.push_back({VersionEvent::Type::kIntroduced, "0"});
  if (!fixed.empty()) p.events.push_back({VersionEvent::Type::kFixed, std::move(fixed)});
  return p;
}

core::Advisory advisory(std::string id, std::vector<std::string> cves,
                        std::vector<core::AffectedPackage> packages,
                        AdvisoryKind kind = AdvisoryKind::kSecurity) {
  core::Advisory a;
  a.id = std::move(id);
  a.cves = std::move(cves);
  a.kind = kind;
  a.severity = Severity::kMedium;
  a.vendor_severity = "Moderate";
  a.published = "2022-06-16T00:00:00Z";
  a.modified = "2022-06-20T00:00:00Z";
  a.affected = std::move(packages);
  return a;
}

IndexBuilder sample_builder() {
  IndexBuilder b;
  b.add(advisory("ALSA-2022:5003", {"CVE-2022-1292", "CVE-2022-2068"},
                 {affected("almalinux:9", "openssl", "1:3.0.1-43.el9_0"),
                  affected("almalinux:9", "openssl-libs", "1:3.0.1-43.el9_0")}));
  auto with_cvss =
      advisory("ALSA-2023:0001", {"CVE-2023-0001"},
               {affected("almalinux:8", "nodejs", "1:18.14.2-2.module_el8", "nodejs:18"),
                affected("almalinux:8", "nodejs", "1:16.19.1-1.module_el8", "nodejs:16")});
  with_cvss.cvss_score = 7.5;
  with_cvss.severity = Severity::kHigh;
  with_cvss.vendor_severity = "Important";
  b.add(std::move(with_cvss));
  b.add(advisory("ALBA-2022:8256", {}, {affected("almalinux:9", "qatzip", "1.0.9-1.el9")},
                 AdvisoryKind::kBugfix));
  b.add(advisory("DSA-5343-1", {"CVE-2023-0286"},
                 {affected("debian:12", "openssl", "", "", FixState::kUnfixed)}));
  b.add_kev({"CVE-2022-1292", "2022-10-01", "2022-10-22", false, "OpenSSL", "OpenSSL"});
  b.add_kev({"CVE-2023-0286", "2023-03-01", "2023-03-22", true, "OpenSSL", "OpenSSL"});
  b.set_source_info(
      {"osv almalinux:9", "2026-08-21T00:00:00Z", 2, "2022-06-20T00:00:00Z", "/tmp/all.zip"});
  b.set_source_info({"cisa-kev", "2026-08-21T00:00:00Z", 2, "2023-03-01", "kev.json"});
  return b;
}

TEST(Index, RoundTripLookups) {
  const std::string bytes = sample_builder().serialize();
  auto index = Index::from_bytes(bytes);
  ASSERT_TRUE(index.ok()) << index.error().message;
  EXPECT_EQ(index->advisory_count(), 4u);
  EXPECT_EQ(index->entry_count(), 6u);

  const EntryRange libs = index->lookup("almalinux:9", "openssl-libs");
  ASSERT_EQ(libs.size(), 1u);
  EXPECT_EQ(libs[0].advisory().id(), "ALSA-2022:5003");
  EXPECT_EQ(libs[0].state(), FixState::kFixed);
  ASSERT_EQ(libs[0].event_count(), 2u);
  EXPECT_EQ(libs[0].event(1).type, VersionEvent::Type::kFixed);
  EXPECT_EQ(libs[0].event(1).version, "1:3.0.1-43.el9_0");
  EXPECT_EQ(libs[0].advisory().cve_count(), 2u);
  EXPECT_EQ(libs[0].advisory().cve(1), "CVE-2022-2068");
  EXPECT_EQ(libs[0].advisory().vendor_severity(), "Moderate");
  EXPECT_FALSE(libs[0].advisory().cvss_score().has_value());

  const EntryRange nodejs = index->lookup("almalinux:8", "nodejs");
  ASSERT_EQ(nodejs.size(), 2u);
  // Within a key: advisory, then module.
  EXPECT_EQ(nodejs[0].module(), "nodejs:16");
  EXPECT_EQ(nodejs[1].module(), "nodejs:18");
  EXPECT_EQ(nodejs[0].advisory().cvss_score(), 7.5);
  EXPECT_EQ(nodejs[0].advisory().severity(), Severity::kHigh);

  EXPECT_TRUE(index->lookup("almalinux:8", "openssl").empty());  // other release
  EXPECT_TRUE(index->lookup("almalinux:9", "openss").empty());
  EXPECT_TRUE(index->lookup("almalinux:9", "zzz").empty());
  EXPECT_TRUE(index->lookup("zzz", "openssl").empty());
  EXPECT_EQ(index->lookup("debian:12", "openssl")[0].state(), FixState::kUnfixed);

  EXPECT_TRUE(index->has_release("almalinux:8"));
  EXPECT_TRUE(index->has_release("debian:12"));
  EXPECT_FALSE(index->has_release("debian:11"));
  EXPECT_FALSE(index->has_release("almalinux"));

  EXPECT_EQ(index->kev_due_date("CVE-2022-1292"), "2022-10-22");
  EXPECT_FALSE(index->kev_due_date("CVE-2022-2068").has_value());
  ASSERT_TRUE(index->find_advisory("ALBA-2022:8256").has_value());
  EXPECT_EQ(index->find_advisory("ALBA-2022:8256")->kind(), AdvisoryKind::kBugfix);
  EXPECT_FALSE(index->find_advisory("ALSA-1999:0001").has_value());

  const auto sources = index->sources();
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0].name, "cisa-kev");  // sorted by name
  EXPECT_EQ(sources[1].origin, "/tmp/all.zip");
  EXPECT_EQ(sources[1].record_count, 2u);

  const auto releases = index->releases();
  ASSERT_EQ(releases.size(), 3u);
  EXPECT_EQ(releases[0].key, "almalinux:8");
  EXPECT_EQ(releases[0].package_count, 1u);
  EXPECT_EQ(releases[0].entry_count, 2u);
  EXPECT_EQ(releases[1].package_count, 3u);
}

TEST(Index, DecodeRestoresWhatWasAdded) {
  IndexBuilder b = sample_builder();
  auto index = Index::from_bytes(b.serialize());
  ASSERT_TRUE(index.ok());
  const auto decoded = index->decode_advisories();
  ASSERT_EQ(decoded.size(), 4u);
  // Rebuilding from the decoded values gives the identical file.
  IndexBuilder again;
  for (auto a : decoded) again.add(std::move(a));
  for (auto k : index->decode_kev()) again.add_kev(std::move(k));
  for (auto s : index->sources()) again.set_source_info(std::move(s));
  EXPECT_EQ(again.serialize(), b.serialize());
  const auto& alsa = decoded[1];  // sorted by id: ALBA-, ALSA-2022, ALSA-2023, DSA-
  EXPECT_EQ(alsa.id, "ALSA-2022:5003");
  EXPECT_EQ(alsa.affected.size(), 2u);
  EXPECT_EQ(alsa.affected[1].name, "openssl-libs");
  EXPECT_EQ(alsa.modified, "2022-06-20T00:00:00Z");
  EXPECT_EQ(index->decode_kev()[1].known_ransomware, true);
}

TEST(Index, LaterAddReplacesSameId) {
  IndexBuilder b;
  b.add(advisory("A-1", {"CVE-1"}, {affected("debian:12", "x", "1.0")}));
  b.add(advisory("A-1", {"CVE-2"}, {affected("debian:12", "y", "2.0")}));
  auto index = Index::from_bytes(b.serialize());
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->advisory_count(), 1u);
  EXPECT_TRUE(index->lookup("debian:12", "x").empty());
  EXPECT_EQ(index->lookup("debian:12", "y").size(), 1u);
}

TEST(Index, EmptyIndexIsValid) {
  auto index = Index::from_bytes(IndexBuilder().serialize());
  ASSERT_TRUE(index.ok()) << index.error().message;
  EXPECT_EQ(index->advisory_count(), 0u);
  EXPECT_TRUE(index->lookup("debian:12", "openssl").empty());
  EXPECT_FALSE(index->has_release("debian:12"));
}

TEST(Index, CveListSortedAndUnique) {
  IndexBuilder b;
  b.add(advisory("A-1", {"CVE-3", "CVE-1", "CVE-3"}, {affected("debian:12", "x", "1.0")}));
  auto index = Index::from_bytes(b.serialize());
  ASSERT_TRUE(index.ok());
  const auto a = index->advisory(0);
  ASSERT_EQ(a.cve_count(), 2u);
  EXPECT_EQ(a.cve(0), "CVE-1");
  EXPECT_EQ(a.cve(1), "CVE-3");
}

TEST(Index, RejectsTruncatedAndCorruptFiles) {
  const std::string good = sample_builder().serialize();
  struct Case {
    const char* name;
    std::string bytes;
    const char* message_part;
  };
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  std::string bad_version = good;
  bad_version[8] = 9;
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x40;
  std::string bad_endian = good;
  std::swap(bad_endian[12], bad_endian[15]);
  const Case cases[] = {
      {"empty", "", "truncated"},
      {"header only", good.substr(0, 40), "truncated"},
      {"cut in half", good.substr(0, good.size() / 2), "truncated"},
      {"one byte short", good.substr(0, good.size() - 1), "truncated"},
      {"extra byte", good + "x", "extended"},
      {"bad magic", bad_magic, "not a fleetpatch advisory index"},
      {"future version", bad_version, "format version 9"},
      {"flipped bit", flipped, "checksum mismatch"},
      {"byte order", bad_endian, "byte order"},
  };
  for (const auto& c : cases) {
    auto index = Index::from_bytes(c.bytes);
    ASSERT_FALSE(index.ok()) << c.name;
    EXPECT_NE(index.error().message.find(c.message_part), std::string::npos)
        << c.name << ": " << index.error().message;
  }
}

// With the checksum recomputed, structural damage must still be caught by validation, never by
// a crash: the same path the fuzz target takes.
TEST(Index, RandomDamageWithValidChecksumNeverCrashes) {
  const std::string good = sample_builder().serialize();
  std::mt19937 rng(42);
  int rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      const std::size_t at =
          sizeof(format::Header) + rng() % (bytes.size() - sizeof(format::Header));
      bytes[at] = static_cast<char>(rng());
    }
    const std::uint64_t sum =
        format::xxh64(bytes.data() + sizeof(format::Header), bytes.size() - sizeof(format::Header));
    std::memcpy(bytes.data() + offsetof(format::Header, payload_checksum), &sum, sizeof sum);
    auto index = Index::from_bytes(bytes);
    if (!index.ok()) {
      ++rejected;
      continue;
    }
    // Whatever survived validation must be safe to read completely.
    for (const auto& r : index->releases()) (void)index->lookup(r.key, "openssl").size();
    for (const auto& a : index->decode_advisories()) (void)a.id;
    (void)index->decode_kev();
    (void)index->sources();
  }
  EXPECT_GT(rejected, 0);
}

TEST(Index, Xxh64KnownVectors) {
  // Reference values from the xxHash project's test suite.
  EXPECT_EQ(format::xxh64("", 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(format::xxh64("abc", 3), 0x44BC2CF5AD770999ULL);
}

TEST(Index, WriteAtomicThenOpenByMmap) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("fleetpatch-index-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "advisories.fpi").string();
  ASSERT_TRUE(sample_builder().write_atomic(path).ok());
  {
    auto index = Index::open(path);
    ASSERT_TRUE(index.ok()) << index.error().message;
    EXPECT_EQ(index->lookup("almalinux:9", "openssl").size(), 1u);
    // Moving keeps the mapping and the views valid.
    Index moved = std::move(*index);
    EXPECT_EQ(moved.lookup("almalinux:9", "openssl")[0].advisory().id(), "ALSA-2022:5003");
  }
  // Replacing: the old file is swapped whole; no temporary files stay behind.
  IndexBuilder smaller;
  smaller.add(advisory("A-1", {}, {affected("debian:12", "x", "1.0")}));
  ASSERT_TRUE(smaller.write_atomic(path).ok());
  auto index = Index::open(path);
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->advisory_count(), 1u);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1u);

  // A truncated file on disk is an error naming the file.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 8);
  auto cut = Index::open(path);
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.error().message.find(path), std::string::npos);
  EXPECT_FALSE(Index::open((dir / "missing.fpi").string()).ok());
  EXPECT_EQ(Index::open((dir / "missing.fpi").string()).error().code, core::ErrorCode::kNotFound);
  EXPECT_FALSE(sample_builder().write_atomic((dir / "no-such-dir" / "x.fpi").string()).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fleetpatch::index
