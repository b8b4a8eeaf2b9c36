// server_load: load generator for `fleetpatch serve` (issue 7). Realistic host reports from the
// synthetic fleet (bench/fleet_generator.hpp) are sent over several keep-alive connections to the
// API; it prints sustained accepted reports per second and latency percentiles.
//
//   server_load --url http://127.0.0.1:PORT --token TOKEN --feed data/almalinux-osv.jsonl.zst
//               [--hosts 2000] [--connections 8] [--seconds 10] [--mode full|unchanged|both]
//               [--ack-log FILE] [--client-threads 1]
//
// Modes: `full` PUTs whole reports (each send changes the report a little, a tag carrying the
// send number, so the server stores it as a changed report rather than short-cutting an
// identical one); `unchanged` first PUTs every host once, then sends the agent's "unchanged"
// marker with the acknowledged hash; `both` runs full then unchanged.
// --ack-log appends "HOST-ID SEQ" for every acknowledged report (one write per line, so a
// SIGKILLed server's acknowledgements are all on disk): the durability test reads it back.
//
// Why the client is event-driven: the generator runs on the same (small) machine as the server
// it measures, so every CPU cycle it spends is taken from the server. A blocking client needs
// a thread per connection, and 32 threads that each block on every request spend most of their
// CPU on context switches, on the HTTP library and on malloc. Here a single thread (or a few,
// --client-threads) drives all connections with epoll: a small HTTP/1.1 keep-alive client for
// plain TCP (http:// only), one request in flight per connection, the request heads built once
// per host before the phase and each request sent with one sendmsg() of head + body, without
// copying the body. Per request that is about one sendmsg, one epoll_wait and one read.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/fleet_generator.hpp"
#include "bench/guarded_main.hpp"
#include "feed/feed.hpp"
#include "hoststate/host_report_json.hpp"

namespace {

using namespace fleetpatch;
using SteadyClock = std::chrono::steady_clock;

struct Target {
  std::string host;  // as in the URL (the Host header)
  int port = 0;
  sockaddr_storage address{};  // resolved once
  socklen_t address_length = 0;
};

bool parse_url(const std::string& url, Target& out) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) return false;
  const std::string rest = url.substr(prefix.size());
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) return false;
  out.host = rest.substr(0, colon);
  try {
    out.port = std::stoi(rest.substr(colon + 1));
  } catch (...) {
    return false;
  }
  return out.port > 0;
}

/// Resolves the target's address once (the first one getaddrinfo gives); false with `error` set.
bool resolve(Target& target, std::string& error) {
  std::string name = target.host;
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);  // [::1]
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(name.c_str(), std::to_string(target.port).c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    error = rc != 0 ? ::gai_strerror(rc) : "no address";
    return false;
  }
  std::memcpy(&target.address, found->ai_addr, found->ai_addrlen);
  target.address_length = found->ai_addrlen;
  ::freeaddrinfo(found);
  return true;
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[i];
}

struct Phase {
  std::size_t accepted = 0;
  std::size_t errors = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::string first_error;

  void merge(Phase&& other) {
    accepted += other.accepted;
    errors += other.errors;
    latencies_ms.insert(latencies_ms.end(), other.latencies_ms.begin(), other.latencies_ms.end());
    if (first_error.empty()) first_error = std::move(other.first_error);
  }
};

class AckLog {
 public:
  explicit AckLog(const std::string& path) {
    if (!path.empty()) fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  ~AckLog() {
    if (fd_ >= 0) ::close(fd_);
  }
  AckLog(const AckLog&) = delete;
  AckLog& operator=(const AckLog&) = delete;
  bool ok(const std::string& path) const { return path.empty() || fd_ >= 0; }
  void write(const std::string& host, std::int64_t seq) const {
    if (fd_ < 0) return;
    thread_local std::string line;  // keeps its capacity: no allocation per acknowledgement
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, seq).ptr;
    line.assign(host).append(1, ' ').append(digits, end).append(1, '\n');
    // O_APPEND makes each whole line one atomic append.
    [[maybe_unused]] const auto n = ::write(fd_, line.data(), line.size());
  }

 private:
  int fd_ = -1;
};

/// The fleet's reports and what the server acknowledged of them. A host is only ever sent by
/// one connection (connection w sends hosts w, w+connections, ...), so its body tag and its
/// hash are never touched by two threads.
struct Fleet {
  std::vector<core::HostReport> reports;
  std::vector<std::string> bodies;  // full reports, serialised once
  std::vector<std::size_t> tag_at;  // where each body's 8 tag digits are
  std::vector<std::string> hashes;  // the acknowledged report hash per host ("" = none)
};

enum class Kind { Full, Unchanged };

/// What a phase sends: per host, the request head (request line and headers) and the body.
struct Plan {
  Kind kind = Kind::Full;
  std::vector<std::string> heads;
  std::vector<std::string>* bodies = nullptr;  // per host; full bodies get their tag rewritten
  bool timed = true;           // no new request after `seconds`; else each host once (priming)
  bool only_unhashed = false;  // priming: only hosts without an acknowledged report
  double seconds = 0;
};

std::string request_head(std::string_view method, const std::string& path, const Target& target,
                         const std::string& token, std::size_t content_length) {
  std::string head;
  head.append(method).append(" ").append(path).append(" HTTP/1.1\r\n");
  head.append("Host: ").append(target.host).append(":").append(std::to_string(target.port));
  head.append("\r\nAuthorization: Bearer ").append(token);
  head.append("\r\nContent-Type: application/json\r\nContent-Length: ");
  head.append(std::to_string(content_length)).append("\r\n\r\n");
  return head;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool icontains(std::string_view haystack, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// What the ack JSON says: report_seq (if it is an integer) and report_hash (if a string).
struct Ack {
  bool has_seq = false;
  std::int64_t seq = 0;
  std::string hash;  // reused: no allocation per ack
};

/// Whether `token` is a JSON integer of at most 18 digits (so it fits an int64).
bool small_integer(std::string_view token) {
  if (!token.empty() && token.front() == '-') token.remove_prefix(1);
  if (token.empty() || token.size() > 18 || (token.front() == '0' && token.size() > 1)) {
    return false;
  }
  return std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// The fast path for the server's ack, a flat object of plain members
/// ({"accepted":true,"host_id":"h1","report_seq":7,"changed":true,"report_hash":"ab12",...}):
/// one scan, no allocation. False when the body is anything else (escapes, non-ASCII, nested
/// values, fractions, malformed JSON): nlohmann's parser decides those (the same answers).
bool scan_flat_ack(std::string_view s, Ack& ack) {
  std::size_t i = 0;
  const auto space = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  };
  const auto string = [&](std::string_view& out) {  // a string without escapes
    if (i >= s.size() || s[i] != '"') return false;
    const auto end = s.find_first_of("\"\\", i + 1);
    if (end == std::string_view::npos || s[end] != '"') return false;
    out = s.substr(i + 1, end - i - 1);
    if (std::any_of(out.begin(), out.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80;
        })) {
      return false;  // control characters (not JSON) or UTF-8 (the parser checks it)
    }
    i = end + 1;
    return true;
  };
  ack.has_seq = false;
  ack.hash.clear();
  space();
  if (i >= s.size() || s[i] != '{') return false;
  ++i;
  space();
  bool first = true;
  while (true) {
    if (first && i < s.size() && s[i] == '}') break;  // {}
    first = false;
    std::string_view key, value;
    if (!string(key)) return false;
    space();
    if (i >= s.size() || s[i] != ':') return false;
    ++i;
    space();
    if (i < s.size() && s[i] == '"') {
      if (!string(value)) return false;
      if (key == "report_seq") ack.has_seq = false;
      if (key == "report_hash") ack.hash.assign(value);
    } else {
      // A literal or a small integer; anything else (nesting, fractions, big numbers,
      // malformed JSON) is left to the parser.
      const auto end = std::min(s.find_first_of(",} \t\r\n", i), s.size());
      const std::string_view token = s.substr(i, end - i);
      i = end;
      const bool literal = token == "true" || token == "false" || token == "null";
      if (!literal && !small_integer(token)) return false;
      if (key == "report_hash") return false;  // not a string: the parser says what it is
      if (key == "report_seq") {
        ack.has_seq = !literal;
        if (!literal) std::from_chars(token.data(), token.data() + token.size(), ack.seq);
      }
    }
    space();
    if (i < s.size() && s[i] == ',') {
      ++i;
      space();
      continue;
    }
    if (i >= s.size() || s[i] != '}') return false;
    break;
  }
  ++i;
  space();
  return i == s.size();
}

void parse_ack(std::string_view body, Ack& ack) {
  if (scan_flat_ack(body, ack)) return;
  ack.has_seq = false;
  ack.hash.clear();
  const auto json = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) return;
  if (const auto seq = json.find("report_seq"); seq != json.end() && seq->is_number_integer()) {
    ack.has_seq = true;
    ack.seq = seq->get<std::int64_t>();
  }
  if (const auto hash = json.find("report_hash"); hash != json.end() && hash->is_string()) {
    ack.hash = hash->get<std::string>();
  }
}

constexpr std::size_t kMaxHeaderBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxResponseBytes = std::size_t{64} * 1024 * 1024;
constexpr auto kRequestTimeout = std::chrono::seconds(30);  // as the blocking client's timeouts
// After --seconds no request starts; those in flight get this long to finish (they count, as
// with the blocking client), then they are abandoned as errors: a hung server cannot hang us.
constexpr auto kDrainGrace = std::chrono::seconds(5);
// After a connection error, wait this long before reconnecting (no busy loop on a dead server).
constexpr auto kReconnectDelay = std::chrono::milliseconds(10);
// At most this many of our connections wait for the server to accept them (a new connection
// counts until its first response). `fleetpatch serve` listens with cpp-httplib's backlog of 5:
// 32 connections opened at once overflow it, and the dropped ones stall for a second and are
// then reset by the server.
constexpr std::size_t kMaxUnansweredConnections = 4;

/// One keep-alive connection and its request in flight.
struct Connection {
  enum class State { Idle, Connecting, Sending, Receiving, Done };
  State state = State::Idle;
  int fd = -1;
  std::uint32_t generation = 0;  // tells a closed socket's stale epoll events from the new one's
  std::uint32_t events = 0;      // what epoll watches for on fd
  std::size_t first_host = 0;    // this connection sends first_host, first_host + connections, ...
  std::size_t host = 0;          // the host of the request in flight (or the next one)
  std::size_t round = 0;         // passes over its hosts so far (the full report's tag)
  bool exhausted = false;        // untimed plans: every host has been sent once
  bool unanswered = false;       // the socket has not had a response yet
  SteadyClock::time_point started;   // of the request in flight
  SteadyClock::time_point retry_at;  // Idle after an error: reconnect not before
  std::size_t sent = 0;              // bytes of head + body written
  std::size_t request_size = 0;
  // The response being read.
  std::vector<char> in = std::vector<char>(std::size_t{16} * 1024);
  std::size_t in_length = 0;
  std::size_t header_end = 0;  // 0 while the header is incomplete
  std::size_t scanned = 0;     // bytes searched for the header's end so far
  std::size_t body_length = 0;
  bool until_eof = false;  // no Content-Length: the body ends when the server closes
  bool close_after = false;
  int status = 0;

  bool in_flight() const {
    return state == State::Connecting || state == State::Sending || state == State::Receiving;
  }
  void reset_response() {
    in_length = header_end = scanned = body_length = 0;
    until_eof = close_after = false;
    status = 0;
  }
};

/// One thread's share of the connections, driven by one epoll instance.
class EventLoop {
 public:
  EventLoop(const Target& target, Fleet& fleet, const AckLog& ack_log, Plan& plan,
            std::size_t connections, std::vector<std::size_t> mine, std::size_t max_unanswered)
      : target_(target),
        fleet_(fleet),
        ack_log_(ack_log),
        plan_(plan),
        stride_(connections),
        max_unanswered_(max_unanswered) {
    conns_.resize(mine.size());
    const std::size_t hosts = fleet_.reports.size();
    for (std::size_t i = 0; i < mine.size(); ++i) {
      conns_[i].first_host = conns_[i].host = mine[i];
      conns_[i].exhausted = mine[i] >= hosts;
    }
  }
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop() {
    for (auto& c : conns_) close_socket(c);
    if (epoll_ >= 0) ::close(epoll_);
  }

  Phase run(SteadyClock::time_point start) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) {
      phase_.errors = 1;
      phase_.first_error = std::string("epoll_create1: ") + std::strerror(errno);
      return std::move(phase_);
    }
    const auto deadline = plan_.timed ? start + std::chrono::duration_cast<SteadyClock::duration>(
                                                    std::chrono::duration<double>(plan_.seconds))
                                      : SteadyClock::time_point::max();
    auto now = SteadyClock::now();
    for (auto& c : conns_) start_request(c, now);
    std::vector<epoll_event> events(64);
    auto grace_end = SteadyClock::time_point::max();
    while (true) {
      now = SteadyClock::now();
      if (!stopping_ && now >= deadline) {
        stopping_ = true;
        grace_end = now + kDrainGrace;
      }
      // Timeouts, reconnections and the next time something is due.
      auto wake = stopping_ ? grace_end : deadline;
      bool active = false, work_left = false;
      for (auto& c : conns_) {
        if (c.in_flight()) {
          if (now - c.started >= kRequestTimeout) {
            fail(c, "timeout", now);
            if (!plan_.timed && !stopping_) {  // priming: an unresponsive server ends it
              stopping_ = true;
              grace_end = now + kDrainGrace;
              wake = std::min(wake, grace_end);
            }
          } else if (stopping_ && now >= grace_end) {
            fail(c, "still in flight when the phase ended", now);
          } else {
            active = true;
            wake = std::min(wake, c.started + kRequestTimeout);
          }
        }
        if (c.state == Connection::State::Idle && !stopping_) {
          if (now >= c.retry_at) {
            start_request(c, now);
            active = active || c.in_flight();
          } else {
            wake = std::min(wake, c.retry_at);
          }
        }
        work_left = work_left || c.state != Connection::State::Done;
      }
      if (!active && (stopping_ || !work_left)) break;
      int timeout_ms = -1;
      if (wake != SteadyClock::time_point::max()) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
        timeout_ms = static_cast<int>(std::clamp<std::int64_t>(left, 0, 60'000));
      }
      const int n =
          ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout_ms);
      if (n < 0) {
        if (errno == EINTR) continue;
        const std::string error = std::string("epoll_wait: ") + std::strerror(errno);
        for (auto& c : conns_) {
          if (c.in_flight()) fail(c, error, SteadyClock::now());
        }
        break;
      }
      for (int i = 0; i < n; ++i) {
        const auto index = static_cast<std::size_t>(events[i].data.u64 >> 32);
        const auto generation = static_cast<std::uint32_t>(events[i].data.u64);
        if (index >= conns_.size()) continue;
        Connection& c = conns_[index];
        if (c.fd < 0 || c.generation != generation) continue;  // an earlier socket's event
        on_event(c, events[i].events);
      }
    }
    for (auto& c : conns_) close_socket(c);
    return std::move(phase_);
  }

 private:
  /// Picks the connection's next host; false (state Done) when it has none left.
  bool pick_host(Connection& c) {
    while (!c.exhausted && plan_.only_unhashed && !fleet_.hashes[c.host].empty()) advance(c);
    if (c.exhausted) c.state = Connection::State::Done;
    return !c.exhausted;
  }

  void advance(Connection& c) {
    c.host += stride_;
    if (c.host >= fleet_.reports.size()) {
      c.host = c.first_host;
      ++c.round;
      if (!plan_.timed) c.exhausted = true;
    }
  }

  void start_request(Connection& c, SteadyClock::time_point now) {
    if (!pick_host(c)) {
      close_socket(c);
      return;
    }
    if (c.fd < 0 && unanswered_ >= max_unanswered_) {
      c.state = Connection::State::Idle;  // opened when an earlier new connection has answered
      c.retry_at = now;
      return;
    }
    c.started = now;
    c.sent = 0;
    c.reset_response();
    std::string& body = (*plan_.bodies)[c.host];
    if (plan_.kind == Kind::Full) {
      char digits[9];
      std::snprintf(digits, sizeof digits, "%08zu", c.round % 100000000);
      body.replace(fleet_.tag_at[c.host], 8, digits, 8);
    }
    c.request_size = plan_.heads[c.host].size() + body.size();
    if (c.fd < 0) {
      if (!open_socket(c, now)) return;
      if (c.state == Connection::State::Connecting) return;  // sent once connected
    }
    c.state = Connection::State::Sending;
    send_more(c, now);
  }

  bool open_socket(Connection& c, SteadyClock::time_point now) {
    const auto& address = target_.address;
    c.fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      fail(c, std::string("socket: ") + std::strerror(errno), now);
      return false;
    }
    // As libcurl (the agent) does: no Nagle stall on small posts.
    const int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++c.generation;
    c.unanswered = true;
    ++unanswered_;
    bool connected = true;
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&address), target_.address_length) != 0) {
      if (errno != EINPROGRESS && errno != EINTR) {
        fail(c, std::string("connect: ") + std::strerror(errno), now);
        return false;
      }
      connected = false;
    }
    c.state = connected ? Connection::State::Sending : Connection::State::Connecting;
    c.events = connected ? EPOLLIN : EPOLLOUT;
    epoll_event event{};
    event.events = c.events;
    event.data.u64 = (static_cast<std::uint64_t>(&c - conns_.data()) << 32) | c.generation;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &event) != 0) {
      fail(c, std::string("epoll_ctl: ") + std::strerror(errno), now);
      return false;
    }
    return true;
  }

  void close_socket(Connection& c) {
    if (c.fd >= 0) ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
    c.events = 0;
    if (c.unanswered) --unanswered_;
    c.unanswered = false;
  }

  void watch(Connection& c, std::uint32_t events) {
    if (c.events == events) return;
    epoll_event event{};
    event.events = events;
    event.data.u64 = (static_cast<std::uint64_t>(&c - conns_.data()) << 32) | c.generation;
    if (::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &event) == 0) c.events = events;
  }

  void on_event(Connection& c, std::uint32_t events) {
    const auto now = SteadyClock::now();
    if (c.state == Connection::State::Connecting) {
      int error = 0;
      socklen_t length = sizeof error;
      if (::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
      if (error != 0) {
        fail(c, std::string("connect: ") + std::strerror(error), now);
      } else if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
        c.state = Connection::State::Sending;
        send_more(c, now);
      }
      return;
    }
    if (c.state == Connection::State::Sending && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
      send_more(c, now);
    }
    // A response may come before the request is all sent (a server refusing a large body).
    if ((c.state == Connection::State::Sending || c.state == Connection::State::Receiving) &&
        (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
      receive(c, now);
    }
  }

  void send_more(Connection& c, SteadyClock::time_point now) {
    const std::string& head = plan_.heads[c.host];
    const std::string& body = (*plan_.bodies)[c.host];
    while (c.sent < c.request_size) {
      iovec parts[2];
      int count = 0;
      if (c.sent < head.size()) {
        parts[count++] = {const_cast<char*>(head.data()) + c.sent, head.size() - c.sent};
        parts[count++] = {const_cast<char*>(body.data()), body.size()};
      } else {
        const std::size_t at = c.sent - head.size();
        parts[count++] = {const_cast<char*>(body.data()) + at, body.size() - at};
      }
      msghdr message{};
      message.msg_iov = parts;
      message.msg_iovlen = count;
      const ssize_t n = ::sendmsg(c.fd, &message, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          watch(c, EPOLLIN | EPOLLOUT);
          return;
        }
        fail(c, std::string("write: ") + std::strerror(errno), now);
        return;
      }
      c.sent += static_cast<std::size_t>(n);
    }
    c.state = Connection::State::Receiving;
    watch(c, EPOLLIN);
  }

  void receive(Connection& c, SteadyClock::time_point now) {
    while (true) {
      if (c.in.size() - c.in_length < 4096) {
        if (c.in.size() >= kMaxResponseBytes) {
          fail(c, "bad response: too large", now);
          return;
        }
        c.in.resize(c.in.size() * 2);
      }
      const std::size_t room = c.in.size() - c.in_length;
      const ssize_t n = ::read(c.fd, c.in.data() + c.in_length, room);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        fail(c, std::string("read: ") + std::strerror(errno), now);
        return;
      }
      if (n == 0) {
        if (c.header_end != 0 && c.until_eof) {
          c.body_length = c.in_length - c.header_end;
          complete(c, now);
        } else {
          fail(c, c.in_length == 0 ? "closed by the server" : "closed mid-response", now);
        }
        return;
      }
      c.in_length += static_cast<std::size_t>(n);
      std::string error;
      const int parsed = parse(c, error);
      if (parsed < 0) {
        fail(c, "bad response: " + error, now);
        return;
      }
      if (parsed > 0) {
        complete(c, now);
        return;
      }
      if (static_cast<std::size_t>(n) < room) return;  // drained: wait for more
    }
  }

  /// 1: a whole response is in `c.in`; 0: more bytes needed; -1: not HTTP (`error` says why).
  static int parse(Connection& c, std::string& error) {
    while (c.header_end == 0) {
      const std::string_view data(c.in.data(), c.in_length);
      const std::size_t from = c.scanned > 3 ? c.scanned - 3 : 0;
      const auto end = data.find("\r\n\r\n", from);
      c.scanned = c.in_length;
      if (end == std::string_view::npos) {
        if (c.in_length > kMaxHeaderBytes) {
          error = "header too long";
          return -1;
        }
        return 0;
      }
      const std::string_view header = data.substr(0, end);
      // Status line: HTTP/1.x SSS reason
      const std::string_view status_line = header.substr(0, header.find("\r\n"));
      if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
          status_line[8] != ' ' ||
          std::from_chars(status_line.data() + 9, status_line.data() + 12, c.status).ptr !=
              status_line.data() + 12 ||
          c.status < 100 || (status_line.size() > 12 && status_line[12] != ' ')) {
        error = "status line \"" + std::string(status_line.substr(0, 80)) + "\"";
        return -1;
      }
      bool has_length = false;
      c.close_after = status_line[7] == '0';  // HTTP/1.0: no keep-alive unless asked
      std::size_t at = status_line.size() + 2;
      while (at < header.size()) {
        auto line_end = header.find("\r\n", at);
        if (line_end == std::string_view::npos) line_end = header.size();
        const std::string_view line = header.substr(at, line_end - at);
        at = line_end + 2;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view name = trim(line.substr(0, colon));
        const std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "Content-Length")) {
          std::uint64_t length = 0;
          const auto r = std::from_chars(value.data(), value.data() + value.size(), length);
          if (value.empty() || r.ec != std::errc{} || r.ptr != value.data() + value.size() ||
              length > kMaxResponseBytes) {
            error = "Content-Length \"" + std::string(value.substr(0, 40)) + "\"";
            return -1;
          }
          has_length = true;
          c.body_length = static_cast<std::size_t>(length);
        } else if (iequals(name, "Transfer-Encoding") && !iequals(value, "identity")) {
          error = "Transfer-Encoding " + std::string(value.substr(0, 40)) + " is not supported";
          return -1;
        } else if (iequals(name, "Connection")) {
          if (icontains(value, "close")) c.close_after = true;
          if (icontains(value, "keep-alive")) c.close_after = false;
        }
      }
      const std::size_t header_bytes = end + 4;
      if (c.status < 200) {  // an interim response (100 Continue): drop it, read the real one
        std::memmove(c.in.data(), c.in.data() + header_bytes, c.in_length - header_bytes);
        c.in_length -= header_bytes;
        c.scanned = c.body_length = 0;
        c.status = 0;
        continue;
      }
      c.header_end = header_bytes;
      if (c.status == 204 || c.status == 304) {
        c.body_length = 0;
      } else if (!has_length) {
        c.until_eof = c.close_after = true;
      }
    }
    if (c.until_eof) return 0;
    const std::size_t total = c.header_end + c.body_length;
    if (c.in_length >= total) return 1;
    if (c.in.size() < total + 1) c.in.resize(total + 1);  // room for the rest of the body
    return 0;
  }

  /// A whole response has arrived: count it, log its ack, send the next request.
  void complete(Connection& c, SteadyClock::time_point now) {
    phase_.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(now - c.started).count());
    const std::string_view body(c.in.data() + c.header_end, c.body_length);
    if (c.unanswered) --unanswered_;
    c.unanswered = false;
    std::string error;
    if (c.status != 200) {
      error = "HTTP " + std::to_string(c.status) + ": " + std::string(body.substr(0, 200));
    } else {
      parse_ack(body, ack_);
      const Ack& ack = ack_;
      const std::string& id = fleet_.reports[c.host].host.id;
      if (plan_.kind == Kind::Full) {
        if (!ack.has_seq) {
          error = "bad ack: " + std::string(body.substr(0, 200));
        } else {
          fleet_.hashes[c.host] = ack.hash;
          ack_log_.write(id, ack.seq);
        }
      } else if (ack.has_seq) {
        ack_log_.write(id, ack.seq);
      }
    }
    if (error.empty()) {
      ++phase_.accepted;
    } else {
      count_error(c, error);
    }
    // Extra bytes (never pipelined) or an unfinished request leave the stream out of step.
    if (c.close_after || c.sent < c.request_size || c.in_length > c.header_end + c.body_length) {
      close_socket(c);
    }
    c.reset_response();
    advance(c);
    c.state = Connection::State::Idle;
    if (!stopping_) start_request(c, now);
  }

  /// A connection-level failure: counted as an error, the connection closed and reopened for
  /// the next host after a short pause.
  void fail(Connection& c, const std::string& what, SteadyClock::time_point now) {
    phase_.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(now - c.started).count());
    count_error(c, "connection: " + what);
    close_socket(c);
    c.reset_response();
    advance(c);
    c.state = Connection::State::Idle;
    c.retry_at = now + kReconnectDelay;
  }

  void count_error(Connection& c, const std::string& error) {
    ++phase_.errors;
    if (phase_.first_error.empty()) phase_.first_error = error;
    // The server may or may not have stored it: the host's hash is unknown now (priming for the
    // unchanged phase sends it again).
    if (plan_.kind == Kind::Full) fleet_.hashes[c.host].clear();
  }

  const Target& target_;
  Fleet& fleet_;
  const AckLog& ack_log_;
  Plan& plan_;
  std::size_t stride_;  // the total number of connections
  std::vector<Connection> conns_;
  std::size_t max_unanswered_;
  Ack ack_;
  std::size_t unanswered_ = 0;  // connections opened that have not had a response yet
  int epoll_ = -1;
  bool stopping_ = false;
  Phase phase_;
};

/// Runs `connections` connections over `threads` event loops (connection w on loop w % threads)
/// until the plan is done; connection w sends for hosts w, w+connections, ...
Phase run_phase(const Target& target, Fleet& fleet, const AckLog& ack_log, Plan& plan,
                int connections, int threads) {
  const auto start = SteadyClock::now();
  const auto loops = static_cast<std::size_t>(std::clamp(threads, 1, connections));
  std::vector<Phase> results(loops);
  const auto run_loop = [&](std::size_t t) {
    std::vector<std::size_t> mine;
    for (std::size_t w = t; w < static_cast<std::size_t>(connections); w += loops) {
      mine.push_back(w);
    }
    EventLoop loop(target, fleet, ack_log, plan, static_cast<std::size_t>(connections),
                   std::move(mine), std::max<std::size_t>(1, kMaxUnansweredConnections / loops));
    results[t] = loop.run(start);
  };
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t < loops; ++t) workers.emplace_back(run_loop, t);
  run_loop(0);
  for (auto& w : workers) w.join();
  Phase phase;
  for (auto& r : results) phase.merge(std::move(r));
  phase.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  return phase;
}

void print_phase(const char* name, Phase& p, int connections) {
  const double p50 = percentile(p.latencies_ms, 0.50);
  const double p99 = percentile(p.latencies_ms, 0.99);
  std::printf(
      "%s: %zu accepted in %.2f s = %.0f reports/s over %d connections; latency p50 %.2f ms, "
      "p99 %.2f ms; %zu errors%s%s\n",
      name, p.accepted, p.seconds, static_cast<double>(p.accepted) / p.seconds, connections, p50,
      p99, p.errors, p.first_error.empty() ? "" : " (first: ", p.first_error.c_str());
  if (!p.first_error.empty()) std::printf(")\n");
}

int run(int argc, char** argv) {
  CLI::App app{"server_load: sustained report load against fleetpatch serve"};
  std::string url, token, mode = "both", ack_log_path;
  std::vector<std::string> feeds;
  std::size_t hosts = 2000;
  int connections = 8;
  int client_threads = 1;
  double seconds = 10;
  std::uint64_t seed = 1;
  app.add_option("--url", url, "server base URL, http://127.0.0.1:PORT")->required();
  app.add_option("--token", token, "an operator token (or set FLEETPATCH_TOKEN)");
  app.add_option("--feed", feeds, "OSV feed the synthetic hosts' package sets come from")
      ->required();
  app.add_option("--hosts", hosts, "distinct hosts");
  app.add_option("--connections", connections, "concurrent keep-alive connections")
      ->check(CLI::PositiveNumber);
  app.add_option("--client-threads", client_threads,
                 "event-loop threads the connections are split over")
      ->check(CLI::PositiveNumber);
  app.add_option("--seconds", seconds, "duration of each phase");
  app.add_option("--mode", mode, "full, unchanged or both")
      ->check(CLI::IsMember({"full", "unchanged", "both"}));
  app.add_option("--seed", seed, "fleet seed");
  app.add_option("--ack-log", ack_log_path, "append 'HOST SEQ' per acknowledged report");
  CLI11_PARSE(app, argc, argv);
  if (token.empty()) {
    if (const char* env = std::getenv("FLEETPATCH_TOKEN")) token = env;
  }
  Target target;
  if (!parse_url(url, target)) {
    std::cerr << "server_load: --url must look like http://127.0.0.1:8443\n";
    return 2;
  }
  if (std::string error; !resolve(target, error)) {
    std::cerr << "server_load: cannot resolve " << target.host << ": " << error << "\n";
    return 2;
  }
  AckLog ack_log(ack_log_path);
  if (!ack_log.ok(ack_log_path)) {
    std::cerr << "server_load: cannot open " << ack_log_path << "\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a server closing mid-write is an error, not our death

  // The fleet: reports serialised once up front, so the generator is not what is measured.
  core::Diagnostics diagnostics;
  auto batch = feed::read_paths(feeds, diagnostics);
  if (!batch.ok()) {
    std::cerr << "server_load: " << batch.error().message << "\n";
    return 1;
  }
  auto catalogs = bench::catalogs_from_advisories(batch->advisories, "almalinux:");
  auto images = bench::images_from_catalogs(catalogs, bench::ImageOptions{}, seed);
  if (images.empty()) {
    std::cerr << "server_load: the feed gave no AlmaLinux images\n";
    return 1;
  }
  bench::FleetOptions options;
  options.seed = seed;
  options.hosts = hosts;
  const bench::FleetGenerator generator(std::move(images), std::move(catalogs), options);
  // Bodies are serialised once with a fixed-width tag "load-00000000" whose digits each send
  // overwrites, so the client spends its CPU on sending, not on JSON.
  constexpr std::string_view kTag = "load-00000000";
  Fleet fleet;
  fleet.reports.resize(hosts);
  fleet.bodies.resize(hosts);
  fleet.tag_at.resize(hosts);
  fleet.hashes.resize(hosts);
  std::size_t packages = 0;
  for (std::size_t i = 0; i < hosts; ++i) {
    generator.host_into(i, fleet.reports[i]);
    packages += fleet.reports[i].packages.size();
    core::HostReport tagged = fleet.reports[i];
    tagged.host.tags.emplace_back(kTag);
    fleet.bodies[i] = hoststate::to_json(tagged, false);
    fleet.tag_at[i] = fleet.bodies[i].find(kTag) + 5;
  }
  std::printf("server_load: %zu hosts, %.0f packages per report on average, %d connections\n",
              hosts, static_cast<double>(packages) / static_cast<double>(hosts), connections);

  // Full reports: PUT /api/v1/hosts/{id}/report, the body's tag naming the send.
  Plan full;
  full.kind = Kind::Full;
  full.bodies = &fleet.bodies;
  full.seconds = seconds;
  for (std::size_t h = 0; h < hosts; ++h) {
    full.heads.push_back(request_head("PUT",
                                      "/api/v1/hosts/" + fleet.reports[h].host.id + "/report",
                                      target, token, fleet.bodies[h].size()));
  }

  int failures = 0;
  if (mode == "full" || mode == "both") {
    Phase phase = run_phase(target, fleet, ack_log, full, connections, client_threads);
    print_phase("full reports", phase, connections);
    failures += phase.accepted == 0 ? 1 : 0;
  }
  if (mode == "unchanged" || mode == "both") {
    // Every host needs an acknowledged report (and its hash) first: one full report each.
    Plan priming = full;
    priming.timed = false;
    priming.only_unhashed = true;
    const Phase primed = run_phase(target, fleet, ack_log, priming, connections, client_threads);
    if (primed.errors > 0) std::cerr << "server_load: priming: " << primed.first_error << "\n";

    // The agent's marker: POST /api/v1/hosts/{id}/report/unchanged with the acknowledged hash.
    std::vector<std::string> markers(hosts);
    Plan unchanged;
    unchanged.kind = Kind::Unchanged;
    unchanged.bodies = &markers;
    unchanged.seconds = seconds;
    for (std::size_t h = 0; h < hosts; ++h) {
      markers[h] = nlohmann::json{{"report_hash", fleet.hashes[h]},
                                  {"collected_at", fleet.reports[h].collected_at}}
                       .dump();
      unchanged.heads.push_back(
          request_head("POST", "/api/v1/hosts/" + fleet.reports[h].host.id + "/report/unchanged",
                       target, token, markers[h].size()));
    }
    Phase phase = run_phase(target, fleet, ack_log, unchanged, connections, client_threads);
    print_phase("unchanged reports", phase, connections);
    failures += phase.accepted == 0 ? 1 : 0;
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return fleetpatch::bench::guarded_main("server_load", run, argc, argv);
}
