#include "hoststate/file_owners.hpp"

#include <gtest/gtest.h>

#include "hoststate/memory_env.hpp"
#include "hoststate/test_support.hpp"
#include "platform/posix_env.hpp"

namespace fleetpatch::hoststate {
namespace {

using Names = std::vector<std::string>;

TEST(FileOwners, UsrMergeAliases) {
  EXPECT_EQ(usr_merge_aliases("/usr/lib/x86_64-linux-gnu/libc.so.6"),
            (Names{"/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"}));
  EXPECT_EQ(usr_merge_aliases("/lib64/ld-linux-x86-64.so.2"),
            (Names{"/lib64/ld-linux-x86-64.so.2", "/usr/lib64/ld-linux-x86-64.so.2"}));
  EXPECT_EQ(usr_merge_aliases("/usr/sbin/nginx"), (Names{"/usr/sbin/nginx", "/sbin/nginx"}));
  EXPECT_EQ(usr_merge_aliases("/usr/share/doc/x"), (Names{"/usr/share/doc/x"}));
  EXPECT_EQ(usr_merge_aliases("/opt/app/bin/app"), (Names{"/opt/app/bin/app"}));
  EXPECT_EQ(usr_merge_aliases("/library/x"), (Names{"/library/x"}));
}

TEST(FileOwners, DpkgListsWithArchQualifiedNames) {
  MemoryEnv env;
  env.add_file("/var/lib/dpkg/info/libc6:amd64.list", "/.\n/lib/x86_64-linux-gnu/libc.so.6\n");
  env.add_file("/var/lib/dpkg/info/libc6:i386.list", "/.\n/lib/i386-linux-gnu/libc.so.6\n");
  env.add_file("/var/lib/dpkg/info/nginx-core.list", "/usr/sbin/nginx\n");
  env.add_file("/var/lib/dpkg/info/nginx-core.md5sums", "/usr/sbin/nginx should not count\n");
  env.add_file("/var/lib/dpkg/info/diversion-a.list", "/usr/sbin/nginx\n");
  core::Diagnostics diagnostics;
  const auto owners = dpkg_file_owners(
      env, "/", {"/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/sbin/nginx", "/nope"}, diagnostics);
  EXPECT_EQ(owners, (FileOwners{{"/usr/lib/x86_64-linux-gnu/libc.so.6", {"libc6"}},
                                {"/usr/sbin/nginx", {"diversion-a", "nginx-core"}}}));
  EXPECT_TRUE(diagnostics.empty());
}

TEST(FileOwners, ApkInstalledDatabase) {
  const auto owners = apk_file_owners(
      "P:musl\nV:1.2.4-r2\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\n"
      "P:nginx\nV:1.24.0-r15\nF:usr/sbin\nR:nginx\n",
      {"/lib/ld-musl-x86_64.so.1", "/usr/sbin/nginx", "/usr/bin/x"});
  EXPECT_EQ(owners,
            (FileOwners{{"/lib/ld-musl-x86_64.so.1", {"musl"}}, {"/usr/sbin/nginx", {"nginx"}}}));
}

TEST(FileOwners, RpmFileIndex) {
  core::Diagnostics diagnostics;
  const auto owners = file_index_owners(
      "/usr/lib64/libssl.so.3\topenssl-libs\n(contains no files)\nno tab here\n"
      "/usr/lib64/libssl.so.3\tcompat-openssl\n",
      {"/usr/lib64/libssl.so.3"}, "index", diagnostics);
  EXPECT_EQ(owners, (FileOwners{{"/usr/lib64/libssl.so.3", {"compat-openssl", "openssl-libs"}}}));
  EXPECT_EQ(diagnostics.size(), 1u);  // "no tab here"
}

// This machine is a Debian one: its own dpkg database knows who owns /bin/sh's target.
TEST(FileOwners, LiveDpkgDatabase) {
  platform::PosixEnv env;
  if (!env.exists("/var/lib/dpkg/info/dash.list")) GTEST_SKIP() << "not a dpkg system with dash";
  OwnerSource source;
  source.format = core::PackageFormat::kDpkg;
  core::Diagnostics diagnostics;
  const auto owners = resolve_file_owners(env, source, {"/usr/bin/dash"}, diagnostics);
  ASSERT_EQ(owners.count("/usr/bin/dash"), 1u);
  EXPECT_EQ(owners.at("/usr/bin/dash"), (Names{"dash"}));
}

}  // namespace
}  // namespace fleetpatch::hoststate
