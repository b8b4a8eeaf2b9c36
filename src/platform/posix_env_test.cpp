#include "platform/posix_env.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fleetpatch::platform {
namespace {

TEST(PosixEnv, ReadsListsAndReportsMissingFiles) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("fleetpatch-env-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "sub");
  std::ofstream(dir / "a.txt") << "hello\n";
  std::filesystem::create_symlink("a.txt", dir / "link");

  PosixEnv env;
  auto content = env.read_file((dir / "a.txt").string());
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, "hello\n");
  EXPECT_TRUE(env.exists((dir / "a.txt").string()));
  EXPECT_TRUE(env.is_directory((dir / "sub").string()));
  EXPECT_FALSE(env.is_directory((dir / "a.txt").string()));
  auto names = env.list_directory(dir.string());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a.txt", "link", "sub"}));
  auto link = env.read_link((dir / "link").string());
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(*link, "a.txt");

  auto missing = env.read_file((dir / "nope").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(SystemClock, IsRecent) {
  SystemClock clock;
  EXPECT_GT(clock.now().time_since_epoch().count(), 1700000000);
}

}  // namespace
}  // namespace fleetpatch::platform
