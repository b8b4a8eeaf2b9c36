#include "index/update.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace fleetpatch::index {
namespace {

core::Advisory advisory(std::string id,
                        const std::vector<std::pair<std::string, std::string>>& packages) {
  core::Advisory a;
  a.id = std::move(id);
  a.published = "2024-01-01T00:00:00Z";
  for (const auto& [release, name] : packages) {
    core::AffectedPackage p;
    p.release = release;
    p.name = name;
    p.events = {{core::VersionEvent::Type::kIntroduced, "0"},
                {core::VersionEvent::Type::kFixed, "2-1"}};
    a.affected.push_back(std::move(p));
  }
  return a;
}

SourceInfo source(std::string name, std::string imported_at) {
  return {std::move(name), std::move(imported_at), 1, "2024-01-01T00:00:00Z", "feed.zip"};
}

Index open(const IndexBuilder& builder) {
  auto index = Index::from_bytes(builder.serialize());
  EXPECT_TRUE(index.ok());
  return std::move(index).value();
}

Index first_import() {
  IndexUpdate update;
  update.advisories = {advisory("ALSA-8-1", {{"almalinux:8", "bash"}}),
                       advisory("ALSA-9-1", {{"almalinux:9", "bash"}}),
                       advisory("DSA-1", {{"debian:11", "openssl"}, {"debian:12", "openssl"}})};
  update.replaced_sources = {"almalinux:8", "almalinux:9", "debian:11", "debian:12"};
  update.kev = {{"CVE-1", "2024-01-01", "2024-01-22", false, "", ""}};
  update.replaces_kev = true;
  update.sources = {source("almalinux:8", "day1"), source("almalinux:9", "day1"),
                    source("debian:11", "day1"), source("debian:12", "day1"),
                    source(std::string(kKevSourceName), "day1")};
  return open(apply_update(nullptr, std::move(update)));
}

TEST(IndexUpdate, FirstImportHoldsEverything) {
  const Index index = first_import();
  EXPECT_EQ(index.advisory_count(), 3u);
  EXPECT_EQ(index.sources().size(), 5u);
  EXPECT_TRUE(index.kev_due_date("CVE-1").has_value());
}

TEST(IndexUpdate, ReplacesOnlyTheReleasesItCovers) {
  const Index previous = first_import();
  IndexUpdate update;
  // almalinux:9 re-imported: ALSA-9-1 was withdrawn, ALSA-9-2 is new.
  update.advisories = {advisory("ALSA-9-2", {{"almalinux:9", "zsh"}})};
  update.replaced_sources = {"almalinux:9"};
  update.sources = {source("almalinux:9", "day2")};
  const Index next = open(apply_update(&previous, std::move(update)));
  EXPECT_TRUE(next.lookup("almalinux:9", "bash").empty());  // withdrawn advisory gone
  EXPECT_EQ(next.lookup("almalinux:9", "zsh").size(), 1u);
  EXPECT_EQ(next.lookup("almalinux:8", "bash").size(), 1u);  // other releases kept
  EXPECT_EQ(next.lookup("debian:12", "openssl").size(), 1u);
  EXPECT_TRUE(next.kev_due_date("CVE-1").has_value());  // KEV kept when not re-imported
  const auto sources = next.sources();
  ASSERT_EQ(sources.size(), 5u);
  for (const auto& s : sources) {
    EXPECT_EQ(s.imported_at, s.name == "almalinux:9" ? "day2" : "day1") << s.name;
  }
}

TEST(IndexUpdate, SharedAdvisoryKeepsEntriesOfOtherReleases) {
  const Index previous = first_import();
  IndexUpdate update;
  update.advisories = {advisory("DSA-1", {{"debian:12", "openssl"}, {"debian:12", "libssl"}})};
  update.replaced_sources = {"debian:12"};
  const Index next = open(apply_update(&previous, std::move(update)));
  EXPECT_EQ(next.lookup("debian:11", "openssl").size(), 1u);
  EXPECT_EQ(next.lookup("debian:12", "libssl").size(), 1u);
  const auto dsa = next.find_advisory("DSA-1");
  ASSERT_TRUE(dsa.has_value());
  EXPECT_EQ(next.advisory_count(), 3u);
}

TEST(IndexUpdate, KevReplacedWhole) {
  const Index previous = first_import();
  IndexUpdate update;
  update.kev = {{"CVE-2", "2024-02-01", "2024-02-22", false, "", ""}};
  update.replaces_kev = true;
  update.sources = {source(std::string(kKevSourceName), "day2")};
  const Index next = open(apply_update(&previous, std::move(update)));
  EXPECT_FALSE(next.kev_due_date("CVE-1").has_value());
  EXPECT_EQ(next.kev_due_date("CVE-2"), "2024-02-22");
  EXPECT_EQ(next.advisory_count(), 3u);  // advisories untouched
}

core::Advisory from(const std::string& origin, std::string id, std::string release,
                    std::string name) {
  core::Advisory a = advisory(std::move(id), {{std::move(release), std::move(name)}});
  for (auto& p : a.affected) p.origin = origin;
  return a;
}

IndexUpdate import_of(const std::string& origin, std::vector<core::Advisory> advisories,
                      const std::string& release, std::string day) {
  IndexUpdate update;
  update.advisories = std::move(advisories);
  update.replaced_sources = {source_key(origin, release)};
  update.sources = {source(source_key(origin, release), std::move(day))};
  return update;
}

// Two feeds for one release (the Debian tracker JSON and the DSA list) each replace only what
// they brought themselves; re-importing one of them replaces its own entries.
TEST(IndexUpdate, SourcesOfOneReleaseReplaceOnlyThemselves) {
  struct Step {
    std::string origin;
    std::vector<std::pair<std::string, std::string>> advisories;  // id, package
  };
  const std::vector<Step> steps = {
      {"debian-tracker", {{"CVE-2024-1", "openssl"}, {"CVE-2024-2", "curl"}}},
      {"dsa-list", {{"DSA-5000-1", "openssl"}}},
      {"debian-tracker", {{"CVE-2024-3", "zlib"}}},  // re-import: CVE-2024-1/2 withdrawn
  };
  std::optional<Index> index;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::vector<core::Advisory> advisories;
    for (const auto& [id, name] : steps[i].advisories) {
      advisories.push_back(from(steps[i].origin, id, "debian:12", name));
    }
    IndexUpdate update =
        import_of(steps[i].origin, std::move(advisories), "debian:12", "day" + std::to_string(i));
    index.emplace(open(apply_update(index ? &*index : nullptr, std::move(update))));
  }
  const struct {
    std::string name;
    std::vector<std::string> ids;
  } want[] = {{"openssl", {"DSA-5000-1"}}, {"curl", {}}, {"zlib", {"CVE-2024-3"}}};
  for (const auto& w : want) {
    std::vector<std::string> got;
    for (const EntryView e : index->lookup("debian:12", w.name)) {
      got.emplace_back(e.advisory().id());
      EXPECT_FALSE(e.origin().empty());
    }
    EXPECT_EQ(got, w.ids) << w.name;
  }
  std::vector<std::string> names;
  for (const auto& s : index->sources()) names.push_back(s.name + "@" + s.imported_at);
  EXPECT_EQ(names,
            (std::vector<std::string>{"debian-tracker:debian:12@day2", "dsa-list:debian:12@day1"}));
}

TEST(IndexUpdate, OriginSurvivesDecoding) {
  IndexUpdate update =
      import_of("osv", {from("osv", "ALSA-1", "almalinux:9", "bash")}, "almalinux:9", "day1");
  const Index index = open(apply_update(nullptr, std::move(update)));
  const auto decoded = index.decode_advisories();
  ASSERT_EQ(decoded.size(), 1u);
  ASSERT_EQ(decoded[0].affected.size(), 1u);
  EXPECT_EQ(decoded[0].affected[0].origin, "osv");
}

TEST(IndexUpdate, SourceKey) {
  EXPECT_EQ(source_key("apt", "debian:12"), "apt:debian:12");
  EXPECT_EQ(source_key("", "debian:12"), "debian:12");
}

}  // namespace
}  // namespace fleetpatch::index
