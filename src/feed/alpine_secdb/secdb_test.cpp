#include "feed/alpine_secdb/secdb.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "feed/feed.hpp"

namespace fleetpatch::feed::alpine_secdb {
namespace {

using feed::detect;
using feed::InputKind;
using feed::read_paths;

std::string test_data(const std::string& relative) {
  return std::string(FLEETPATCH_TEST_DATA) + "/feeds/" + relative;
}

std::string shared(const std::string& relative) {
  return std::string(FLEETPATCH_SHARED_DATA) + "/" + relative;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// "id release package fixed|not-affected [version]" per entry of every advisory.
std::vector<std::string> flatten(const std::vector<core::Advisory>& advisories) {
  std::vector<std::string> out;
  for (const auto& advisory : advisories) {
    for (const auto& entry : advisory.affected) {
      std::string line = advisory.id + " " + entry.release + " " + entry.name;
      if (entry.state == core::FixState::kNotAffected) {
        EXPECT_TRUE(entry.events.empty());
        line += " not-affected";
      } else {
        EXPECT_EQ(entry.state, core::FixState::kFixed);
        EXPECT_EQ(entry.events.size(), 2u);
        if (entry.events.size() == 2) {
          EXPECT_EQ(entry.events[0].version, "0");
          line += " fixed " + entry.events[1].version;
        }
      }
      out.push_back(std::move(line));
    }
  }
  return out;
}

// Values read by hand from alpine-secdb/v3.19/main.json.
TEST(AlpineSecdb, JsonSample) {
  core::Diagnostics diags;
  SecdbStats stats;
  auto advisories = parse_secdb_json(slurp(test_data("alpine-secdb/v3.19/main.json")),
                                     "v3.19/main.json", diags, &stats);
  ASSERT_TRUE(advisories.ok()) << advisories.error().message;
  for (const auto& d : diags.items()) ADD_FAILURE() << d.to_string();
  const std::vector<std::string> want = {
      "ALPINE-CVE-2022-1292 alpine:3.19 openssl not-affected",
      "ALPINE-CVE-2023-34322 alpine:3.19 xen fixed 4.17.2-r2",
      "ALPINE-CVE-2023-42363 alpine:3.19 busybox fixed 1.36.1-r15",
      // "CVE-2023-42364 CVE-2023-42365" in one string: named by its first CVE.
      "ALPINE-CVE-2023-42364 alpine:3.19 busybox fixed 1.36.1-r15",
      "ALPINE-CVE-2023-5678 alpine:3.19 openssl fixed 3.1.4-r1",
      // One CVE fixed in two packages: one advisory, two entries.
      "ALPINE-CVE-2023-6129 alpine:3.19 openssl fixed 3.1.4-r3",
      "ALPINE-CVE-2023-6129 alpine:3.19 busybox fixed 1.36.1-r16",
      "ALPINE-CVE-2023-6237 alpine:3.19 openssl fixed 3.1.4-r3",
      "ALPINE-XSA-442 alpine:3.19 xen fixed 4.17.2-r2",
  };
  EXPECT_EQ(flatten(*advisories), want);
  for (const auto& advisory : *advisories) {
    EXPECT_EQ(advisory.kind, core::AdvisoryKind::kSecurity);
    if (advisory.id == "ALPINE-XSA-442") {
      EXPECT_TRUE(advisory.cves.empty());
    } else {
      ASSERT_EQ(advisory.cves.size(), 1u) << advisory.id;
      EXPECT_EQ("ALPINE-" + advisory.cves[0], advisory.id);
    }
  }
  EXPECT_EQ(stats.distroversion, "v3.19");
  EXPECT_EQ(stats.reponame, "main");
  EXPECT_EQ(stats.packages, 4u);  // musl has "secfixes": null
  EXPECT_EQ(stats.fixes, 6u);
  EXPECT_EQ(stats.entries, 9u);
}

// Values read by hand from alpine-secdb/v3.10-main.yaml.
TEST(AlpineSecdb, YamlSample) {
  core::Diagnostics diags;
  SecdbStats stats;
  auto advisories = parse_secdb_yaml(slurp(test_data("alpine-secdb/v3.10-main.yaml")),
                                     "v3.10-main.yaml", diags, &stats);
  ASSERT_TRUE(advisories.ok()) << advisories.error().message;
  for (const auto& d : diags.items()) ADD_FAILURE() << d.to_string();
  const std::vector<std::string> want = {
      "ALPINE-CVE-2014-9512 alpine:3.10 rsync not-affected",
      "ALPINE-CVE-2017-17434 alpine:3.10 rsync fixed 3.1.3-r0",  // "-1" and "-2" spellings
      "ALPINE-CVE-2018-12126 alpine:3.10 xen fixed 4.12.0-r2",   // inline list, quoted
      "ALPINE-CVE-2019-0196 alpine:3.10 apache2 fixed 2.4.39-r0",
      "ALPINE-CVE-2019-10081 alpine:3.10 apache2 fixed 2.4.41-r0",
      "ALPINE-CVE-2019-11091 alpine:3.10 xen fixed 4.12.0-r2",
      "ALPINE-CVE-2019-15167 alpine:3.10 xen fixed 4.12.1-r0",  // "(VRRP)" after the id
      "ALPINE-CVE-2019-2426 alpine:3.10 rsync fixed 3.1.3-r0",  // "CVE_2019-2426"
      "ALPINE-CVE-2019-9517 alpine:3.10 apache2 fixed 2.4.41-r0",
      "ALPINE-XSA-207 alpine:3.10 xen fixed 4.12.1-r0",
      "ALPINE-XSA-295 alpine:3.10 xen fixed 4.12.1-r0",  // "CVE-????-?????  XSA-295"
  };
  EXPECT_EQ(flatten(*advisories), want);
  EXPECT_EQ(stats.distroversion, "v3.10");
  EXPECT_EQ(stats.packages, 3u);
  EXPECT_EQ(stats.fixes, 6u);
}

TEST(AlpineSecdb, EntryIdsAsMaintainersWriteThem) {
  const std::pair<std::string, std::string> cases[] = {
      {"CVE-2019-14904", "ALPINE-CVE-2019-14904"},
      {"CVE 2018-16859", "ALPINE-CVE-2018-16859"},
      {"CVE_2019-2426", "ALPINE-CVE-2019-2426"},
      {"CVE-2017-8073.patch", "ALPINE-CVE-2017-8073"},
      {"CVE-2017-14450 TALOS-2017-0499", "ALPINE-CVE-2017-14450"},
      {R"(CVE-????-?????  XSA-295)", "ALPINE-XSA-295"},
      {"wnpa-sec-2017-18", "ALPINE-wnpa-sec-2017-18"},
      {"GHSA-9wx4-h78v-vm56", "ALPINE-GHSA-9wx4-h78v-vm56"},
      {"CVE-201-1234", ""},
      {"(VRRP)", ""},
      {"fixed-upstream", ""},
  };
  for (const auto& [entry, want] : cases) {
    const std::string json = R"({"distroversion": "v3.19", "packages": [{"pkg": {"name": "p",)"
                             R"( "secfixes": {"1.0-r1": [")" +
                             entry + R"("]}}}]})";
    core::Diagnostics diags;
    auto advisories = parse_secdb_json(json, "j", diags);
    ASSERT_TRUE(advisories.ok()) << entry;
    if (want.empty()) {
      EXPECT_TRUE(advisories->empty()) << entry;
      EXPECT_EQ(diags.size(), 1u) << entry;
    } else {
      ASSERT_EQ(advisories->size(), 1u) << entry;
      EXPECT_EQ((*advisories)[0].id, want) << entry;
      EXPECT_TRUE(diags.empty()) << entry;
    }
  }
}

TEST(AlpineSecdb, EdgeHasNoRelease) {
  core::Diagnostics diags;
  SecdbStats stats;
  auto advisories =
      parse_secdb_json(slurp(test_data("alpine-secdb/edge-community.json")), "edge", diags, &stats);
  ASSERT_TRUE(advisories.ok());
  EXPECT_TRUE(diags.empty());
  EXPECT_TRUE(advisories->empty());
  EXPECT_EQ(stats.distroversion, "edge");
  EXPECT_EQ(stats.packages, 1u);
}

struct ProblemCase {
  std::string yaml_tail;  // appended after a valid header and package
  std::string message;
  std::size_t line;
};

TEST(AlpineSecdb, YamlProblemsNameTheirLine) {
  const std::string head =
      "distroversion: v3.12\nreponame: main\npackages:\n  - pkg:\n      name: ok\n"
      "      secfixes:\n        1.0-r1:\n          - CVE-2020-0001\n";
  const ProblemCase cases[] = {
      {"        1.0-r2:\n          - see the upstream notes\n", "no CVE or other id", 9},
      {"        not a version!:\n          - CVE-2020-0002\n", "invalid version key", 9},
      {"      1.0-r3:\n", "unexpected key \"1.0-r3\"", 9},
      {"  - pkg:\n      secfixes:\n        1.0-r1:\n          - CVE-2020-0004\n",
       "package without a name", 9},
      {"\t- pkg:\n", "tab in indentation", 9},
      {"  just words\n", "expected \"key:\" or \"- id\"", 9},
      {"oops\n", "expected \"key: value\" at the top level", 9},
  };
  for (const auto& c : cases) {
    core::Diagnostics diags;
    auto advisories = parse_secdb_yaml(head + c.yaml_tail, "y", diags);
    ASSERT_TRUE(advisories.ok()) << c.yaml_tail;
    ASSERT_EQ(diags.size(), 1u) << c.yaml_tail;
    EXPECT_EQ(diags.items()[0].line, c.line) << c.yaml_tail;
    EXPECT_NE(diags.items()[0].message.find(c.message), std::string::npos)
        << c.yaml_tail << ": " << diags.items()[0].message;
    // The valid package before the problem is kept.
    ASSERT_FALSE(advisories->empty()) << c.yaml_tail;
    EXPECT_EQ((*advisories)[0].id, "ALPINE-CVE-2020-0001") << c.yaml_tail;
  }
}

TEST(AlpineSecdb, JsonProblems) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"distroversion": "v3.19", "packages": [{"pkg": {"name": 1, "secfixes": {}}}, )"
       R"({"pkg": {"name": "ok", "secfixes": {"1.0-r1": ["CVE-2020-0001"]}}}]})",
       "wrong type"},
      {R"({"distroversion": "v3.19", "packages": [{"pkg": {"name": "x", "secfixes": []}}, )"
       R"({"pkg": {"name": "ok", "secfixes": {"1.0-r1": ["CVE-2020-0001"]}}}]})",
       "wrong type"},
      {R"({"distroversion": "v3.19", "packages": [7, )"
       R"({"pkg": {"name": "ok", "secfixes": {"1.0-r1": ["CVE-2020-0001"]}}}]})",
       "is not an object"},
      {R"({"distroversion": "v3.19", "packages": [{"pkg": {"name": "ok", "secfixes": )"
       R"({"1.0-r1": ["CVE-2020-0001"], "1..0": ["CVE-2020-0002"]}}}]})",
       "invalid version key"},
      {R"({"distroversion": "3.19", "packages": []})", "not an Alpine release"},
  };
  for (const auto& [json, message] : cases) {
    core::Diagnostics diags;
    auto advisories = parse_secdb_json(json, "j", diags);
    ASSERT_TRUE(advisories.ok()) << json << ": " << advisories.error().message;
    ASSERT_EQ(diags.size(), 1u) << json;
    EXPECT_NE(diags.items()[0].message.find(message), std::string::npos)
        << json << ": " << diags.items()[0].message;
  }
  for (std::string broken : {"", "[]", "{\"packages\": [", "{} {}"}) {
    core::Diagnostics diags;
    EXPECT_FALSE(parse_secdb_json(broken, "j", diags).ok()) << broken;
  }
}

TEST(AlpineSecdb, DetectsBothShapes) {
  const std::string json = slurp(test_data("alpine-secdb/v3.19/main.json"));
  const std::string yaml = slurp(test_data("alpine-secdb/v3.10-main.yaml"));
  EXPECT_TRUE(looks_like_secdb_json(json));
  EXPECT_FALSE(looks_like_secdb_yaml(json));
  EXPECT_TRUE(looks_like_secdb_yaml(yaml));
  EXPECT_FALSE(looks_like_secdb_json(yaml));
  const std::string osv = slurp(test_data("osv-samples/CVE-2023-46850.json"));
  EXPECT_FALSE(looks_like_secdb_json(osv));
  EXPECT_FALSE(looks_like_secdb_yaml(osv));
  EXPECT_TRUE(is_secdb_directory(test_data("alpine-secdb")));
  EXPECT_FALSE(is_secdb_directory(test_data("osv-samples")));
  EXPECT_FALSE(is_secdb_directory(test_data("alpine-secdb/v3.10-main.yaml")));
}

TEST(AlpineSecdb, ReadsADirectoryMergingReleases) {
  core::Diagnostics diags;
  auto batch = read_secdb(test_data("alpine-secdb"), diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  for (const auto& d : diags.items()) ADD_FAILURE() << d.to_string();
  ASSERT_EQ(batch->sources.size(), 4u);  // sorted paths: edge, v3.10, v3.18, v3.19
  EXPECT_EQ(batch->sources[0].version, "edge/community");
  EXPECT_EQ(batch->sources[1].format, "alpine-secdb-yaml");
  EXPECT_EQ(batch->sources[3].format, "alpine-secdb-json");
  EXPECT_EQ(batch->sources[3].version, "v3.19/main");
  EXPECT_EQ(batch->advisories_per_release.at("alpine:3.19"), 8u);
  EXPECT_EQ(batch->advisories_per_release.at("alpine:3.18"), 1u);
  EXPECT_EQ(batch->advisories_per_release.at("alpine:3.10"), 11u);
  std::size_t found = 0;
  for (const auto& advisory : batch->advisories) {
    if (advisory.id != "ALPINE-CVE-2023-5678") continue;
    ++found;
    ASSERT_EQ(advisory.affected.size(), 2u);  // v3.18 and v3.19 merged
    EXPECT_EQ(advisory.affected[0].release, "alpine:3.18");
    EXPECT_EQ(advisory.affected[1].release, "alpine:3.19");
  }
  EXPECT_EQ(found, 1u);
  auto single = read_secdb(test_data("alpine-secdb/v3.10-main.yaml"), diags);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->advisories.size(), 11u);
  EXPECT_FALSE(read_secdb(test_data("osv-samples/CVE-2023-46850.json"), diags).ok());
}

TEST(AlpineSecdb, FeedEntryPointRecognisesSecdbInputs) {
  const std::pair<std::string, InputKind> cases[] = {
      {test_data("alpine-secdb"), InputKind::kAlpineSecdbDirectory},
      {test_data("alpine-secdb/v3.19"), InputKind::kAlpineSecdbDirectory},
      {test_data("alpine-secdb/v3.19/main.json"), InputKind::kAlpineSecdb},
      {test_data("alpine-secdb/v3.10-main.yaml"), InputKind::kAlpineSecdb},
      {test_data("osv-samples"), InputKind::kOsvDirectory},
  };
  for (const auto& [path, want] : cases) {
    auto kind = detect(path);
    ASSERT_TRUE(kind.ok()) << path;
    EXPECT_EQ(*kind, want) << path;
  }
  core::Diagnostics diags;
  auto batch = read_paths(
      {test_data("alpine-secdb/v3.18"), test_data("alpine-secdb/v3.19/main.json")}, diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_TRUE(diags.empty());
  // CVE-2023-5678 is in both inputs: deduplicate() merges the two releases' entries.
  EXPECT_EQ(batch->advisories.size(), 8u);
  EXPECT_EQ(batch->advisories_per_release.at("alpine:3.18"), 1u);
  EXPECT_EQ(batch->advisories_per_release.at("alpine:3.19"), 8u);
}

// ---- the real data, when ../shared/data is there ----------------------------------------------

// The format samples (secdb.alpinelinux.org JSON as vuls-data-update fetched it), read by hand.
TEST(AlpineSecdb, FormatSamples) {
  const std::string dir = shared("format-samples/pkg/fetch/alpine/secdb/testdata/fixtures");
  if (!std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << "no " << dir << " (FLEETPATCH_SHARED_DATA): format samples not checked";
  }
  const std::pair<std::string, std::vector<std::string>> cases[] = {
      {"v3.16/main.json",
       {"ALPINE-CVE-2017-9798 alpine:3.16 apache2 fixed 2.4.27-r1",
        "ALPINE-CVE-2018-11763 alpine:3.16 apache2 fixed 2.4.35-r0"}},
      {"v3.16/community.json", {"ALPINE-CVE-2019-9210 alpine:3.16 advancecomp fixed 2.1-r2"}},
      {"v3.2/main.json", {"ALPINE-CVE-2016-9401 alpine:3.2 bash fixed 4.3.33-r2"}},
      {"edge/main.json", {}},
      {"edge/community.json", {}},
  };
  const std::string prefix = dir + "/";
  for (const auto& [file, want] : cases) {
    core::Diagnostics diags;
    auto advisories = parse_secdb_json(slurp(prefix + file), file, diags);
    ASSERT_TRUE(advisories.ok()) << file << ": " << advisories.error().message;
    for (const auto& d : diags.items()) ADD_FAILURE() << d.to_string();
    EXPECT_EQ(flatten(*advisories), want) << file;
  }
}

// The whole older YAML repository (v3.3 to v3.11, main and community) reads without a problem.
TEST(AlpineSecdb, OlderYamlRepository) {
  const std::string dir = shared("alpine-secdb-2020");
  if (!std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << "no " << dir << " (FLEETPATCH_SHARED_DATA): older secdb not checked";
  }
  core::Diagnostics diags;
  auto batch = read_secdb(dir, diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  // The only problems are 24 version keys that are not apk versions, typos in the repository
  // ("4.8.0.-r1" for phpmyadmin, "0.8.21.r2" for irssi, "2.7.16-33" for python2, ...): reported,
  // and their fixes left out rather than guessed.
  std::size_t invalid_versions = 0;
  for (const auto& d : diags.items()) {
    if (d.message.find("invalid version key") != std::string::npos) {
      ++invalid_versions;
    } else {
      ADD_FAILURE() << d.to_string();
    }
  }
  EXPECT_EQ(invalid_versions, 24u);
  EXPECT_EQ(batch->sources.size(), 18u);
  for (const auto& source : batch->sources) EXPECT_EQ(source.format, "alpine-secdb-yaml");
  std::size_t packages = 0;
  for (const auto& source : batch->sources) packages += source.records;
  EXPECT_EQ(packages, 1652u);  // grep -c -- '- pkg:' v3.*/*.yaml
  // v3.11/main.yaml, read by hand: ansible 2.9.3-r0 fixes CVE-2019-14904.
  bool found = false;
  for (const auto& advisory : batch->advisories) {
    if (advisory.id != "ALPINE-CVE-2019-14904") continue;
    for (const auto& entry : advisory.affected) {
      if (entry.release == "alpine:3.11" && entry.name == "ansible") {
        found = true;
        ASSERT_EQ(entry.events.size(), 2u);
        EXPECT_EQ(entry.events[1].version, "2.9.3-r0");
      }
    }
  }
  EXPECT_TRUE(found);
  std::cout << batch->advisories.size() << " advisories from " << batch->sources.size()
            << " documents\n";
}

}  // namespace
}  // namespace fleetpatch::feed::alpine_secdb
