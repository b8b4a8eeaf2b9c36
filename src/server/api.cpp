#include "server/api.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "feed/epss/epss.hpp"
#include "hoststate/host_report_json.hpp"
#include "match/matcher.hpp"
#include "policy/evaluate.hpp"
#include "policy/exceptions.hpp"
#include "policy/policy.hpp"
#include "policy/risk.hpp"
#include "report/compliance_report.hpp"
#include "report/scan_report.hpp"
#include "server/auth.hpp"
#include "server/fleet_eval.hpp"

namespace fleetpatch::server {

using json = nlohmann::json;
namespace fs = std::filesystem;

// ---- index holder --------------------------------------------------------------------------

std::shared_ptr<const index::Index> IndexHolder::get() const {
  std::lock_guard lock(mutex_);
  return index_;
}

void IndexHolder::set(std::shared_ptr<const index::Index> index) {
  std::shared_ptr<const match::Matcher> old_matcher;
  std::lock_guard lock(mutex_);
  index_.swap(index);
  old_matcher.swap(matcher_);
  // The previous index (now in `index`) and its matcher are released outside the lock, and
  // unmapped only when their last reader lets go of them.
}

IndexHolder::Evaluator IndexHolder::evaluator(core::TimePoint now) const {
  const core::TimePoint day = std::chrono::floor<std::chrono::days>(now);
  std::shared_ptr<const match::Matcher> old_matcher;
  std::lock_guard lock(mutex_);
  if (!index_) return {};
  if (!matcher_ || matcher_day_ != day) {
    match::MatchOptions options;
    options.threads = 1;
    options.as_of = day;
    old_matcher = std::exchange(matcher_, std::make_shared<const match::Matcher>(*index_, options));
    matcher_day_ = day;
  }
  // The matcher refers to the index: callers keep both alive together.
  return {index_, matcher_};
}

// ---- helpers -------------------------------------------------------------------------------

namespace {

constexpr std::string_view kApi = "/api/v1";
constexpr std::size_t kDefaultPageSize = 100;
constexpr std::size_t kMaxPageSize = 1000;
constexpr std::string_view kAgentTokenSetting = "agent_token/";

/// Who may call a route.
enum class Access {
  kPublic,      // no token
  kEnroll,      // no token; the enrollment secret in the body
  kViewer,      // viewer, operator or admin
  kOperator,    // operator or admin
  kAdmin,       // admin
  kHostReport,  // the agent token of the host in the path, or operator+
};

/// The authenticated caller.
struct Caller {
  std::optional<store::TokenRecord> token;
  std::string actor;  // for the audit log: "NAME (ID)", or "anonymous ADDRESS"
};

using Params = std::map<std::string, std::string, std::less<>>;

/// Raised inside handlers for an answer that is not a success; turned into the JSON error.
struct ApiError {
  int status;
  std::string code;
  std::string message;
};

/// JSON text; bytes that are not UTF-8 (a percent-decoded path names a host) become U+FFFD
/// instead of failing the whole answer.
std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

HttpResponse json_response(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = dump(body);
  return r;
}

HttpResponse error_response(int status, std::string_view code, std::string_view message) {
  return json_response(status, {{"error", {{"code", code}, {"message", message}}}});
}

HttpResponse error_response(const ApiError& e) {
  return error_response(e.status, e.code, e.message);
}

[[noreturn]] void fail(int status, std::string code, std::string message) {
  throw ApiError{status, std::move(code), std::move(message)};
}

[[noreturn]] void store_failed(const core::Error& error) {
  // The store refusing is the server's trouble, not the caller's: 503 tells agents to retry.
  fail(503, "unavailable", "the store failed: " + error.message);
}

template <typename T>
T check(core::Result<T> result) {
  if (!result.ok()) store_failed(result.error());
  return std::move(result).value();
}

void check(const core::Status& status) {
  if (!status.ok()) store_failed(status.error());
}

/// Parses a JSON body; malformed JSON is a 400 naming the byte offset.
json parse_body(const std::string& body) {
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    fail(400, "bad_request",
         "malformed JSON at byte " + std::to_string(e.byte) + ": " + std::string(e.what()));
  }
}

json parse_object(const std::string& body) {
  json doc = parse_body(body);
  if (!doc.is_object()) fail(400, "bad_request", "the body must be a JSON object (at /)");
  return doc;
}

/// A required string member of `doc`, else 400 naming its pointer.
std::string string_member(const json& doc, std::string_view name, bool required = true) {
  const auto it = doc.find(name);
  if (it == doc.end()) {
    if (!required) return {};
    fail(400, "bad_request", "missing field /" + std::string(name));
  }
  if (!it->is_string()) fail(400, "bad_request", "/" + std::string(name) + ": expected a string");
  return it->get<std::string>();
}

std::size_t page_size(const HttpRequest& request) {
  const auto text = request.param("limit");
  if (!text) return kDefaultPageSize;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n == 0) {
    fail(400, "bad_request", "limit: expected a positive integer");
  }
  return std::min(n, kMaxPageSize);
}

std::int64_t int_param(const HttpRequest& request, std::string_view name) {
  const auto text = request.param(name);
  if (!text) return 0;
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n < 0) {
    fail(400, "bad_request", std::string(name) + ": expected a non-negative integer");
  }
  return n;
}

/// Host ids are path segments and audit targets: printable, no slash, bounded.
bool valid_host_id(std::string_view id) {
  if (id.empty() || id.size() > 256) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && c != 0x7f && c != '/';
  });
}

/// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

std::string time_text(core::TimePoint t) { return core::format_rfc3339(t); }

json host_json(const store::HostRecord& h) {
  return {{"id", h.id},
          {"hostname", h.hostname},
          {"tags", h.tags},
          {"os", {{"id", h.os_id}, {"version_id", h.os_version_id}}},
          {"kernel_running", h.kernel_running},
          {"package_count", h.package_count},
          {"report_hash", h.report_hash},
          {"report_seq", h.report_seq},
          {"collected_at", h.collected_at},
          {"first_report_at", time_text(h.first_report_at)},
          {"last_report_at", time_text(h.last_report_at)}};
}

json run_json(const store::EvaluationRun& run) {
  return {{"id", run.id},
          {"started_at", time_text(run.started_at)},
          {"finished_at", time_text(run.finished_at)},
          {"reason", run.reason},
          {"index_checksum", run.index_checksum},
          {"hosts", run.hosts},
          {"new_findings", run.new_findings},
          {"fixed_findings", run.fixed_findings}};
}

json token_json(const store::TokenRecord& t) {
  json j = {{"id", t.id},
            {"name", t.name},
            {"role", store::to_string(t.role)},
            {"created_at", time_text(t.created_at)},
            {"revoked_at", nullptr}};
  if (t.role == store::Role::kAgent) j["host_id"] = t.host_id;
  if (t.revoked_at) j["revoked_at"] = time_text(*t.revoked_at);
  return j;
}

json audit_json(const store::AuditEntry& e) {
  json detail = json::parse(e.event.detail, nullptr, false);
  if (detail.is_discarded()) detail = e.event.detail;
  return {{"seq", e.seq},
          {"at", time_text(e.event.at)},
          {"actor", e.event.actor},
          {"action", e.event.action},
          {"target", e.event.target},
          {"detail", std::move(detail)},
          {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}

std::string role_rank_name(Access access) {
  switch (access) {
    case Access::kViewer:
      return "viewer";
    case Access::kOperator:
    case Access::kHostReport:
      return "operator";
    case Access::kAdmin:
      return "admin";
    case Access::kPublic:
    case Access::kEnroll:
      break;
  }
  return "none";
}

/// Ranks people's roles; agents rank below viewers (they read nothing).
int rank(store::Role role) {
  switch (role) {
    case store::Role::kViewer:
      return 1;
    case store::Role::kOperator:
      return 2;
    case store::Role::kAdmin:
      return 3;
    case store::Role::kAgent:
      return 0;
  }
  return 0;
}

/// Reads the EPSS scores `feed import` stored in the data directory, when there are any.
std::optional<policy::EpssScores> load_epss(const std::string& data_dir, std::string& model) {
  const std::string path = (fs::path(data_dir) / "epss.csv").string();
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  core::Diagnostics diags;
  auto data = feed::epss::read_file(path, diags);
  if (!data.ok()) fail(500, "internal", "the stored EPSS scores: " + data.error().message);
  policy::EpssScores scores;
  for (auto& row : data->rows) scores.add(std::move(row.cve), {row.epss, row.percentile});
  scores.model_version = data->model_version;
  scores.score_date = data->score_date;
  model = data->model_version.empty() ? "EPSS" : "EPSS " + data->model_version;
  if (!data->score_date.empty()) model += " (" + data->score_date + ")";
  return scores;
}

/// A feed file name as given by ?name=: its last path component, reduced to a safe alphabet.
/// The extension matters (the importer recognises formats by it), the rest only names the file.
std::string safe_file_name(std::string_view name) {
  const auto slash = name.find_last_of('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || out.front() == '.') out.insert(0, "feed");
  return out.substr(0, 128);
}

}  // namespace

// ---- the routes ----------------------------------------------------------------------------

/// The handlers, with access to the Api's members.
struct Api::Impl {
  struct Call {
    const HttpRequest& request;
    Params params;
    Caller caller;
    core::TimePoint now;
  };
  using Handler = HttpResponse (*)(Api& api, Call& call);

  struct Route {
    std::string_view method;
    std::string_view pattern;
    Access access;
    Handler handler;
  };

  static const std::vector<Route>& table();

  // -- public ------------------------------------------------------------------------------

  static HttpResponse healthz(Api&, Call&) { return json_response(200, {{"status", "ok"}}); }

  static HttpResponse readyz(Api& api, Call&) {
    auto version = api.store_.schema_version();
    if (!version.ok()) {
      return error_response(503, "unavailable",
                            "the store does not answer: " + version.error().message);
    }
    if (!api.index_.get()) {
      return error_response(503, "unavailable",
                            "no advisory index loaded: import a feed (POST /api/v1/feeds/import "
                            "or `fleetpatch feed import`)");
    }
    return json_response(
        200, {{"status", "ready"}, {"store", api.store_.backend()}, {"schema_version", *version}});
  }

  static HttpResponse metrics(Api& api, Call&) {
    auto hosts = api.store_.host_count();
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = api.metrics_.render(hosts.ok() ? std::optional<std::int64_t>(*hosts) : std::nullopt,
                                 api.index_.get() != nullptr);
    return r;
  }

  static HttpResponse openapi(Api&, Call&) {
    HttpResponse r;
    r.body = std::string(openapi_document());
    return r;
  }

  // -- enrollment --------------------------------------------------------------------------

  static HttpResponse enroll(Api& api, Call& call) {
    const json body = parse_object(call.request.body);
    const std::string secret = string_member(body, "enroll_secret");
    const std::string host_id = string_member(body, "host_id");
    const std::string hostname = string_member(body, "hostname", false);
    if (!api.config_.enroll_secret) {
      fail(403, "forbidden",
           "enrollment is disabled: the server was started without an enrollment secret "
           "(--enroll-secret-file or FLEETPATCH_ENROLL_SECRET)");
    }
    if (!secrets_equal(secret, *api.config_.enroll_secret)) {
      fail(401, "unauthorized", "wrong enrollment secret");
    }
    if (!valid_host_id(host_id)) {
      fail(400, "bad_request", "/host_id: 1 to 256 printable characters, no '/' and no whitespace");
    }
    auto token = generate_token();
    if (!token.ok()) fail(500, "internal", token.error().message);
    store::TokenRecord record;
    record.id = token->id;
    record.hash = token->hash;
    record.name = "host:" + host_id;
    record.role = store::Role::kAgent;
    record.host_id = host_id;
    record.created_at = call.now;
    check(api.store_.put_token(record));
    // Re-enrolling (a reinstalled host, a lost token) replaces the host's token: the previous
    // one stops working.
    const std::string setting = std::string(kAgentTokenSetting) + host_id;
    json revoked = json::array();
    if (auto previous = check(api.store_.get_setting(setting)); previous && !previous->empty()) {
      if (check(api.store_.revoke_token(*previous, call.now))) revoked.push_back(*previous);
      api.tokens_.clear();  // the replaced token stops working at once
    }
    check(api.store_.put_setting(setting, record.id));
    call.caller.actor = "enroll " + host_id;
    api_audit(api, call, "agent.enroll", host_id,
              {{"token_id", record.id}, {"hostname", hostname}, {"revoked", revoked}});
    return json_response(201,
                         {{"host_id", host_id}, {"token", token->token}, {"token_id", record.id}});
  }

  // -- reports -----------------------------------------------------------------------------

  /// The ack of an accepted report (docs/api.md), written directly: built as a json object and
  /// dumped, it was ~7% of the server's CPU per "unchanged" marker. The members come in the
  /// order json's std::map gave them (by name), and its strings go through the same dump(), so
  /// its bytes are what they were.
  /// `evaluated`: whether a full report's findings were evaluated (absent for a marker).
  static HttpResponse ack(const std::string& host_id, const store::PutReportResult& put,
                          const std::string& hash, std::optional<bool> evaluated = std::nullopt,
                          const std::string& evaluation_error = {}) {
    HttpResponse r;
    std::string& out = r.body;
    out.reserve(160 + host_id.size() + hash.size() + evaluation_error.size());
    out += R"({"accepted":true,"changed":)";
    out += put.changed ? "true" : "false";
    out += R"(,"delta":true)";
    if (evaluated) {
      out += R"(,"evaluated":)";
      out += *evaluated ? "true" : "false";
    }
    if (!evaluation_error.empty()) {
      out += R"(,"evaluation_error":)";
      out += dump(evaluation_error);
    }
    out += R"(,"host_id":)";
    out += dump(host_id);
    out += R"(,"report_hash":)";
    out += dump(hash);
    out += R"(,"report_seq":)";
    out += std::to_string(put.report_seq);
    out += '}';
    return r;
  }

  static HttpResponse put_report(Api& api, Call& call) {
    const std::string& host_id = call.params.at("id");
    // Parsed into this handler thread's report, reused from request to request: its packages'
    // strings keep their capacity, where a fresh report allocated ~2,800 of them per request.
    thread_local core::HostReport parsed;
    // An unusually large report's memory goes back when its request ends, however it ends.
    struct TrimLarge {
      ~TrimLarge() {
        if (parsed.packages.capacity() > 10000) parsed = core::HostReport{};
      }
    } trim;
    if (auto status =
            hoststate::host_report_from_json_into(call.request.body, "request body", parsed);
        !status.ok()) {
      fail(400, "bad_request", status.error().message);
    }
    const core::HostReport& report = parsed;
    if (report.host.id != host_id) {
      fail(400, "bad_request",
           "/host/id is \"" + report.host.id + "\" but the URL names host \"" + host_id + "\"");
    }
    // Encoded and hashed once: the hash goes into the ack and the audit entry.
    const store::PreparedReport prepared = store::prepare_report(report);
    const std::string& hash = prepared.content_hash;
    const store::AuditEvent audit = event(call, "report.accept", host_id,
                                          {{"report_hash", hash},
                                           {"packages", report.packages.size()},
                                           {"collected_at", report.collected_at}});
    // The findings follow from the loaded index: evaluated before storing, so the report, its
    // ledger update and its audit entry commit in one transaction. Without an index there is
    // nothing to evaluate yet: the first import re-evaluates every host.
    const auto evaluator = api.index_.evaluator(call.now);
    std::optional<LedgerDiff> diff;
    std::string evaluation_error;
    if (evaluator.index) {
      auto evaluated =
          diff_host(api.store_, *evaluator.matcher, *evaluator.index, report, call.now);
      if (evaluated.ok()) {
        diff = std::move(evaluated).value();
      } else {
        evaluation_error = evaluated.error().message;
      }
    }
    const store::LedgerUpdate* ledger = diff && diff->changed ? &diff->update : nullptr;
    const store::PutReportResult put =
        check(api.store_.put_prepared_report(prepared, call.now, &audit, ledger));
    api.metrics_.report_accepted(true);
    bool evaluated_ok = diff.has_value();
    // A feed import may have swapped the index meanwhile; its fleet re-evaluation and this
    // ledger write could then land in either order. Evaluating again whenever the index changed
    // underneath makes the last write the new index's.
    std::shared_ptr<const index::Index> evaluated = diff ? evaluator.index : nullptr;
    for (auto e = api.index_.evaluator(call.now); e.index && e.index != evaluated;
         e = api.index_.evaluator(call.now)) {
      auto status = evaluate_host(api.store_, *e.matcher, *e.index, report, call.now);
      evaluated_ok = status.ok();
      if (!status.ok()) {
        evaluation_error = status.error().message;
        break;
      }
      evaluation_error.clear();
      evaluated = e.index;
    }
    return ack(host_id, put, hash, evaluated_ok, evaluation_error);
  }

  static HttpResponse put_unchanged(Api& api, Call& call) {
    const std::string& host_id = call.params.at("id");
    const json body = parse_object(call.request.body);
    const std::string hash = string_member(body, "report_hash");
    const std::string collected_at = string_member(body, "collected_at");
    if (auto t = core::parse_rfc3339(collected_at); !t.ok()) {
      fail(400, "bad_request", "/collected_at: " + t.error().message);
    }
    const store::AuditEvent audit = event(call, "report.unchanged", host_id,
                                          {{"report_hash", hash}, {"collected_at", collected_at}});
    auto put = check(api.store_.touch_report(host_id, hash, collected_at, call.now, &audit));
    if (!put) {
      fail(409, "conflict",
           "the stored report of host \"" + host_id +
               "\" does not have this hash (or there is none): send the full report");
    }
    api.metrics_.report_accepted(false);
    return ack(host_id, *put, hash);
  }

  // -- hosts -------------------------------------------------------------------------------

  static HttpResponse list_hosts(Api& api, Call& call) {
    const std::size_t limit = page_size(call.request);
    const std::string after(call.request.param("after").value_or(""));
    const auto hosts = check(api.store_.list_hosts(after, limit));
    json list = json::array();
    for (const auto& h : hosts) list.push_back(host_json(h));
    json next = nullptr;
    if (hosts.size() == limit) next = hosts.back().id;
    return json_response(200, {{"hosts", std::move(list)}, {"next", std::move(next)}});
  }

  static HttpResponse get_host(Api& api, Call& call) {
    const std::string& id = call.params.at("id");
    auto host = check(api.store_.get_host(id));
    if (!host) fail(404, "not_found", "no host \"" + id + "\"");
    return json_response(200, host_json(*host));
  }

  static core::HostReport stored_report(Api& api, const std::string& id) {
    auto report = check(api.store_.get_report(id));
    if (!report) fail(404, "not_found", "no report of host \"" + id + "\"");
    return std::move(*report);
  }

  static HttpResponse get_report(Api& api, Call& call) {
    HttpResponse r;
    r.body = hoststate::to_json(stored_report(api, call.params.at("id")), false);
    return r;
  }

  static std::shared_ptr<const index::Index> require_index(Api& api) {
    auto index = api.index_.get();
    if (!index) {
      fail(503, "unavailable", "no advisory index loaded: import a feed first");
    }
    return index;
  }

  static HttpResponse get_findings(Api& api, Call& call) {
    const core::HostReport report = stored_report(api, call.params.at("id"));
    const auto index = require_index(api);
    match::MatchOptions options;
    options.threads = 1;
    options.as_of = call.now;
    const match::Matcher matcher(*index, options);
    const core::HostFindings findings = matcher.match_host(report);
    HttpResponse r;
    r.body = report::scan_json({&findings, 1}, {.pretty = false});
    return r;
  }

  // -- compliance, policies ----------------------------------------------------------------

  static policy::ExceptionSet stored_exceptions(Api& api) {
    policy::ExceptionSet all;
    for (const auto& doc : check(api.store_.list_exceptions())) {
      auto set = policy::parse_exceptions(doc.toml, "exception " + doc.id);
      if (!set.ok()) fail(500, "internal", "a stored exception: " + set.error().message);
      for (auto& rec : set->records) all.records.push_back(std::move(rec));
    }
    return all;
  }

  static HttpResponse compliance(Api& api, Call& call) {
    const std::string name(call.request.param("policy").value_or("soc2"));
    auto pol = policy::builtin_policy(name);
    if (!pol.ok()) fail(400, "bad_request", "policy: " + pol.error().message);
    core::TimePoint as_of = call.now;
    if (auto text = call.request.param("as_of")) {
      auto t = core::parse_rfc3339(*text);
      if (!t.ok()) fail(400, "bad_request", "as_of: " + t.error().message);
      as_of = *t;
    }
    const std::string summary(call.request.param("summary").value_or("0"));
    const bool summary_only = summary == "1" || summary == "true";
    const auto index = require_index(api);
    const core::FixedClock clock(as_of);
    const policy::ExceptionSet exceptions = stored_exceptions(api);
    std::string epss_model;
    const auto epss = load_epss(api.config_.data_dir, epss_model);
    const policy::Evaluator evaluator(*pol, &exceptions, epss ? &*epss : nullptr, clock);
    report::BuildOptions build;
    build.keep_findings = !summary_only;
    auto result = fleet_compliance(api.store_, *index, evaluator, &exceptions, build);
    if (!result.ok()) store_failed(result.error());
    result->epss_model = epss_model;
    std::ostringstream out;
    report::write_compliance_json(out, *result,
                                  {.pretty = true, .include_findings = !summary_only});
    HttpResponse r;
    r.body = out.str();
    return r;
  }

  static HttpResponse policies(Api&, Call&) {
    static constexpr std::array<std::string_view, 5> kSeverities = {"unknown", "low", "medium",
                                                                    "high", "critical"};
    json list = json::array();
    for (const auto& builtin : policy::builtin_policies()) {
      auto pol = policy::builtin_policy(builtin.name);
      if (!pol.ok()) fail(500, "internal", pol.error().message);
      json days = json::object();
      for (std::size_t i = 0; i < kSeverities.size(); ++i) {
        days[std::string(kSeverities[i])] = pol->days[i] ? json(*pol->days[i]) : json(nullptr);
      }
      list.push_back({{"name", pol->name},
                      {"description", pol->description},
                      {"days", std::move(days)},
                      {"clock_start", policy::to_string(pol->clock_start)},
                      {"due_soon_days", pol->due_soon_days}});
    }
    return json_response(200, {{"policies", std::move(list)}});
  }

  // -- exceptions --------------------------------------------------------------------------

  static HttpResponse list_exceptions(Api& api, Call&) {
    json list = json::array();
    for (const auto& doc : check(api.store_.list_exceptions())) {
      list.push_back({{"id", doc.id},
                      {"toml", doc.toml},
                      {"created_at", time_text(doc.created_at)},
                      {"created_by", doc.created_by}});
    }
    return json_response(200, {{"exceptions", std::move(list)}});
  }

  static HttpResponse create_exception(Api& api, Call& call) {
    const json body = parse_object(call.request.body);
    const std::string toml = string_member(body, "toml");
    auto set = policy::parse_exceptions(toml, "toml");
    if (!set.ok()) fail(400, "bad_request", set.error().message);
    if (set->records.size() != 1) {
      fail(400, "bad_request",
           "/toml: expected exactly one [[exception]] or [[mitigation]] record, got " +
               std::to_string(set->records.size()));
    }
    const policy::ExceptionRecord& rec = set->records.front();
    if (rec.id.starts_with("toml:")) {
      fail(400, "bad_request", "/toml: the record needs an `id`");
    }
    for (const auto& doc : check(api.store_.list_exceptions())) {
      if (doc.id == rec.id) fail(409, "conflict", "exception \"" + rec.id + "\" exists");
    }
    store::ExceptionDocument doc{rec.id, toml, call.now, call.caller.actor};
    check(api.store_.put_exception(doc));
    api_audit(
        api, call, "exception.create", rec.id,
        {{"kind", policy::to_string(rec.kind)}, {"selector", rec.selector_text()}, {"toml", toml}});
    return json_response(201, {{"id", doc.id},
                               {"toml", doc.toml},
                               {"created_at", time_text(doc.created_at)},
                               {"created_by", doc.created_by}});
  }

  static HttpResponse delete_exception(Api& api, Call& call) {
    const std::string& id = call.params.at("id");
    if (!check(api.store_.delete_exception(id)))
      fail(404, "not_found", "no exception \"" + id + "\"");
    api_audit(api, call, "exception.delete", id, json::object());
    return no_content();
  }

  // -- feeds, evaluations ------------------------------------------------------------------

  static HttpResponse feeds(Api& api, Call&) {
    auto index = api.index_.get();
    if (!index) return json_response(200, {{"index", nullptr}, {"sources", json::array()}});
    json sources = json::array();
    for (const auto& s : index->sources()) {
      sources.push_back({{"name", s.name},
                         {"records", s.record_count},
                         {"imported_at", s.imported_at},
                         {"newest_record", s.newest_record},
                         {"origin", s.origin}});
    }
    return json_response(200, {{"index",
                                {{"advisories", index->advisory_count()},
                                 {"entries", index->entry_count()},
                                 {"kev", index->kev_count()},
                                 {"checksum", index->checksum_hex()}}},
                               {"sources", std::move(sources)}});
  }

  /// Re-evaluates the fleet against `index`; the caller holds fleet_mutex_.
  static store::EvaluationRun reevaluate(Api& api, const index::Index& index, std::string reason) {
    ReevaluationOptions options;
    options.threads = api.config_.eval_threads;
    options.reason = std::move(reason);
    auto run = reevaluate_fleet(api.store_, index, api.clock_, options);
    if (!run.ok()) fail(500, "internal", "re-evaluation failed: " + run.error().message);
    return std::move(run).value();
  }

  static HttpResponse import_feed(Api& api, Call& call) {
    if (!api.config_.import_feed) {
      fail(503, "unavailable", "this server cannot import feeds");
    }
    const std::string name = safe_file_name(call.request.param("name").value_or("feed.json"));
    if (call.request.body.empty()) fail(400, "bad_request", "empty body: send one feed file");
    std::lock_guard lock(api.fleet_mutex_);
    // The upload goes to a private directory in the data directory (same filesystem, not a
    // shared /tmp) under its own name, whose extension tells the importer the format.
    auto token = generate_token();
    if (!token.ok()) fail(500, "internal", token.error().message);
    const fs::path dir = fs::path(api.config_.data_dir) / "tmp" / ("import-" + token->id);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail(500, "internal", "cannot create " + dir.string() + ": " + ec.message());
    struct Cleanup {
      fs::path dir;
      ~Cleanup() {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
      }
    } cleanup{dir};
    const fs::path file = dir / name;
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out.write(call.request.body.data(), static_cast<std::streamsize>(call.request.body.size()));
      out.flush();
      if (!out) fail(500, "internal", "cannot write " + file.string());
    }
    auto summary = api.config_.import_feed({file.string()});
    if (!summary.ok()) fail(400, "bad_request", summary.error().message);
    json audit_detail = {{"bytes", call.request.body.size()},
                         {"sha256", sha256_hex(call.request.body)}};
    json reply = {{"import", {{"name", name}, {"summary", *summary}}}, {"evaluation", nullptr}};
    const std::string path =
        (fs::path(api.config_.data_dir) / "index" / std::string(index::kIndexFileName)).string();
    std::error_code exists_ec;
    if (fs::exists(path, exists_ec)) {
      auto opened = index::Index::open(path);
      if (!opened.ok()) {
        fail(500, "internal",
             "imported, but the new index does not open: " + opened.error().message);
      }
      auto next = std::make_shared<const index::Index>(std::move(opened).value());
      const auto previous = api.index_.get();
      reply["import"]["advisories"] = next->advisory_count();
      reply["import"]["index_checksum"] = next->checksum_hex();
      audit_detail["index_checksum"] = next->checksum_hex();
      // An import that left the advisories as they were (EPSS scores, the same feed again)
      // changes no finding: no re-evaluation.
      if (!previous || previous->checksum_hex() != next->checksum_hex()) {
        // Readers keep the index they hold; new requests see the new one from here on.
        api.index_.set(next);
        const store::EvaluationRun run = reevaluate(api, *next, "feed import " + name);
        audit_detail["evaluation"] = run.id;
        reply["evaluation"] = run_json(run);
      }
    }
    api_audit(api, call, "feed.import", name, audit_detail);
    return json_response(200, reply);
  }

  static HttpResponse reevaluate_all(Api& api, Call& call) {
    std::lock_guard lock(api.fleet_mutex_);
    const auto index = require_index(api);
    const store::EvaluationRun run = reevaluate(api, *index, "manual");
    api_audit(api, call, "fleet.reevaluate", "fleet",
              {{"evaluation", run.id}, {"index_checksum", index->checksum_hex()}});
    return json_response(200, run_json(run));
  }

  static HttpResponse evaluations(Api& api, Call& call) {
    json list = json::array();
    for (const auto& run : check(api.store_.evaluations(page_size(call.request)))) {
      list.push_back(run_json(run));
    }
    return json_response(200, {{"evaluations", std::move(list)}});
  }

  // -- tokens ------------------------------------------------------------------------------

  static HttpResponse create_token(Api& api, Call& call) {
    const json body = parse_object(call.request.body);
    const std::string name = string_member(body, "name");
    const std::string role_name = string_member(body, "role");
    if (name.empty() || name.size() > 128) fail(400, "bad_request", "/name: 1 to 128 characters");
    const auto role = store::role_from_string(role_name);
    if (!role || *role == store::Role::kAgent) {
      fail(400, "bad_request",
           "/role: one of viewer, operator, admin (agent tokens come from enrollment)");
    }
    auto token = generate_token();
    if (!token.ok()) fail(500, "internal", token.error().message);
    store::TokenRecord record;
    record.id = token->id;
    record.hash = token->hash;
    record.name = name;
    record.role = *role;
    record.created_at = call.now;
    check(api.store_.put_token(record));
    api_audit(api, call, "token.create", record.id, {{"name", name}, {"role", role_name}});
    return json_response(
        201, {{"id", record.id}, {"token", token->token}, {"name", name}, {"role", role_name}});
  }

  static HttpResponse list_tokens(Api& api, Call&) {
    json list = json::array();
    for (const auto& t : check(api.store_.list_tokens())) list.push_back(token_json(t));
    return json_response(200, {{"tokens", std::move(list)}});
  }

  static HttpResponse revoke_token(Api& api, Call& call) {
    const std::string& id = call.params.at("id");
    if (!check(api.store_.revoke_token(id, call.now))) {
      fail(404, "not_found", "no token \"" + id + "\"");
    }
    api.tokens_.clear();  // revoked here: refused at once, not when its cache entry expires
    api_audit(api, call, "token.revoke", id, json::object());
    return no_content();
  }

  // -- audit -------------------------------------------------------------------------------

  static HttpResponse audit(Api& api, Call& call) {
    const std::size_t limit = page_size(call.request);
    const std::int64_t after = int_param(call.request, "after");
    json list = json::array();
    std::int64_t last = 0;
    check(api.store_.for_each_audit(after, [&](const store::AuditEntry& e) {
      list.push_back(audit_json(e));
      last = e.seq;
      return list.size() < limit;
    }));
    json next = nullptr;
    if (list.size() == limit) next = last;
    return json_response(200, {{"entries", std::move(list)}, {"next", std::move(next)}});
  }

  // -- plumbing ----------------------------------------------------------------------------

  static HttpResponse no_content() {
    HttpResponse r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }

  static store::AuditEvent event(const Call& call, std::string action, std::string target,
                                 const json& detail) {
    return {call.now, call.caller.actor, std::move(action), std::move(target), dump(detail)};
  }

  /// Appends the audit entry of a mutation that succeeded. The mutation is committed already;
  /// a failing audit store is reported (500) rather than silently dropped.
  static void api_audit(Api& api, const Call& call, std::string action, std::string target,
                        const json& detail) {
    auto appended =
        api.store_.append_audit(event(call, std::move(action), std::move(target), detail));
    if (!appended.ok()) {
      fail(500, "internal",
           "the change was made but its audit entry failed: " + appended.error().message);
    }
  }

  static bool mutating(std::string_view method) { return method != "GET" && method != "HEAD"; }

  /// The audit entry of a refused mutating call: who, what, why; never the body.
  static void audit_denied(Api& api, const HttpRequest& request, const Caller& caller,
                           core::TimePoint now, int status, std::string_view reason) {
    if (!mutating(request.method)) return;
    const json detail = {{"method", request.method},
                         {"path", request.path},
                         {"status", status},
                         {"reason", reason},
                         {"remote", request.remote_addr}};
    // Best effort: the refusal stands whether or not its record could be written.
    (void)api.store_.append_audit({now, caller.actor, "denied", request.path, dump(detail)});
  }

  /// Splits "/a/b/c" into segments.
  static std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= path.size()) {
      const auto slash = path.find('/', start);
      const auto end = slash == std::string_view::npos ? path.size() : slash;
      if (end > start) out.push_back(path.substr(start, end - start));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    return out;
  }

  static bool match(std::string_view pattern, std::string_view path, Params& params) {
    const auto want = segments(pattern);
    const auto have = segments(path);
    if (want.size() != have.size()) return false;
    Params found;
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (want[i].starts_with('{') && want[i].ends_with('}')) {
        found.emplace(std::string(want[i].substr(1, want[i].size() - 2)), std::string(have[i]));
      } else if (want[i] != have[i]) {
        return false;
      }
    }
    params = std::move(found);
    return true;
  }

  /// The route for the request, or nullptr; `allowed` lists the methods of a matching path.
  static const Route* find_route(const HttpRequest& request, Params& params, std::string& allowed) {
    for (const Route& route : table()) {
      Params p;
      if (!match(route.pattern, request.path, p)) continue;
      if (route.method == request.method) {
        params = std::move(p);
        return &route;
      }
      allowed += (allowed.empty() ? "" : ", ") + std::string(route.method);
    }
    return nullptr;
  }

  /// Looks the bearer token up; nullopt with `why` set when there is none or it is not valid.
  static std::optional<store::TokenRecord> authenticate(Api& api, const HttpRequest& request,
                                                        std::string& why) {
    const auto header = request.header("authorization");
    if (!header) {
      why = "no token: send Authorization: Bearer <token>";
      return std::nullopt;
    }
    const auto token = bearer_token(*header);
    if (!token || !token_id(*token)) {
      why = "malformed token: expected Authorization: Bearer fpt_...";
      return std::nullopt;
    }
    const std::string hash = sha256_hex(*token);
    const auto now = TokenCache::Clock::now();
    std::optional<store::TokenRecord> record = api.tokens_.find(hash, now);
    if (!record) {
      const std::uint64_t generation = api.tokens_.generation();
      record = check(api.store_.find_token_by_hash(hash));
      if (record) api.tokens_.put(*record, now, generation);  // only valid ones are kept
    }
    if (!record) {
      why = "unknown token";
      return std::nullopt;
    }
    if (record->revoked_at) {
      why = "revoked token";
      return std::nullopt;
    }
    return record;
  }

  static std::string anonymous(const HttpRequest& request) {
    return "anonymous " + request.remote_addr;
  }

  static std::string actor_of(const store::TokenRecord& token) {
    return token.name + " (" + token.id + ")";
  }

  /// Whether `token` may call `route` with `params`; `why` says why not.
  static bool authorised(const Route& route, const Params& params, const store::TokenRecord& token,
                         std::string& why) {
    switch (route.access) {
      case Access::kPublic:
      case Access::kEnroll:
        return true;
      case Access::kHostReport:
        if (token.role == store::Role::kAgent) {
          if (token.host_id == params.at("id")) return true;
          why = "this agent token belongs to another host";
          return false;
        }
        break;
      default:
        break;
    }
    const int need = route.access == Access::kViewer ? 1 : route.access == Access::kAdmin ? 3 : 2;
    if (rank(token.role) >= need) return true;
    why = "role " + std::string(store::to_string(token.role)) + " may not do this (needs " +
          role_rank_name(route.access) + ")";
    return false;
  }

  static HttpResponse dispatch(Api& api, const HttpRequest& request, std::string& route_name) {
    const core::TimePoint now = api.clock_.now();
    Params params;
    std::string allowed;
    const Route* route = find_route(request, params, allowed);
    if (!route) {
      route_name = "unmatched";
      if (!allowed.empty()) {
        HttpResponse r = error_response(405, "bad_request",
                                        request.method + " is not allowed here (" + allowed + ")");
        r.headers.emplace_back("Allow", allowed);
        return r;
      }
      return error_response(404, "not_found", "no route " + request.method + " " + request.path);
    }
    route_name = route->pattern;
    // Ids come from JSON, which is UTF-8: a path segment that is not cannot name anything (and
    // PostgreSQL would refuse it as a query parameter).
    for (const auto& [name, value] : params) {
      if (!valid_utf8(value)) {
        return error_response(404, "not_found", "no " + name + " with these bytes (not UTF-8)");
      }
    }
    Call call{request, std::move(params), {std::nullopt, anonymous(request)}, now};

    const bool open = route->access == Access::kPublic;
    if (!open) {
      // Rate limit by token id (the id part of whatever token was sent: a guessed secret cannot
      // escape its id's bucket), else by client address.
      std::string key = "addr " + request.remote_addr;
      if (auto header = request.header("authorization")) {
        if (auto token = bearer_token(*header)) {
          if (auto id = token_id(*token)) key = "token " + *id;
        }
      }
      if (auto wait = api.limiter_.acquire(key, RateLimiter::Clock::now())) {
        HttpResponse r = error_response(
            429, "rate_limited", "too many requests: retry after " + std::to_string(*wait) + " s");
        r.headers.emplace_back("Retry-After", std::to_string(*wait));
        return r;
      }
    }
    try {
      if (!open && route->access != Access::kEnroll) {
        std::string why;
        call.caller.token = authenticate(api, request, why);
        if (!call.caller.token) {
          audit_denied(api, request, call.caller, now, 401, why);
          HttpResponse r = error_response(401, "unauthorized", why);
          r.headers.emplace_back("WWW-Authenticate", "Bearer");
          return r;
        }
        call.caller.actor = actor_of(*call.caller.token);
        if (!authorised(*route, call.params, *call.caller.token, why)) {
          audit_denied(api, request, call.caller, now, 403, why);
          return error_response(403, "forbidden", why);
        }
      }
      return route->handler(api, call);
    } catch (const ApiError& e) {
      // Refusals of a mutating call before it changed anything are audited too; a 503 or 500
      // is the server's failure, not a refusal, and a 409 is an answer the caller expects.
      if (e.status == 400 || e.status == 401 || e.status == 403) {
        audit_denied(api, request, call.caller, now, e.status, e.message);
      }
      return error_response(e);
    }
  }
};

const std::vector<Api::Impl::Route>& Api::Impl::table() {
  // The one table of routes: docs/openapi.json lists exactly these (server_test checks it).
  static const std::vector<Route> kRoutes = {
      {"GET", "/healthz", Access::kPublic, &Impl::healthz},
      {"GET", "/readyz", Access::kPublic, &Impl::readyz},
      {"GET", "/metrics", Access::kPublic, &Impl::metrics},
      {"GET", "/api/v1/openapi.json", Access::kPublic, &Impl::openapi},
      {"POST", "/api/v1/enroll", Access::kEnroll, &Impl::enroll},
      {"PUT", "/api/v1/hosts/{id}/report", Access::kHostReport, &Impl::put_report},
      {"POST", "/api/v1/hosts/{id}/report/unchanged", Access::kHostReport, &Impl::put_unchanged},
      {"GET", "/api/v1/hosts", Access::kViewer, &Impl::list_hosts},
      {"GET", "/api/v1/hosts/{id}", Access::kViewer, &Impl::get_host},
      {"GET", "/api/v1/hosts/{id}/report", Access::kViewer, &Impl::get_report},
      {"GET", "/api/v1/hosts/{id}/findings", Access::kViewer, &Impl::get_findings},
      {"GET", "/api/v1/compliance", Access::kViewer, &Impl::compliance},
      {"GET", "/api/v1/policies", Access::kViewer, &Impl::policies},
      {"GET", "/api/v1/exceptions", Access::kViewer, &Impl::list_exceptions},
      {"POST", "/api/v1/exceptions", Access::kOperator, &Impl::create_exception},
      {"DELETE", "/api/v1/exceptions/{id}", Access::kOperator, &Impl::delete_exception},
      {"GET", "/api/v1/feeds", Access::kViewer, &Impl::feeds},
      {"POST", "/api/v1/feeds/import", Access::kOperator, &Impl::import_feed},
      {"POST", "/api/v1/reevaluate", Access::kOperator, &Impl::reevaluate_all},
      {"GET", "/api/v1/evaluations", Access::kViewer, &Impl::evaluations},
      {"POST", "/api/v1/tokens", Access::kAdmin, &Impl::create_token},
      {"GET", "/api/v1/tokens", Access::kAdmin, &Impl::list_tokens},
      {"DELETE", "/api/v1/tokens/{id}", Access::kAdmin, &Impl::revoke_token},
      {"GET", "/api/v1/audit", Access::kAdmin, &Impl::audit},
  };
  return kRoutes;
}

// ---- Api -----------------------------------------------------------------------------------

Api::Api(store::Store& store, const core::Clock& clock, ApiConfig config)
    : store_(store),
      clock_(clock),
      config_(std::move(config)),
      limiter_(config_.rate_limit, config_.rate_burst),
      tokens_(config_.token_cache_ttl) {}

Api::~Api() = default;

core::Status Api::load_index() {
  const std::string path =
      (fs::path(config_.data_dir) / "index" / std::string(index::kIndexFileName)).string();
  std::error_code ec;
  if (!fs::exists(path, ec)) return {};
  auto opened = index::Index::open(path);
  if (!opened.ok()) return opened.error();
  index_.set(std::make_shared<const index::Index>(std::move(opened).value()));
  return {};
}

HttpResponse Api::handle(const HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  std::string route = "unmatched";
  HttpResponse response;
  try {
    response = Impl::dispatch(*this, request, route);
  } catch (const ApiError& e) {
    response = error_response(e);
  } catch (const std::exception& e) {
    response = error_response(500, "internal", std::string("internal error: ") + e.what());
  } catch (...) {
    response = error_response(500, "internal", "internal error");
  }
  metrics_.observe_request(
      route, response.status,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return response;
}

HttpResponse Api::reject(const HttpRequest& request, int status, std::string_view detail) {
  HttpResponse response;
  std::string route = "unmatched";
  try {
    Params params;
    std::string allowed;
    const Impl::Route* found =
        request.method.empty() ? nullptr : Impl::find_route(request, params, allowed);
    if (found) route = found->pattern;
    const bool too_large = status == 413;
    const std::string reason =
        too_large
            ? "the request body exceeds the server's limit (--max-body)"
            : "the request could not be read" + (detail.empty() ? "" : ": " + std::string(detail));
    if (found) {
      Caller caller{std::nullopt, Impl::anonymous(request)};
      std::string why;
      if (auto token = Impl::authenticate(*this, request, why))
        caller.actor = Impl::actor_of(*token);
      Impl::audit_denied(*this, request, caller, clock_.now(), status, reason);
    }
    response = too_large ? error_response(413, "payload_too_large", reason)
                         : error_response(status, "bad_request", reason);
  } catch (const ApiError& e) {
    response = error_response(e);
  } catch (...) {
    response = error_response(500, "internal", "internal error");
  }
  metrics_.observe_request(route, response.status, 0);
  return response;
}

std::vector<RouteInfo> Api::routes() {
  std::vector<RouteInfo> out;
  for (const auto& r : Impl::table()) out.push_back({r.method, r.pattern});
  return out;
}

}  // namespace fleetpatch::server
