#include "hoststate/process.hpp"

#include <gtest/gtest.h>

namespace fleetpatch::hoststate {
namespace {

using namespace std::chrono_literals;

TEST(PosixProcessRunner, FeedsStdinAndCollectsBothStreams) {
  PosixProcessRunner runner;
  const auto r = runner.run({"sh", "-c", "cat; echo oops >&2; exit 3"}, "hello\n", 10s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->out, "hello\n");
  EXPECT_EQ(r->err, "oops\n");
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->timed_out);
}

TEST(PosixProcessRunner, LargeOutputAndInputDoNotDeadlock) {
  PosixProcessRunner runner;
  const std::string input(3 << 20, 'x');
  const auto r = runner.run({"sh", "-c", "cat; head -c 2000000 /dev/zero"}, input, 30s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out.size(), input.size() + 2000000);
  // A program that reads nothing still gets its input offered without us dying of SIGPIPE.
  const auto ignored = runner.run({"true"}, input, 30s);
  ASSERT_TRUE(ignored.ok());
  EXPECT_EQ(ignored->exit_code, 0);
}

TEST(PosixProcessRunner, TimeoutKillsTheProcessGroup) {
  PosixProcessRunner runner;
  const auto start = std::chrono::steady_clock::now();
  const auto r = runner.run({"sh", "-c", "sleep 30 & sleep 30"}, {}, 300ms);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(PosixProcessRunner, MissingProgramIsAnError) {
  PosixProcessRunner runner;
  const auto r = runner.run({"/nonexistent/fleetpatch-tool"}, {}, 5s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/fleetpatch-tool"), std::string::npos);
  EXPECT_FALSE(runner.run({}, {}, 5s).ok());
}

TEST(PosixProcessRunner, ReportsTheKillingSignal) {
  PosixProcessRunner runner;
  const auto r = runner.run({"sh", "-c", "kill -TERM $$"}, {}, 5s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->signal, 15);
  EXPECT_EQ(r->exit_code, -1);
}

}  // namespace
}  // namespace fleetpatch::hoststate
