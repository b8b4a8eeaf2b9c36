#include "hoststate/memory_env.hpp"

#include <gtest/gtest.h>

namespace fleetpatch::hoststate {
namespace {

TEST(MemoryEnv, BehavesLikeAFileSystem) {
  MemoryEnv env;
  env.add_file("/etc/os-release", "ID=debian\n");
  env.add_symlink("/proc/1/exe", "/usr/lib/systemd/systemd");
  env.add_directory("/sys/kernel/livepatch");
  env.add_unreadable("/proc/1/maps", "cat: /proc/1/maps: Permission denied");
  env.add_directory("/etc/os-release");  // a guess never overrides what is known

  EXPECT_EQ(*env.read_file("/etc/os-release"), "ID=debian\n");
  EXPECT_TRUE(env.exists("/etc"));
  EXPECT_TRUE(env.is_directory("/etc"));
  EXPECT_TRUE(env.is_directory("/etc/"));
  EXPECT_FALSE(env.is_directory("/etc/os-release"));
  EXPECT_TRUE(env.is_directory("/sys/kernel/livepatch"));
  EXPECT_EQ(*env.list_directory("/sys/kernel/livepatch"), std::vector<std::string>{});
  EXPECT_EQ(*env.list_directory("/"), (std::vector<std::string>{"etc", "proc", "sys"}));
  EXPECT_EQ(*env.list_directory("/proc/1"), (std::vector<std::string>{"exe", "maps"}));
  EXPECT_EQ(*env.read_link("/proc/1/exe"), "/usr/lib/systemd/systemd");

  const auto denied = env.read_file("/proc/1/maps");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, core::ErrorCode::kIo);
  EXPECT_NE(denied.error().message.find("Permission denied"), std::string::npos);
  const auto missing = env.read_file("/proc/2/maps");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  EXPECT_FALSE(env.read_link("/etc/os-release").ok());
  EXPECT_FALSE(env.list_directory("/etc/os-release").ok());
  EXPECT_FALSE(env.read_file("/etc").ok());
}

}  // namespace
}  // namespace fleetpatch::hoststate
