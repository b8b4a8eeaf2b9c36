// The event-driven HTTP server on real sockets (127.0.0.1): keep-alive and concurrency,
// pipelining, 100-continue, refusals that still reach the client, timeouts, large answers to
// slow readers, stop() with a request in flight, and TLS. Clients: raw sockets (to say exactly
// what goes on the wire) and cpp-httplib.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http.hpp"

namespace fleetpatch::server {
namespace {

using namespace std::chrono_literals;

// An echo handler: what the server saw, as text.
HttpResponse echo(const HttpRequest& r) {
  HttpResponse out;
  out.content_type = "text/plain";
  if (r.path == "/big") {
    out.body.resize(8u << 20);
    for (std::size_t i = 0; i < out.body.size(); ++i) out.body[i] = static_cast<char>('a' + i % 26);
    return out;
  }
  if (r.path == "/throw") throw std::runtime_error("handler failure");
  if (r.path == "/slow") std::this_thread::sleep_for(300ms);
  out.body = r.method + " " + r.path + " q=" + std::string(r.param("q").value_or("-")) +
             " body=" + std::to_string(r.body.size()) + " remote=" + r.remote_addr;
  return out;
}

struct Rejection {
  int status = 0;
  std::string reason;
  std::string path;
  std::string authorization;
};

class ServerUnderTest {
 public:
  explicit ServerUnderTest(HttpServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    auto created = HttpServer::create(
        options, echo, [this](const HttpRequest& r, int status, std::string_view reason) {
          std::lock_guard lock(mutex_);
          rejections_.push_back({status, std::string(reason), r.path,
                                 std::string(r.header("authorization").value_or(""))});
          HttpResponse out;
          out.status = status;
          out.body = "refused: " + std::string(reason);
          return out;
        });
    if (!created.ok()) throw std::runtime_error(created.error().message);
    server_ = std::move(created).value();
    thread_ = std::thread([this] { run_status_ = server_->run(); });
  }
  ~ServerUnderTest() { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
  }
  int port() const { return server_->port(); }
  std::vector<Rejection> rejections() {
    std::lock_guard lock(mutex_);
    return rejections_;
  }
  const core::Status& run_status() const { return run_status_; }

 private:
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  core::Status run_status_;
  std::mutex mutex_;
  std::vector<Rejection> rejections_;
};

// A raw TCP connection to 127.0.0.1.
class Raw {
 public:
  explicit Raw(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
  }
  ~Raw() { ::close(fd_); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads until `count` complete responses (by Content-Length) arrived, EOF, or the timeout.
  std::string read_responses(std::size_t count, std::chrono::milliseconds timeout = 5s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (complete_responses(buffer_) < count) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left <= 0ms || !read_some(left)) break;
    }
    return buffer_;
  }

  // Reads until `marker` arrived, EOF, or the timeout.
  std::string read_until(std::string_view marker, std::chrono::milliseconds timeout = 5s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find(marker) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left <= 0ms || !read_some(left)) break;
    }
    return buffer_;
  }

  // True if the server closed the connection within `timeout` (reads and keeps what comes).
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left <= 0ms) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return true;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  const std::string& received() const { return buffer_; }
  int fd() const { return fd_; }

  static std::size_t complete_responses(const std::string& text) {
    std::size_t count = 0;
    std::size_t pos = 0;
    for (;;) {
      const auto end = text.find("\r\n\r\n", pos);
      if (end == std::string::npos) return count;
      const std::string head = text.substr(pos, end - pos);
      std::size_t length = 0;
      if (const auto cl = head.find("Content-Length: "); cl != std::string::npos) {
        length = std::stoul(head.substr(cl + 16));
      }
      if (head.starts_with("HTTP/1.1 100 ")) length = 0;
      if (text.size() < end + 4 + length) return count;
      pos = end + 4 + length;
      ++count;
    }
  }

 private:
  bool read_some(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

TEST(HttpServer, KeepAliveConnectionsFromManyClientsAtOnce) {
  HttpServerOptions options;
  options.threads = 4;
  ServerUnderTest server(options);
  constexpr int kClients = 16;
  constexpr int kRequests = 50;
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", server.port());
      client.set_keep_alive(true);
      for (int i = 0; i < kRequests; ++i) {
        const std::string body(static_cast<std::size_t>(c * 1000 + i), 'x');
        const std::string q = std::to_string(c) + " " + std::to_string(i);
        auto res =
            client.Put("/echo?q=" + httplib::detail::encode_query_param(q), body, "text/plain");
        if (res && res->status == 200 &&
            res->body ==
                "PUT /echo q=" + q + " body=" + std::to_string(body.size()) + " remote=127.0.0.1") {
          ++good;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), kClients * kRequests);
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  ServerUnderTest server;
  Raw raw(server.port());
  ASSERT_TRUE(
      raw.send("GET /one HTTP/1.1\r\n\r\n"
               "POST /two HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde"
               "POST /three HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  const std::string text = raw.read_responses(3);
  ASSERT_EQ(Raw::complete_responses(text), 3u) << text;
  const auto one = text.find("GET /one q=- body=0");
  const auto two = text.find("POST /two q=- body=5");
  const auto three = text.find("POST /three q=- body=3");
  ASSERT_NE(one, std::string::npos) << text;
  ASSERT_NE(two, std::string::npos) << text;
  ASSERT_NE(three, std::string::npos) << text;
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
  EXPECT_EQ(text.find("Connection: close"), std::string::npos) << "the connection stays open";
}

TEST(HttpServer, ExpectContinueGetsAnInterimAnswerBeforeTheBody) {
  ServerUnderTest server;
  Raw raw(server.port());
  ASSERT_TRUE(raw.send("PUT /r HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  const std::string interim = raw.read_responses(1);
  EXPECT_TRUE(interim.starts_with("HTTP/1.1 100 Continue\r\n\r\n")) << interim;
  ASSERT_TRUE(raw.send("body"));
  const std::string text = raw.read_responses(2);
  EXPECT_NE(text.find("HTTP/1.1 200 OK"), std::string::npos) << text;
  EXPECT_NE(text.find("PUT /r q=- body=4"), std::string::npos) << text;
}

TEST(HttpServer, AnOversizedBodyIsRefusedAndTheClientReadsTheRefusal) {
  HttpServerOptions options;
  options.max_body = 1u << 20;
  ServerUnderTest server(options);
  // The client sends its whole 4 MiB body anyway: the server refuses from the head, then reads
  // and drops the rest so that the client is not reset before it reads the 413.
  httplib::Client client("127.0.0.1", server.port());
  const std::string body(4u << 20, 'x');
  auto res = client.Put("/api/v1/hosts/h/report", {{"Authorization", "Bearer fpt_t"}}, body,
                        "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 413);
  const auto rejections = server.rejections();
  ASSERT_EQ(rejections.size(), 1u);
  EXPECT_EQ(rejections[0].status, 413);
  EXPECT_EQ(rejections[0].path, "/api/v1/hosts/h/report") << "the refusal can be audited";
  EXPECT_EQ(rejections[0].authorization, "Bearer fpt_t");
  EXPECT_NE(rejections[0].reason.find("exceeds"), std::string::npos) << rejections[0].reason;
}

TEST(HttpServer, AMalformedRequestGetsItsReasonAndTheConnectionCloses) {
  ServerUnderTest server;
  Raw raw(server.port());
  ASSERT_TRUE(raw.send("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"));
  EXPECT_TRUE(raw.closed_within(5s));
  const std::string& text = raw.received();
  EXPECT_TRUE(text.starts_with("HTTP/1.1 400 Bad Request\r\n")) << text;
  EXPECT_NE(text.find("Connection: close"), std::string::npos) << text;
  EXPECT_NE(text.find("conflicting Content-Length"), std::string::npos) << text;
}

TEST(HttpServer, HeadAnswersWithoutBodyAndAThrowingHandlerGets500) {
  ServerUnderTest server;
  Raw raw(server.port());
  ASSERT_TRUE(raw.send("HEAD /x HTTP/1.1\r\n\r\nGET /throw HTTP/1.1\r\n\r\n"));
  const std::string text = raw.read_until(R"({"error":{"code":"internal")");
  const std::string get_body = "GET /x q=- body=0 remote=127.0.0.1";
  const auto first_end = text.find("\r\n\r\n");
  ASSERT_NE(first_end, std::string::npos) << text;
  EXPECT_NE(text.substr(0, first_end).find("Content-Length: " + std::to_string(get_body.size())),
            std::string::npos)
      << text;
  EXPECT_TRUE(text.substr(first_end + 4).starts_with("HTTP/1.1 500 "))
      << "no body after HEAD's head: " << text;
  EXPECT_NE(text.find(R"({"error":{"code":"internal")"), std::string::npos) << text;
}

TEST(HttpServer, IdleAndStalledConnectionsAreClosed) {
  HttpServerOptions options;
  options.idle_timeout = 300ms;
  options.io_timeout = 300ms;
  ServerUnderTest server(options);
  Raw idle(server.port());
  Raw stalled(server.port());
  ASSERT_TRUE(stalled.send("PUT /r HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly part"));
  Raw answered(server.port());
  ASSERT_TRUE(answered.send("GET /a HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(idle.closed_within(3s)) << "an idle connection";
  EXPECT_TRUE(stalled.closed_within(3s)) << "a request that stops arriving";
  EXPECT_TRUE(answered.closed_within(3s)) << "a keep-alive connection after its answer";
  EXPECT_NE(answered.received().find("GET /a"), std::string::npos) << answered.received();

  // A connection in use is not closed: requests 100 ms apart for longer than the timeout.
  Raw busy(server.port());
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(busy.send("GET /b HTTP/1.1\r\n\r\n"));
    EXPECT_EQ(Raw::complete_responses(busy.read_responses(i + 1)), static_cast<std::size_t>(i + 1));
    std::this_thread::sleep_for(100ms);
  }
}

TEST(HttpServer, ALargeAnswerReachesASlowReaderIntact) {
  ServerUnderTest server;
  Raw raw(server.port());
  // 8 MiB do not fit into this socket's receive buffer plus the server's send buffer (at most
  // 4 MiB): the server must wait for the socket to drain (EPOLLOUT) and continue.
  int small = 128 << 10;
  setsockopt(raw.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  ASSERT_TRUE(raw.send("GET /big HTTP/1.1\r\n\r\n"));
  std::this_thread::sleep_for(200ms);  // the server fills the socket and waits for EPOLLOUT
  const std::string text = raw.read_responses(1, 20s);
  const auto end = text.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  const std::string body = text.substr(end + 4);
  ASSERT_EQ(body.size(), 8u << 20);
  bool intact = true;
  for (std::size_t i = 0; i < body.size() && intact; ++i) {
    intact = body[i] == static_cast<char>('a' + i % 26);
  }
  EXPECT_TRUE(intact);
}

TEST(HttpServer, StopAnswersTheRequestInFlightThenReturns) {
  auto server = std::make_unique<ServerUnderTest>();
  Raw raw(server->port());
  ASSERT_TRUE(raw.send("GET /slow HTTP/1.1\r\n\r\n"));
  std::this_thread::sleep_for(100ms);  // the handler is running
  server->stop();
  EXPECT_TRUE(server->run_status().ok()) << server->run_status().error().message;
  const std::string text = raw.read_responses(1, 2s);
  EXPECT_NE(text.find("GET /slow"), std::string::npos) << text;
  EXPECT_NE(text.find("Connection: close"), std::string::npos) << text;
  EXPECT_TRUE(raw.closed_within(2s));
  // The port no longer accepts.
  httplib::Client client("127.0.0.1", server->port());
  client.set_connection_timeout(1s);
  EXPECT_FALSE(client.Get("/x"));
}

TEST(HttpServer, BindErrorsNameTheAddress) {
  ServerUnderTest first;
  HttpServerOptions options;
  options.host = "127.0.0.1";
  options.port = first.port();
  auto busy = HttpServer::create(options, echo, nullptr);
  ASSERT_FALSE(busy.ok());
  EXPECT_NE(busy.error().message.find("127.0.0.1:" + std::to_string(first.port())),
            std::string::npos)
      << busy.error().message;

  options.port = 0;
  options.tls_cert = "/nonexistent/cert.pem";
  options.tls_key = "/nonexistent/key.pem";
  auto tls = HttpServer::create(options, echo, nullptr);
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.error().message.find("/nonexistent/cert.pem"), std::string::npos);
  options.tls_key.clear();
  EXPECT_FALSE(HttpServer::create(options, echo, nullptr).ok()) << "a certificate without key";
}

class HttpServerTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "openssl command not found: cannot make the test certificate";
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("fleetpatch-http-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    cert_ = (dir_ / "cert.pem").string();
    key_ = (dir_ / "key.pem").string();
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=fleet-test -addext subjectAltName=IP:127.0.0.1 -keyout " +
        key_ + " -out " + cert_ + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::string cert_;
  std::string key_;
};

TEST_F(HttpServerTls, ServesRequestsLargeBodiesAndLargeAnswersOverTls) {
  HttpServerOptions options;
  options.tls_cert = cert_;
  options.tls_key = key_;
  options.threads = 3;
  ServerUnderTest server(options);
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  clients.reserve(4);
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      httplib::SSLClient client("127.0.0.1", server.port());
      client.set_ca_cert_path(cert_.c_str());
      client.enable_server_certificate_verification(true);
      client.set_keep_alive(true);
      for (int i = 0; i < 10; ++i) {
        const std::string body(std::size_t{300'000} + static_cast<std::size_t>(i), 'y');
        auto res = client.Post("/upload", body, "application/octet-stream");
        if (res && res->status == 200 &&
            res->body.find("POST /upload q=- body=" + std::to_string(body.size())) == 0) {
          ++good;
        }
      }
      auto big = client.Get("/big");
      if (big && big->status == 200 && big->body.size() == (8u << 20)) ++good;
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), 4 * 11);
}

TEST_F(HttpServerTls, APlainRequestOrASilentClientOnTheTlsPortIsDropped) {
  HttpServerOptions options;
  options.tls_cert = cert_;
  options.tls_key = key_;
  options.io_timeout = 300ms;
  ServerUnderTest server(options);
  Raw plain(server.port());
  ASSERT_TRUE(plain.send("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(plain.closed_within(3s)) << "not a TLS handshake";
  EXPECT_EQ(plain.received().find("HTTP/1.1 200"), std::string::npos);
  Raw silent(server.port());
  EXPECT_TRUE(silent.closed_within(3s)) << "a handshake that never starts";
  // The server still serves TLS afterwards.
  httplib::SSLClient client("127.0.0.1", server.port());
  client.enable_server_certificate_verification(false);
  auto res = client.Get("/after");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
}

}  // namespace
}  // namespace fleetpatch::server
