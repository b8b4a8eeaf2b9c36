// The agent's side of the server API (docs/agent.md, the contract in docs/openapi.json): the
// requests it builds, the replies it parses, and the decisions it takes on them. No I/O here:
// the transport (http_transport.hpp) moves the bytes, the state directory (state_dir.hpp) keeps
// what must survive a restart, and agent.hpp drives the steps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fleetpatch::agent {

/// One API call, relative to the server's base URL.
struct HttpRequest {
  std::string method;        // "POST", "PUT"
  std::string path;          // "/api/v1/enroll", "/api/v1/hosts/ID/report"
  std::string bearer_token;  // empty: no Authorization header
  std::string body;          // JSON
};

struct HttpResponse {
  long status = 0;
  std::string body;
  /// Seconds from a Retry-After header (429, 503), when the server sent one.
  std::optional<std::int64_t> retry_after_seconds;
};

/// "https://fleet.example:8443", "https://fleet.example/api/v1/", ... -> the origin plus any path
/// prefix, without a trailing slash and without "/api/v1" (the agent appends the API paths).
/// Only http:// and https:// are accepted.
core::Result<std::string> normalize_server_url(std::string_view url);

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay as they are), so a
/// host id with a slash or a space cannot change which route is called.
std::string encode_path_segment(std::string_view segment);

HttpRequest enroll_request(std::string_view enroll_secret, std::string_view host_id,
                           std::string_view hostname);
/// PUT /api/v1/hosts/{id}/report with the report's JSON as the body.
HttpRequest full_report_request(std::string_view host_id, std::string_view token,
                                std::string report_json);
/// POST /api/v1/hosts/{id}/report/unchanged.
HttpRequest unchanged_request(std::string_view host_id, std::string_view token,
                              std::string_view report_hash, std::string_view collected_at);

struct EnrollReply {
  std::string host_id;
  std::string token;
};
core::Result<EnrollReply> parse_enroll_reply(std::string_view body);

/// The server's acknowledgement of a report (full or unchanged).
struct Ack {
  std::string host_id;
  std::int64_t report_seq = 0;
  bool changed = false;
  std::string report_hash;
  bool delta = false;  // the server accepts "unchanged" markers for this host
};
core::Result<Ack> parse_ack(std::string_view body);

/// The "message" of a JSON error reply ({"error": {"code", "message"}}), else the body's first
/// 200 bytes: for log lines.
std::string error_summary(std::string_view body);

/// What the agent remembers about the last report the server accepted (state_dir.hpp keeps it).
struct LastAccepted {
  std::string server;  // normalised URL it was accepted by
  std::string host_id;
  std::string report_hash;
  bool delta = false;
  std::int64_t report_seq = 0;
  std::string accepted_at;  // RFC 3339
};

enum class SendKind { kFull, kUnchanged };
std::string_view to_string(SendKind kind);

/// Full or unchanged: unchanged only when the last accepted ack (from this server, for this host)
/// said "delta": true and carried the same content hash as the report about to be sent.
SendKind choose_send(const std::optional<LastAccepted>& last, std::string_view server,
                     std::string_view host_id, std::string_view report_hash);

// ---- one exchange: enroll if needed, send, fall back, re-enroll once ------------------------

enum class Step {
  kEnroll,         // POST /enroll, then resume the send
  kSendFull,       // PUT .../report
  kSendUnchanged,  // POST .../report/unchanged
  kAccepted,       // done: the server acknowledged (durably)
  kRetry,          // the server is away or busy: back off and start the exchange again
  kFail,           // retrying will not help (wrong secret, report refused): give up
};
std::string_view to_string(Step step);

struct ExchangeState {
  Step step = Step::kSendFull;
  SendKind resume = SendKind::kFull;  // what kEnroll leads back to
  bool reenrolled = false;            // a 401 re-enrolls once per exchange, not in a loop
};

/// Where an exchange starts: enrollment when there is no token, else the chosen send.
ExchangeState start_exchange(bool have_token, SendKind kind);

/// The state after a response to the current step's request. `status` 0 means no response at
/// all (connection refused, timeout, TLS failure). `why` says, for the log, what happened.
struct Transition {
  ExchangeState state;
  std::string why;
};
Transition advance(const ExchangeState& state, long status);

}  // namespace fleetpatch::agent
