#include "server/rate_limit.hpp"

#include <gtest/gtest.h>

namespace fleetpatch::server {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiter, AllowsTheBurstThenRefusesWithRetryAfter) {
  RateLimiter limiter(2, 3);  // 2/s, bursts of 3
  const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.acquire("a", t0)) << i;
  const auto refused = limiter.acquire("a", t0);
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, 1);
  // Another caller has its own bucket.
  EXPECT_FALSE(limiter.acquire("b", t0));
  // Half a second refills one request at 2/s.
  EXPECT_FALSE(limiter.acquire("a", t0 + milliseconds(500)));
  EXPECT_TRUE(limiter.acquire("a", t0 + milliseconds(500)));
}

TEST(RateLimiter, SlowRatesAskForLongerWaits) {
  RateLimiter limiter(0.1, 1);  // one request per 10 s
  const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_FALSE(limiter.acquire("a", t0));
  const auto refused = limiter.acquire("a", t0);
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, 10);
}

TEST(RateLimiter, ZeroRateDisablesTheLimit) {
  RateLimiter limiter(0, 1);
  const auto t0 = RateLimiter::Clock::time_point{};
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(limiter.acquire("a", t0));
}

TEST(ParseRate, Forms) {
  const struct {
    const char* text;
    std::optional<double> per_second;
  } cases[] = {{"10/s", 10.0}, {"60/m", 1.0}, {"5", 5.0}, {"0", 0.0},
               {"", {}},       {"x/s", {}},   {"-1", {}}, {"10/h", {}}};
  for (const auto& c : cases) EXPECT_EQ(parse_rate(c.text), c.per_second) << c.text;
}

}  // namespace
}  // namespace fleetpatch::server
