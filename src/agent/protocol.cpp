#include "agent/protocol.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

namespace fleetpatch::agent {
namespace {

using nlohmann::json;

constexpr std::string_view kApiPrefix = "/api/v1";

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

std::string host_path(std::string_view host_id) {
  return std::string(kApiPrefix) + "/hosts/" + encode_path_segment(host_id) + "/report";
}

core::Result<json> parse_object(std::string_view body, std::string_view what) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return core::invalid_argument(std::string(what) + ": the server's reply is not a JSON object");
  }
  return doc;
}

core::Result<std::string> string_field(const json& doc, const char* name, std::string_view what) {
  const auto it = doc.find(name);
  if (it == doc.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return core::invalid_argument(std::string(what) + ": reply without \"" + name + "\"");
  }
  return it->get<std::string>();
}

}  // namespace

core::Result<std::string> normalize_server_url(std::string_view url) {
  std::string_view rest = url;
  std::string scheme;
  if (starts_with_ci(rest, "https://")) {
    scheme = "https://";
  } else if (starts_with_ci(rest, "http://")) {
    scheme = "http://";
  } else {
    return core::invalid_argument("server URL '" + std::string(url) +
                                  "': expected http://HOST[:PORT] or https://HOST[:PORT]");
  }
  rest.remove_prefix(scheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return core::invalid_argument("server URL '" + std::string(url) +
                                  "': no query or fragment expected");
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  // Repeatedly, so that normalising a normalised URL changes nothing.
  while (rest.size() >= kApiPrefix.size() &&
         rest.substr(rest.size() - kApiPrefix.size()) == kApiPrefix) {
    rest.remove_suffix(kApiPrefix.size());
    while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  }
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.empty()) {
    return core::invalid_argument("server URL '" + std::string(url) + "': no host");
  }
  return scheme + std::string(rest);
}

std::string encode_path_segment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(segment.size());
  for (const char c : segment) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

HttpRequest enroll_request(std::string_view enroll_secret, std::string_view host_id,
                           std::string_view hostname) {
  const json body = {
      {"enroll_secret", enroll_secret}, {"host_id", host_id}, {"hostname", hostname}};
  return {"POST", std::string(kApiPrefix) + "/enroll", "", body.dump()};
}

HttpRequest full_report_request(std::string_view host_id, std::string_view token,
                                std::string report_json) {
  return {"PUT", host_path(host_id), std::string(token), std::move(report_json)};
}

HttpRequest unchanged_request(std::string_view host_id, std::string_view token,
                              std::string_view report_hash, std::string_view collected_at) {
  const json body = {{"report_hash", report_hash}, {"collected_at", collected_at}};
  return {"POST", host_path(host_id) + "/unchanged", std::string(token), body.dump()};
}

core::Result<EnrollReply> parse_enroll_reply(std::string_view body) {
  auto doc = parse_object(body, "enroll");
  if (!doc.ok()) return doc.error();
  auto host_id = string_field(*doc, "host_id", "enroll");
  if (!host_id.ok()) return host_id.error();
  auto token = string_field(*doc, "token", "enroll");
  if (!token.ok()) return token.error();
  return EnrollReply{std::move(*host_id), std::move(*token)};
}

core::Result<Ack> parse_ack(std::string_view body) {
  auto doc = parse_object(body, "report");
  if (!doc.ok()) return doc.error();
  const json& d = *doc;
  if (!d.value("accepted", false)) {
    return core::invalid_argument("report: reply without \"accepted\": true");
  }
  Ack ack;
  auto host_id = string_field(d, "host_id", "report");
  if (!host_id.ok()) return host_id.error();
  ack.host_id = std::move(*host_id);
  auto hash = string_field(d, "report_hash", "report");
  if (!hash.ok()) return hash.error();
  ack.report_hash = std::move(*hash);
  if (const auto it = d.find("report_seq"); it != d.end() && it->is_number_integer()) {
    ack.report_seq = it->get<std::int64_t>();
  }
  if (const auto it = d.find("changed"); it != d.end() && it->is_boolean()) {
    ack.changed = it->get<bool>();
  }
  // An older server without delta support simply omits the field: full reports only.
  if (const auto it = d.find("delta"); it != d.end() && it->is_boolean()) {
    ack.delta = it->get<bool>();
  }
  return ack;
}

std::string error_summary(std::string_view body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    const auto error = doc.find("error");
    if (error != doc.end() && error->is_object()) {
      const std::string code = error->value("code", "");
      const std::string message = error->value("message", "");
      if (!code.empty() || !message.empty()) {
        return code.empty() ? message : message.empty() ? code : code + ": " + message;
      }
    }
  }
  std::string out(body.substr(0, 200));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

std::string_view to_string(SendKind kind) {
  return kind == SendKind::kUnchanged ? "unchanged" : "full";
}

SendKind choose_send(const std::optional<LastAccepted>& last, std::string_view server,
                     std::string_view host_id, std::string_view report_hash) {
  if (!last || !last->delta || last->server != server || last->host_id != host_id ||
      last->report_hash.empty() || last->report_hash != report_hash) {
    return SendKind::kFull;
  }
  return SendKind::kUnchanged;
}

std::string_view to_string(Step step) {
  switch (step) {
    case Step::kEnroll:
      return "enroll";
    case Step::kSendFull:
      return "send-full";
    case Step::kSendUnchanged:
      return "send-unchanged";
    case Step::kAccepted:
      return "accepted";
    case Step::kRetry:
      return "retry";
    case Step::kFail:
      return "fail";
  }
  return "?";
}

ExchangeState start_exchange(bool have_token, SendKind kind) {
  ExchangeState state;
  state.resume = kind;
  if (!have_token) {
    state.step = Step::kEnroll;
  } else {
    state.step = kind == SendKind::kUnchanged ? Step::kSendUnchanged : Step::kSendFull;
  }
  return state;
}

Transition advance(const ExchangeState& state, long status) {
  ExchangeState next = state;
  const std::string code = "HTTP " + std::to_string(status);
  const auto to = [&](Step step, std::string why) {
    next.step = step;
    return Transition{next, std::move(why)};
  };
  // The server is away, overloaded or rate-limiting: the same request may succeed later.
  const bool transient = status == 0 || status == 408 || status == 429 || status >= 500;
  switch (state.step) {
    case Step::kEnroll:
      if (status == 200 || status == 201) {
        return to(state.resume == SendKind::kUnchanged ? Step::kSendUnchanged : Step::kSendFull,
                  "enrolled");
      }
      if (transient) return to(Step::kRetry, status == 0 ? "no answer" : code);
      if (status == 401 || status == 403) {
        return to(Step::kFail, code + ": the server refused the enrollment secret");
      }
      return to(Step::kFail, code + ": enrollment refused");
    case Step::kSendFull:
    case Step::kSendUnchanged: {
      const bool unchanged = state.step == Step::kSendUnchanged;
      if (status >= 200 && status < 300) return to(Step::kAccepted, code);
      if (transient) return to(Step::kRetry, status == 0 ? "no answer" : code);
      if (status == 401) {
        // The token was revoked (re-enrolled elsewhere, rotated by an admin) or the server lost
        // it: enroll again, once, and resend what was being sent.
        if (state.reenrolled) return to(Step::kFail, code + ": the new token was refused too");
        next.reenrolled = true;
        next.resume = unchanged ? SendKind::kUnchanged : SendKind::kFull;
        return to(Step::kEnroll, code + ": token refused, enrolling again");
      }
      // The server no longer has the report the hash names (409), or predates the route (404):
      // the full report settles it.
      if (unchanged && (status == 409 || status == 404)) {
        return to(Step::kSendFull, code + ": server wants the full report");
      }
      return to(Step::kFail,
                code + (unchanged ? ": unchanged marker refused" : ": report refused"));
    }
    case Step::kAccepted:
    case Step::kRetry:
    case Step::kFail:
      break;
  }
  return {next, "exchange already finished"};
}

}  // namespace fleetpatch::agent
