#include "agent/schedule.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fleetpatch::agent {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(Duration, ParsesUnitsAndSums) {
  const struct {
    const char* text;
    Millis want;
  } cases[] = {
      {"0", Millis{0}},     {"500ms", Millis{500}},
      {"90s", seconds(90)}, {"10m", minutes(10)},
      {"1h", hours(1)},     {"1h30m", minutes(90)},
      {"2d", hours(48)},    {"1m30s250ms", Millis{90'250}},
      {"0s", Millis{0}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto got = parse_duration(c.text);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, c.want);
  }
}

TEST(Duration, RejectsWhatIsNotADuration) {
  for (const char* text : {"", "10", "h", "1x", "-5s", "1.5h", "10 m", "s10",
                           "99999999999999999999s", "9999999999999999d"}) {
    SCOPED_TRACE(text);
    const auto got = parse_duration(text);
    ASSERT_FALSE(got.ok());
    EXPECT_NE(got.error().message.find(text), std::string::npos) << got.error().message;
  }
}

TEST(Duration, FormatsTheShortestExactForm) {
  const struct {
    Millis in;
    const char* want;
  } cases[] = {{Millis{0}, "0s"},      {Millis{250}, "250ms"}, {seconds(45), "45s"},
               {minutes(90), "1h30m"}, {hours(25), "1d1h"},    {Millis{61'001}, "1m1s1ms"}};
  for (const auto& c : cases) {
    EXPECT_EQ(format_duration(c.in), c.want);
    EXPECT_EQ(*parse_duration(format_duration(c.in)), c.in) << "round trip of " << c.want;
  }
}

TEST(Backoff, DoublesBetweenHalfAndFullUpToTheCap) {
  const BackoffPolicy policy{seconds(1), seconds(60)};
  const struct {
    int attempt;
    double u;
    Millis want;
  } cases[] = {
      {1, 0.0, Millis{500}},      // half of 1s
      {1, 0.999999, seconds(1)},  // all of it
      {2, 0.0, seconds(1)},       // ceiling 2s
      {3, 0.0, seconds(2)},       // ceiling 4s
      {3, 0.5, Millis{3000}},
      {6, 0.999999, seconds(32)},  // ceiling 32s
      {7, 0.0, seconds(30)},       // ceiling capped at 60s
      {7, 0.999999, seconds(60)},
      {1000, 0.999999, seconds(60)},  // a long outage neither overflows nor exceeds the cap
      {1000, -3.0, seconds(30)},      // out-of-range randomness is clamped
      {1000, 7.0, seconds(60)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE("attempt " + std::to_string(c.attempt) + " u " + std::to_string(c.u));
    EXPECT_EQ(retry_delay(policy, c.attempt, c.u), c.want);
  }
}

TEST(Backoff, NeverZeroEvenWithADegeneratePolicy) {
  EXPECT_EQ(retry_delay({Millis{0}, Millis{0}}, 1, 0.0), Millis{1});
  EXPECT_EQ(retry_delay({Millis{1}, Millis{1}}, 5, 0.0), Millis{1});
  // An initial above the max is capped.
  EXPECT_EQ(retry_delay({minutes(10), minutes(1)}, 1, 0.999999), minutes(1));
}

TEST(Backoff, StaysWithinBoundsForEveryAttempt) {
  const BackoffPolicy policy{Millis{200}, seconds(10)};
  Millis previous_ceiling{0};
  for (int attempt = 1; attempt <= 40; ++attempt) {
    const Millis low = retry_delay(policy, attempt, 0.0);
    const Millis high = retry_delay(policy, attempt, 0.999999);
    EXPECT_LE(low, high);
    EXPECT_LE(high, policy.max);
    EXPECT_GE(high, previous_ceiling) << "ceilings never shrink (attempt " << attempt << ")";
    EXPECT_GE(low * 2, high - Millis{1});
    previous_ceiling = high;
  }
}

TEST(Backoff, RetryAfterIsAFloorButTheCapStillHolds) {
  const BackoffPolicy policy{seconds(1), minutes(5)};
  EXPECT_EQ(retry_delay_with_hint(policy, 1, 0.0, seconds(30)), seconds(30));
  EXPECT_EQ(retry_delay_with_hint(policy, 1, 0.0, Millis{0}), Millis{500});
  EXPECT_EQ(retry_delay_with_hint(policy, 1, 0.0, hours(48)), minutes(5));
}

TEST(Schedule, NextRunIsIntervalPlusUniformJitter) {
  const struct {
    Millis interval, jitter;
    double u;
    Millis want;
  } cases[] = {
      {hours(1), minutes(10), 0.0, hours(1)},
      {hours(1), minutes(10), 0.5, minutes(65)},
      {hours(1), minutes(10), 0.999999, minutes(70) - Millis{1}},
      {hours(1), Millis{0}, 0.7, hours(1)},
      {seconds(5), Millis{-3}, 0.7, seconds(5)},  // a negative jitter adds nothing
      {seconds(5), seconds(1), 2.0, seconds(6) - Millis{1}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(next_run_delay(c.interval, c.jitter, c.u), c.want)
        << format_duration(c.interval) << " + " << format_duration(c.jitter) << " * " << c.u;
  }
}

}  // namespace
}  // namespace fleetpatch::agent
