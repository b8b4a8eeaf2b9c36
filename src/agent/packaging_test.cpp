// packaging/fleetpatch-agent.service: the directives the agent relies on are there, and
// `systemd-analyze verify` accepts the unit without a single warning (skipped where
// systemd-analyze is missing).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "agent/test_support.hpp"

namespace fleetpatch::agent {
namespace {

constexpr const char* kUnit = FLEETPATCH_SOURCE_DIR "/packaging/fleetpatch-agent.service";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

/// "Section/Key" -> value (the last one wins, as in systemd); comments and blanks skipped.
std::map<std::string, std::string> parse_unit(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  std::string line, section;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    const auto eq = line.find('=');
    if (eq != std::string::npos) out[section + "/" + line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

struct Command {
  int status = -1;
  std::string output;
};

Command run(const std::string& command) {
  Command result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    result.output.append(buffer.data(), n);
  }
  result.status = ::pclose(pipe);
  return result;
}

TEST(Packaging, ServiceUnitHasTheDaemonModeAndHardeningTheDocsPromise) {
  const std::string text = read_text(kUnit);
  ASSERT_FALSE(text.empty()) << kUnit;
  const auto unit = parse_unit(text);
  const struct {
    const char* key;
    const char* want;  // substring of the value
  } cases[] = {
      {"Service/Type", "simple"},
      {"Service/ExecStart", "/usr/bin/fleetpatch agent "},
      {"Service/ExecStart", "--state-dir /var/lib/fleetpatch/agent"},
      {"Service/EnvironmentFile", "/etc/fleetpatch/agent.env"},
      {"Service/KillSignal", "SIGTERM"},
      {"Service/StateDirectory", "fleetpatch/agent"},
      {"Service/ReadWritePaths", "/var/lib/fleetpatch/agent"},
      {"Service/ProtectSystem", "strict"},
      {"Service/NoNewPrivileges", "yes"},
      {"Service/PrivateTmp", "yes"},
      {"Service/ProtectHome", "read-only"},
      {"Service/RestrictAddressFamilies", "AF_INET6"},
      {"Service/SystemCallFilter", "@system-service"},
      {"Unit/After", "network-online.target"},
      {"Install/WantedBy", "multi-user.target"},
  };
  for (const auto& c : cases) {
    const auto it = unit.find(c.key);
    ASSERT_NE(it, unit.end()) << c.key << " missing";
    EXPECT_NE(it->second.find(c.want), std::string::npos) << c.key << "=" << it->second;
  }
  EXPECT_EQ(unit.at("Service/ExecStart").find("--once"), std::string::npos)
      << "the service is the daemon, not a one-shot";
}

TEST(Packaging, SystemdAnalyzeVerifiesTheUnitWithoutWarnings) {
  if (run("command -v systemd-analyze").status != 0) {
    GTEST_SKIP() << "systemd-analyze not found: the unit is not verified on this machine";
  }
  testing::TempDir tmp;
  const auto verify = [&](std::string unit_text) {
    // verify checks that ExecStart's program exists: point it at the built binary.
    const std::string from = "/usr/bin/fleetpatch";
    for (auto at = unit_text.find(from); at != std::string::npos; at = unit_text.find(from)) {
      unit_text.replace(at, from.size(), FLEETPATCH_BIN);
    }
    const std::string path = tmp.path() + "/fleetpatch-agent.service";
    std::ofstream(path, std::ios::trunc) << unit_text;
    return run("systemd-analyze verify --man=no '" + path + "'");
  };
  const std::string text = read_text(kUnit);
  const Command good = verify(text);
  EXPECT_EQ(good.status, 0) << good.output;
  EXPECT_EQ(good.output, "") << "systemd-analyze warned";

  // The check can fail: a misspelt directive is reported (systemd only warns and ignores it).
  std::string broken = text;
  broken.replace(broken.find("NoNewPrivileges="), 16, "NoNewPrivilege=");
  const Command bad = verify(broken);
  EXPECT_NE(bad.output.find("NoNewPrivilege"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace fleetpatch::agent
