#include "feed/apt_changelog/apt_lists.hpp"

#include <gtest/gtest.h>

#include "feed/apt_changelog/test_support.hpp"

namespace fleetpatch::feed::apt_changelog {
namespace {

using namespace fleetpatch::feed::apt_changelog::testing;

TEST(AptSources, OneLineFormat) {
  const std::string text =
      "# deb http://old.example/debian buster main\n"
      "deb http://deb.debian.org/debian bookworm main contrib\n"
      "deb-src http://deb.debian.org/debian bookworm main\n"
      "deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] "
      "http://security.debian.org/debian-security/ bookworm-security main # trailing\n"
      "\n"
      "deb file:/srv/repo ./\n"
      "rpm http://wrong.example/ x\n"
      "deb http://missing.example/\n"
      "deb [arch=amd64 http://broken.example/ y\n";
  core::Diagnostics diags;
  auto sources = parse_sources_list(text, "sources.list", diags);
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(
      sources[0],
      (AptSource{
          "http://deb.debian.org/debian", "bookworm", {"main", "contrib"}, "sources.list:2"}));
  EXPECT_EQ(sources[1], (AptSource{"http://security.debian.org/debian-security",
                                   "bookworm-security",
                                   {"main"},
                                   "sources.list:4"}));
  ASSERT_EQ(diags.size(), 3u);
  EXPECT_EQ(diags.items()[0].line, 7u);
  EXPECT_EQ(diags.items()[1].line, 8u);
  EXPECT_EQ(diags.items()[2].line, 9u);
}

TEST(AptSources, Deb822Format) {
  // This machine's own /etc/apt/sources.list.d/debian.sources, and a disabled stanza.
  const std::string text =
      "Types: deb\n"
      "# http://snapshot.debian.org/archive/debian/20250520T000000Z\n"
      "URIs: http://deb.debian.org/debian\n"
      "Suites: bookworm bookworm-updates\n"
      "Components: main\n"
      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
      "\n"
      "Types: deb deb-src\n"
      "URIs: http://deb.debian.org/debian-security\n"
      "Suites: bookworm-security\n"
      "Components: main\n"
      "\n"
      "Types: deb\n"
      "URIs: http://mirror.example/ubuntu\n"
      "Suites: jammy\n"
      "Enabled: no\n"
      "\n"
      "Types: deb-src\n"
      "URIs: http://deb.debian.org/debian\n"
      "Suites: bookworm\n"
      "\n"
      "Types: deb\n"
      "Suites: bookworm\n";
  core::Diagnostics diags;
  auto sources = parse_deb822_sources(text, "debian.sources", diags);
  ASSERT_EQ(sources.size(), 3u);
  EXPECT_EQ(sources[0].suite, "bookworm");
  EXPECT_EQ(sources[1].suite, "bookworm-updates");
  EXPECT_EQ(sources[1].uri, "http://deb.debian.org/debian");
  EXPECT_EQ(sources[2], (AptSource{"http://deb.debian.org/debian-security",
                                   "bookworm-security",
                                   {"main"},
                                   "debian.sources:8"}));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags.items()[0].line, 22u);
}

TEST(AptSources, ListsFileNames) {
  const std::pair<std::string, std::string> cases[] = {
      {"http://deb.debian.org/debian/dists/bookworm/", "deb.debian.org_debian_dists_bookworm_"},
      {"https://user:secret@mirror.example:8080/deb_ian/dists/x~y/",
       "mirror.example:8080_deb%5fian_dists_x%7ey_"},
      {"http://archive.ubuntu.com/ubuntu/dists/jammy-security/",
       "archive.ubuntu.com_ubuntu_dists_jammy-security_"},
      {"file:/srv/repo/dists/stable/", "_srv_repo_dists_stable_"},
  };
  for (const auto& [uri, want] : cases) EXPECT_EQ(uri_to_filename(uri), want) << uri;
  EXPECT_EQ(lists_prefix({"http://deb.debian.org/debian-security", "bookworm-security", {}, ""}),
            "deb.debian.org_debian-security_dists_bookworm-security_");
}

TEST(AptLists, ReleaseFiles) {
  struct Case {
    std::string text;
    bool security;
    int priority;
  };
  const Case cases[] = {
      {"Origin: Debian\nLabel: Debian-Security\nSuite: oldstable-security\n"
       "Codename: bookworm-security\n",
       true, 500},
      {"Origin: Ubuntu\nLabel: Ubuntu\nSuite: jammy-security\nCodename: jammy\n", true, 500},
      {"Origin: Debian\nLabel: Debian\nSuite: oldstable-updates\nCodename: bookworm-updates\n",
       false, 500},
      {"Origin: Debian Backports\nSuite: bookworm-backports\nNotAutomatic: yes\n"
       "ButAutomaticUpgrades: yes\n",
       false, 100},
      {"Origin: Debian\nSuite: experimental\nNotAutomatic: yes\n", false, 1},
  };
  for (const auto& c : cases) {
    const ReleaseInfo info = parse_release(c.text);
    EXPECT_EQ(is_security(info), c.security) << c.text;
    EXPECT_EQ(default_priority(info), c.priority) << c.text;
  }
  EXPECT_EQ(parse_release(cases[0].text).codename, "bookworm-security");
}

TEST(AptLists, DpkgStatus) {
  const std::string text =
      "Package: libssl3\n"
      "Status: install ok installed\n"
      "Architecture: amd64\n"
      "Source: openssl\n"
      "Version: 3.0.14-1~deb12u2\n"
      "\n"
      "Package: bash\n"
      "Status: hold ok installed\n"
      "Architecture: amd64\n"
      "Source: bash (5.2.15-2)\n"
      "Version: 5.2.15-2+b8\n"
      "\n"
      "Package: removed\n"
      "Status: deinstall ok config-files\n"
      "Version: 1.0\n"
      "\n"
      "Package: broken\n"
      "Status: install ok installed\n";
  core::Diagnostics diags;
  auto installed = parse_dpkg_status(text, "status", diags);
  ASSERT_EQ(installed.size(), 2u);
  EXPECT_EQ(installed[0], (InstalledPackage{"libssl3", "3.0.14-1~deb12u2", "amd64", "openssl",
                                            "3.0.14-1~deb12u2"}));
  EXPECT_EQ(installed[1], (InstalledPackage{"bash", "5.2.15-2+b8", "amd64", "bash", "5.2.15-2"}));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags.items()[0].line, 17u);
}

/// Three lists: main (500), updates (500), security (500, security) and backports (100).
AptIndex sample_index() {
  AptIndex index;
  auto add_list = [&](const std::string& suite, const std::string& extra) {
    PackageList list;
    list.path = suite;
    list.uri = "http://deb.debian.org/" + suite;
    list.release = parse_release("Suite: " + suite + "\n" + extra);
    list.security = is_security(list.release);
    list.priority = default_priority(list.release);
    index.lists.push_back(list);
  };
  add_list("bookworm", "");
  add_list("bookworm-updates", "");
  add_list("bookworm-security", "");
  add_list("bookworm-backports", "NotAutomatic: yes\nButAutomaticUpgrades: yes\n");
  core::Diagnostics diags;
  add_packages(
      "Package: libssl3\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\nSource: openssl\n"
      "Filename: pool/main/o/openssl/libssl3_3.0.11-1~deb12u2_amd64.deb\nSize: 2000\n\n"
      "Package: curl\nVersion: 7.88.1-10+deb12u5\nArchitecture: amd64\n\n"
      "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
      0, "main", {}, index, diags);
  add_packages("Package: tzdata\nVersion: 2025b-0+deb12u1\nArchitecture: all\n", 1, "updates", {},
               index, diags);
  add_packages(
      "Package: libssl3\nVersion: 3.0.15-1~deb12u1\nArchitecture: amd64\n"
      "Source: openssl (3.0.15-1~deb12u1)\n"
      "Filename: pool/updates/main/o/openssl/libssl3_3.0.15-1~deb12u1_amd64.deb\nSize: 2100\n\n"
      "Package: openssl\nVersion: 3.0.15-1~deb12u1\nArchitecture: amd64\n"
      "Filename: pool/updates/main/o/openssl/openssl_3.0.15-1~deb12u1_amd64.deb\nSize: 1400\n\n"
      "Package: curl\nVersion: 7.88.1-10+deb12u8\nArchitecture: amd64\n\n"
      "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
      2, "security", {}, index, diags);
  // Backports: newer curl, but only at priority 100.
  add_packages("Package: curl\nVersion: 8.11.0-1~bpo12+1\nArchitecture: amd64\n", 3, "backports",
               {}, index, diags);
  EXPECT_TRUE(diags.empty());
  return index;
}

TEST(AptLists, SecurityCandidates) {
  const AptIndex index = sample_index();
  ASSERT_EQ(index.offers.size(), 9u);
  EXPECT_EQ(index.offers[4].source, "openssl");
  EXPECT_EQ(index.offers[4].source_version, "3.0.15-1~deb12u1");
  EXPECT_EQ(index.offers[4].size, 2100u);
  const std::vector<InstalledPackage> installed = {
      {"curl", "7.88.1-10+deb12u5", "amd64", "curl", "7.88.1-10+deb12u5"},
      {"libssl3", "3.0.11-1~deb12u2", "amd64", "openssl", "3.0.11-1~deb12u2"},
      // Up to date.
      {"openssl", "3.0.15-1~deb12u1", "amd64", "openssl", "3.0.15-1~deb12u1"},
      // Its candidate comes from -updates, not -security.
      {"tzdata", "2024a-0+deb12u1", "all", "tzdata", "2024a-0+deb12u1"},
      // Another architecture: no offer.
      {"libssl3", "3.0.11-1~deb12u2", "i386", "openssl", "3.0.11-1~deb12u2"},
      {"local-only", "1.0", "amd64", "local-only", "1.0"},
  };
  auto upgrades = plan_security_upgrades(index, installed);
  ASSERT_EQ(upgrades.size(), 2u);
  // curl: the backports version is newer but pinned lower; -security's is the candidate.
  EXPECT_EQ(upgrades[0].installed.name, "curl");
  EXPECT_EQ(upgrades[0].candidate_version, "7.88.1-10+deb12u8");
  EXPECT_EQ(upgrades[0].source, "curl");
  EXPECT_EQ(upgrades[0].suite, "bookworm-security");
  EXPECT_EQ(upgrades[1].installed.name, "libssl3");
  EXPECT_EQ(upgrades[1].candidate_version, "3.0.15-1~deb12u1");
  EXPECT_EQ(upgrades[1].source_version, "3.0.15-1~deb12u1");
  EXPECT_EQ(upgrades[1].offers, std::vector<std::size_t>{4});
}

TEST(AptLists, KeepNamesFilter) {
  AptIndex index;
  core::Diagnostics diags;
  add_packages("Package: a\nVersion: 1\n\nPackage: b\nVersion: 1\n\nPackage: c\n", 0, "x",
               {"b", "c"}, index, diags);
  ASSERT_EQ(index.offers.size(), 1u);
  EXPECT_EQ(index.offers[0].name, "b");
  EXPECT_EQ(diags.size(), 1u);  // "c" has no Version
}

TEST(AptLists, ReadsCompressedListsOfAHostRoot) {
  const auto root = fresh_dir();
  write_file(root / "etc/apt/sources.list.d/debian.sources",
             "Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n"
             "Components: main\n");
  write_file(root / "etc/apt/sources.list", "deb http://deb.debian.org/debian bookworm main\n");
  const auto lists = root / "var/lib/apt/lists";
  write_file(lists / "deb.debian.org_debian-security_dists_bookworm-security_InRelease",
             "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nSuite: oldstable-security\n"
             "Codename: bookworm-security\n-----BEGIN PGP SIGNATURE-----\nx\n");
  write_file(lists /
                 "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_"
                 "Packages.gz",
             gzip("Package: zzz\nVersion: 2\nArchitecture: amd64\n"));
  write_file(lists / "deb.debian.org_debian_dists_bookworm_Release", "Suite: oldstable\n");
  write_file(lists / "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
             "Package: zzz\nVersion: 1\nArchitecture: amd64\n\nPackage: unrelated\nVersion: 1\n");
  // A leftover of a source that is no longer configured, and a partial download.
  write_file(lists / "old.example_dists_x_main_binary-amd64_Packages", "garbage");
  write_file(lists / "partial/whatever", "");
  core::Diagnostics diags;
  auto sources = read_sources(root.string(), diags);
  ASSERT_TRUE(sources.ok()) << sources.error().message;
  EXPECT_EQ(sources->size(), 2u);
  auto index = read_apt_index(root.string(), *sources, {"zzz"}, diags);
  ASSERT_TRUE(index.ok()) << index.error().message;
  EXPECT_TRUE(diags.empty()) << diags.items().front().to_string();
  ASSERT_EQ(index->lists.size(), 2u);
  // Sorted by file name: debian-security first.
  EXPECT_TRUE(index->lists[0].security);
  EXPECT_EQ(index->lists[0].uri, "http://deb.debian.org/debian-security");
  EXPECT_FALSE(index->lists[1].security);
  ASSERT_EQ(index->offers.size(), 2u);
  auto upgrades = plan_security_upgrades(*index, {{"zzz", "1", "amd64", "zzz", "1"}});
  ASSERT_EQ(upgrades.size(), 1u);
  EXPECT_EQ(upgrades[0].suite, "oldstable-security");

  EXPECT_FALSE(read_apt_index((root / "nowhere").string(), *sources, {}, diags).ok());
  EXPECT_FALSE(read_sources((root / "nowhere").string(), diags).ok());
}

}  // namespace
}  // namespace fleetpatch::feed::apt_changelog
