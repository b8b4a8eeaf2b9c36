#include "feed/debian_tracker/tracker_json.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "feed/feed.hpp"

namespace fleetpatch::feed::debian_tracker {
namespace {

using feed::detect;
using feed::InputKind;
using feed::read_paths;

std::string test_data(const std::string& relative) {
  return std::string(FLEETPATCH_TEST_DATA) + "/feeds/" + relative;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string state_name(core::FixState state) {
  switch (state) {
    case core::FixState::kFixed:
      return "fixed";
    case core::FixState::kUnfixed:
      return "unfixed";
    case core::FixState::kWillNotFix:
      return "will-not-fix";
    case core::FixState::kNotAffected:
      return "not-affected";
  }
  return "?";
}

/// "release package state[ fixed]" per entry.
std::vector<std::string> entries_of(const core::Advisory& advisory) {
  std::vector<std::string> out;
  for (const auto& entry : advisory.affected) {
    std::string line = entry.release + " " + entry.name + " " + state_name(entry.state);
    if (entry.state == core::FixState::kFixed) {
      EXPECT_EQ(entry.events.size(), 2u) << advisory.id;
      if (entry.events.size() == 2) {
        EXPECT_EQ(entry.events[0].type, core::VersionEvent::Type::kIntroduced);
        EXPECT_EQ(entry.events[0].version, "0");
        line += " " + entry.events[1].version;
      }
    } else {
      EXPECT_TRUE(entry.events.empty()) << advisory.id;
    }
    out.push_back(std::move(line));
  }
  return out;
}

struct TrackerCase {
  std::string id;
  std::vector<std::string> cves;
  std::vector<std::string> entries;
  core::Severity severity;
  std::string vendor_severity;
  std::string summary_start;
};

// Values read by hand from debian-tracker/tracker-sample.json.
TEST(TrackerJson, SampleMapsStatesToFixStates) {
  core::Diagnostics diags;
  TrackerStats stats;
  auto advisories = parse_tracker_json(slurp(test_data("debian-tracker/tracker-sample.json")),
                                       "sample", diags, &stats);
  ASSERT_TRUE(advisories.ok()) << advisories.error().message;
  for (const auto& d : diags.items()) ADD_FAILURE() << d.to_string();
  const TrackerCase cases[] = {
      {"DEBIAN-CVE-2022-3715",
       {"CVE-2022-3715"},
       // resolved "0" = never affected; postponed stays unfixed.
       {"debian:12 bash not-affected", "debian:11 bash unfixed", "debian:14 bash not-affected"},
       core::Severity::kLow,
       "low",
       "A flaw was found in the bash package"},
      {"DEBIAN-CVE-2023-0286",
       {"CVE-2023-0286"},
       {"debian:12 openssl fixed 3.0.8-1", "debian:11 openssl fixed 1.1.1n-0+deb11u4",
        "debian:13 openssl fixed 3.0.8-1"},
       core::Severity::kHigh,
       "high",
       "There is a type confusion vulnerability"},
      {"DEBIAN-CVE-2023-1289",
       {"CVE-2023-1289"},
       // urgency end-of-life: will not be fixed; undetermined: affected, no fix.
       {"debian:10 imagemagick will-not-fix", "debian:12 imagemagick unfixed"},
       core::Severity::kMedium,
       "medium",
       "A vulnerability was discovered in ImageMagick"},
      {"DEBIAN-CVE-2023-45853",
       {"CVE-2023-45853"},
       // nodsa_reason "ignored": no update will be provided.
       {"debian:12 zlib will-not-fix", "debian:11 zlib will-not-fix"},
       core::Severity::kUnknown,
       "",
       "MiniZip in zlib"},
      {"DEBIAN-CVE-2024-21096",
       {"CVE-2024-21096"},
       // One issue under two source packages; a plain no-dsa stays unfixed.
       {"debian:12 mariadb fixed 1:10.11.11-0+deb12u1", "debian:11 mariadb-10.5 unfixed"},
       core::Severity::kMedium,
       "medium",
       "Vulnerability in the MySQL Server"},
      {"DEBIAN-TEMP-0000000-556898",
       {},
       {"debian:12 wordpress unfixed"},
       core::Severity::kLow,
       "unimportant",
       ""},
  };
  ASSERT_EQ(advisories->size(), std::size(cases));  // CVE-2008-9999 names only sid
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const TrackerCase& want = cases[i];
    const core::Advisory& got = (*advisories)[i];  // sorted by id
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.kind, core::AdvisoryKind::kSecurity);
    EXPECT_EQ(got.cves, want.cves) << want.id;
    EXPECT_EQ(entries_of(got), want.entries) << want.id;
    EXPECT_EQ(got.severity, want.severity) << want.id;
    EXPECT_EQ(got.vendor_severity, want.vendor_severity) << want.id;
    EXPECT_EQ(got.summary.substr(0, want.summary_start.size()), want.summary_start) << want.id;
    EXPECT_TRUE(got.published.empty()) << want.id;
  }
  // The end-of-life entry is named in the summary.
  EXPECT_NE((*advisories)[2].summary.find("end-of-life) for imagemagick in debian:10"),
            std::string::npos)
      << (*advisories)[2].summary;
  EXPECT_EQ(stats.packages, 7u);
  EXPECT_EQ(stats.issues, 8u);
  EXPECT_EQ(stats.entries, 13u);
  EXPECT_EQ(stats.skipped_releases, 4u);  // sid entries
}

struct ProblemCase {
  std::string release;  // the JSON of one release object, next to a valid "bookworm"
  std::string message;
};

TEST(TrackerJson, BadEntriesAreReportedAndSkipped) {
  const ProblemCase cases[] = {
      {R"("bullseye": {"status": "resolved", "urgency": "low"})", "without a fixed_version"},
      {R"("bullseye": {"status": "resolved", "fixed_version": ":1"})", "invalid"},
      {R"("bullseye": {"status": "fixed", "fixed_version": "1.0-1"})", "unknown status"},
      {R"("bullseye": {"status": 3})", "not a string"},
      {R"("bullseye": [1, 2])", "is not an object"},
      {R"("narnia": {"status": "open"})", "unknown Debian release"},
  };
  for (const auto& c : cases) {
    const std::string json =
        R"({"pkg": {"CVE-2024-0001": {"description": "d", "releases": {)" + c.release +
        R"(, "bookworm": {"status": "resolved", "fixed_version": "1.0-2"}}}}})";
    core::Diagnostics diags;
    auto advisories = parse_tracker_json(json, "doc", diags);
    ASSERT_TRUE(advisories.ok()) << c.release << ": " << advisories.error().message;
    ASSERT_EQ(diags.size(), 1u) << c.release;
    EXPECT_NE(diags.items()[0].message.find(c.message), std::string::npos)
        << c.release << ": " << diags.items()[0].message;
    EXPECT_EQ(diags.items()[0].record, "CVE-2024-0001");
    EXPECT_EQ(diags.items()[0].source, "doc");
    ASSERT_EQ(advisories->size(), 1u) << c.release;
    EXPECT_EQ(entries_of((*advisories)[0]), std::vector<std::string>{"debian:12 pkg fixed 1.0-2"})
        << c.release;
  }
}

TEST(TrackerJson, BadIssuesAndPackagesAreReported) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"pkg": {"GHSA-1": {"releases": {}}}, "ok": {}})", "neither a CVE nor a TEMP"},
      {R"({"pkg": {"CVE-2024-0001": "text"}, "ok": {}})", "issue is not an object"},
      {R"({"pkg": ["x"], "ok": {}})", "is not an object"},
      {R"({"pkg": {"CVE-2024-0001": {"releases": 1}}, "ok": {}})", "releases is not an object"},
  };
  for (const auto& [json, message] : cases) {
    core::Diagnostics diags;
    auto advisories = parse_tracker_json(json, "doc", diags);
    ASSERT_TRUE(advisories.ok()) << json;
    EXPECT_TRUE(advisories->empty()) << json;
    ASSERT_EQ(diags.size(), 1u) << json;
    EXPECT_NE(diags.items()[0].message.find(message), std::string::npos)
        << json << ": " << diags.items()[0].message;
  }
}

TEST(TrackerJson, BrokenDocumentsAreErrors) {
  for (std::string json : {"", "[]", "not json", R"({"pkg": {"CVE-2024-0001": {"releases": )",
                           R"({"pkg": {}} trailing)"}) {
    core::Diagnostics diags;
    auto advisories = parse_tracker_json(json, "doc", diags);
    EXPECT_FALSE(advisories.ok()) << json;
    if (!advisories.ok()) {
      EXPECT_EQ(advisories.error().message.substr(0, 4), "doc:") << json;
    }
  }
}

TEST(TrackerJson, DetectsTheDocumentByItsFields) {
  EXPECT_TRUE(looks_like_tracker_json(slurp(test_data("debian-tracker/tracker-sample.json"))));
  EXPECT_FALSE(looks_like_tracker_json(slurp(test_data("osv-samples/DLA-0001-1.json"))));
  EXPECT_FALSE(
      looks_like_tracker_json(slurp(test_data("kev/known_exploited_vulnerabilities_sample.json"))));
  EXPECT_FALSE(looks_like_tracker_json("[29 Mar 2023] DSA-5380-1 x - y"));
}

TEST(TrackerJson, ReadsAFileIntoABatch) {
  core::Diagnostics diags;
  auto batch = read_tracker_json(test_data("debian-tracker/tracker-sample.json"), diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(batch->advisories.size(), 6u);
  ASSERT_EQ(batch->sources.size(), 1u);
  EXPECT_EQ(batch->sources[0].format, "debian-tracker-json");
  EXPECT_EQ(batch->sources[0].records, 8u);
  EXPECT_EQ(batch->sources[0].accepted, 6u);
  EXPECT_EQ(batch->advisories_per_release.at("debian:12"), 6u);
  EXPECT_EQ(batch->advisories_per_release.at("debian:11"), 4u);
  EXPECT_FALSE(read_tracker_json(test_data("missing.json"), diags).ok());
}

// feed::read_paths recognises both Debian formats by content and merges them with the others.
TEST(TrackerJson, FeedEntryPointRecognisesDebianInputs) {
  const std::string tracker = test_data("debian-tracker/tracker-sample.json");
  const std::string list = test_data("debian-tracker/DSA-list-sample");
  auto kind = detect(tracker);
  ASSERT_TRUE(kind.ok());
  EXPECT_EQ(*kind, InputKind::kDebianTrackerJson);
  kind = detect(list);
  ASSERT_TRUE(kind.ok());
  EXPECT_EQ(*kind, InputKind::kDebianAdvisoryList);
  core::Diagnostics diags;
  auto batch = read_paths({tracker, list, test_data("osv-samples/DLA-0001-1.json")}, diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(batch->advisories.size(), 6u + 5u + 1u);
  ASSERT_EQ(batch->sources.size(), 3u);
  EXPECT_EQ(batch->sources[0].format, "debian-tracker-json");
  EXPECT_EQ(batch->sources[1].format, "debian-advisory-list");
  EXPECT_EQ(batch->duplicates, 0u);
}

// A document the size of a slice of the real one (the real file is about 70 MB): every entry
// read, and fast enough to be read on each update.
TEST(TrackerJson, LargeDocument) {
  constexpr int kPackages = 400;
  constexpr int kIssues = 10;
  std::string json = "{";
  for (int p = 0; p < kPackages; ++p) {
    json += (p ? ",\"pkg" : "\"pkg") + std::to_string(p) + "\":{";
    for (int i = 0; i < kIssues; ++i) {
      json +=
          (i ? ",\"CVE-2024-" : "\"CVE-2024-") + std::to_string(10000 + p * kIssues + i) +
          R"(":{"description":"A long enough description of the problem, as the tracker has.",)"
          R"("scope":"remote","releases":{)"
          R"("bookworm":{"status":"resolved","repositories":{"bookworm":"1.0-2"},"fixed_version":"1.0-2","urgency":"low"},)"
          R"("bullseye":{"status":"open","repositories":{"bullseye":"0.9-1"},"urgency":"low","nodsa":"Minor issue","nodsa_reason":"postponed"},)"
          R"("trixie":{"status":"resolved","repositories":{"trixie":"1.1-1"},"fixed_version":"0","urgency":"low"},)"
          R"("sid":{"status":"resolved","repositories":{"sid":"1.1-1"},"fixed_version":"1.0-2","urgency":"low"}}})";
    }
    json += "}";
  }
  json += "}";
  core::Diagnostics diags;
  TrackerStats stats;
  const auto start = std::chrono::steady_clock::now();
  auto advisories = parse_tracker_json(json, "large", diags, &stats);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  ASSERT_TRUE(advisories.ok()) << advisories.error().message;
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(advisories->size(), static_cast<std::size_t>(kPackages * kIssues));
  EXPECT_EQ(stats.entries, static_cast<std::size_t>(kPackages * kIssues * 3));
  std::cout << json.size() / 1024 << " KiB, " << advisories->size() << " advisories in " << ms
            << " ms\n";
}

}  // namespace
}  // namespace fleetpatch::feed::debian_tracker
