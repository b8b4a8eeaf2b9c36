#include "feed/sources.hpp"

#include <gtest/gtest.h>

#include <set>

namespace fleetpatch::feed {
namespace {

TEST(FeedSources, TableIsConsistent) {
  const std::set<std::string_view> formats = {
      "csaf",         "osv", "debian-tracker-json", "debian-advisory-list",
      "alpine-secdb", "kev", "apt-changelog"};
  std::set<std::string_view> names;
  for (const auto& source : official_sources()) {
    SCOPED_TRACE(source.name);
    EXPECT_TRUE(names.insert(source.name).second) << "duplicate name";
    EXPECT_TRUE(formats.count(source.format)) << source.format;
    EXPECT_FALSE(source.publisher.empty());
    const bool per_release = source.locator == Locator::kPerRelease;
    for (std::string_view url : source.urls) {
      if (url.empty()) continue;
      EXPECT_EQ(url.rfind("https://", 0), 0u) << url;
      EXPECT_EQ(url.find("{release}") != std::string_view::npos, per_release) << url;
    }
    EXPECT_EQ(source.urls[0].empty(), source.locator == Locator::kHostMirror);
  }
  // Every distribution family this issue adds has its vendor's own data.
  for (std::string_view name :
       {"redhat-csaf", "redhat-vex", "suse-csaf", "suse-osv", "ubuntu-osv", "rocky-osv",
        "debian-tracker", "debian-dsa-dla", "alpine-secdb", "apt"}) {
    EXPECT_NE(find_source(name), nullptr) << name;
  }
  EXPECT_EQ(find_source("nope"), nullptr);
}

TEST(FeedSources, Urls) {
  auto alpine = source_urls(*find_source("alpine-secdb"), "3.19");
  ASSERT_TRUE(alpine.ok());
  EXPECT_EQ(*alpine,
            (std::vector<std::string>{"https://secdb.alpinelinux.org/v3.19/main.json",
                                      "https://secdb.alpinelinux.org/v3.19/community.json"}));
  EXPECT_FALSE(source_urls(*find_source("alpine-secdb")).ok());
  EXPECT_FALSE(source_urls(*find_source("alpine-secdb"), "3.19/../x").ok());
  auto lists = source_urls(*find_source("debian-dsa-dla"));
  ASSERT_TRUE(lists.ok());
  EXPECT_EQ(lists->size(), 2u);
  EXPECT_TRUE(source_urls(*find_source("apt"))->empty());
}

TEST(FeedSources, LatestArchiveFromTheIndex) {
  const FeedSource& vex = *find_source("redhat-vex");
  struct Case {
    std::string index;
    std::string want;  // "" = error
  };
  const Case cases[] = {
      {"csaf_vex_2026-11-22.tar.zst\n",
       "https://security.access.redhat.com/data/csaf/v2/vex/csaf_vex_2026-11-22.tar.zst"},
      {"\n  csaf_vex_2026-11-22.tar.zst \r\n",
       "https://security.access.redhat.com/data/csaf/v2/vex/csaf_vex_2026-11-22.tar.zst"},
      {"https://mirror.example/vex.tar.zst", "https://mirror.example/vex.tar.zst"},
      {"", ""},
      {"<html>not found</html>", ""},
      {"../../etc/passwd", ""},
      {"sub/dir.tar.zst", ""},
  };
  for (const auto& c : cases) {
    auto got = latest_archive_url(vex, c.index);
    if (c.want.empty()) {
      EXPECT_FALSE(got.ok()) << c.index;
    } else {
      ASSERT_TRUE(got.ok()) << c.index << ": " << got.error().message;
      EXPECT_EQ(*got, c.want);
    }
  }
  EXPECT_FALSE(latest_archive_url(*find_source("kev"), "x.json").ok());
}

}  // namespace
}  // namespace fleetpatch::feed
