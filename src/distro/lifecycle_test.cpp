#include "distro/lifecycle.hpp"

#include <gtest/gtest.h>

#include <string>

#include "distro/distro.hpp"

namespace fleetpatch::distro {
namespace {

core::TimePoint at(std::string_view rfc3339) {
  auto t = core::parse_rfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : core::TimePoint{};
}

struct EolCase {
  std::string release;
  bool subscribed;
  std::string want;  // first instant past support; "" = no date known
};

// Expected instants are the day after the vendor's published last day (see each family's
// lifecycle.cpp for the page it comes from).
TEST(Lifecycle, EndOfLifeIsTheDayAfterTheLastSupportedDay) {
  const EolCase cases[] = {
      {"debian:10", false, "2024-07-01T00:00:00Z"},  // LTS end, not the security team's
      {"debian:11", false, "2026-09-01T00:00:00Z"},
      {"debian:12", false, "2028-07-01T00:00:00Z"},
      {"debian:12", true, "2028-07-01T00:00:00Z"},  // no paid extension: same date
      {"ubuntu:18.04", false, "2023-06-01T00:00:00Z"},
      {"ubuntu:18.04", true, "2028-05-01T00:00:00Z"},  // Ubuntu Pro ESM
      {"ubuntu:23.10", true, "2024-08-01T00:00:00Z"},  // interim: no ESM
      {"rhel:8", false, "2029-06-01T00:00:00Z"},
      {"rhel:8", true, "2032-06-01T00:00:00Z"},
      {"centos:8", false, "2022-01-01T00:00:00Z"},
      {"almalinux:8", false, "2029-03-02T00:00:00Z"},
      {"rocky:9", false, "2032-06-01T00:00:00Z"},
      {"alpine:3.10", false, "2021-05-02T00:00:00Z"},
      {"alpine:3.19", false, "2025-11-02T00:00:00Z"},
      {"sles:15.5", false, "2025-01-01T00:00:00Z"},
      {"sles:15.5", true, "2028-01-01T00:00:00Z"},
      {"opensuse-leap:15.6", false, "2026-05-01T00:00:00Z"},
      {"opensuse-tumbleweed", false, ""},  // rolling
      {"debian:99", false, ""},
      {"ubuntu:13.37", false, ""},
  };
  for (const auto& c : cases) {
    const Distro* distro = distro_for_release(c.release);
    ASSERT_NE(distro, nullptr) << c.release;
    auto eol = distro->end_of_life(c.release, c.subscribed);
    if (c.want.empty()) {
      EXPECT_FALSE(eol.has_value()) << c.release;
      continue;
    }
    ASSERT_TRUE(eol.has_value()) << c.release;
    EXPECT_EQ(core::format_rfc3339(*eol), c.want) << c.release << " subscribed=" << c.subscribed;
  }
}

TEST(Lifecycle, PastEndOfLifeFlipsAtMidnightAfterTheLastDay) {
  auto debian10 = distro_for_release("debian:10")->lifecycle("debian:10");
  ASSERT_TRUE(debian10.has_value());
  EXPECT_FALSE(debian10->past_end_of_life(at("2024-06-30T23:59:59Z")));
  EXPECT_TRUE(debian10->past_end_of_life(at("2024-07-01T00:00:00Z")));
  // Before LTS ended, past the security team's end: still supported.
  EXPECT_FALSE(debian10->past_end_of_life(at("2023-01-01T00:00:00Z")));
  EXPECT_EQ(debian10->security_end, ymd(2022, 9, 10));

  auto bionic = distro_for_release("ubuntu:18.04")->lifecycle("ubuntu:18.04");
  ASSERT_TRUE(bionic.has_value());
  EXPECT_TRUE(bionic->past_end_of_life(at("2026-11-26T00:00:00Z")));
  EXPECT_FALSE(bionic->past_end_of_life(at("2026-11-26T00:00:00Z"), /*subscribed=*/true));
  EXPECT_EQ(bionic->paid_program, "Ubuntu Pro ESM");
}

// Every release the tables know: dates in order and a vendor page named.
TEST(Lifecycle, TablesAreConsistent) {
  const char* releases[] = {
      "debian:6",
      "debian:7",
      "debian:8",
      "debian:9",
      "debian:10",
      "debian:11",
      "debian:12",
      "debian:13",
      "ubuntu:14.04",
      "ubuntu:16.04",
      "ubuntu:18.04",
      "ubuntu:20.04",
      "ubuntu:22.04",
      "ubuntu:24.04",
      "ubuntu:26.04",
      "ubuntu:24.10",
      "ubuntu:25.04",
      "ubuntu:25.10",
      "rhel:6",
      "rhel:7",
      "rhel:8",
      "rhel:9",
      "rhel:10",
      "centos:6",
      "centos:7",
      "centos:8",
      "almalinux:8",
      "almalinux:9",
      "almalinux:10",
      "rocky:8",
      "rocky:9",
      "rocky:10",
      "alpine:3.8",
      "alpine:3.16",
      "alpine:3.23",
      "sles:12.5",
      "sles:15.1",
      "sles:15.6",
      "opensuse-leap:15.0",
      "opensuse-leap:15.5",
  };
  for (const char* release : releases) {
    const Distro* distro = distro_for_release(release);
    ASSERT_NE(distro, nullptr) << release;
    auto dates = distro->lifecycle(release);
    ASSERT_TRUE(dates.has_value()) << release;
    EXPECT_TRUE(dates->security_end.ok()) << release;
    EXPECT_EQ(dates->source.substr(0, 8), "https://") << release;
    if (dates->lts_end) {
      EXPECT_LT(dates->security_end, *dates->lts_end) << release;
    }
    if (dates->paid_end) {
      EXPECT_LT(dates->last_supported_day(), *dates->paid_end) << release;
      EXPECT_FALSE(dates->paid_program.empty()) << release;
    } else {
      EXPECT_TRUE(dates->paid_program.empty()) << release;
    }
  }
}

// Release keys are per family: one family never answers for another's release.
TEST(Lifecycle, FamiliesAnswerOnlyForTheirOwnReleases) {
  for (const Distro* distro : registry()) {
    for (const char* release : {"debian:12", "ubuntu:22.04", "rhel:9", "almalinux:9", "rocky:9",
                                "centos:7", "alpine:3.19", "sles:15.5", "opensuse-leap:15.5"}) {
      const bool own = std::string_view(release).substr(0, distro->family().size() + 1) ==
                       std::string(distro->family()) + ":";
      EXPECT_EQ(distro->lifecycle(release).has_value(), own)
          << distro->family() << " answering for " << release;
    }
  }
}

}  // namespace
}  // namespace fleetpatch::distro
