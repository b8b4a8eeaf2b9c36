#include "feed/osv/cvss.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fleetpatch::feed::osv {
namespace {

// Expected scores from FIRST's calculators (v3.1 specification examples, NVD v2 calculator).
TEST(Cvss, V3BaseScores) {
  const std::pair<std::string, double> cases[] = {
      {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
      {"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8},
      {"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0},
      {"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1},
      {"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4},
      {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5},
      {"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6},
      {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0},
      {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O", 9.8},
  };
  for (const auto& [vector, score] : cases) {
    auto got = cvss3_base_score(vector);
    ASSERT_TRUE(got.has_value()) << vector;
    EXPECT_DOUBLE_EQ(*got, score) << vector;
  }
}

TEST(Cvss, V3RejectsIncompleteVectors) {
  const std::string cases[] = {
      "",
      "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
      "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:Q/C:H/I:H/A:H",
      "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      "CVSS:3.1/garbage",
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
  };
  for (const auto& vector : cases) EXPECT_FALSE(cvss3_base_score(vector).has_value()) << vector;
}

TEST(Cvss, V2BaseScores) {
  const std::pair<std::string, double> cases[] = {
      {"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5}, {"AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3},
      {"AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2}, {"(AV:N/AC:L/Au:N/C:C/I:C/A:C)", 10.0},
      {"AV:N/AC:L/Au:N/C:N/I:N/A:N", 0.0},
  };
  for (const auto& [vector, score] : cases) {
    auto got = cvss2_base_score(vector);
    ASSERT_TRUE(got.has_value()) << vector;
    EXPECT_DOUBLE_EQ(*got, score) << vector;
  }
  EXPECT_FALSE(cvss2_base_score("AV:N/AC:L/Au:N/C:P/I:P").has_value());
  EXPECT_FALSE(cvss2_base_score("AV:N/AC:Z/Au:N/C:P/I:P/A:P").has_value());
}

}  // namespace
}  // namespace fleetpatch::feed::osv
