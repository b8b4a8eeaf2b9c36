#include "hoststate/ssh.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <thread>

#include "hoststate/test_support.hpp"
#include "platform/posix_env.hpp"

namespace fleetpatch::hoststate {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const core::FixedClock& fixed_clock() {
  static const core::FixedClock clock(core::TimePoint(std::chrono::seconds(1'800'000'000)));
  return clock;
}

// ---- pure parts -------------------------------------------------------------------------------

struct TargetCase {
  std::string text;
  bool ok;
  std::string user, host;
  std::optional<std::uint16_t> port;
};

class ParseTarget : public ::testing::TestWithParam<TargetCase> {};

TEST_P(ParseTarget, UserHostPort) {
  const auto& c = GetParam();
  const auto target = parse_ssh_target(c.text);
  ASSERT_EQ(target.ok(), c.ok) << (target.ok() ? "" : target.error().message);
  if (!c.ok) {
    EXPECT_NE(target.error().message.find(c.text), std::string::npos) << "names the input";
    return;
  }
  EXPECT_EQ(target->user, c.user);
  EXPECT_EQ(target->host, c.host);
  EXPECT_EQ(target->port, c.port);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseTarget,
    ::testing::Values(TargetCase{"root@web-1", true, "root", "web-1", std::nullopt},
                      TargetCase{"ops@10.0.0.5:2222", true, "ops", "10.0.0.5", 2222},
                      TargetCase{"ops@[::1]:22", true, "ops", "::1", 22},
                      TargetCase{"ops@[fe80::1]", true, "ops", "fe80::1", std::nullopt},
                      TargetCase{"ops@::1", true, "ops", "::1", std::nullopt},
                      TargetCase{"web-1", true, "", "web-1", std::nullopt},
                      TargetCase{"@web-1", false}, TargetCase{"ops@", false},
                      TargetCase{"ops@web-1:", false}, TargetCase{"ops@web-1:0", false},
                      TargetCase{"ops@web-1:70000", false}, TargetCase{"ops@web-1:22x", false},
                      TargetCase{"ops@[::1", false},
                      TargetCase{"ops@-oProxyCommand=touch", false}));

TEST(SshCommand, RefusesToAskAndChecksHostKeys) {
  const auto target = parse_ssh_target("ops@web-1:2222");
  ASSERT_TRUE(target.ok());
  SshOptions options;
  options.identity_file = "/keys/id";
  options.connect_timeout = 7s;
  const auto argv = ssh_command(*target, options);
  const auto has = [&](const std::string& arg) {
    return std::find(argv.begin(), argv.end(), arg) != argv.end();
  };
  EXPECT_EQ(argv.front(), "ssh");
  for (const char* arg :
       {"BatchMode=yes", "StrictHostKeyChecking=yes", "ConnectTimeout=7",
        "PasswordAuthentication=no", "IdentitiesOnly=yes", "/keys/id", "2222", "ops", "web-1"}) {
    EXPECT_TRUE(has(arg)) << arg;
  }
  // The host comes after "--", so that it can never be read as an option.
  EXPECT_EQ(*(std::find(argv.begin(), argv.end(), "--") + 1), "web-1");
  options.accept_new_host_key = true;
  const auto relaxed = ssh_command(*target, options);
  EXPECT_NE(std::find(relaxed.begin(), relaxed.end(), "StrictHostKeyChecking=accept-new"),
            relaxed.end());
}

TEST(ParseBundle, RecordsBecomeAnEnv) {
  const std::string b = "--fleetpatch-0123";
  const std::string bundle =
      b + " F /etc/hostname\nweb-1\n\n" +                  // content "web-1\n"
      b + " F /bin/blob\nno newline " + b + " inside\n" +  // not at a line start
      b + " L /proc/7/exe\n/usr/sbin/nginx (deleted)\n" + b + " D /sys/kernel/livepatch\n\n" + b +
      " E /proc/1/maps\ncat: /proc/1/maps: Permission denied\n" + b + " F /proc/9/maps\n\n" + b +
      " E /proc/9/maps\ncat: /proc/9/maps: No such file or directory\n" + b + " C kpatch-list\n\n" +
      b + " X kpatch-list\n127\n" + b + " C klp-patches\nlp_a\n\n" + b + " X klp-patches\n0\n" + b +
      " END\n";
  const auto env = parse_bundle(bundle, b);
  ASSERT_TRUE(env.ok()) << env.error().message;
  EXPECT_EQ(*env->read_file("/etc/hostname"), "web-1\n");
  EXPECT_EQ(*env->read_file("/bin/blob"), "no newline " + b + " inside");
  EXPECT_EQ(*env->read_link("/proc/7/exe"), "/usr/sbin/nginx (deleted)");
  EXPECT_TRUE(env->is_directory("/sys/kernel/livepatch"));
  EXPECT_EQ(env->read_file("/proc/1/maps").error().code, core::ErrorCode::kIo);
  EXPECT_FALSE(env->exists("/proc/9/maps")) << "vanished while read: absent, not unreadable";
  EXPECT_FALSE(env->exists(std::string(kSshCommandDir) + "/kpatch-list")) << "127: not installed";
  EXPECT_EQ(*env->read_file(std::string(kSshCommandDir) + "/klp-patches"), "lp_a\n");

  const auto cut = parse_bundle(bundle.substr(0, bundle.size() - (b.size() + 5)), b);
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.error().message.find("ended early"), std::string::npos);
  EXPECT_FALSE(parse_bundle("sh: not found\n", b).ok());
}

TEST(DescribeSshFailure, SaysWhatWentWrong) {
  const auto target = parse_ssh_target("ops@web-1:22");
  ASSERT_TRUE(target.ok());
  SshOptions options;
  options.connect_timeout = 5s;
  const auto said = [&](std::string err, int exit_code = 255, bool timed_out = false) {
    ProcessOutput out;
    out.err = std::move(err);
    out.exit_code = exit_code;
    out.timed_out = timed_out;
    return describe_ssh_failure(out, *target, options).message;
  };
  EXPECT_NE(said("ssh: connect to host web-1 port 22: Connection refused\n").find("refused"),
            std::string::npos);
  EXPECT_NE(said("Connection timed out during banner exchange\n").find("timed out after 5 s"),
            std::string::npos);
  EXPECT_NE(said("ops@web-1: Permission denied (publickey).\n").find("authentication failed"),
            std::string::npos);
  EXPECT_NE(said("No ED25519 host key is known for web-1 and you have requested strict "
                 "checking.\nHost key verification failed.\n")
                .find("--accept-new-host-key"),
            std::string::npos);
  EXPECT_NE(said("ssh: Could not resolve hostname web-1: Name or service not known\n")
                .find("cannot resolve"),
            std::string::npos);
  EXPECT_NE(said("", -1, true).find("timed out after 300 s"), std::string::npos);
  EXPECT_NE(said("boom\n", 2).find("remote script exited with 2"), std::string::npos);
}

// ---- the remote script, run by a local shell ------------------------------------------------

// Whether two collections of this machine agree. Processes come and go on a shared machine, so
// the comparison is retried; each section is compared on its own for a readable failure.
void expect_same_host(const std::function<core::Result<core::HostReport>()>& remote) {
  const auto local = [] {
    core::Diagnostics diagnostics;
    CollectOptions options;
    auto report = collect_host(platform::PosixEnv(), fixed_clock(), options, diagnostics);
    EXPECT_TRUE(report.ok()) << report.error().message;
    return report.ok() ? std::move(report).value() : core::HostReport{};
  };
  for (int attempt = 1; attempt <= 4; ++attempt) {
    const core::HostReport before = local();
    auto got = remote();
    ASSERT_TRUE(got.ok()) << got.error().message;
    const core::HostReport after = local();
    if (*got == before || *got == after) return;
    if (attempt < 4) {
      std::this_thread::sleep_for(500ms);
      continue;
    }
    EXPECT_EQ(got->host, after.host);
    EXPECT_EQ(got->os, after.os);
    EXPECT_EQ(got->kernel, after.kernel);
    EXPECT_EQ(got->package_format, after.package_format);
    EXPECT_EQ(got->packages, after.packages);
    EXPECT_EQ(got->listening, after.listening);
    EXPECT_EQ(got->pending_restart, after.pending_restart);
    EXPECT_EQ(got->collected_at, after.collected_at);
  }
}

TEST(RemoteScript, RunByALocalShellGivesTheLocalReport) {
  PosixProcessRunner runner;
  expect_same_host([&]() -> core::Result<core::HostReport> {
    const std::string boundary = "--fleetpatch-localtest";
    auto out = runner.run({"sh", "-s"}, remote_script(boundary), 120s);
    if (!out.ok()) return out.error();
    if (out->exit_code != 0) return core::io_error("script failed: " + out->err);
    auto env = parse_bundle(out->out, boundary);
    if (!env.ok()) return env.error();
    CollectOptions options;
    options.command_output_dir = std::string(kSshCommandDir);
    core::Diagnostics diagnostics;
    return collect_host(*env, fixed_clock(), options, diagnostics);
  });
}

// ---- a real sshd --------------------------------------------------------------------------------

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  std::uint16_t port = 0;  // 0 when the kernel gave none
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    port = ntohs(sa.sin_port);
  }
  ::close(fd);
  return port;
}

bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

std::string first_two_fields(const std::string& line) {
  const auto first = line.find(' ');
  const auto second = line.find(' ', first + 1);
  std::string out = line.substr(0, second);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

class SshdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    skip_reason_.clear();
    if (::geteuid() != 0) {
      skip_reason_ = "sshd must be started as root for this test (it runs sshd -D as root)";
      return;
    }
    for (const char* tool : {"/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen"}) {
      if (!fs::exists(tool)) {
        skip_reason_ = std::string(tool) +
                       " is missing (scripts/install-deps.sh installs openssh-server and "
                       "openssh-client)";
        return;
      }
    }
    dir_ = std::make_unique<testing_support::ScratchDir>("fleetpatch-sshd");
    const fs::path d = dir_->path();
    for (const char* key : {"host_key", "client_key", "wrong_key"}) {
      const std::string cmd = "/usr/bin/ssh-keygen -q -t ed25519 -N '' -C fleetpatch-test -f " +
                              (d / key).string() + " >/dev/null 2>&1";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
    fs::copy_file(d / "client_key.pub", d / "authorized_keys");
    // sshd refuses to start without its privilege separation directory.
    if (!fs::exists("/run/sshd")) {
      fs::create_directories("/run/sshd");
      ::chmod("/run/sshd", 0755);
    }
    port_ = free_port();
    testing_support::write_text(
        d / "sshd_config",
        "Port " + std::to_string(port_) + "\nListenAddress 127.0.0.1\nHostKey " +
            (d / "host_key").string() + "\nAuthorizedKeysFile " + (d / "authorized_keys").string() +
            "\nPidFile none\nUsePAM no\nStrictModes no\nPubkeyAuthentication yes\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\nLogLevel ERROR\n");
    testing_support::write_text(
        d / "known_hosts", "[127.0.0.1]:" + std::to_string(port_) + " " +
                               first_two_fields(testing_support::read_text(d / "host_key.pub")) +
                               "\n");
    testing_support::write_text(d / "empty_known_hosts", "");
    const std::string config = (d / "sshd_config").string();
    const std::string log = (d / "sshd.log").string();
    sshd_ = ::fork();
    ASSERT_GE(sshd_, 0);
    if (sshd_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) ::dup2(fd, STDERR_FILENO);
      ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", config.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 100 && !accepts(port_); ++i) std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(accepts(port_)) << "sshd did not start: " << testing_support::read_text(log);
  }

  static void TearDownTestSuite() {
    if (sshd_ > 0) {
      ::kill(sshd_, SIGTERM);
      int status = 0;
      ::waitpid(sshd_, &status, 0);
      sshd_ = 0;
    }
    dir_.reset();
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  }

  static SshOptions options(const char* key = "client_key",
                            const char* known_hosts = "known_hosts") {
    SshOptions o;
    o.identity_file = (dir_->path() / key).string();
    o.known_hosts_file = (dir_->path() / known_hosts).string();
    o.config_file = "/dev/null";  // the test must not depend on root's ~/.ssh/config
    o.connect_timeout = 10s;
    o.total_timeout = 120s;
    return o;
  }
  static SshTarget target(std::uint16_t port) {
    auto t = parse_ssh_target("root@127.0.0.1:" + std::to_string(port));
    return *t;
  }
  static core::Result<core::HostReport> scan(std::uint16_t port, const SshOptions& o) {
    PosixProcessRunner runner;
    core::Diagnostics diagnostics;
    return collect_host_over_ssh(runner, fixed_clock(), target(port), o, CollectOptions{},
                                 diagnostics);
  }

  static inline std::string skip_reason_;
  static inline std::unique_ptr<testing_support::ScratchDir> dir_;
  static inline pid_t sshd_ = 0;
  static inline std::uint16_t port_ = 0;
};

TEST_F(SshdTest, ScanOverSshEqualsLocalCollection) {
  expect_same_host([] { return scan(port_, options()); });
}

TEST_F(SshdTest, WrongKeyIsAnAuthenticationError) {
  const auto report = scan(port_, options("wrong_key"));
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("authentication failed"), std::string::npos)
      << report.error().message;
}

TEST_F(SshdTest, UnknownHostKeyIsRefusedUnlessAcceptedAsNew) {
  const auto refused = scan(port_, options("client_key", "empty_known_hosts"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("host key not trusted"), std::string::npos)
      << refused.error().message;
  auto accept_new = options("client_key", "empty_known_hosts");
  accept_new.accept_new_host_key = true;
  const auto accepted = scan(port_, accept_new);
  EXPECT_TRUE(accepted.ok()) << accepted.error().message;
}

TEST_F(SshdTest, RefusedConnection) {
  const auto report = scan(free_port(), options());  // nobody listens there
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("connection refused"), std::string::npos)
      << report.error().message;
}

TEST_F(SshdTest, SilentListenerTimesOut) {
  // A socket that accepts connections (the kernel completes the handshake) but never speaks.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  auto o = options();
  o.connect_timeout = 2s;
  o.total_timeout = 30s;
  const auto start = std::chrono::steady_clock::now();
  const auto report = scan(ntohs(sa.sin_port), o);
  ::close(fd);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("timed out"), std::string::npos) << report.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 25s);
}

}  // namespace
}  // namespace fleetpatch::hoststate
