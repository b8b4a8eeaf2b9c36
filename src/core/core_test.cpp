#include <gtest/gtest.h>

#include "core/diagnostics.hpp"
#include "core/env.hpp"
#include "core/package.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace fleetpatch::core {
namespace {

TEST(Result, HoldsValueOrError) {
  Result<int> good = 4;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  Result<int> bad = invalid_argument("nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "nope");
  Status fine;
  EXPECT_TRUE(fine.ok());
  Status broken = io_error("disk");
  EXPECT_FALSE(broken.ok());
}

TEST(Diagnostics, FormatsLikeACompiler) {
  Diagnostics d;
  d.add("status", 12, "missing Version field", "libssl3");
  d.add("feed.json", 0, "no id");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.items()[0].to_string(), "status:12: libssl3: missing Version field");
  EXPECT_EQ(d.items()[1].to_string(), "feed.json: no id");
  Diagnostics more;
  more.add("x", 1, "y");
  d.merge(std::move(more));
  EXPECT_EQ(d.size(), 3u);
}

TEST(Time, RoundTripsAndNormalisesZones) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"2026-11-26T03:00:00Z", "2026-11-26T03:00:00Z"},
      {"2026-11-26", "2026-11-26T00:00:00Z"},
      {"2022-06-16T12:30:45.123456789Z", "2022-06-16T12:30:45Z"},
      {"2022-06-16T12:30:45+02:00", "2022-06-16T10:30:45Z"},
      {"2022-06-16 12:30:45-01:30", "2022-06-16T14:00:45Z"},
      {"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
  };
  for (const auto& c : cases) {
    auto t = parse_rfc3339(c.in);
    ASSERT_TRUE(t.ok()) << c.in;
    EXPECT_EQ(format_rfc3339(*t), c.out) << c.in;
  }
  for (const char* bad : {"", "2026", "2026-13-01", "2023-02-29", "2026-11-26T03:00:00",
                          "2026-11-26T25:00:00Z", "2026-11-26Tx", "2026-11-26T03:00:00Zjunk"}) {
    EXPECT_FALSE(parse_rfc3339(bad).ok()) << bad;
  }
}

TEST(Env, JoinRoot) {
  EXPECT_EQ(join_root("/", "/etc/os-release"), "/etc/os-release");
  EXPECT_EQ(join_root("", "/etc/os-release"), "/etc/os-release");
  EXPECT_EQ(join_root("/mnt/img/", "/etc/os-release"), "/mnt/img/etc/os-release");
  EXPECT_EQ(join_root("/mnt/img", "var/lib"), "/mnt/img/var/lib");
}

TEST(PackageFormat, Names) {
  EXPECT_EQ(package_format_from_string("deb"), PackageFormat::kDpkg);
  EXPECT_EQ(package_format_from_string("rpm"), PackageFormat::kRpm);
  EXPECT_EQ(package_format_from_string("apk"), PackageFormat::kApk);
  EXPECT_EQ(package_format_from_string("pacman"), PackageFormat::kUnknown);
  EXPECT_EQ(to_string(PackageFormat::kApk), "apk");
}

}  // namespace
}  // namespace fleetpatch::core
