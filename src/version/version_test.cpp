// The format dispatch: each format reaches its own ordering, errors name the string.
#include "version/version.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fleetpatch::version {
namespace {

using core::PackageFormat;

TEST(Version, DispatchesByFormat) {
  struct Case {
    PackageFormat format;
    const char* a;
    const char* b;
    int expected;
  };
  // Pairs whose order differs between the formats, so a wrong dispatch shows.
  const Case cases[] = {
      {PackageFormat::kDpkg, "1.0~rc1", "1.0", -1},
      {PackageFormat::kDpkg, "1.0", "1.0-0", 0},
      {PackageFormat::kDpkg, "1.0+1", "1.0.1", -1},  // dpkg: '+' sorts before '.'
      {PackageFormat::kRpm, "1.0+1", "1.0.1", 0},    // rpm: any separator is just a separator
      {PackageFormat::kRpm, "1.0^post", "1.0", 1},
      {PackageFormat::kRpm, "1:3.0.1-41.el9_0", "3.0.7-1.el9", 1},
      {PackageFormat::kRpm, "1.0", "1.0-0", -1},
      {PackageFormat::kApk, "1.0_rc1", "1.0", -1},
      {PackageFormat::kApk, "1.2.3-r1", "1.2.3-r0", 1},
      {PackageFormat::kApk, "1.0", "1.0-r0", 0},
      {PackageFormat::kApk, "1.01", "1.1", -1},
      {PackageFormat::kDpkg, "1.01", "1.1", 0},
  };
  for (const auto& c : cases) {
    const auto r = compare(c.format, c.a, c.b);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, c.expected) << core::to_string(c.format) << " " << c.a << " vs " << c.b;
    EXPECT_TRUE(validate(c.format, c.a).ok());
  }
}

TEST(Version, ErrorsNameTheStringAndFormat) {
  const auto deb = compare(PackageFormat::kDpkg, "1.0", "1.0 x");
  ASSERT_FALSE(deb.ok());
  EXPECT_EQ(deb.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_NE(deb.error().message.find("deb version \"1.0 x\""), std::string::npos);

  const auto rpm = validate(PackageFormat::kRpm, "1.0-");
  ASSERT_FALSE(rpm.ok());
  EXPECT_NE(rpm.error().message.find("rpm version \"1.0-\""), std::string::npos);

  const auto apk = compare(PackageFormat::kApk, "1.0-foo", "1.0");
  ASSERT_FALSE(apk.ok());
  EXPECT_NE(apk.error().message.find("apk version \"1.0-foo\""), std::string::npos);

  EXPECT_FALSE(validate(PackageFormat::kApk, "1.0_rc1-r0 ").ok());
  EXPECT_TRUE(validate(PackageFormat::kDpkg, "1:2.3-4").ok());
}

TEST(Version, UnknownFormatIsAnError) {
  const auto r = compare(PackageFormat::kUnknown, "1", "2");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kUnsupported);
  EXPECT_FALSE(validate(PackageFormat::kUnknown, "1").ok());
}

}  // namespace
}  // namespace fleetpatch::version
