#include "agent/waiter.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <chrono>

namespace fleetpatch::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(SignalWaiter, WaitsTheFullTimeWithoutASignal) {
  SignalWaiter waiter({SIGUSR1});
  const auto start = steady_clock::now();
  EXPECT_TRUE(waiter.wait(milliseconds(50)));
  EXPECT_GE(steady_clock::now() - start, milliseconds(50));
  EXPECT_FALSE(waiter.stop_requested());
  EXPECT_EQ(waiter.stop_signal(), 0);
}

TEST(SignalWaiter, ASignalEndsTheWaitEarlyAndStaysRecorded) {
  SignalWaiter waiter({SIGUSR1});
  ASSERT_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);  // blocked: stays pending, no handler runs
  const auto start = steady_clock::now();
  EXPECT_FALSE(waiter.wait(std::chrono::seconds(30)));
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(waiter.stop_requested());
  EXPECT_EQ(waiter.stop_signal(), SIGUSR1);
  EXPECT_FALSE(waiter.wait(milliseconds(1))) << "a stopped waiter does not wait again";
}

TEST(SignalWaiter, StopRequestedSeesAPendingSignalWithoutWaiting) {
  SignalWaiter waiter({SIGUSR2});
  EXPECT_FALSE(waiter.stop_requested());
  ASSERT_EQ(pthread_kill(pthread_self(), SIGUSR2), 0);
  EXPECT_TRUE(waiter.stop_requested());
  EXPECT_EQ(waiter.stop_signal(), SIGUSR2);
}

}  // namespace
}  // namespace fleetpatch::agent
