// The event-driven HTTP/1.1 server behind server/http.hpp: epoll, non-blocking sockets,
// optional TLS (OpenSSL), a pool of worker threads.
//
// Every connection is registered with EPOLLONESHOT in one epoll instance that all workers wait
// on. A worker that receives a connection's event owns the connection until it re-arms it: it
// reads what the socket has, answers every complete request in order (the handler runs on this
// worker, so a slow handler holds one worker, never a connection's neighbours), writes the
// answers, and re-arms the connection for reading (or for writing, if the socket is full). No
// request is handed from one thread to another, a connection is not tied to a thread, and a
// worker that finishes one request picks up the next ready connection without sleeping when the
// server is busy. (cpp-httplib, used before, served each connection on one thread with blocking
// sockets: a poll, a read and two sends per request, and a context switch per request.)
//
// A sweeper thread closes connections that stay silent too long (idle keep-alive connections,
// requests or TLS handshakes that stall, clients that stop reading) by shutting their sockets
// down; the worker that then receives the hang-up frees the connection. Only the sweeper and
// close() touch the registry of connections, under its mutex.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "server/http.hpp"
#include "server/http_parse.hpp"

namespace fleetpatch::server {
namespace {

constexpr std::size_t kReadChunk = 64u << 10;
// Buffers above these sizes are freed once a request is answered rather than kept for reuse.
constexpr std::size_t kKeptInputCapacity = 256u << 10;
constexpr std::size_t kKeptOutputCapacity = 256u << 10;
// Answers queued by pipelined requests before they are written out.
constexpr std::size_t kMaxQueuedOutput = 1u << 20;
constexpr std::chrono::milliseconds kSweepInterval{200};
constexpr std::chrono::milliseconds kAcceptPause{100};
// How long a connection refused for a malformed request is read and discarded before closing,
// so that the client reads the error instead of a reset.
constexpr std::chrono::milliseconds kLingerTime{2000};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The worker's read buffer: a socket is read into it, then what arrived is appended to the
// connection's input (or dropped, when lingering).
char* scratch() {
  thread_local std::vector<char> buffer(kReadChunk);
  return buffer.data();
}

std::string errno_text(int error) { return std::strerror(error); }

std::string address_text(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
  }
  return text;
}

struct Connection {
  int fd = -1;
  SSL* ssl = nullptr;
  bool handshaken = false;
  std::string remote;
  std::string in;
  std::string out;
  std::size_t out_sent = 0;
  http1::RequestParser parser;
  bool close_after_write = false;
  bool linger_after_write = false;  // refused request: its body may still be arriving
  bool lingering = false;
  std::int64_t linger_until = 0;
  bool continue_sent = false;
  bool peer_closed = false;
  // When the sweeper closes the connection (steady ms); 0 while a worker is serving it.
  std::atomic<std::int64_t> deadline{0};
  // Registry (under the server's registry mutex).
  Connection* prev = nullptr;
  Connection* next = nullptr;
  bool shut_down = false;

  explicit Connection(const http1::ParserLimits& limits) : parser(limits) {}
};

enum class Io { kDone, kWantRead, kWantWrite, kEof, kFailed };

class EpollServer final : public HttpServer {
 public:
  EpollServer(const HttpServerOptions& options, Handler handler, RejectHandler reject,
              int listen_fd, int port, SSL_CTX* tls)
      : handler_(std::move(handler)),
        reject_(std::move(reject)),
        listen_fd_(listen_fd),
        port_(port),
        tls_(tls),
        threads_(std::max(1u, options.threads)),
        idle_timeout_ms_(std::max<std::int64_t>(1, options.idle_timeout.count())),
        io_timeout_ms_(std::max<std::int64_t>(1, options.io_timeout.count())) {
    limits_.max_body = options.max_body;
  }

  ~EpollServer() override {
    stop();
    close_all();
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (tls_ != nullptr) SSL_CTX_free(tls_);
  }

  core::Status init() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd_ < 0 || wake_fd_ < 0) {
      return core::io_error("cannot create the server's event loop: " + errno_text(errno));
    }
    epoll_event wake{};
    wake.events = EPOLLIN;  // level-triggered and never drained: once stopping, every wait ends
    wake.data.ptr = &wake_tag_;
    epoll_event listen{};
    listen.events = EPOLLIN | EPOLLONESHOT;
    listen.data.ptr = &listen_tag_;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake) != 0 ||
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listen) != 0) {
      return core::io_error("cannot create the server's event loop: " + errno_text(errno));
    }
    return {};
  }

  int port() const override { return port_; }

  core::Status run() override {
    if (running_.exchange(true))
      return core::invalid_argument("the HTTP server is already running");
    std::thread sweeper([this] { sweep_loop(); });
    std::vector<std::thread> workers;
    workers.reserve(threads_);
    for (unsigned i = 0; i < threads_; ++i) workers.emplace_back([this] { work_loop(); });
    for (auto& t : workers) t.join();
    {
      std::lock_guard lock(sweep_mutex_);
      sweeper_done_ = true;
    }
    sweep_cv_.notify_all();
    sweeper.join();
    close_all();
    if (loop_error_ != 0) {
      return core::io_error("the HTTP server's event loop failed: " + errno_text(loop_error_));
    }
    return {};
  }

  void stop() override {
    if (stopping_.exchange(true)) return;
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
    ::shutdown(listen_fd_, SHUT_RDWR);
    sweep_cv_.notify_all();
  }

 private:
  void work_loop() {
    epoll_event event{};
    while (!stopping_.load(std::memory_order_relaxed)) {
      const int n = epoll_wait(epoll_fd_, &event, 1, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        loop_error_ = errno;
        stop();
        break;
      }
      if (n == 0 || event.data.ptr == &wake_tag_) continue;
      if (event.data.ptr == &listen_tag_) {
        accept_connections();
        continue;
      }
      serve(static_cast<Connection*>(event.data.ptr));
    }
  }

  // -- accepting ---------------------------------------------------------------------------

  void accept_connections() {
    for (int i = 0; i < 256 && !stopping_.load(std::memory_order_relaxed); ++i) {
      sockaddr_storage addr{};
      socklen_t length = sizeof addr;
      const int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: stop accepting for a moment (the sweeper re-arms the
          // listener) rather than spin on a listener that stays readable.
          accept_paused_until_ = now_ms() + kAcceptPause.count();
          return;
        }
        break;  // EAGAIN: nothing more to accept
      }
      const int on = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      auto* c = new Connection(limits_);
      c->fd = fd;
      c->remote = address_text(addr);
      c->parser.request().remote_addr = c->remote;
      if (tls_ != nullptr) {
        c->ssl = SSL_new(tls_);
        if (c->ssl == nullptr || SSL_set_fd(c->ssl, fd) != 1) {
          if (c->ssl != nullptr) SSL_free(c->ssl);
          ::close(fd);
          delete c;
          continue;
        }
        SSL_set_accept_state(c->ssl);
      }
      c->deadline.store(now_ms() + io_timeout_ms_, std::memory_order_relaxed);
      {
        std::lock_guard lock(registry_mutex_);
        link(c);
      }
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLONESHOT;
      ev.data.ptr = c;
      if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) close_connection(c);
    }
    rearm_listener();
  }

  void rearm_listener() {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.ptr = &listen_tag_;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
  }

  // -- serving a connection ----------------------------------------------------------------

  void serve(Connection* c) {
    c->deadline.store(0, std::memory_order_relaxed);
    if (c->lingering) return discard_input(c);
    if (c->ssl != nullptr && !c->handshaken) {
      const Io io = handshake(c);
      if (io == Io::kWantRead || io == Io::kWantWrite) return arm(c, io);
      if (io != Io::kDone) return close_connection(c);
    }
    for (;;) {
      if (const Io io = flush(c); io != Io::kDone) {
        if (io == Io::kWantRead || io == Io::kWantWrite) return arm(c, io);
        return close_connection(c);
      }
      if (c->close_after_write) {
        if (c->linger_after_write && !c->peer_closed) return start_lingering(c);
        return close_connection(c);
      }
      if (answer_buffered(c)) continue;
      if (c->peer_closed) return close_connection(c);
      const Io io = read_some(c);
      if (io == Io::kEof) {
        c->peer_closed = true;
        continue;
      }
      if (io == Io::kWantRead || io == Io::kWantWrite) return arm(c, io);
      if (io == Io::kFailed) return close_connection(c);
    }
  }

  // Answers the complete requests in the input buffer; true if it queued output.
  bool answer_buffered(Connection* c) {
    bool queued = false;
    while (!c->close_after_write && c->out.size() < kMaxQueuedOutput) {
      http1::RequestParser& parser = c->parser;
      const auto state = parser.parse(c->in);
      if (state == http1::RequestParser::State::kNeedMore) {
        if (parser.expects_continue() && !c->continue_sent) {
          c->out.append("HTTP/1.1 100 Continue\r\n\r\n");
          c->continue_sent = true;
          queued = true;
        }
        break;
      }
      if (state == http1::RequestParser::State::kError) {
        HttpResponse response;
        try {
          response = reject_(parser.request(), parser.error_status(), parser.error_reason());
        } catch (...) {
          response = internal_error();
        }
        http1::append_response(c->out, response, /*close=*/true, parser.head_method());
        c->close_after_write = true;
        c->linger_after_write = true;
        return true;
      }
      c->in.erase(0, parser.consumed());
      HttpResponse response;
      try {
        response = handler_(parser.request());
      } catch (...) {
        response = internal_error();
      }
      const bool close = !parser.keep_alive() || stopping_.load(std::memory_order_relaxed);
      http1::append_response(c->out, response, close, parser.head_method());
      parser.reset();
      c->continue_sent = false;
      c->close_after_write = close;
      queued = true;
    }
    if (c->in.empty() && c->in.capacity() > kKeptInputCapacity) std::string().swap(c->in);
    return queued;
  }

  static HttpResponse internal_error() {
    HttpResponse response;
    response.status = 500;
    response.body = R"({"error":{"code":"internal","message":"internal error"}})";
    return response;
  }

  Io handshake(Connection* c) {
    ERR_clear_error();
    const int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
      c->handshaken = true;
      return Io::kDone;
    }
    return ssl_status(c, r);
  }

  static Io ssl_status(Connection* c, int result) {
    switch (SSL_get_error(c->ssl, result)) {
      case SSL_ERROR_WANT_READ:
        return Io::kWantRead;
      case SSL_ERROR_WANT_WRITE:
        return Io::kWantWrite;
      case SSL_ERROR_ZERO_RETURN:
        return Io::kEof;
      default:
        return Io::kFailed;
    }
  }

  Io read_some(Connection* c) {
    char* const buffer = scratch();
    if (c->ssl != nullptr) {
      ERR_clear_error();
      std::size_t n = 0;
      const int r = SSL_read_ex(c->ssl, buffer, kReadChunk, &n);
      if (r == 1) {
        c->in.append(buffer, n);
        return Io::kDone;
      }
      return ssl_status(c, r);
    }
    for (;;) {
      const ssize_t n = ::recv(c->fd, buffer, kReadChunk, 0);
      if (n > 0) {
        c->in.append(buffer, static_cast<std::size_t>(n));
        return Io::kDone;
      }
      if (n == 0) return Io::kEof;
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? Io::kWantRead : Io::kFailed;
    }
  }

  Io flush(Connection* c) {
    while (c->out_sent < c->out.size()) {
      const char* data = c->out.data() + c->out_sent;
      const std::size_t size = c->out.size() - c->out_sent;
      if (c->ssl != nullptr) {
        ERR_clear_error();
        std::size_t n = 0;
        const int r = SSL_write_ex(c->ssl, data, size, &n);
        if (r != 1) {
          const Io io = ssl_status(c, r);
          return io == Io::kEof ? Io::kFailed : io;
        }
        c->out_sent += n;
        continue;
      }
      const ssize_t n = ::send(c->fd, data, size, MSG_NOSIGNAL);
      if (n >= 0) {
        c->out_sent += static_cast<std::size_t>(n);
        continue;
      }
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? Io::kWantWrite : Io::kFailed;
    }
    c->out.clear();
    c->out_sent = 0;
    if (c->out.capacity() > kKeptOutputCapacity) std::string().swap(c->out);
    return Io::kDone;
  }

  // After refusing a malformed request: stop sending, read and drop what the client still sends
  // (the rest of an oversized body) for a moment, then close. Closing at once would make the
  // kernel answer that data with a reset, which can destroy the error response in flight.
  void start_lingering(Connection* c) {
    if (c->ssl != nullptr) {
      ERR_clear_error();
      SSL_shutdown(c->ssl);
    }
    ::shutdown(c->fd, SHUT_WR);
    c->lingering = true;
    c->linger_until = now_ms() + kLingerTime.count();
    arm(c, Io::kWantRead);
  }

  void discard_input(Connection* c) {
    char* const buffer = scratch();
    for (;;) {
      const ssize_t n = ::recv(c->fd, buffer, kReadChunk, 0);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return arm(c, Io::kWantRead);
      return close_connection(c);
    }
  }

  // Hands the connection back to epoll; another worker may own it as soon as this returns.
  void arm(Connection* c, Io want) {
    std::int64_t deadline;
    if (c->lingering) {
      deadline = c->linger_until;
    } else if (c->in.empty() && c->out.empty() && (c->ssl == nullptr || c->handshaken)) {
      deadline = now_ms() + idle_timeout_ms_;
    } else {
      deadline = now_ms() + io_timeout_ms_;
    }
    c->deadline.store(deadline, std::memory_order_relaxed);
    epoll_event ev{};
    ev.events = (want == Io::kWantWrite ? EPOLLOUT : EPOLLIN) | EPOLLONESHOT;
    ev.data.ptr = c;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c->fd, &ev) != 0) close_connection(c);
  }

  void close_connection(Connection* c) {
    {
      std::lock_guard lock(registry_mutex_);
      unlink(c);
    }
    if (c->ssl != nullptr) {
      if (c->handshaken && !c->lingering && !c->peer_closed) {
        ERR_clear_error();
        SSL_shutdown(c->ssl);  // close_notify, best effort: the socket is non-blocking
      }
      SSL_free(c->ssl);
    }
    ::close(c->fd);
    delete c;
  }

  // -- the registry and the sweeper -------------------------------------------------------

  void link(Connection* c) {
    c->next = head_;
    if (head_ != nullptr) head_->prev = c;
    head_ = c;
  }

  void unlink(Connection* c) {
    if (c->prev != nullptr) c->prev->next = c->next;
    if (c->next != nullptr) c->next->prev = c->prev;
    if (head_ == c) head_ = c->next;
    c->prev = c->next = nullptr;
  }

  void sweep_loop() {
    std::unique_lock lock(sweep_mutex_);
    while (!sweeper_done_) {
      sweep_cv_.wait_for(lock, kSweepInterval);
      const std::int64_t now = now_ms();
      {
        std::lock_guard registry(registry_mutex_);
        for (Connection* c = head_; c != nullptr; c = c->next) {
          const std::int64_t deadline = c->deadline.load(std::memory_order_relaxed);
          if (deadline != 0 && deadline < now && !c->shut_down) {
            // The worker that receives the hang-up closes and frees the connection.
            ::shutdown(c->fd, SHUT_RDWR);
            c->shut_down = true;
          }
        }
      }
      const std::int64_t paused = accept_paused_until_.load();
      if (paused != 0 && paused <= now && !stopping_.load()) {
        accept_paused_until_ = 0;
        rearm_listener();
      }
    }
  }

  // After the workers have stopped: nobody else touches the connections any more.
  void close_all() {
    for (;;) {
      Connection* c = nullptr;
      {
        std::lock_guard lock(registry_mutex_);
        c = head_;
      }
      if (c == nullptr) break;
      close_connection(c);
    }
  }

  Handler handler_;
  RejectHandler reject_;
  http1::ParserLimits limits_;
  int listen_fd_;
  int port_;
  SSL_CTX* tls_;
  unsigned threads_;
  std::int64_t idle_timeout_ms_;
  std::int64_t io_timeout_ms_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  char wake_tag_ = 0;
  char listen_tag_ = 0;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> accept_paused_until_{0};
  int loop_error_ = 0;
  std::mutex registry_mutex_;
  Connection* head_ = nullptr;
  std::mutex sweep_mutex_;
  std::condition_variable sweep_cv_;
  bool sweeper_done_ = false;
};

core::Result<SSL_CTX*> make_tls_context(const HttpServerOptions& options) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return core::invalid_argument("TLS needs both --tls-cert and --tls-key");
  }
  if (options.tls_cert.empty()) return nullptr;
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return core::io_error("cannot create a TLS context");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(ctx, options.tls_cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, options.tls_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return core::invalid_argument("cannot load the TLS certificate " + options.tls_cert +
                                  " and key " + options.tls_key);
  }
  return ctx;
}

core::Result<std::pair<int, int>> listen_socket(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return core::io_error("cannot listen on " + host + ":" + service + ": " + gai_strerror(rc));
  }
  int error = 0;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = errno;
      continue;
    }
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      error = errno;
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) {
    return core::io_error("cannot listen on " + host + ":" + service + " (" + errno_text(error) +
                          ")");
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  const int bound_port = bound.ss_family == AF_INET6
                             ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                             : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  return std::pair{fd, bound_port};
}

}  // namespace

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> HttpRequest::param(std::string_view name) const {
  const auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return std::string_view(it->second);
}

core::Result<std::unique_ptr<HttpServer>> HttpServer::create(const HttpServerOptions& options,
                                                             Handler handler,
                                                             RejectHandler reject) {
  // A peer that goes away while OpenSSL writes to its socket must not kill the process (plain
  // sockets are written with MSG_NOSIGNAL; OpenSSL's socket BIO uses write()).
  std::signal(SIGPIPE, SIG_IGN);
  auto tls = make_tls_context(options);
  if (!tls.ok()) return tls.error();
  auto socket = listen_socket(options.host, options.port);
  if (!socket.ok()) {
    if (*tls != nullptr) SSL_CTX_free(*tls);
    return socket.error();
  }
  auto server = std::make_unique<EpollServer>(options, std::move(handler), std::move(reject),
                                              socket->first, socket->second, *tls);
  if (auto status = server->init(); !status.ok()) return status.error();
  return std::unique_ptr<HttpServer>(std::move(server));
}

core::Result<std::pair<std::string, int>> parse_listen_address(std::string_view text) {
  std::string host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return core::invalid_argument("listen address \"" + std::string(text) +
                                    "\": expected [IPV6]:PORT");
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return core::invalid_argument("listen address \"" + std::string(text) +
                                    "\": expected HOST:PORT");
    }
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (host.empty()) host = "127.0.0.1";
  int port = -1;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return core::invalid_argument("listen address \"" + std::string(text) + "\": bad port");
  }
  return std::pair{host, port};
}

}  // namespace fleetpatch::server
