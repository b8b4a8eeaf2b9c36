#include "hoststate/sockets.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hoststate/test_support.hpp"
#include "platform/posix_env.hpp"

namespace fleetpatch::hoststate {
namespace {

using testing_support::fixture;

constexpr const char* kHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";

struct TableCase {
  std::string name;
  std::string proto;
  std::string rows;
  std::vector<SocketRow> expected;
  std::size_t diagnostics = 0;
};

class ParseProcNet : public ::testing::TestWithParam<TableCase> {};

TEST_P(ParseProcNet, KeepsListeningRows) {
  core::Diagnostics diagnostics;
  EXPECT_EQ(parse_proc_net(kHeader + GetParam().rows, GetParam().proto, "t", diagnostics),
            GetParam().expected);
  EXPECT_EQ(diagnostics.size(), GetParam().diagnostics);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseProcNet,
    ::testing::Values(
        TableCase{
            "tcp_listen_any_and_loopback",
            "tcp",
            "   0: 00000000:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000  0 0 "
            "111 1 0 100 0 0 10 0\n"
            "   1: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000  0 0 "
            "222 1 0 100 0 0 10 0\n",
            {{"tcp", "0.0.0.0", 443, 111}, {"tcp", "127.0.0.1", 22, 222}}},
        TableCase{"tcp_established_is_not_listening",
                  "tcp",
                  "   0: 0100007F:0016 0100007F:C350 01 00000000:00000000 02:000A7B1C 00000000 0 0 "
                  "333 4 0 20 4 30 10 -1\n",
                  {}},
        TableCase{"tcp_private_address",
                  "tcp",
                  "   0: 0F02000A:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 "
                  "444 1 0 100 0 0 10 0\n",
                  {{"tcp", "10.0.2.15", 8080, 444}}},
        TableCase{
            "tcp6_any_and_loopback",
            "tcp6",
            "   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 "
            "0A 00000000:00000000 00:00000000 00000000 0 0 555 1 0 100 0 0 10 0\n"
            "   1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 "
            "0A 00000000:00000000 00:00000000 00000000 0 0 666 1 0 100 0 0 10 0\n"
            "   2: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 "
            "0A 00000000:00000000 00:00000000 00000000 0 0 777 1 0 100 0 0 10 0\n",
            {{"tcp6", "::", 443, 555},
             {"tcp6", "::1", 631, 666},
             {"tcp6", "::ffff:127.0.0.1", 80, 777}}},
        TableCase{
            "udp_unconnected_only",
            "udp",
            "  123: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 101 0 "
            "888 2 0 0\n"
            "  200: 0A00020F:D431 08080808:0035 01 00000000:00000000 00:00000000 00000000 0 0 "
            "999 2 0 0\n",
            {{"udp", "127.0.0.53", 53, 888}}},
        TableCase{"malformed", "tcp", "   0: nothex:01BB 00000000:0000 0A\nshort\n", {}, 2}),
    [](const auto& info) { return info.param.name; });

struct ExposureCase {
  std::string address;
  core::Exposure exposure;
};

class ExposureForAddress : public ::testing::TestWithParam<ExposureCase> {};

TEST_P(ExposureForAddress, LoopbackIsLocalEverythingElseNetwork) {
  EXPECT_EQ(exposure_for_address(GetParam().address), GetParam().exposure);
}

INSTANTIATE_TEST_SUITE_P(Table, ExposureForAddress,
                         ::testing::Values(ExposureCase{"127.0.0.1", core::Exposure::kLocal},
                                           ExposureCase{"127.0.0.53", core::Exposure::kLocal},
                                           ExposureCase{"::1", core::Exposure::kLocal},
                                           ExposureCase{"::ffff:127.0.0.1", core::Exposure::kLocal},
                                           ExposureCase{"0.0.0.0", core::Exposure::kNetwork},
                                           ExposureCase{"::", core::Exposure::kNetwork},
                                           ExposureCase{"10.0.2.15", core::Exposure::kNetwork},
                                           ExposureCase{"fe80::1", core::Exposure::kNetwork}));

TEST(CollectListening, DebianFixture) {
  const std::string root = fixture("hosts/debian-web");
  platform::PosixEnv env;
  core::Diagnostics diagnostics;
  const OwnerLookup owners = [&](const std::set<std::string>& paths) {
    return dpkg_file_owners(env, root, paths, diagnostics);
  };
  const auto listening = collect_listening(env, root + "/proc", owners, diagnostics);
  using core::Exposure;
  const std::vector<std::string> nginx_maps = {"libc6", "libssl3", "nginx-core"};
  const std::vector<core::ListeningSocket> expected = {
      {"tcp", "0.0.0.0", 443, 812, "/usr/sbin/nginx", "nginx-core", Exposure::kNetwork, nginx_maps},
      {"tcp",
       "127.0.0.1",
       22,
       900,
       "/usr/sbin/sshd",
       "openssh-server",
       Exposure::kLocal,
       {"libc6", "openssh-server"}},
      {"tcp6", "::", 443, 812, "/usr/sbin/nginx", "nginx-core", Exposure::kNetwork, nginx_maps},
      {"tcp6", "::1", 631, std::nullopt, "", "", Exposure::kLocal, {}},
      {"udp",
       "127.0.0.53",
       53,
       950,
       "/usr/lib/systemd/systemd-resolved",
       "systemd",
       Exposure::kLocal,
       {"systemd"}},
  };
  EXPECT_EQ(listening, expected);
  for (const auto& d : diagnostics.items()) ADD_FAILURE() << d.to_string();
}

// Live: servers this test starts on 0.0.0.0 and 127.0.0.1 are found with this process as owner.
class LiveSocket {
 public:
  LiveSocket(int type, const char* address) {
    fd_ = ::socket(AF_INET, type, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    ::inet_pton(AF_INET, address, &sa.sin_addr);
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
          (type != SOCK_STREAM || ::listen(fd_, 4) == 0);
    socklen_t len = sizeof sa;
    ok_ = ok_ && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) == 0;
    port_ = ntohs(sa.sin_port);
  }
  ~LiveSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  LiveSocket(const LiveSocket&) = delete;
  LiveSocket& operator=(const LiveSocket&) = delete;
  bool ok() const { return ok_; }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
  std::uint16_t port_ = 0;
};

TEST(CollectListening, LiveServersAreNetworkAndLocal) {
  LiveSocket any(SOCK_STREAM, "0.0.0.0"), loopback(SOCK_STREAM, "127.0.0.1"),
      udp(SOCK_DGRAM, "127.0.0.1");
  ASSERT_TRUE(any.ok() && loopback.ok() && udp.ok());
  platform::PosixEnv env;
  core::Diagnostics diagnostics;
  const auto listening = collect_listening(
      env, "/proc", [](const std::set<std::string>&) { return FileOwners{}; }, diagnostics);
  const auto find = [&](const std::string& proto,
                        std::uint16_t port) -> const core::ListeningSocket* {
    for (const auto& s : listening) {
      if (s.proto == proto && s.port == port) return &s;
    }
    return nullptr;
  };
  const auto* a = find("tcp", any.port());
  const auto* l = find("tcp", loopback.port());
  const auto* u = find("udp", udp.port());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(l, nullptr);
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(a->address, "0.0.0.0");
  EXPECT_EQ(a->exposure, core::Exposure::kNetwork);
  EXPECT_EQ(l->address, "127.0.0.1");
  EXPECT_EQ(l->exposure, core::Exposure::kLocal);
  EXPECT_EQ(u->exposure, core::Exposure::kLocal);
  for (const auto* s : {a, l, u}) {
    EXPECT_EQ(s->pid, static_cast<std::int64_t>(::getpid()));
    EXPECT_EQ(s->exe, std::filesystem::canonical("/proc/self/exe").string());
  }
}

}  // namespace
}  // namespace fleetpatch::hoststate
