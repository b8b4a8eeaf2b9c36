#include "feed/debian_tracker/advisory_list.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "distro/debian/debian.hpp"

namespace fleetpatch::feed::debian_tracker {
namespace {

std::string test_data(const std::string& relative) {
  return std::string(FLEETPATCH_TEST_DATA) + "/feeds/debian-tracker/" + relative;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const core::Advisory* find(const std::vector<core::Advisory>& advisories, std::string_view id) {
  for (const auto& advisory : advisories) {
    if (advisory.id == id) return &advisory;
  }
  return nullptr;
}

/// "release package state fixed" for every entry, in order: compact to compare in tables.
std::vector<std::string> entries_of(const core::Advisory& advisory) {
  std::vector<std::string> out;
  for (const auto& entry : advisory.affected) {
    std::string line = entry.release + " " + entry.name + " ";
    switch (entry.state) {
      case core::FixState::kFixed:
        line += "fixed";
        break;
      case core::FixState::kUnfixed:
        line += "unfixed";
        break;
      case core::FixState::kWillNotFix:
        line += "will-not-fix";
        break;
      case core::FixState::kNotAffected:
        line += "not-affected";
        break;
    }
    for (const auto& event : entry.events) {
      line += event.type == core::VersionEvent::Type::kFixed ? " <" : " >=";
      line += event.version;
    }
    out.push_back(std::move(line));
  }
  return out;
}

struct ListCase {
  std::string id;
  std::string published;
  std::string summary;
  std::vector<std::string> cves;
  std::vector<std::string> entries;
  core::Severity severity;
};

// Values read by hand from DSA-list-sample.
TEST(AdvisoryList, SampleReadsEveryAdvisory) {
  core::Diagnostics diags;
  ListStats stats;
  auto advisories =
      parse_advisory_list(slurp(test_data("DSA-list-sample")), "DSA-list-sample", diags, &stats);
  for (const auto& d : diags.items()) ADD_FAILURE() << d.to_string();
  const ListCase cases[] = {
      {"DSA-5990-1",
       "2025-08-29T00:00:00Z",
       "libxml2 - security update",
       {},
       {"debian:12 libxml2 fixed >=0 <2.9.14+dfsg-1.3~deb12u4",
        "debian:13 libxml2 fixed >=0 <2.12.7+dfsg+really2.9.14-2.1+deb13u1"},
       core::Severity::kUnknown},
      {"DSA-4205-1",
       "2018-04-18T00:00:00Z",
       "jessie end-of-life",
       {},
       {},
       core::Severity::kUnknown},
      {"DSA-5379-1",
       "2023-03-27T00:00:00Z",
       "dino-im - security update",
       {"CVE-2023-28686"},
       {"debian:11 dino-im fixed >=0 <0.2.0-3+deb11u1", "debian:10 dino-im not-affected"},
       core::Severity::kUnknown},
      {"DSA-2015-1",
       "2010-03-15T00:00:00Z",
       "drbd8 linux-modules-extra-2.6 - privilege escalation",
       {"CVE-2009-3725", "CVE-2010-0001"},
       {"debian:5 drbd8 fixed >=0 <2:8.0.14-2+lenny1",
        "debian:5 linux-modules-extra-2.6 will-not-fix", "debian:4 drbd8 unfixed"},
       core::Severity::kMedium},
      {"DSA-136",
       "2002-07-30T00:00:00Z",
       "openssl - multiple remote exploits",
       {"CVE-2002-0655", "CVE-2002-0656"},
       {"debian:3 openssl094 fixed >=0 <0.9.4-6.woody.2",
        "debian:3 openssl fixed >=0 <0.9.6c-2.woody.1"},
       core::Severity::kHigh},
  };
  ASSERT_EQ(advisories.size(), std::size(cases));
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const ListCase& want = cases[i];
    const core::Advisory& got = advisories[i];  // file order
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.kind, core::AdvisoryKind::kSecurity) << want.id;
    EXPECT_EQ(got.published, want.published) << want.id;
    EXPECT_EQ(got.summary, want.summary) << want.id;
    EXPECT_EQ(got.cves, want.cves) << want.id;
    EXPECT_EQ(entries_of(got), want.entries) << want.id;
    EXPECT_EQ(got.severity, want.severity) << want.id;
  }
  EXPECT_EQ(advisories[3].vendor_severity, "medium");
  EXPECT_EQ(stats.headers, 5u);
  EXPECT_EQ(stats.entries, 9u);
  EXPECT_EQ(stats.skipped_releases, 1u);  // the [sid] line
  EXPECT_EQ(stats.without_entries, 1u);   // DSA-4205-1
}

struct ProblemCase {
  std::string line;        // inserted as line 2 of a valid block
  std::string message;     // part of the expected diagnostic
  std::size_t entries;     // entries kept in the block
  std::size_t advisories;  // advisories kept
};

TEST(AdvisoryList, BadLinesAreReportedWithTheirLineAndSkipped) {
  const ProblemCase cases[] = {
      {"\t{CVE-2023-1 DSA-100-1}", "neither a CVE", 1, 1},
      {"\t{CVE-2023-1234", "without a closing", 1, 1},
      {"\t[bookworm] - pkg", "without a version", 1, 1},
      {"\t[bookworm] - pkg <weird>", "unknown tag <weird>", 1, 1},
      {"\t[narnia] - pkg 1.0-1", "unknown Debian release", 1, 1},
      {"\t[bookworm] - pkg 1.0-1 2.0-1", "more than a package", 1, 1},
      {"\t[bookworm] - pkg :1.0", "invalid fixed version", 1, 1},
      {"\t[bookworm] - pkg 1.0 (unclosed", "note without ')'", 1, 1},
      {"\tsomething else", "unrecognised line", 1, 1},
      {"garbage at column 0", "expected an advisory header", 1, 1},
      // A bad header drops its block: the package line after it belongs to no advisory.
      {"[32 Foo 2023] DSA-2-1 x - y", "is not \"DD Mon YYYY\"", 0, 1},
      {"[01 Jan 2023] XSA-2 x - y", "is not a DSA/DLA/DTSA id", 0, 1},
  };
  for (const auto& c : cases) {
    const std::string text = "[01 Jan 2023] DSA-1-1 pkg - security update\n" + c.line +
                             "\n\t[bullseye] - pkg 1.0-1+deb11u1\n";
    core::Diagnostics diags;
    auto advisories = parse_advisory_list(text, "list", diags);
    ASSERT_EQ(diags.size(), 1u) << c.line;
    const auto& d = diags.items()[0];
    EXPECT_EQ(d.line, 2u) << c.line;
    EXPECT_EQ(d.source, "list");
    EXPECT_NE(d.message.find(c.message), std::string::npos) << c.line << ": " << d.message;
    ASSERT_EQ(advisories.size(), c.advisories) << c.line;
    std::size_t entries = 0;
    for (const auto& advisory : advisories) entries += advisory.affected.size();
    EXPECT_EQ(entries, c.entries) << c.line;
  }
}

TEST(AdvisoryList, TagsMapToStates) {
  const std::pair<std::string, std::string> cases[] = {
      {"<not-affected>", "not-affected"},
      {"<end-of-life>", "will-not-fix"},
      {"<ignored>", "will-not-fix"},
      {"<unfixed>", "unfixed"},
      {"<no-dsa>", "unfixed"},
      {"<postponed>", "unfixed"},
      {"<undetermined>", "unfixed"},
      {"<removed>", ""},
      {"<itp>", ""},
  };
  for (const auto& [tag, want] : cases) {
    core::Diagnostics diags;
    auto advisories = parse_advisory_list(
        "[01 Jan 2023] DLA-1-1 pkg - security update\n\t[buster] - pkg " + tag + " (Minor issue)\n",
        "list", diags);
    EXPECT_TRUE(diags.empty()) << tag;
    ASSERT_EQ(advisories.size(), 1u);
    auto entries = entries_of(advisories[0]);
    if (want.empty()) {
      EXPECT_TRUE(entries.empty()) << tag;
    } else {
      ASSERT_EQ(entries.size(), 1u) << tag;
      EXPECT_EQ(entries[0], "debian:10 pkg " + want) << tag;
    }
  }
}

TEST(AdvisoryList, DetectsListsByTheirFirstHeader) {
  EXPECT_TRUE(looks_like_advisory_list("[29 Mar 2023] DSA-5380-1 xorg-server - security update\n"));
  EXPECT_TRUE(looks_like_advisory_list("\n[December 5th, 2005] DTSA-26-1 trackballs - x\n"));
  EXPECT_TRUE(looks_like_advisory_list("[01 Apr 2023] DLA-3380-1 firmware-nonfree - x"));
  EXPECT_FALSE(looks_like_advisory_list("{\"id\": \"DSA-1\"}"));
  EXPECT_FALSE(looks_like_advisory_list("[bookworm] - pkg 1.0"));
  EXPECT_FALSE(looks_like_advisory_list("[29 Mar 2023] CVE-2023-1 x"));
  EXPECT_FALSE(looks_like_advisory_list(""));
}

TEST(AdvisoryList, ReadsAFileIntoABatch) {
  core::Diagnostics diags;
  auto batch = read_advisory_list(test_data("DSA-list-sample"), diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(batch->advisories.size(), 5u);
  ASSERT_EQ(batch->sources.size(), 1u);
  EXPECT_EQ(batch->sources[0].format, "debian-advisory-list");
  EXPECT_EQ(batch->sources[0].records, 5u);
  EXPECT_EQ(batch->sources[0].date, "2025-08-29T00:00:00Z");
  EXPECT_EQ(batch->advisories_per_release.at("debian:5"), 1u);  // two entries, one advisory
  EXPECT_FALSE(read_advisory_list(test_data("missing"), diags).ok());
}

// ---- the real data, when ../shared/data is there ----------------------------------------------

std::string shared(const std::string& relative) {
  return std::string(FLEETPATCH_SHARED_DATA) + "/" + relative;
}

// format-samples: vuls-data-update's fixtures keep each advisory's original lines and that
// project's own reading of them ("package" annotations); ours must agree.
TEST(AdvisoryList, AgreesWithTheFormatSamples) {
  const std::string dir =
      shared("format-samples/pkg/extract/debian/tracker/salsa/testdata/fixtures/happy");
  if (!std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << "no " << dir << " (FLEETPATCH_SHARED_DATA): format samples not checked";
  }
  std::size_t files = 0;
  for (const char* kind : {"DSA", "DLA", "DTSA"}) {
    for (const auto& file : std::filesystem::directory_iterator(dir + "/" + kind)) {
      ++files;
      const auto fixture = nlohmann::json::parse(slurp(file.path().string()));
      std::string text = fixture["header"]["line"].get<std::string>() + "\n";
      std::set<std::string> want_cves;
      std::vector<std::string> want_entries;
      for (const auto& annotation : fixture["annotations"]) {
        text += annotation["line"].get<std::string>() + "\n";
        if (annotation["type"] == "xref") {
          for (const auto& bug : annotation["bugs"]) want_cves.insert(bug.get<std::string>());
        } else if (annotation["type"] == "package" && annotation["kind"] == "fixed") {
          auto release =
              distro::debian_release_for_codename(annotation["release"].get<std::string>());
          ASSERT_TRUE(release.has_value()) << annotation["release"];
          want_entries.push_back(*release + " " + annotation["package"].get<std::string>() +
                                 " fixed >=0 <" + annotation["version"].get<std::string>());
        }
      }
      core::Diagnostics diags;
      auto advisories = parse_advisory_list(text, file.path().string(), diags);
      for (const auto& d : diags.items()) ADD_FAILURE() << d.to_string();
      ASSERT_EQ(advisories.size(), 1u) << file.path();
      EXPECT_EQ(advisories[0].id, fixture["header"]["name"]) << file.path();
      EXPECT_EQ(std::set<std::string>(advisories[0].cves.begin(), advisories[0].cves.end()),
                want_cves)
          << file.path();
      EXPECT_EQ(entries_of(advisories[0]), want_entries) << file.path();
      EXPECT_FALSE(advisories[0].published.empty()) << file.path();
    }
  }
  EXPECT_EQ(files, 5u);
}

struct FullListCase {
  std::string file;
  std::size_t advisories;  // headers in the file: grep -c '^\[' list
  std::string id;          // one advisory checked by hand
  std::string published;
  std::vector<std::string> cves;
  std::vector<std::string> entries;
};

// The complete lists of 2023-04-02 import whole: every header an advisory, no diagnostics.
TEST(AdvisoryList, FullListsImportWhole) {
  const FullListCase cases[] = {
      {"debian-dsa-dla-2023/data/DSA/list",
       5406,
       "DSA-5380-1",
       "2023-03-29T00:00:00Z",
       {"CVE-2023-1393"},
       {"debian:11 xorg-server fixed >=0 <2:1.20.11-1+deb11u6"}},
      {"debian-dsa-dla-2023/data/DLA/list",
       3534,
       "DLA-3371-1",
       "2023-03-29T00:00:00Z",
       {"CVE-2020-28935", "CVE-2022-30698", "CVE-2022-30699", "CVE-2022-3204"},
       {"debian:10 unbound fixed >=0 <1.9.0-2+deb10u3"}},
      {"debian-dsa-dla-2023/data/DSA/list",
       5406,
       "DSA-136",
       "2002-07-30T00:00:00Z",
       {"CVE-2002-0655", "CVE-2002-0656", "CVE-2002-0657", "CVE-2002-0659"},
       {"debian:3 openssl094 fixed >=0 <0.9.4-6.woody.2",
        "debian:3 openssl095 fixed >=0 <0.9.5a-6.woody.1",
        "debian:3 openssl fixed >=0 <0.9.6c-2.woody.1"}},
  };
  for (const auto& c : cases) {
    const std::string path = shared(c.file);
    if (!std::filesystem::exists(path)) {
      GTEST_SKIP() << "no " << path << " (FLEETPATCH_SHARED_DATA): full lists not checked";
    }
    core::Diagnostics diags;
    ListStats stats;
    const auto start = std::chrono::steady_clock::now();
    auto advisories = parse_advisory_list(slurp(path), path, diags, &stats);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    for (const auto& d : diags.items()) ADD_FAILURE() << d.to_string();
    EXPECT_EQ(advisories.size(), c.advisories) << c.file;
    EXPECT_EQ(stats.headers, c.advisories) << c.file;
    std::set<std::string> ids;
    for (const auto& advisory : advisories) {
      ids.insert(advisory.id);
      EXPECT_EQ(advisory.published.size(), 20u) << advisory.id;
    }
    EXPECT_EQ(ids.size(), advisories.size()) << c.file << ": ids are unique";
    const core::Advisory* advisory = find(advisories, c.id);
    ASSERT_NE(advisory, nullptr) << c.id;
    EXPECT_EQ(advisory->published, c.published) << c.id;
    EXPECT_EQ(advisory->cves, c.cves) << c.id;
    EXPECT_EQ(entries_of(*advisory), c.entries) << c.id;
    RecordProperty(c.id + "_parse_ms", std::to_string(ms));
    std::cout << c.file << ": " << advisories.size() << " advisories, " << stats.entries
              << " entries, " << stats.without_entries << " without packages, " << ms << " ms\n";
  }
}

}  // namespace
}  // namespace fleetpatch::feed::debian_tracker
