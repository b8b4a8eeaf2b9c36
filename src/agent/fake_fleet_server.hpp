// A real HTTP server on 127.0.0.1 for the agent's tests: it answers the agent's three calls the
// way the contract says (docs/agent.md), records every request, and can be told to fail, forget
// or revoke. It hashes reports with store::report_content_hash, like the real server.
#pragma once

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hoststate/host_report_json.hpp"
#include "store/store.hpp"

namespace fleetpatch::agent::testing {

struct RecordedRequest {
  std::string method;
  std::string path;
  std::string authorization;
  std::string body;
  int status = 0;
};

class FakeFleetServer {
 public:
  /// port 0: any free port.
  explicit FakeFleetServer(int port = 0) {
    server_.Post("/api/v1/enroll", [this](const httplib::Request& req, httplib::Response& res) {
      handle(req, res, [&] { enroll(req, res); });
    });
    server_.Put(R"(/api/v1/hosts/([^/]+)/report)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  handle(req, res, [&] { put_report(req, res); });
                });
    server_.Post(R"(/api/v1/hosts/([^/]+)/report/unchanged)",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   handle(req, res, [&] { unchanged(req, res); });
                 });
    port_ = port == 0 ? server_.bind_to_any_port("127.0.0.1")
                      : (server_.bind_to_port("127.0.0.1", port) ? port : -1);
    if (port_ > 0) {
      thread_ = std::thread([this] { server_.listen_after_bind(); });
      // stop() only stops a server that is running: wait until it is, so that a short test
      // cannot destroy it before its accept loop began (and hang in join).
      while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~FakeFleetServer() { stop(); }
  FakeFleetServer(const FakeFleetServer&) = delete;
  FakeFleetServer& operator=(const FakeFleetServer&) = delete;

  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<RecordedRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  /// "METHOD PATH -> STATUS" per request, for compact assertions.
  std::vector<std::string> calls() {
    std::vector<std::string> out;
    for (const auto& r : requests()) {
      out.push_back(r.method + " " + r.path + " -> " + std::to_string(r.status));
    }
    return out;
  }
  void clear_requests() {
    std::lock_guard lock(mu_);
    requests_.clear();
  }

  // ---- knobs ----
  void set_enroll_secret(std::string secret) {
    std::lock_guard lock(mu_);
    secret_ = std::move(secret);
  }
  void set_delta(bool delta) {
    std::lock_guard lock(mu_);
    delta_ = delta;
  }
  /// The next `count` requests get `status` (and a Retry-After when retry_after >= 0).
  void fail_next(int count, int status, int retry_after = -1) {
    std::lock_guard lock(mu_);
    failures_left_ = count;
    failure_status_ = status;
    failure_retry_after_ = retry_after;
  }
  /// Every token stops working (an admin revoked them, the server lost its database).
  void revoke_tokens() {
    std::lock_guard lock(mu_);
    tokens_.clear();
  }
  /// The server no longer has the host's report (unchanged markers get 409).
  void forget_reports() {
    std::lock_guard lock(mu_);
    hashes_.clear();
  }
  std::optional<core::HostReport> report_of(const std::string& host_id) {
    std::lock_guard lock(mu_);
    const auto it = reports_.find(host_id);
    if (it == reports_.end()) return std::nullopt;
    return it->second;
  }
  std::string collected_at_of(const std::string& host_id) {
    std::lock_guard lock(mu_);
    return collected_at_[host_id];
  }

 private:
  template <typename Fn>
  void handle(const httplib::Request& req, httplib::Response& res, Fn&& fn) {
    {
      std::lock_guard lock(mu_);
      if (failures_left_ > 0) {
        --failures_left_;
        error(res, failure_status_, failure_status_ == 429 ? "rate_limited" : "unavailable",
              "test failure");
        if (failure_retry_after_ >= 0) {
          res.set_header("Retry-After", std::to_string(failure_retry_after_));
        }
      } else {
        fn();
      }
      requests_.push_back(
          {req.method, req.path, req.get_header_value("Authorization"), req.body, res.status});
    }
  }

  static void error(httplib::Response& res, int status, const char* code, std::string message) {
    res.status = status;
    res.set_content(
        nlohmann::json{{"error", {{"code", code}, {"message", std::move(message)}}}}.dump(),
        "application/json");
  }

  // Caller holds mu_. Empty when the bearer token may act for host_id; else the status sent.
  bool authorised(const httplib::Request& req, httplib::Response& res, const std::string& host) {
    const std::string header = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    const auto it =
        header.rfind(prefix, 0) == 0 ? tokens_.find(header.substr(prefix.size())) : tokens_.end();
    if (it == tokens_.end()) {
      error(res, 401, "unauthorized", "unknown or revoked token");
      return false;
    }
    if (it->second != host) {
      error(res, 403, "forbidden", "token of another host");
      return false;
    }
    return true;
  }

  void enroll(const httplib::Request& req, httplib::Response& res) {
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("host_id") || !body.contains("enroll_secret")) {
      error(res, 400, "bad_request", "bad enroll body");
      return;
    }
    if (body["enroll_secret"] != secret_) {
      error(res, 401, "unauthorized", "wrong enrollment secret");
      return;
    }
    const std::string host = body["host_id"];
    // Re-enrolling revokes the host's previous tokens.
    for (auto it = tokens_.begin(); it != tokens_.end();) {
      it = it->second == host ? tokens_.erase(it) : std::next(it);
    }
    const std::string token = "fpt_" + std::to_string(++token_counter_) + "_secret";
    tokens_[token] = host;
    res.status = 201;
    res.set_content(nlohmann::json{{"host_id", host}, {"token", token}}.dump(), "application/json");
  }

  void ack(httplib::Response& res, const std::string& host, bool changed) {
    res.status = 200;
    res.set_content(nlohmann::json{{"accepted", true},
                                   {"host_id", host},
                                   {"report_seq", ++seq_[host]},
                                   {"changed", changed},
                                   {"report_hash", hashes_[host]},
                                   {"delta", delta_}}
                        .dump(),
                    "application/json");
  }

  void put_report(const httplib::Request& req, httplib::Response& res) {
    const std::string host = req.matches[1];
    if (!authorised(req, res, host)) return;
    auto report = hoststate::host_report_from_json(req.body, "body");
    if (!report.ok()) {
      error(res, 400, "bad_request", report.error().message);
      return;
    }
    if (report->host.id != host) {
      error(res, 400, "bad_request", "host.id does not match the path");
      return;
    }
    const std::string hash = store::report_content_hash(*report);
    const bool changed = hashes_[host] != hash;
    hashes_[host] = hash;
    collected_at_[host] = report->collected_at;
    reports_.insert_or_assign(host, std::move(*report));
    ack(res, host, changed);
  }

  void unchanged(const httplib::Request& req, httplib::Response& res) {
    const std::string host = req.matches[1];
    if (!authorised(req, res, host)) return;
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("report_hash") || !body.contains("collected_at")) {
      error(res, 400, "bad_request", "bad unchanged body");
      return;
    }
    const auto stored = hashes_.find(host);
    if (stored == hashes_.end() || stored->second != body["report_hash"]) {
      error(res, 409, "conflict", "report hash differs from the stored one");
      return;
    }
    collected_at_[host] = body["collected_at"];
    ack(res, host, false);
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::mutex mu_;
  std::vector<RecordedRequest> requests_;
  std::string secret_ = "enroll-me";
  bool delta_ = true;
  int failures_left_ = 0, failure_status_ = 503, failure_retry_after_ = -1;
  int token_counter_ = 0;
  std::map<std::string, std::string> tokens_;  // token -> host id
  std::map<std::string, std::string> hashes_;  // host id -> stored report hash
  std::map<std::string, std::string> collected_at_;
  std::map<std::string, core::HostReport> reports_;
  std::map<std::string, std::int64_t> seq_;
};

/// A port nothing listens on (bound, then released): "the server is away".
inline int unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);  // never listened: connections to it are refused
  return port;
}

}  // namespace fleetpatch::agent::testing
