#include "feed/apt_changelog/deb_file.hpp"

#include <gtest/gtest.h>

#include "feed/apt_changelog/test_support.hpp"

namespace fleetpatch::feed::apt_changelog {
namespace {

using namespace fleetpatch::feed::apt_changelog::testing;

const char* const kText =
    "hello (1.0-2) unstable; urgency=medium\n\n  * Fix CVE-2025-0001.\n\n"
    " -- A <a@example.org>  Mon, 06 Jan 2025 10:00:00 +0000\n";

TEST(DebFile, ChangelogFromRealDebs) {
  if (!have_dpkg_deb()) GTEST_SKIP() << "dpkg-deb is not installed (apt-get install dpkg)";
  const auto work = fresh_dir();
  // dpkg-deb's data.tar compressions: xz (the default), zstd (Ubuntu's), gzip, none.
  for (const std::string compression : {"xz", "zstd", "gzip", "none"}) {
    SCOPED_TRACE(compression);
    const std::string deb = make_deb(work, "hello-" + compression, "1.0-2", kText, compression);
    ASSERT_FALSE(deb.empty());
    auto text = changelog_from_deb(deb, "hello-" + compression);
    ASSERT_TRUE(text.ok()) << text.error().message;
    EXPECT_EQ(*text, kText);
    // Another package's name: its changelog is not in this .deb.
    auto other = changelog_from_deb(deb, "hello");
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().code, core::ErrorCode::kNotFound);
  }
}

TEST(DebFile, SymlinkedDocDirectoryIsNamed) {
  if (!have_dpkg_deb()) GTEST_SKIP() << "dpkg-deb is not installed (apt-get install dpkg)";
  const auto work = fresh_dir();
  const std::string deb = make_deb(work, "libhello-dev", "1.0-2", "", "xz", "libhello1");
  auto text = changelog_from_deb(deb, "libhello-dev");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code, core::ErrorCode::kNotFound);
  EXPECT_NE(text.error().message.find("symlink to libhello1"), std::string::npos)
      << text.error().message;
}

TEST(DebFile, NotADeb) {
  for (const std::string& bytes :
       {std::string(), std::string("!<arch>\n"), std::string("garbage that is not an archive")}) {
    auto text = changelog_from_deb(bytes, "x");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().code, core::ErrorCode::kInvalidArgument) << text.error().message;
  }
}

}  // namespace
}  // namespace fleetpatch::feed::apt_changelog
