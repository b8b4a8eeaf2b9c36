#include "feed/apt_changelog/changelog.hpp"

#include <gtest/gtest.h>

#include "feed/apt_changelog/test_support.hpp"

namespace fleetpatch::feed::apt_changelog {
namespace {

// Written in the shape of openssl's bookworm changelog (entries shortened).
const char* const kChangelog =
    "openssl (3.0.15-1~deb12u1) bookworm-security; urgency=medium\n"
    "\n"
    "  * Import 3.0.15\n"
    "    - CVE-2024-5535 (SSL_select_next_proto buffer overread)\n"
    "    - CVE-2024-9143 (Low-level invalid GF(2^m) parameters).\n"
    "\n"
    " -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Sun, 03 Nov 2024 22:21:41 +0100\n"
    "\n"
    "openssl (3.0.14-1~deb12u2) bookworm; urgency=high (CVE-2024-4741)\n"
    "\n"
    "  [ Sebastian Andrzej Siewior ]\n"
    "  * Fix CVE-2024-4741, CVE-2024-2511 and CVE-2024-4741 again.\n"
    "  * Not a CVE: XCVE-2024-1111, CVE-24-1, CVE-2024-12.\n"
    "\n"
    " -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc> Mon, 01 Jul 2024 08:00:00 -0000\n"
    "\n"
    "openssl (3.0.11-1~deb12u2) bookworm-security; urgency=low, binary-only=yes\n"
    "\n"
    "  * CVE-2023-5678 in a low urgency upload.\n"
    "\n"
    " -- Someone <someone@example.org>  Tue, 31 Oct 2023 23:30:00 -0100\n"
    "\n"
    "Old Changelog:\n"
    "Wed Jan 10 1999  free-form history that is not parsed\n";

TEST(Changelog, ParsesEntries) {
  core::Diagnostics diags;
  auto entries = parse_changelog(kChangelog, "changelog", diags);
  EXPECT_TRUE(diags.empty()) << diags.items().front().to_string();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].package, "openssl");
  EXPECT_EQ(entries[0].version, "3.0.15-1~deb12u1");
  EXPECT_EQ(entries[0].distributions, "bookworm-security");
  EXPECT_EQ(entries[0].urgency, "medium");
  EXPECT_EQ(entries[0].date, "2024-11-03T21:21:41Z");
  EXPECT_EQ(entries[0].cves, (std::vector<std::string>{"CVE-2024-5535", "CVE-2024-9143"}));
  EXPECT_EQ(entries[0].line, 1u);
  // "urgency=high (comment)", a single space before the date, duplicates and look-alikes.
  EXPECT_EQ(entries[1].urgency, "high");
  EXPECT_EQ(entries[1].date, "2024-07-01T08:00:00Z");
  EXPECT_EQ(entries[1].cves, (std::vector<std::string>{"CVE-2024-2511", "CVE-2024-4741"}));
  EXPECT_EQ(entries[1].line, 9u);
  EXPECT_EQ(entries[2].urgency, "low");
  EXPECT_EQ(entries[2].date, "2023-11-01T00:30:00Z");
}

TEST(Changelog, MalformedEntriesAreDiagnostics) {
  struct Case {
    std::string text;
    std::size_t entries;
    std::size_t diagnostics;
  };
  const Case cases[] = {
      {"", 0, 1},
      {"not a changelog at all\n", 0, 1},
      // No trailer before the next header, and at the end.
      {"a (1) unstable; urgency=low\n  * x\nb (2) unstable; urgency=low\n  * y\n", 0, 2},
      // A trailer date that does not parse: the entry is kept without a date.
      {"a (1) unstable; urgency=low\n  * x\n -- A <a@b>  yesterday\n", 1, 1},
      // Upper-case package names are not package names: parsing stops, nothing was read.
      {"Foo (1) unstable; urgency=low\n", 0, 1},
  };
  for (const auto& c : cases) {
    core::Diagnostics diags;
    auto entries = parse_changelog(c.text, "c", diags);
    EXPECT_EQ(entries.size(), c.entries) << c.text;
    EXPECT_EQ(diags.size(), c.diagnostics) << c.text;
  }
}

TEST(Changelog, EntriesBetweenInstalledAndCandidate) {
  core::Diagnostics diags;
  auto entries = parse_changelog(kChangelog, "changelog", diags);
  struct Case {
    std::string after;
    std::string up_to;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {"3.0.11-1~deb12u2", "3.0.15-1~deb12u1", {"3.0.15-1~deb12u1", "3.0.14-1~deb12u2"}},
      {"3.0.14-1~deb12u2", "3.0.15-1~deb12u1", {"3.0.15-1~deb12u1"}},
      {"3.0.11-1~deb12u2", "3.0.14-1~deb12u2", {"3.0.14-1~deb12u2"}},
      // A version between entries (a local rebuild) still bounds them.
      {"3.0.11-1~deb12u2+local1", "3.0.15-1~deb12u1", {"3.0.15-1~deb12u1", "3.0.14-1~deb12u2"}},
      {"3.0.15-1~deb12u1", "3.0.15-1~deb12u1", {}},
      // An unparsable installed version bounds nothing below.
      {"", "3.0.14-1~deb12u2", {"3.0.14-1~deb12u2", "3.0.11-1~deb12u2"}},
  };
  for (const auto& c : cases) {
    std::vector<std::string> got;
    for (const auto& entry : entries_between(entries, c.after, c.up_to)) {
      got.push_back(entry.version);
    }
    EXPECT_EQ(got, c.want) << c.after << " .. " << c.up_to;
  }
}

TEST(Changelog, Dates) {
  const std::pair<std::string, std::string> cases[] = {
      {"Sun, 03 Nov 2024 22:21:41 +0100", "2024-11-03T21:21:41Z"},
      {"3 Nov 2024 22:21:41 +0000", "2024-11-03T22:21:41Z"},
      {"Tue, 31 Dec 2024 23:30:00 -0100", "2025-01-01T00:30:00Z"},
      {"Tue, 31 Dec 2024 23:30:00 GMT", ""},
      {"Tue, 32 Dec 2024 23:30:00 +0000", ""},
      {"Tue, 01 Foo 2024 23:30:00 +0000", ""},
      {"Tue, 01 Dec 2024 23:30 +0000", ""},
      {"", ""},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(rfc2822_to_rfc3339(text), want) << text;
}

TEST(Changelog, Urgencies) {
  const std::pair<std::string, core::Severity> cases[] = {
      {"low", core::Severity::kLow},           {"medium", core::Severity::kMedium},
      {"HIGH", core::Severity::kHigh},         {"emergency", core::Severity::kCritical},
      {"critical", core::Severity::kCritical}, {"", core::Severity::kUnknown},
      {"whenever", core::Severity::kUnknown},
  };
  for (const auto& [word, want] : cases) EXPECT_EQ(severity_from_urgency(word), want) << word;
}

TEST(Changelog, AdvisoryOfAnUpgrade) {
  core::Diagnostics diags;
  auto all = parse_changelog(kChangelog, "changelog", diags);
  auto entries = entries_between(all, "3.0.11-1~deb12u2", "3.0.15-1~deb12u1");
  auto advisory = make_advisory("debian:12", "openssl", "3.0.15-1~deb12u1", "oldstable-security",
                                entries, first_change_line(kChangelog, entries.front().line));
  EXPECT_EQ(advisory.id, "APT-openssl-3.0.15-1~deb12u1");
  EXPECT_EQ(advisory.kind, core::AdvisoryKind::kSecurity);
  EXPECT_EQ(advisory.cves, (std::vector<std::string>{"CVE-2024-2511", "CVE-2024-4741",
                                                     "CVE-2024-5535", "CVE-2024-9143"}));
  EXPECT_EQ(advisory.severity, core::Severity::kHigh);
  EXPECT_EQ(advisory.vendor_severity, "high");
  EXPECT_EQ(advisory.published, "2024-11-03T21:21:41Z");
  EXPECT_EQ(advisory.summary, "openssl 3.0.15-1~deb12u1 (oldstable-security): Import 3.0.15");
  ASSERT_EQ(advisory.affected.size(), 1u);
  EXPECT_EQ(advisory.affected[0].release, "debian:12");
  EXPECT_EQ(advisory.affected[0].name, "openssl");
  EXPECT_EQ(advisory.affected[0].state, core::FixState::kFixed);
  EXPECT_EQ(advisory.affected[0].events.back().version, "3.0.15-1~deb12u1");
  // The second entry's first change line skips the "[ name ]" attribution.
  EXPECT_EQ(first_change_line(kChangelog, 9),
            "Fix CVE-2024-4741, CVE-2024-2511 and CVE-2024-4741 again.");

  // Without entries (no changelog could be read): still the upgrade, without CVEs or date.
  auto bare = make_advisory("debian:12", "zlib", "1:1.2.13.dfsg-1+deb12u1", "", {});
  EXPECT_EQ(bare.id, "APT-zlib-1:1.2.13.dfsg-1+deb12u1");
  EXPECT_TRUE(bare.cves.empty());
  EXPECT_EQ(bare.published, "");
  EXPECT_EQ(bare.summary, "zlib 1:1.2.13.dfsg-1+deb12u1");
}

TEST(Changelog, Gunzip) {
  const std::string text(200000, 'x');
  auto back = gunzip(testing::gzip(text));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, text);
  const std::string packed = testing::gzip("hello");
  EXPECT_FALSE(gunzip(packed.substr(0, packed.size() / 2)).ok());
  EXPECT_FALSE(gunzip("not gzip").ok());
  EXPECT_FALSE(gunzip(testing::gzip(text), 1000).ok());
  EXPECT_FALSE(gunzip("").ok());
}

}  // namespace
}  // namespace fleetpatch::feed::apt_changelog
