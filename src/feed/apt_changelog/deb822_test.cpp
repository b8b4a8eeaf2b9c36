#include "feed/apt_changelog/deb822.hpp"

#include <gtest/gtest.h>

namespace fleetpatch::feed::apt_changelog {
namespace {

struct Collected {
  std::vector<Paragraph> paragraphs;
  std::vector<std::pair<std::size_t, std::string>> problems;
};

Collected collect(std::string_view text) {
  Collected out;
  for_each_paragraph(
      text, [&](const Paragraph& p) { out.paragraphs.push_back(p); },
      [&](std::size_t line, std::string message) {
        out.problems.emplace_back(line, std::move(message));
      });
  return out;
}

TEST(Deb822, ParagraphsFieldsAndContinuations) {
  const std::string text =
      "Package: openssl\n"
      "Version: 3.0.15-1~deb12u1\n"
      "Description: Secure Sockets Layer toolkit\n"
      " This package contains the openssl binary.\n"
      " .\n"
      " More text.\n"
      "\n"
      "\n"
      "# a comment between paragraphs\n"
      "package: libssl3\r\n"
      "SOURCE: openssl (3.0.15-1~deb12u1)\n";
  auto got = collect(text);
  EXPECT_TRUE(got.problems.empty());
  ASSERT_EQ(got.paragraphs.size(), 2u);
  EXPECT_EQ(got.paragraphs[0].line, 1u);
  EXPECT_EQ(got.paragraphs[0].get("Package"), "openssl");
  EXPECT_EQ(fold(got.paragraphs[0].get("Description")),
            "Secure Sockets Layer toolkit This package contains the openssl binary. . More text.");
  EXPECT_EQ(got.paragraphs[1].line, 10u);
  // Field names compare case-insensitively; "\r" line ends are trimmed.
  EXPECT_EQ(got.paragraphs[1].get("Package"), "libssl3");
  EXPECT_EQ(got.paragraphs[1].get("Source"), "openssl (3.0.15-1~deb12u1)");
  EXPECT_TRUE(got.paragraphs[1].has("source"));
  EXPECT_FALSE(got.paragraphs[1].has("Version"));
  EXPECT_EQ(got.paragraphs[1].get("Version"), "");
}

TEST(Deb822, ProblemsNameTheirLine) {
  auto got = collect(" orphan continuation\nPackage: a\nno colon here\nVersion: 1\n");
  ASSERT_EQ(got.problems.size(), 2u);
  EXPECT_EQ(got.problems[0].first, 1u);
  EXPECT_EQ(got.problems[1].first, 3u);
  ASSERT_EQ(got.paragraphs.size(), 1u);
  EXPECT_EQ(got.paragraphs[0].get("Version"), "1");
}

TEST(Deb822, ClearSignedInRelease) {
  const std::string text =
      "-----BEGIN PGP SIGNED MESSAGE-----\n"
      "Hash: SHA512\n"
      "\n"
      "Origin: Debian\n"
      "Label: Debian-Security\n"
      "Suite: oldstable-security\n"
      "-----BEGIN PGP SIGNATURE-----\n"
      "\n"
      "iQIzBAEBCgAdFiEE\n"
      "-----END PGP SIGNATURE-----\n";
  auto got = collect(text);
  EXPECT_TRUE(got.problems.empty());
  ASSERT_EQ(got.paragraphs.size(), 1u);
  EXPECT_EQ(got.paragraphs[0].get("Suite"), "oldstable-security");
  EXPECT_EQ(got.paragraphs[0].line, 4u);
}

TEST(Deb822, Words) {
  EXPECT_EQ(words("  deb  deb-src\n main\t"),
            (std::vector<std::string_view>{"deb", "deb-src", "main"}));
  EXPECT_TRUE(words(" \n ").empty());
}

}  // namespace
}  // namespace fleetpatch::feed::apt_changelog
