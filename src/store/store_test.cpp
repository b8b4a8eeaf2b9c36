// Unit tests of what both backends share: hashes (known answers, so the documented encodings
// stay what docs/store.md says), the report and ledger codecs, role names and URL dispatch.
#include "store/store.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoststate/host_report_json.hpp"
#include "store/codec.hpp"

namespace fleetpatch::store {
namespace {

using ::testing::HasSubstr;

core::TimePoint at(const char* text) { return core::parse_rfc3339(text).value(); }

TEST(Sha256, KnownAnswers) {
  struct Case {
    std::string input;
    std::string hex;
  };
  const std::vector<Case> cases = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
  };
  for (const auto& c : cases) EXPECT_EQ(codec::sha256_hex(c.input), c.hex) << c.input;
}

TEST(AppendField, EightByteBigEndianLengthThenBytes) {
  std::string out;
  codec::append_field(out, "ab");
  codec::append_field(out, "");
  EXPECT_EQ(out, std::string("\0\0\0\0\0\0\0\x02"
                             "ab"
                             "\0\0\0\0\0\0\0\0",
                             18));
  std::string big;
  codec::append_field(big, std::string(0x0102, 'x'));
  EXPECT_EQ(big.substr(0, 8), std::string("\0\0\0\0\0\0\x01\x02", 8));
}

// The value below was computed independently (Python hashlib over the encoding docs/store.md
// describes), so a change of the encoding fails here.
TEST(AuditEntryHash, KnownAnswer) {
  const AuditEvent e{at("2026-11-26T03:00:00Z"), "admin-token", "token.create", "a1b2c3d4e5f6",
                     "{\"role\":\"viewer\"}"};
  EXPECT_EQ(audit_entry_hash(7, e, std::string(64, '0')),
            "f2a675429254373c1dff6f0b938f2c9ce647e2f374a3ac9cb1c71bc1aa14dae0");
}

TEST(AuditEntryHash, EveryFieldCounts) {
  const AuditEvent base{at("2026-11-26T03:00:00Z"), "a", "b", "c", "{}"};
  const std::string prev(64, '0');
  const std::string h = audit_entry_hash(1, base, prev);
  std::vector<std::pair<std::string, std::string>> variants;
  auto with = [&](auto change) {
    AuditEvent e = base;
    change(e);
    return audit_entry_hash(1, e, prev);
  };
  variants.emplace_back("seq", audit_entry_hash(2, base, prev));
  variants.emplace_back("prev", audit_entry_hash(1, base, std::string(64, '1')));
  variants.emplace_back("at", with([](AuditEvent& e) { e.at += std::chrono::seconds(1); }));
  variants.emplace_back("actor", with([](AuditEvent& e) { e.actor = "x"; }));
  variants.emplace_back("action", with([](AuditEvent& e) { e.action = "x"; }));
  variants.emplace_back("target", with([](AuditEvent& e) { e.target = "x"; }));
  variants.emplace_back("detail", with([](AuditEvent& e) { e.detail = "{ }"; }));
  // Moving a byte from one field to the next must change the hash (length prefixes).
  variants.emplace_back("shift", with([](AuditEvent& e) {
                          e.actor = "ab";
                          e.action = "";
                        }));
  for (const auto& [name, hash] : variants) EXPECT_NE(hash, h) << name;
}

TEST(Roles, NamesRoundTrip) {
  for (Role r : {Role::kViewer, Role::kOperator, Role::kAdmin, Role::kAgent}) {
    EXPECT_EQ(role_from_string(to_string(r)), r);
  }
  EXPECT_EQ(to_string(Role::kOperator), "operator");
  EXPECT_EQ(static_cast<int>(Role::kAgent), 4);  // persisted value
  EXPECT_EQ(role_from_string("Admin"), std::nullopt);
  EXPECT_EQ(role_from_string(""), std::nullopt);
}

core::HostReport full_report() {
  core::HostReport r;
  r.host = {"id-1", "web-1", {"prod", "eu"}};
  r.os = {"almalinux", "9.0", "AlmaLinux 9.0", {"rhel", "fedora"}, "codename"};
  r.kernel.running = "5.14.0-70.13.1.el9_0.x86_64";
  r.kernel.installed = {"5.14.0-70.13.1.el9_0.x86_64"};
  r.kernel.reboot_required = true;
  r.kernel.reboot_required_by = {"kernel-core"};
  r.kernel.livepatch = {{"kpatch_1", "kpatch", true, true, {"CVE-2022-0847"}, "5.14.0-71"}};
  r.package_format = core::PackageFormat::kRpm;
  r.packages = {
      {"openssl-libs", "1:3.0.1-41.el9_0", "x86_64", "openssl", "1:3.0.1-41.el9_0", std::nullopt,
       1'650'000'000},
      {"nodejs", "1:16.14.0-1", "x86_64", "nodejs", "1:16.14.0-1", "nodejs:16", std::nullopt},
  };
  r.listening = {{"tcp",
                  "0.0.0.0",
                  65535,
                  812,
                  "/usr/sbin/nginx",
                  "nginx",
                  core::Exposure::kNetwork,
                  {"nginx", "openssl-libs"}}};
  r.pending_restart = {
      {812, "/usr/sbin/nginx", "nginx.service", {"/usr/lib64/libssl.so.3"}, {"openssl-libs"}}};
  r.collected_at = "2026-11-26T03:00:00Z";
  r.collector = "fleetpatch 0.1.0";
  return r;
}

TEST(ReportCodec, RoundTripKeepsEveryField) {
  const auto report = full_report();
  const auto encoded = codec::encode_report(report);
  auto decoded = codec::decode_report(encoded.body, report.collected_at);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, report);
  EXPECT_EQ(encoded.content_hash, report_content_hash(report));
}

TEST(ReportCodec, DecodeIntoAReusedReportOverwritesEveryField) {
  // Re-evaluation decodes every stored report into one buffer per thread: nothing of the
  // previous report may survive into the next (modules, install times, pids, longer lists).
  const auto full = full_report();
  core::HostReport small;
  small.host.id = "small";
  small.os.id = "debian";
  small.packages.resize(1);
  small.packages[0].name = "zlib1g";
  small.collected_at = "2026-05-05T00:00:00Z";
  const auto full_body = codec::encode_report(full).body;
  const auto small_body = codec::encode_report(small).body;
  core::HostReport buffer;
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(codec::decode_report_into(full_body, full.collected_at, buffer).ok());
    EXPECT_EQ(buffer, full);
    ASSERT_TRUE(codec::decode_report_into(small_body, small.collected_at, buffer).ok());
    EXPECT_EQ(buffer, small);
  }
  EXPECT_FALSE(codec::decode_report_into("garbage", "", buffer).ok());
  ASSERT_TRUE(codec::decode_report_into(full_body, full.collected_at, buffer).ok());
  EXPECT_EQ(buffer, full);
}

TEST(ReportCodec, ContentHashIgnoresOnlyCollectedAt) {
  const auto report = full_report();
  const auto h = report_content_hash(report);
  EXPECT_EQ(h.size(), 64u);
  auto later = report;
  later.collected_at = "2027-01-01T00:00:00Z";
  EXPECT_EQ(report_content_hash(later), h);

  std::vector<std::pair<std::string, void (*)(core::HostReport&)>> changes = {
      {"package version", [](core::HostReport& r) { r.packages[0].version += "a"; }},
      {"package removed", [](core::HostReport& r) { r.packages.pop_back(); }},
      {"module", [](core::HostReport& r) { r.packages[1].module.reset(); }},
      {"install time", [](core::HostReport& r) { r.packages[0].install_time = 1; }},
      {"tag", [](core::HostReport& r) { r.host.tags.push_back("x"); }},
      {"kernel", [](core::HostReport& r) { r.kernel.reboot_required = false; }},
      {"listening", [](core::HostReport& r) { r.listening[0].port = 80; }},
      {"restart", [](core::HostReport& r) { r.pending_restart.clear(); }},
      {"collector", [](core::HostReport& r) { r.collector = "other"; }},
  };
  for (const auto& [name, change] : changes) {
    auto changed = report;
    change(changed);
    EXPECT_NE(report_content_hash(changed), h) << name;
  }
}

TEST(ReportCodec, CorruptBodiesAreErrorsNotCrashes) {
  const auto body = codec::encode_report(full_report()).body;
  const auto raw = codec::encode_report_canonical(full_report());
  std::vector<std::string> bad = {"", "garbage", body.substr(0, body.size() / 2)};
  // Valid zstd frames around broken canonical encodings.
  for (std::size_t n :
       {std::size_t{0}, std::size_t{3}, std::size_t{4}, raw.size() / 2, raw.size() - 1}) {
    bad.push_back(codec::compress(raw.substr(0, n)));
  }
  bad.push_back(codec::compress(raw + "x"));
  std::string wrong_magic = raw;
  wrong_magic[3] = '\x02';
  bad.push_back(codec::compress(wrong_magic));
  for (const auto& b : bad) {
    auto decoded = codec::decode_report(b, "");
    EXPECT_FALSE(decoded.ok()) << b.size();
  }
  // Random byte flips: each either decodes to something or is an error; never a crash.
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string mutated = raw;
    mutated[4 + rng() % (mutated.size() - 4)] = static_cast<char>(rng());
    (void)codec::decode_report(codec::compress(mutated), "");
  }
}

TEST(ReportCodec, BodiesAreLz4FramesAndZstdBodiesStillDecode) {
  const auto report = full_report();
  const auto raw = codec::encode_report_canonical(report);
  const auto body = codec::encode_report(report).body;
  ASSERT_GE(body.size(), 8u);
  EXPECT_EQ(body.substr(0, 4), std::string_view("FL4\x01", 4));
  // The header's content size, little-endian.
  std::uint32_t size = 0;
  for (int i = 0; i < 4; ++i)
    size |= static_cast<std::uint32_t>(static_cast<unsigned char>(body[4 + i])) << (8 * i);
  EXPECT_EQ(size, raw.size());
  EXPECT_EQ(codec::decompress(body).value(), raw);
  // Bodies written before schema version 3 are zstd frames of the same encoding.
  auto from_zstd = codec::decode_report(codec::compress(raw, 1), report.collected_at);
  ASSERT_TRUE(from_zstd.ok()) << from_zstd.error().message;
  EXPECT_EQ(*from_zstd, report);
  auto from_lz4 = codec::decode_report(body, report.collected_at);
  ASSERT_TRUE(from_lz4.ok()) << from_lz4.error().message;
  EXPECT_EQ(*from_lz4, report);
  // Edge sizes round trip, the empty input included.
  for (const std::string& data :
       {std::string(), std::string("x"), std::string(100000, 'a'), raw + raw}) {
    EXPECT_EQ(codec::decompress(codec::compress_lz4(data)).value(), data) << data.size();
  }
}

TEST(ReportCodec, CorruptLz4FramesAreErrorsNotCrashes) {
  const auto raw = codec::encode_report_canonical(full_report());
  const auto frame = codec::compress_lz4(raw);
  auto with_size = [&frame](std::uint32_t size) {
    std::string f = frame;
    for (int i = 0; i < 4; ++i) f[4 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
    return f;
  };
  std::string buffer;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"magic alone", frame.substr(0, 4)},
      {"header alone", frame.substr(0, 8)},
      {"truncated block", frame.substr(0, frame.size() / 2)},
      {"block one byte short", frame.substr(0, frame.size() - 1)},
      {"size too small", with_size(static_cast<std::uint32_t>(raw.size() - 1))},
      {"size too large", with_size(static_cast<std::uint32_t>(raw.size() + 1))},
      {"size zero", with_size(0)},
      {"size beyond any limit", with_size(0xffffffffu)},
  };
  for (const auto& [what, b] : bad) {
    EXPECT_FALSE(codec::decompress_into(b, buffer).ok()) << what;
    EXPECT_TRUE(buffer.empty()) << what;
    EXPECT_FALSE(codec::decode_report(b, "").ok()) << what;
  }
  // A frame larger than the caller allows is refused before anything is allocated.
  auto limited = codec::decompress(frame, raw.size() - 1);
  ASSERT_FALSE(limited.ok());
  EXPECT_NE(limited.error().message.find(std::to_string(raw.size())), std::string::npos);
  EXPECT_TRUE(codec::decompress(frame, raw.size()).ok());
  // Random byte flips in the block: an error or some bytes, never a crash (ASan watches).
  std::mt19937 rng(11);
  for (int i = 0; i < 500; ++i) {
    std::string mutated = frame;
    mutated[8 + rng() % (mutated.size() - 8)] = static_cast<char>(rng());
    (void)codec::decode_report(mutated, "");
  }
}

// A body and content hash stored by an earlier release (tests/data/store/README.md). Databases
// in the field hold such bodies, and agents in the field compute the content hash themselves: an
// agent sends the "unchanged" marker only when its own hash of a report equals the hash the
// server acknowledged (agent::choose_send). So an encoding change that altered the hash would make
// every agent of an earlier release send full reports for good; this pins both.
TEST(ReportCodec, BodiesAndHashesOfEarlierReleasesStillMatch) {
  const std::filesystem::path dir = std::filesystem::path(FLEETPATCH_TEST_DATA) / "store";
  auto read = [](const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string body = read(dir / "report-v1.zst");
  auto expected = hoststate::host_report_from_json(read(dir / "report-v1.json"), "report-v1.json");
  ASSERT_TRUE(expected.ok()) << expected.error().message;
  auto decoded = codec::decode_report(body, expected->collected_at);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, *expected);
  EXPECT_EQ(report_content_hash(*expected) + "\n", read(dir / "report-v1.hash"));
}

TEST(LedgerCodec, RoundTripSortedDeduplicated) {
  const auto t0 = at("2026-01-01T00:00:00Z");
  std::vector<LedgerEntry> in = {
      {"zlib ALSA-2", t0 + std::chrono::hours(5)},
      {"openssl ALSA-1", t0},
      {"openssl ALSA-10", t0 - std::chrono::hours(24 * 400)},  // times may go backwards
      {"zlib ALSA-2", t0 + std::chrono::hours(1)},             // duplicate: earliest kept
      {"", t0},
  };
  auto out = codec::decode_ledger(codec::encode_ledger(in));
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_EQ(out->size(), 4u);
  EXPECT_EQ((*out)[0].key, "");
  EXPECT_EQ((*out)[1].key, "openssl ALSA-1");
  EXPECT_EQ((*out)[2].key, "openssl ALSA-10");
  EXPECT_EQ((*out)[2].first_seen, t0 - std::chrono::hours(24 * 400));
  EXPECT_EQ((*out)[3].key, "zlib ALSA-2");
  EXPECT_EQ((*out)[3].first_seen, t0 + std::chrono::hours(1));
  EXPECT_TRUE(codec::decode_ledger("").value().empty());
  EXPECT_TRUE(codec::decode_ledger(codec::encode_ledger({})).value().empty());
}

TEST(LedgerCodec, ViewsAndSortedEncodingAgreeWithTheEntryForms) {
  const auto t0 = at("2026-01-01T00:00:00Z");
  constexpr int kEntries = 300;
  std::vector<LedgerEntry> in;
  in.reserve(kEntries);
  for (int i = 0; i < kEntries; ++i) {
    in.push_back({"pkg-" + std::to_string(i / 4) + " ALSA-2025:" + std::to_string(7000 - i),
                  t0 + std::chrono::hours(i % 17)});
  }
  const auto blob = codec::encode_ledger(in);
  const auto entries = codec::decode_ledger(blob).value();
  codec::LedgerView view;
  // Reused after a corrupt blob, as re-evaluation's per-thread view is.
  EXPECT_FALSE(codec::decode_ledger_into("not zstd", view).ok());
  ASSERT_TRUE(codec::decode_ledger_into(blob, view).ok());
  ASSERT_EQ(view.entries.size(), entries.size());
  std::vector<codec::LedgerItem> items;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(view.key(i), entries[i].key);
    EXPECT_EQ(view.entries[i].first_seen, entries[i].first_seen);
    items.push_back({view.key(i), view.entries[i].first_seen});
  }
  EXPECT_EQ(codec::encode_sorted_ledger(items), blob);
  ASSERT_TRUE(codec::decode_ledger_into("", view).ok());
  EXPECT_TRUE(view.entries.empty());
}

TEST(LedgerCodec, CompactAtFleetScale) {
  // ~900 findings of one host, keys "PACKAGE ADVISORY" as policy/history.hpp builds them.
  std::vector<LedgerEntry> in;
  in.reserve(900);
  for (int i = 0; i < 900; ++i) {
    in.push_back({"package-" + std::to_string(i / 3) + " ALSA-2025:" + std::to_string(1000 + i),
                  at("2025-01-01T00:00:00Z") + std::chrono::hours(24 * (i % 40))});
  }
  const auto blob = codec::encode_ledger(in);
  // 300,000 hosts x this must stay a few GB at most: under 8 bytes a finding.
  EXPECT_LT(blob.size(), 900u * 8) << blob.size();
  EXPECT_EQ(codec::decode_ledger(blob).value().size(), 900u);
}

TEST(LedgerCodec, CorruptBlobsAreErrors) {
  const std::vector<LedgerEntry> in = {{"a b", at("2026-01-01T00:00:00Z")},
                                       {"a c", at("2026-01-02T00:00:00Z")}};
  const std::string blob = codec::encode_ledger(in);
  // Version 2: "FPL" 0x02, the keys digest, then the version 1 blob (a zstd frame).
  ASSERT_TRUE(blob.starts_with(std::string_view("FPL\x02", 4)));
  const std::string v1 = blob.substr(4 + 16);
  auto raw = codec::decompress(v1).value();
  for (std::size_t n = 0; n < raw.size(); ++n) {
    EXPECT_FALSE(codec::decode_ledger(codec::compress(raw.substr(0, n))).ok()) << n;
  }
  EXPECT_FALSE(codec::decode_ledger("not zstd").ok());
  // A shared-prefix length longer than the previous key.
  std::string bad_prefix("FPL\x01\x01\x05\x01x\x00", 9);
  EXPECT_FALSE(codec::decode_ledger(codec::compress(bad_prefix)).ok());
  // A version 2 header cut short, or followed by a corrupt frame.
  for (std::size_t n = 0; n < 4 + 16; ++n) {
    EXPECT_FALSE(codec::decode_ledger(blob.substr(0, n + (n < 4 ? 4 : 0))).ok()) << n;
  }
  EXPECT_FALSE(codec::decode_ledger(blob.substr(0, blob.size() - 1)).ok());
}

TEST(LedgerCodec, VersionTwoCarriesTheKeysDigestAndVersionOneStillReads) {
  const std::vector<LedgerEntry> in = {{"zsh CVE-3", at("2026-01-03T00:00:00Z")},
                                       {"bash ALSA-1", at("2026-01-01T00:00:00Z")},
                                       {"bash ALSA-1", at("2025-12-01T00:00:00Z")}};
  const std::string blob = codec::encode_ledger(in);
  const auto digest = codec::stored_keys_digest(blob);
  ASSERT_TRUE(digest.has_value());
  EXPECT_EQ(*digest, codec::keys_digest({"bash ALSA-1", "zsh CVE-3"}));
  EXPECT_NE(*digest, codec::keys_digest({"bash ALSA-1"}));
  // On-disk format: XXH3-128 of varint-length-prefixed keys, canonical (big-endian) bytes.
  const auto pinned = codec::keys_digest({"a", "b c"});
  std::string hex;
  for (const unsigned char c : pinned) {
    hex += "0123456789abcdef"[c >> 4];
    hex += "0123456789abcdef"[c & 15];
  }
  EXPECT_EQ(hex, "2b8ada322b35d68439ba050170833d63");
  // Length-prefixed: moving a byte from one key to the next changes the digest.
  EXPECT_NE(codec::keys_digest({"ab", "c"}), codec::keys_digest({"a", "bc"}));
  const auto v2 = codec::decode_ledger(blob).value();
  // A version 1 blob (what earlier releases stored) decodes to the same entries, no digest.
  const std::string v1 = blob.substr(4 + 16);
  EXPECT_FALSE(codec::stored_keys_digest(v1).has_value());
  EXPECT_FALSE(codec::stored_keys_digest("").has_value());
  const auto from_v1 = codec::decode_ledger(v1).value();
  ASSERT_EQ(v2.size(), 2U);
  ASSERT_EQ(from_v1.size(), 2U);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(from_v1[i].key, v2[i].key);
    EXPECT_EQ(from_v1[i].first_seen, v2[i].first_seen);
  }
  EXPECT_EQ(v2[0].first_seen, at("2025-12-01T00:00:00Z"));
}

TEST(StringList, RoundTrip) {
  const std::vector<std::vector<std::string>> cases = {
      {}, {"prod"}, {"a\"b", "c\\d", "équipe", ""}};
  for (const auto& c : cases) {
    auto out = codec::decode_string_list(codec::encode_string_list(c));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, c);
  }
  EXPECT_EQ(codec::encode_string_list({"a", "b"}), "[\"a\",\"b\"]");
  EXPECT_FALSE(codec::decode_string_list("{}").ok());
  EXPECT_FALSE(codec::decode_string_list("[1]").ok());
  EXPECT_FALSE(codec::decode_string_list("[").ok());
}

TEST(OpenStore, UrlDispatch) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("fleetpatch-open-" + std::to_string(std::random_device{}()));
  {
    // "" = the data directory, created on demand.
    auto s = open_store("", (dir / "data").string());
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ((*s)->backend(), "sqlite");
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "data" / "fleet.db"));
  {
    auto s = open_store((dir / "other").string(), "");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "other" / "fleet.db"));
  {
    auto s = open_store("sqlite:" + (dir / "x" / "named.db").string(), "");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "x" / "named.db"));

  struct Bad {
    std::string url;
    core::ErrorCode code;
  };
  for (const auto& b : std::vector<Bad>{{"mysql://h/db", core::ErrorCode::kUnsupported},
                                        {"sqlite:", core::ErrorCode::kInvalidArgument}}) {
    auto s = open_store(b.url, dir.string());
    ASSERT_FALSE(s.ok()) << b.url;
    EXPECT_EQ(s.error().code, b.code) << b.url;
  }
  auto none = open_store("", "");
  EXPECT_FALSE(none.ok());
  std::filesystem::remove_all(dir);
}

TEST(OpenStore, SqliteErrorsNameTheFile) {
  // A path whose parent is a regular file cannot be created.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("fleetpatch-open-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "file") << "x"; }
  auto s = open_store("sqlite:" + (dir / "file" / "fleet.db").string(), "");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("file"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fleetpatch::store
