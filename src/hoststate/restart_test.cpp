#include "hoststate/restart.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "hoststate/test_support.hpp"
#include "platform/posix_env.hpp"

namespace fleetpatch::hoststate {
namespace {

namespace fs = std::filesystem;
using testing_support::fixture;

struct NameCase {
  std::string mapped;
  std::string presumed;
};

class PresumedName : public ::testing::TestWithParam<NameCase> {};

TEST_P(PresumedName, StripsRpmsTransactionSuffixOnly) {
  EXPECT_EQ(presumed_name(GetParam().mapped), GetParam().presumed);
}

INSTANTIATE_TEST_SUITE_P(
    Table, PresumedName,
    ::testing::Values(NameCase{"/usr/lib64/libssl.so.3;62a1b2c3", "/usr/lib64/libssl.so.3"},
                      NameCase{"/usr/lib64/libssl.so.3;62A1B2C3dead", "/usr/lib64/libssl.so.3"},
                      NameCase{"/usr/lib64/libssl.so.3", "/usr/lib64/libssl.so.3"},
                      NameCase{"/opt/a;b/lib.so", "/opt/a;b/lib.so"},                // not hex
                      NameCase{"/usr/lib/x.so;1234567", "/usr/lib/x.so;1234567"}));  // too short

TEST(ReplacedFiles, OnlyDeletedCodeOutsideScratchPlaces) {
  const std::vector<Mapping> mappings = {
      {"/usr/lib/libssl.so.3", true, true, 1},
      {"/usr/lib/libssl.so.3", true, false, 1},             // same file, data segment
      {"/usr/lib/libc.so.6", false, true, 2},               // still on disk
      {"/usr/lib/locale/C.utf8/LC_CTYPE", true, false, 3},  // deleted data, not code
      {"/var/log/journal/x.journal~", true, false, 4},
      {"/dev/zero", true, true, 5},
      {"/memfd:jit", true, true, 6},
      {"/tmp/scratch.so", true, true, 7},
      {"/usr/lib64/libcrypto.so.3;0a1b2c3d", true, true, 8},
  };
  EXPECT_EQ(replaced_files(mappings),
            (std::vector<std::string>{"/usr/lib/libssl.so.3", "/usr/lib64/libcrypto.so.3"}));
}

FileOwners no_owners(const std::set<std::string>&) { return {}; }

TEST(PendingRestarts, DebianFixture) {
  const std::string root = fixture("hosts/debian-web");
  platform::PosixEnv env;
  core::Diagnostics diagnostics;
  const OwnerLookup owners = [&](const std::set<std::string>& paths) {
    return dpkg_file_owners(env, root, paths, diagnostics);
  };
  const auto restarts = collect_pending_restarts(env, root + "/proc", owners, diagnostics);
  const std::vector<core::PendingRestart> expected = {
      {812,
       "/usr/sbin/nginx",
       "nginx.service",
       {"/usr/lib/x86_64-linux-gnu/libssl.so.3"},
       {"libssl3"}},
      {813,
       "/usr/sbin/nginx",
       "nginx.service",
       {"/usr/lib/x86_64-linux-gnu/libssl.so.3"},
       {"libssl3"}},
  };
  EXPECT_EQ(restarts, expected);
  for (const auto& d : diagnostics.items()) ADD_FAILURE() << d.to_string();
}

TEST(PendingRestarts, RpmRenamedFileMapsToItsPackage) {
  const std::string root = fixture("hosts/rhel-over-ssh");
  platform::PosixEnv env;
  core::Diagnostics diagnostics;
  const OwnerLookup owners = [&](const std::set<std::string>& paths) {
    return file_index_owners(
        testing_support::read_text(root + "/.fleetpatch-ssh/commands/rpm-file-index"), paths,
        "index", diagnostics);
  };
  const auto restarts = collect_pending_restarts(env, root + "/proc", owners, diagnostics);
  ASSERT_EQ(restarts.size(), 1u);
  EXPECT_EQ(restarts[0].pid, 1234);
  EXPECT_EQ(restarts[0].unit, "postgresql.service");
  EXPECT_EQ(restarts[0].files, (std::vector<std::string>{"/usr/lib64/libssl.so.3.0.1"}));
  EXPECT_EQ(restarts[0].packages, (std::vector<std::string>{"openssl-libs"}));
}

// Live: a child maps a library, the test deletes the file, and the child must then be reported
// (and not before). The library lives beside the test binary: /tmp is ignored by design.
TEST(PendingRestarts, LiveProcessMappingADeletedLibrary) {
  const fs::path exe = fs::canonical("/proc/self/exe");
  // The library must live where the collector looks: beside the test binary, unless the build
  // tree itself is under an ignored prefix (a clone in /tmp), then in $HOME or /var/cache.
  const auto ignored = [](const fs::path& p) {
    const std::string text = p.string() + "/";
    return std::any_of(std::begin(kIgnoredMappingPrefixes), std::end(kIgnoredMappingPrefixes),
                       [&](std::string_view prefix) { return text.rfind(prefix, 0) == 0; });
  };
  fs::path parent = exe.parent_path();
  if (ignored(parent)) {
    const char* home = std::getenv("HOME");
    parent = home != nullptr && *home != '\0' && !ignored(home) ? fs::path(home) : "/var/cache";
  }
  ASSERT_FALSE(ignored(parent)) << "no scratch directory outside the ignored prefixes";
  testing_support::ScratchDir dir("restart-live", parent);
  const fs::path library = dir.path() / "libfleetpatch-live-test.so.1";
  fs::copy_file(exe, library);

  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(release[1]);
    const int fd = ::open(library.c_str(), O_RDONLY);
    void* code =
        fd < 0 ? MAP_FAILED : ::mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    const char status = code == MAP_FAILED ? 'x' : 'k';
    [[maybe_unused]] auto w = ::write(ready[1], &status, 1);
    char buf;
    [[maybe_unused]] auto r = ::read(release[0], &buf, 1);  // until the parent closes its end
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char status = 0;
  ASSERT_EQ(::read(ready[0], &status, 1), 1);
  ASSERT_EQ(status, 'k') << "the child could not map " << library;

  platform::PosixEnv env;
  const auto find_child = [&](const std::vector<core::PendingRestart>& all) {
    return std::find_if(all.begin(), all.end(),
                        [&](const core::PendingRestart& r) { return r.pid == child; });
  };
  core::Diagnostics before_diagnostics, after_diagnostics;
  const auto before = collect_pending_restarts(env, "/proc", no_owners, before_diagnostics);
  EXPECT_EQ(find_child(before), before.end()) << "reported before the file was deleted";

  fs::remove(library);
  const auto after = collect_pending_restarts(env, "/proc", no_owners, after_diagnostics);
  const auto it = find_child(after);
  ASSERT_NE(it, after.end()) << "pid " << child << " maps deleted " << library;
  EXPECT_EQ(it->files, (std::vector<std::string>{library.string()}));
  EXPECT_EQ(it->exe, exe.string());

  ::close(release[1]);
  ::close(ready[0]);
  int wstatus = 0;
  ::waitpid(child, &wstatus, 0);
}

}  // namespace
}  // namespace fleetpatch::hoststate
