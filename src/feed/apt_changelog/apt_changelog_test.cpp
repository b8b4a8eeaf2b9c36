#include "feed/apt_changelog/apt_changelog.hpp"

#include <gtest/gtest.h>

#include "feed/apt_changelog/test_support.hpp"

namespace fleetpatch::feed::apt_changelog {
namespace {

using namespace fleetpatch::feed::apt_changelog::testing;

constexpr const char* kSecurityUri = "http://deb.debian.org/debian-security";

const char* const kOpensslChangelog =
    "openssl (3.0.15-1~deb12u1) bookworm-security; urgency=medium\n\n"
    "  * Import 3.0.15 (CVE-2024-5535, CVE-2024-9143).\n\n"
    " -- S <s@example.org>  Sun, 03 Nov 2024 22:21:41 +0100\n\n"
    "openssl (3.0.14-1~deb12u2) bookworm; urgency=high\n\n"
    "  * Fix CVE-2024-4741.\n\n"
    " -- S <s@example.org>  Mon, 01 Jul 2024 08:00:00 +0000\n\n"
    "openssl (3.0.11-1~deb12u2) bookworm-security; urgency=medium\n\n"
    "  * Fix CVE-2023-5678.\n\n"
    " -- S <s@example.org>  Tue, 31 Oct 2023 10:00:00 +0000\n";

const char* const kCurlChangelog =
    "curl (7.88.1-10+deb12u8) bookworm-security; urgency=medium\n\n"
    "  * Fix CVE-2024-2398.\n\n"
    " -- C <c@example.org>  Fri, 05 Apr 2024 10:00:00 +0000\n\n"
    "curl (7.88.1-10+deb12u5) bookworm; urgency=medium\n\n"
    "  * Fix CVE-2023-46218.\n\n"
    " -- C <c@example.org>  Tue, 05 Dec 2023 10:00:00 +0000\n";

/// A Debian 12 root whose apt lists offer security updates of openssl, curl and zlib.
std::filesystem::path make_root(const std::filesystem::path& dir) {
  auto root = dir / "root";
  write_file(root / "etc/os-release",
             "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n"
             "VERSION_CODENAME=bookworm\n");
  write_file(root / "etc/apt/sources.list.d/debian.sources",
             "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\n"
             "Components: main\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\n"
             "Suites: bookworm-security\nComponents: main\n");
  const auto lists = root / "var/lib/apt/lists";
  write_file(lists / "deb.debian.org_debian_dists_bookworm_InRelease",
             "Origin: Debian\nLabel: Debian\nSuite: oldstable\nCodename: bookworm\n");
  write_file(lists / "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
             "Package: libssl3\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\nSource: openssl\n\n"
             "Package: curl\nVersion: 7.88.1-10+deb12u5\nArchitecture: amd64\n\n"
             "Package: zlib1g\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\nSource: zlib\n");
  write_file(lists / "deb.debian.org_debian-security_dists_bookworm-security_InRelease",
             "Origin: Debian\nLabel: Debian-Security\nSuite: oldstable-security\n"
             "Codename: bookworm-security\n");
  write_file(
      lists / "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages",
      // openssl: libssl-doc is the smallest but its doc dir is a symlink, openssl is next.
      "Package: libssl3\nVersion: 3.0.15-1~deb12u1\nArchitecture: amd64\nSource: openssl\n"
      "Filename: pool/updates/main/o/openssl/libssl3.deb\nSize: 3000\n\n"
      "Package: libssl-doc\nVersion: 3.0.15-1~deb12u1\nArchitecture: all\nSource: openssl\n"
      "Filename: pool/updates/main/o/openssl/libssl-doc.deb\nSize: 1000\n\n"
      "Package: openssl\nVersion: 3.0.15-1~deb12u1\nArchitecture: amd64\n"
      "Filename: pool/updates/main/o/openssl/openssl.deb\nSize: 2000\n\n"
      "Package: curl\nVersion: 7.88.1-10+deb12u8\nArchitecture: amd64\n"
      "Filename: pool/updates/main/c/curl/curl.deb\nSize: 500\n\n"
      "Package: zlib1g\nVersion: 1:1.2.13.dfsg-1+deb12u1\nArchitecture: amd64\n"
      "Source: zlib (1:1.2.13.dfsg-1+deb12u1)\n"
      "Filename: pool/updates/main/z/zlib/zlib1g.deb\nSize: 100\n");
  write_file(root / "var/lib/dpkg/status",
             "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\n"
             "Source: openssl\nVersion: 3.0.11-1~deb12u2\n\n"
             "Package: curl\nStatus: install ok installed\nArchitecture: amd64\n"
             "Version: 7.88.1-10+deb12u5\n\n"
             "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n"
             "Source: zlib (1:1.2.13.dfsg-1)\nVersion: 1:1.2.13.dfsg-1\n");
  return root;
}

TEST(AptChangelog, WholeFlowWithAFakeMirror) {
  if (!have_dpkg_deb()) GTEST_SKIP() << "dpkg-deb is not installed (apt-get install dpkg)";
  const auto dir = fresh_dir();
  const auto root = make_root(dir);
  FakeFetcher fetcher;
  const std::string pool = std::string(kSecurityUri) + "/pool/updates/main/";
  fetcher.files[pool + "o/openssl/libssl-doc.deb"] =
      make_deb(dir, "libssl-doc", "3.0.15-1~deb12u1", "", "xz", "libssl3");
  fetcher.files[pool + "o/openssl/openssl.deb"] =
      make_deb(dir, "openssl", "3.0.15-1~deb12u1", kOpensslChangelog, "xz");
  fetcher.files[pool + "c/curl/curl.deb"] =
      make_deb(dir, "curl", "7.88.1-10+deb12u8", kCurlChangelog, "zstd");
  // zlib1g.deb is missing from the mirror (HTTP 404).

  core::Diagnostics diags;
  BuildStats stats;
  const std::string data_dir = (dir / "data").string();
  auto batch = build_advisories(root.string(), data_dir, fetcher, diags, &stats);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(stats.upgrades, 3u);
  EXPECT_EQ(stats.sources, 3u);
  EXPECT_EQ(stats.fetched, 2u);
  EXPECT_EQ(stats.cached, 0u);
  EXPECT_EQ(stats.missing, 1u);
  EXPECT_EQ(stats.downloads, 4u);  // curl, libssl-doc (symlink), openssl, zlib1g (404)
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags.items()[0].record, "zlib 1:1.2.13.dfsg-1+deb12u1");
  EXPECT_NE(diags.items()[0].message.find("HTTP 404"), std::string::npos);

  ASSERT_EQ(batch->advisories.size(), 3u);
  const core::Advisory& curl = batch->advisories[0];
  EXPECT_EQ(curl.id, "APT-curl-7.88.1-10+deb12u8");
  EXPECT_EQ(curl.cves, std::vector<std::string>{"CVE-2024-2398"});
  EXPECT_EQ(curl.published, "2024-04-05T10:00:00Z");
  const core::Advisory& openssl = batch->advisories[1];
  EXPECT_EQ(openssl.id, "APT-openssl-3.0.15-1~deb12u1");
  // Entries after the installed 3.0.11-1~deb12u2, up to the candidate.
  EXPECT_EQ(openssl.cves,
            (std::vector<std::string>{"CVE-2024-4741", "CVE-2024-5535", "CVE-2024-9143"}));
  EXPECT_EQ(openssl.severity, core::Severity::kHigh);
  ASSERT_EQ(openssl.affected.size(), 1u);
  EXPECT_EQ(openssl.affected[0].release, "debian:12");
  EXPECT_EQ(openssl.affected[0].name, "openssl");
  EXPECT_EQ(openssl.affected[0].events.back().version, "3.0.15-1~deb12u1");
  const core::Advisory& zlib = batch->advisories[2];
  EXPECT_EQ(zlib.id, "APT-zlib-1:1.2.13.dfsg-1+deb12u1");
  EXPECT_TRUE(zlib.cves.empty());
  EXPECT_EQ(batch->advisories_per_release.at("debian:12"), 3u);
  ASSERT_EQ(batch->sources.size(), 1u);
  EXPECT_EQ(batch->sources[0].format, "apt-changelog");
  EXPECT_EQ(batch->sources[0].records, 3u);

  // A second run reads the cache: no download for openssl and curl.
  FakeFetcher offline;
  core::Diagnostics again_diags;
  BuildStats again;
  auto cached = build_advisories(root.string(), data_dir, offline, again_diags, &again);
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(again.cached, 2u);
  EXPECT_EQ(again.fetched, 0u);
  EXPECT_EQ(offline.requests.size(), 1u);  // only zlib1g, still missing
  ASSERT_EQ(cached->advisories.size(), 3u);
  EXPECT_EQ(cached->advisories[1], openssl);
  const ChangelogCache cache = ChangelogCache::in_data_dir(data_dir);
  EXPECT_EQ(cache.get("openssl", "3.0.15-1~deb12u1"), std::string(kOpensslChangelog));
}

TEST(AptChangelog, AnotherHostOfTheSameRelease) {
  if (!have_dpkg_deb()) GTEST_SKIP() << "dpkg-deb is not installed (apt-get install dpkg)";
  const auto dir = fresh_dir();
  const auto root = make_root(dir);
  FakeFetcher fetcher;
  fetcher.files[std::string(kSecurityUri) + "/pool/updates/main/o/openssl/openssl.deb"] =
      make_deb(dir, "openssl", "3.0.15-1~deb12u1", kOpensslChangelog, "xz");
  core::HostReport host;
  host.host.id = "web-1";
  host.os.id = "debian";
  host.os.version_id = "12";
  core::Package libssl;
  libssl.name = "libssl3";
  libssl.version = "3.0.14-1~deb12u2";
  libssl.arch = "amd64";
  libssl.source_name = "openssl";
  libssl.source_version = "3.0.14-1~deb12u2";
  host.packages = {libssl};
  core::Diagnostics diags;
  auto batch =
      build_advisories_for_host(root.string(), host, (dir / "data").string(), fetcher, diags);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  ASSERT_EQ(batch->advisories.size(), 1u);
  // This host is at 3.0.14-1~deb12u2: only the newer entry counts.
  EXPECT_EQ(batch->advisories[0].cves,
            (std::vector<std::string>{"CVE-2024-5535", "CVE-2024-9143"}));
  EXPECT_EQ(batch->sources.at(0).path, "web-1");

  host.os.version_id = "11";
  auto other =
      build_advisories_for_host(root.string(), host, (dir / "data").string(), fetcher, diags);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, core::ErrorCode::kUnsupported);
}

TEST(AptChangelog, CacheFileNames) {
  const auto dir = fresh_dir();
  const ChangelogCache cache((dir / "c").string());
  EXPECT_EQ(cache.path("zlib", "1:1.2.13.dfsg-1"),
            (dir / "c/zlib_1%3a1.2.13.dfsg-1.changelog").string());
  EXPECT_FALSE(cache.get("zlib", "1:1.2.13.dfsg-1").has_value());
  ASSERT_TRUE(cache.put("zlib", "1:1.2.13.dfsg-1", "text").ok());
  EXPECT_EQ(cache.get("zlib", "1:1.2.13.dfsg-1"), std::string("text"));
  EXPECT_FALSE(cache.get("zlib", "1.2.13.dfsg-1").has_value());
}

TEST(AptChangelog, RootProblemsAreErrors) {
  const auto dir = fresh_dir();
  FakeFetcher fetcher;
  core::Diagnostics diags;
  // No os-release.
  EXPECT_FALSE(
      build_advisories((dir / "empty").string(), (dir / "d").string(), fetcher, diags).ok());
  // Not a Debian or Ubuntu release.
  write_file(dir / "alma/etc/os-release", "ID=almalinux\nVERSION_ID=9.4\n");
  auto alma = build_advisories((dir / "alma").string(), (dir / "d").string(), fetcher, diags);
  ASSERT_FALSE(alma.ok());
  EXPECT_EQ(alma.error().code, core::ErrorCode::kUnsupported);
  // Debian without apt lists.
  const auto root = make_root(dir);
  std::filesystem::remove_all(root / "var/lib/apt/lists");
  EXPECT_FALSE(build_advisories(root.string(), (dir / "d").string(), fetcher, diags).ok());
  EXPECT_EQ(release_of_root(root.string()).value(), "debian:12");
  EXPECT_TRUE(fetcher.requests.empty());
}

}  // namespace
}  // namespace fleetpatch::feed::apt_changelog
