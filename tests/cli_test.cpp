// Runs the real fleetpatch binary and checks what a user sees.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

CommandResult run(const std::string& args) {
  const std::string cmd = std::string(FLEETPATCH_BIN) + " " + args + " 2>/dev/null";
  CommandResult r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(Cli, VersionCompare) {
  struct Case {
    const char* args;
    const char* out;
  };
  const Case cases[] = {
      {"deb 1.0~rc1 1.0", "<\n"},
      {"deb 1:1.0 2.0", ">\n"},
      {"deb 1.0 1.0-0", "=\n"},
      {"rpm 1.0^post 1.0", ">\n"},
      {"rpm 1:3.0.1-41.el9_0 3.0.7-1.el9", ">\n"},
      {"apk 1.0_rc1 1.0", "<\n"},
      {"apk 1.2.3-r1 1.2.3-r0", ">\n"},
  };
  for (const auto& c : cases) {
    const CommandResult r = run(std::string("version compare ") + c.args);
    EXPECT_EQ(r.exit_code, 0) << c.args;
    EXPECT_EQ(r.out, c.out) << c.args;
  }
}

TEST(Cli, VersionCompareRejectsBadInput) {
  EXPECT_EQ(run("version compare deb '1.0 x' 1.0").exit_code, 1);
  EXPECT_EQ(run("version compare pacman 1 2").exit_code, 2);
  EXPECT_EQ(run("no-such-command").exit_code, 2);
}

TEST(Cli, VersionCompareBatchKeepsGoingPastBadLines) {
  const auto path = std::filesystem::temp_directory_path() / "fleetpatch-batch-test.tsv";
  std::ofstream(path) << "deb\t1.0\t1.1\nrpm\t2\t1\nnonsense line\napk\t1.0\t1.0-r0\n";
  const CommandResult r = run("version compare --batch " + path.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "<\n>\n?\n=\n");
  std::filesystem::remove(path);
}

}  // namespace
