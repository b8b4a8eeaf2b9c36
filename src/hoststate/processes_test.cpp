#include "hoststate/processes.hpp"

#include <gtest/gtest.h>

#include "hoststate/memory_env.hpp"

namespace fleetpatch::hoststate {
namespace {

struct MapsCase {
  std::string name;
  std::string text;
  std::vector<Mapping> expected;
  std::size_t diagnostics = 0;
};

class ParseMaps : public ::testing::TestWithParam<MapsCase> {};

TEST_P(ParseMaps, KeepsFileBackedMappings) {
  core::Diagnostics diagnostics;
  EXPECT_EQ(parse_maps(GetParam().text, "maps", diagnostics), GetParam().expected);
  EXPECT_EQ(diagnostics.size(), GetParam().diagnostics);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseMaps,
    ::testing::Values(
        MapsCase{"code_and_data",
                 "55d5c5a2b000-55d5c5b0f000 r-xp 0002b000 fd:01 1311234    /usr/sbin/nginx\n"
                 "7f1c2a000000-7f1c2a07e000 r--p 00000000 fd:01 1312000    /usr/lib/libssl.so.3\n",
                 {{"/usr/sbin/nginx", false, true, 1311234},
                  {"/usr/lib/libssl.so.3", false, false, 1312000}}},
        MapsCase{"deleted_suffix",
                 "7f1c2a07e000-7f1c2a1d0000 r-xp 0007e000 fd:01 1312000 /usr/lib/libssl.so.3 "
                 "(deleted)\n",
                 {{"/usr/lib/libssl.so.3", true, true, 1312000}}},
        MapsCase{"path_with_spaces",
                 "7f0000000000-7f0000001000 r-xp 00000000 fd:01 7 /opt/My App/lib x.so (deleted)\n",
                 {{"/opt/My App/lib x.so", true, true, 7}}},
        MapsCase{"anonymous_and_pseudo",
                 "55d5c6e3c000-55d5c6f1d000 rw-p 00000000 00:00 0          [heap]\n"
                 "7ffd1c1f0000-7ffd1c1f2000 r-xp 00000000 00:00 0          [vdso]\n"
                 "7f1c2c000000-7f1c2c100000 rw-p 00000000 00:00 0\n",
                 {}},
        MapsCase{"malformed_lines_are_diagnostics",
                 "garbage\n7f-8f r-xp 0 fd:01 notanumber /x\n"
                 "7f1c2a07e000-7f1c2a1d0000 r-xp 0007e000 fd:01 9 /ok\n",
                 {{"/ok", false, true, 9}},
                 2}),
    [](const auto& info) { return info.param.name; });

struct CgroupCase {
  std::string name;
  std::string text;
  std::string unit;
};

class UnitFromCgroup : public ::testing::TestWithParam<CgroupCase> {};

TEST_P(UnitFromCgroup, FindsTheSystemdUnit) {
  EXPECT_EQ(unit_from_cgroup(GetParam().text), GetParam().unit);
}

INSTANTIATE_TEST_SUITE_P(
    Table, UnitFromCgroup,
    ::testing::Values(
        CgroupCase{"v2_service", "0::/system.slice/nginx.service\n", "nginx.service"},
        CgroupCase{"v1_named_systemd",
                   "12:pids:/system.slice/ssh.service\n1:name=systemd:/system.slice/ssh.service\n",
                   "ssh.service"},
        CgroupCase{"user_service_inside_user_manager",
                   "0::/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service\n",
                   "foo.service"},
        CgroupCase{"session_scope", "0::/user.slice/user-1000.slice/session-3.scope\n",
                   "session-3.scope"},
        CgroupCase{"container_not_systemd", "0::/docker/4f3a9c\n", ""},
        CgroupCase{"root", "0::/\n", ""}, CgroupCase{"empty", "", ""}),
    [](const auto& info) { return info.param.name; });

TEST(Processes, ListsNumericEntriesAndReadsExe) {
  MemoryEnv env;
  env.add_symlink("/proc/12/exe", "/usr/sbin/nginx (deleted)");
  env.add_file("/proc/3/maps", "");
  env.add_file("/proc/self/maps", "");
  env.add_file("/proc/stat", "btime 1\n");
  core::Diagnostics diagnostics;
  EXPECT_EQ(list_pids(env, "/proc", diagnostics), (std::vector<std::int64_t>{3, 12}));
  EXPECT_EQ(read_exe(env, "/proc", 12), "/usr/sbin/nginx");
  EXPECT_EQ(read_exe(env, "/proc", 3), "");
  EXPECT_TRUE(list_pids(env, "/nowhere", diagnostics).empty());
  EXPECT_TRUE(diagnostics.empty());
}

}  // namespace
}  // namespace fleetpatch::hoststate
