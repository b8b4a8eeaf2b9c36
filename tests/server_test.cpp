// The fleet server end to end over real HTTP on 127.0.0.1 (a free port), a temporary data
// directory and a real store: SQLite always, PostgreSQL when FLEETPATCH_TEST_PG_URL names a
// server (the ctest fixture `postgres` starts one). Covers the security cases of issue 7 (every
// refused call gets the right 4xx and changes nothing but its "denied" audit entry), enrollment,
// reports and the unchanged delta, tokens, exceptions, feed import through the API, rate limits,
// the OpenAPI document against the route table, and `fleetpatch audit verify` catching an entry
// tampered with behind the store's back.
#include "server/server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "server/api.hpp"
#include "server/auth.hpp"
#include "server/feed_importer.hpp"
#include "store/store.hpp"
#include "support/databases.hpp"

namespace fleetpatch {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::HasSubstr;
using testsupport::pg_exec;
using testsupport::random_hex;
using testsupport::sqlite_exec;
using testsupport::with_database;

constexpr const char* kEnrollSecret = "enroll-secret-for-tests-0123456789";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Reply {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  json doc() const { return json::parse(body, nullptr, false); }
};

/// Runs a command, returning its exit code and its standard output + error.
std::pair<int, std::string> run(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string host_report(const std::string& id, const std::string& bash_version = "5.1.8-4.el9") {
  json doc = json::parse(read_file(fs::path(FLEETPATCH_TEST_DATA) / "scan/hosts/alma9.json"));
  doc["host"]["id"] = id;
  doc["host"]["hostname"] = id;
  doc["packages"][1]["version"] = bash_version;
  return doc.dump();
}

class ServerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    data_dir_ = fs::temp_directory_path() / ("fleetpatch-server-" + random_hex(12));
    fs::create_directories(data_dir_);
    if (GetParam() == "sqlite") {
      url_ = "";  // SQLite at DATA_DIR/fleet.db, where `fleetpatch --data-dir` finds it too
    } else {
      const char* base = std::getenv("FLEETPATCH_TEST_PG_URL");
      if (base == nullptr || *base == '\0') {
        GTEST_SKIP() << "FLEETPATCH_TEST_PG_URL is unset: run through ctest (fixture `postgres`) "
                        "for the PostgreSQL half";
      }
      admin_url_ = base;
      pg_database_ = "fleetpatch_server_" + random_hex(12);
      ASSERT_EQ(pg_exec(admin_url_, "CREATE DATABASE " + pg_database_), "");
      url_ = with_database(admin_url_, pg_database_);
    }
    auto opened = store::open_store(url_, data_dir_.string());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    admin_ = make_token("admin", store::Role::kAdmin);
    operator_ = make_token("operator", store::Role::kOperator);
    viewer_ = make_token("viewer", store::Role::kViewer);
  }

  void TearDown() override {
    stop();
    store_.reset();
    std::error_code ec;
    fs::remove_all(data_dir_, ec);
    if (!pg_database_.empty()) {
      EXPECT_EQ(pg_exec(admin_url_, "DROP DATABASE IF EXISTS " + pg_database_ + " WITH (FORCE)"),
                "");
    }
  }

  void start(double rate_limit = 0, std::size_t max_body = std::size_t{256} * 1024) {
    server::ServerOptions options;
    options.http.host = "127.0.0.1";
    options.http.port = 0;
    options.http.max_body = max_body;
    options.http.threads = 4;
    options.api.data_dir = data_dir_.string();
    options.api.enroll_secret = kEnrollSecret;
    options.api.rate_limit = rate_limit;
    options.api.rate_burst = rate_limit;
    options.api.eval_threads = 2;
    options.api.import_feed = server::process_feed_importer(FLEETPATCH_BIN, data_dir_.string());
    options.api.token_cache_ttl = token_cache_ttl_;
    auto created = server::Server::create(*store_, clock_, std::move(options));
    ASSERT_TRUE(created.ok()) << created.error().message;
    server_ = std::move(created).value();
    thread_ = std::thread([this] { EXPECT_TRUE(server_->run().ok()); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(120, 0);
    // run() may not be accepting yet; the socket is bound, so connections queue until it is.
  }

  void stop() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  std::string make_token(const std::string& name, store::Role role,
                         const std::string& host_id = "") {
    auto t = server::generate_token();
    EXPECT_TRUE(t.ok());
    store::TokenRecord rec{t->id, t->hash, name, role, host_id, clock_.now(), std::nullopt};
    EXPECT_TRUE(store_->put_token(rec).ok());
    return t->token;
  }

  Reply call(const std::string& method, const std::string& path, const std::string& token,
             const std::string& body = "", const std::string& type = "application/json") {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result r{nullptr, httplib::Error::Unknown};
    if (method == "GET") {
      r = client_->Get(path.c_str(), headers);
    } else if (method == "POST") {
      r = client_->Post(path.c_str(), headers, body, type.c_str());
    } else if (method == "PUT") {
      r = client_->Put(path.c_str(), headers, body, type.c_str());
    } else if (method == "DELETE") {
      r = client_->Delete(path.c_str(), headers, body, type.c_str());
    }
    if (!r) return {-1, "transport error " + httplib::to_string(r.error()), {}};
    return {r->status, r->body, r->headers};
  }

  std::string enroll(const std::string& host_id) {
    const Reply r = call(
        "POST", "/api/v1/enroll", "",
        json{{"enroll_secret", kEnrollSecret}, {"host_id", host_id}, {"hostname", host_id}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.doc().value("token", "");
  }

  std::vector<store::AuditEntry> audit() {
    std::vector<store::AuditEntry> out;
    EXPECT_TRUE(store_
                    ->for_each_audit(0,
                                     [&](const store::AuditEntry& e) {
                                       out.push_back(e);
                                       return true;
                                     })
                    .ok());
    return out;
  }

  /// Everything a refused call must leave alone, as comparable text.
  std::string state() {
    json s;
    auto hosts = store_->list_hosts("", 1000);
    EXPECT_TRUE(hosts.ok());
    for (const auto& h : *hosts) {
      auto report = store_->get_report(h.id);
      s["hosts"].push_back({h.id, h.report_seq, h.report_hash, h.collected_at,
                            report.ok() && *report ? (*report)->packages.size() : 0});
    }
    auto tokens = store_->list_tokens();
    for (const auto& t : *tokens) s["tokens"].push_back({t.id, t.name, t.revoked_at.has_value()});
    auto exceptions = store_->list_exceptions();
    for (const auto& e : *exceptions) s["exceptions"].push_back({e.id, e.toml});
    for (const auto& e : audit()) {
      if (e.event.action != "denied") s["audit"].push_back({e.seq, e.event.action});
    }
    return s.dump();
  }

  core::FixedClock clock_{core::parse_rfc3339("2026-11-26T04:00:00Z").value()};
  fs::path data_dir_;
  // Short, so that a test can wait for a cached token lookup to expire.
  std::chrono::milliseconds token_cache_ttl_{300};
  std::string url_;
  std::string admin_url_;
  std::string pg_database_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
  std::string admin_, operator_, viewer_;
};

TEST_P(ServerTest, HealthReadinessMetricsAndTheOpenApiDocument) {
  start();
  EXPECT_EQ(call("GET", "/healthz", "").status, 200);
  const Reply not_ready = call("GET", "/readyz", "");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_THAT(not_ready.doc()["error"]["message"].get<std::string>(), HasSubstr("index"));
  const Reply doc = call("GET", "/api/v1/openapi.json", "");
  EXPECT_EQ(doc.status, 200);
  EXPECT_EQ(doc.body, read_file(fs::path(FLEETPATCH_SOURCE_DIR) / "docs/openapi.json"));
  EXPECT_EQ(call("GET", "/api/v1/nothing-here", viewer_).status, 404);
  const Reply wrong_method = call("DELETE", "/api/v1/hosts", viewer_);
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.doc()["error"]["code"], "bad_request");
  const Reply metrics = call("GET", "/metrics", "");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body,
              HasSubstr("fleetpatch_http_requests_total{route=\"/readyz\",code=\"503\"} 1"));
  EXPECT_THAT(metrics.body, HasSubstr("fleetpatch_http_request_seconds_bucket{route=\"/healthz\""));
  EXPECT_THAT(metrics.body, HasSubstr("fleetpatch_hosts 0"));
}

TEST_P(ServerTest, EnrollmentIssuesAHostTokenAndReEnrollingRevokesThePreviousOne) {
  start();
  const Reply wrong = call("POST", "/api/v1/enroll", "",
                           json{{"enroll_secret", "guess"}, {"host_id", "web-1"}}.dump());
  EXPECT_EQ(wrong.status, 401);
  ASSERT_FALSE(audit().empty());
  EXPECT_EQ(audit().back().event.action, "denied");

  const std::string first = enroll("web-1");
  ASSERT_THAT(first, ::testing::StartsWith("fpt_"));
  EXPECT_EQ(call("PUT", "/api/v1/hosts/web-1/report", first, host_report("web-1")).status, 200);
  const std::string second = enroll("web-1");
  EXPECT_NE(first, second);
  EXPECT_EQ(call("PUT", "/api/v1/hosts/web-1/report", first, host_report("web-1")).status, 401);
  EXPECT_EQ(call("PUT", "/api/v1/hosts/web-1/report", second, host_report("web-1")).status, 200);
  // An agent token reads nothing.
  EXPECT_EQ(call("GET", "/api/v1/hosts", second).status, 403);
  int enrolls = 0;
  for (const auto& e : audit()) enrolls += e.event.action == "agent.enroll";
  EXPECT_EQ(enrolls, 2);
}

TEST_P(ServerTest, AcksAreJsonWhateverTheHostIdHolds) {
  // The ack is written by hand (not through a JSON library): quotes, backslashes and non-ASCII
  // in a host id must come back escaped, the rest of its members as documented.
  start();
  const std::string id = "we\"b\\1-\xc3\xa9";
  const std::string path = "/api/v1/hosts/we%22b%5C1-%C3%A9/report";
  const std::string agent = enroll(id);
  const Reply put = call("PUT", path, agent, host_report(id));
  ASSERT_EQ(put.status, 200) << put.body;
  const json ack = json::parse(put.body);
  EXPECT_EQ(ack["host_id"], id);
  EXPECT_EQ(ack["accepted"], true);
  EXPECT_EQ(ack["changed"], true);
  EXPECT_EQ(ack["delta"], true);
  EXPECT_EQ(ack["report_seq"], 1);
  ASSERT_TRUE(ack.contains("evaluated"));  // full reports say whether they were evaluated
  EXPECT_FALSE(ack.contains("evaluation_error"));
  const std::string hash = ack["report_hash"];
  const Reply marker =
      call("POST", path + "/unchanged", agent,
           json{{"report_hash", hash}, {"collected_at", "2026-11-26T05:00:00Z"}}.dump());
  ASSERT_EQ(marker.status, 200) << marker.body;
  const json marked = json::parse(marker.body);
  EXPECT_EQ(marked["host_id"], id);
  EXPECT_EQ(marked["report_hash"], hash);
  EXPECT_EQ(marked["report_seq"], 2);
  EXPECT_EQ(marked["changed"], false);
  EXPECT_FALSE(marked.contains("evaluated"));
  // Byte for byte what the json library wrote before (members sorted by name).
  EXPECT_EQ(marker.body, json({{"accepted", true},
                               {"changed", false},
                               {"delta", true},
                               {"host_id", id},
                               {"report_hash", hash},
                               {"report_seq", 2}})
                             .dump());
}

TEST_P(ServerTest, ReportsAndTheUnchangedDelta) {
  start();
  const std::string agent = enroll("alma9");
  const Reply put = call("PUT", "/api/v1/hosts/alma9/report", agent, host_report("alma9"));
  ASSERT_EQ(put.status, 200) << put.body;
  const json ack = put.doc();
  EXPECT_EQ(ack["accepted"], true);
  EXPECT_EQ(ack["changed"], true);
  EXPECT_EQ(ack["delta"], true);
  EXPECT_EQ(ack["report_seq"], 1);
  const std::string hash = ack["report_hash"];
  EXPECT_EQ(hash.size(), 64u);

  const Reply same = call("PUT", "/api/v1/hosts/alma9/report", agent, host_report("alma9"));
  EXPECT_EQ(same.doc()["changed"], false);
  EXPECT_EQ(same.doc()["report_hash"], hash);

  const Reply unchanged =
      call("POST", "/api/v1/hosts/alma9/report/unchanged", agent,
           json{{"report_hash", hash}, {"collected_at", "2026-11-26T05:00:00Z"}}.dump());
  ASSERT_EQ(unchanged.status, 200) << unchanged.body;
  EXPECT_EQ(unchanged.doc()["changed"], false);
  EXPECT_EQ(unchanged.doc()["report_seq"], 3);

  const Reply conflict = call(
      "POST", "/api/v1/hosts/alma9/report/unchanged", agent,
      json{{"report_hash", std::string(64, '0')}, {"collected_at", "2026-11-26T05:00:00Z"}}.dump());
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.doc()["error"]["code"], "conflict");

  const Reply host = call("GET", "/api/v1/hosts/alma9", viewer_);
  ASSERT_EQ(host.status, 200);
  EXPECT_EQ(host.doc()["report_seq"], 3);
  EXPECT_EQ(host.doc()["collected_at"], "2026-11-26T05:00:00Z");
  const Reply report = call("GET", "/api/v1/hosts/alma9/report", viewer_);
  EXPECT_EQ(report.doc()["host"]["id"], "alma9");
  EXPECT_EQ(call("GET", "/api/v1/hosts/nope", viewer_).status, 404);
  // A path that decodes to bytes that are not UTF-8 still gets its JSON 404.
  const Reply not_utf8 = call("GET", "/api/v1/hosts/%FF%FE", viewer_);
  EXPECT_EQ(not_utf8.status, 404) << not_utf8.body;
  EXPECT_EQ(not_utf8.doc()["error"]["code"], "not_found");
  const Reply accented = call("GET", "/api/v1/hosts/caf%C3%A9", viewer_);
  EXPECT_EQ(accented.status, 404) << accented.body;
  EXPECT_THAT(accented.doc()["error"]["message"].get<std::string>(), HasSubstr("café"));

  // A changed report is changed; an operator may send a report for any host.
  const Reply changed =
      call("PUT", "/api/v1/hosts/alma9/report", operator_, host_report("alma9", "5.1.8-6.el9"));
  EXPECT_EQ(changed.doc()["changed"], true);
  EXPECT_NE(changed.doc()["report_hash"], hash);
  const Reply list = call("GET", "/api/v1/hosts?limit=1", viewer_);
  EXPECT_EQ(list.doc()["hosts"].size(), 1u);
  EXPECT_EQ(list.doc()["next"], "alma9");
  EXPECT_EQ(call("GET", "/api/v1/hosts?after=alma9", viewer_).doc()["hosts"].size(), 0u);
}

TEST_P(ServerTest, RefusedCallsGetTheRight4xxAndChangeNothing) {
  start();
  const std::string agent_a = enroll("host-a");
  const std::string agent_b = enroll("host-b");
  ASSERT_EQ(call("PUT", "/api/v1/hosts/host-a/report", agent_a, host_report("host-a")).status, 200);
  auto unknown = server::generate_token();
  ASSERT_TRUE(unknown.ok());
  const std::string changed = host_report("host-a", "9.9-1.el9");
  const std::string big = host_report("host-a") + std::string(std::size_t{300} * 1024, ' ');
  const std::string exception =
      json{{"toml",
            "[[exception]]\nid = \"EX-1\"\ncve = \"CVE-2022-1\"\njustification = "
            "\"x\"\napprover = \"y\"\ncreated = 2026-11-01\n"}}
          .dump();
  const struct {
    const char* what;
    std::string method, path, token, body;
    int status;
    const char* code;
  } cases[] = {
      {"no token", "PUT", "/api/v1/hosts/host-a/report", "", changed, 401, "unauthorized"},
      {"unknown token", "PUT", "/api/v1/hosts/host-a/report", unknown->token, changed, 401,
       "unauthorized"},
      {"garbage token", "PUT", "/api/v1/hosts/host-a/report", "let-me-in", changed, 401,
       "unauthorized"},
      {"viewer sends a report", "PUT", "/api/v1/hosts/host-a/report", viewer_, changed, 403,
       "forbidden"},
      {"viewer creates an exception", "POST", "/api/v1/exceptions", viewer_, exception, 403,
       "forbidden"},
      {"operator creates a token", "POST", "/api/v1/tokens", operator_,
       R"({"name":"x","role":"admin"})", 403, "forbidden"},
      {"viewer revokes a token", "DELETE", "/api/v1/tokens/000000000000", viewer_, "", 403,
       "forbidden"},
      {"host token for another host", "PUT", "/api/v1/hosts/host-a/report", agent_b, changed, 403,
       "forbidden"},
      {"host token, unchanged for another host", "POST", "/api/v1/hosts/host-a/report/unchanged",
       agent_b, R"({"report_hash":"x","collected_at":"2026-11-26T05:00:00Z"})", 403, "forbidden"},
      {"host token on an operator call", "POST", "/api/v1/reevaluate", agent_a, "", 403,
       "forbidden"},
      {"oversized body", "PUT", "/api/v1/hosts/host-a/report", operator_, big, 413,
       "payload_too_large"},
      {"malformed JSON report", "PUT", "/api/v1/hosts/host-a/report", agent_a,
       changed.substr(0, changed.size() / 2), 400, "bad_request"},
      {"malformed JSON exception", "POST", "/api/v1/exceptions", operator_, "{\"toml\": ", 400,
       "bad_request"},
      {"report of another host id in the body", "PUT", "/api/v1/hosts/host-a/report", agent_a,
       host_report("host-b"), 400, "bad_request"},
      {"wrong enrollment secret", "POST", "/api/v1/enroll", "",
       R"({"enroll_secret":"nope","host_id":"host-a"})", 401, "unauthorized"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string before = state();
    const std::size_t audit_before = audit().size();
    const Reply r = call(c.method, c.path, c.token, c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    const json doc = r.doc();
    ASSERT_TRUE(doc.is_object()) << r.body;
    EXPECT_EQ(doc["error"]["code"], c.code) << r.body;
    EXPECT_FALSE(doc["error"]["message"].get<std::string>().empty());
    EXPECT_EQ(state(), before);
    // Exactly one new audit entry: the denial, naming its reason and never the body.
    const auto after = audit();
    ASSERT_EQ(after.size(), audit_before + 1);
    EXPECT_EQ(after.back().event.action, "denied");
    EXPECT_EQ(after.back().event.target, c.path);
    EXPECT_THAT(after.back().event.detail, HasSubstr(std::to_string(c.status)));
    EXPECT_THAT(after.back().event.detail, ::testing::Not(HasSubstr("9.9-1.el9")));
  }
  const Reply malformed = call("POST", "/api/v1/exceptions", operator_, "{\"toml\": ");
  EXPECT_THAT(malformed.doc()["error"]["message"].get<std::string>(), HasSubstr("byte 10"));
  // And the host's stored report is still the one accepted before.
  const Reply report = call("GET", "/api/v1/hosts/host-a/report", viewer_);
  EXPECT_EQ(report.doc()["packages"][1]["version"], "5.1.8-4.el9");
}

TEST_P(ServerTest, TokensThroughTheApi) {
  start();
  const Reply created =
      call("POST", "/api/v1/tokens", admin_, R"({"name":"dashboard","role":"viewer"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string token = created.doc()["token"];
  const std::string id = created.doc()["id"];
  EXPECT_EQ(call("GET", "/api/v1/hosts", token).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/tokens", admin_, R"({"name":"x","role":"agent"})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/tokens", admin_, R"({"name":"x"})").status, 400);

  const Reply list = call("GET", "/api/v1/tokens", admin_);
  ASSERT_EQ(list.status, 200);
  EXPECT_THAT(list.body, ::testing::Not(HasSubstr(token.substr(18))));
  EXPECT_THAT(list.body, ::testing::Not(HasSubstr(server::sha256_hex(token))));
  bool listed = false;
  const json tokens = list.doc()["tokens"];
  for (const auto& t : tokens) listed |= t["id"] == id && t["role"] == "viewer";
  EXPECT_TRUE(listed);

  EXPECT_EQ(call("DELETE", "/api/v1/tokens/" + id, admin_).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/hosts", token).status, 401);
  // Revoking is idempotent (the first time stays recorded); an unknown id is a 404.
  EXPECT_EQ(call("DELETE", "/api/v1/tokens/" + id, admin_).status, 204);
  EXPECT_EQ(call("DELETE", "/api/v1/tokens/000000000000", admin_).status, 404);
  std::vector<std::string> actions;
  for (const auto& e : audit()) actions.push_back(e.event.action);
  EXPECT_THAT(actions, ::testing::IsSupersetOf({"token.create", "token.revoke"}));

  const Reply entries = call("GET", "/api/v1/audit?limit=1", admin_);
  ASSERT_EQ(entries.status, 200);
  EXPECT_EQ(entries.doc()["entries"].size(), 1u);
  EXPECT_EQ(entries.doc()["entries"][0]["prev_hash"], std::string(64, '0'));
  EXPECT_EQ(call("GET", "/api/v1/audit", operator_).status, 403);
}

TEST_P(ServerTest, Exceptions) {
  start();
  const std::string toml =
      "[[exception]]\nid = \"EX-7\"\ncve = \"CVE-2022-2068\"\nhost = \"alma9\"\njustification = "
      "\"isolated lab host\"\napprover = \"ciso\"\ncreated = 2026-11-01\nexpires = 2027-01-01\n";
  const Reply created = call("POST", "/api/v1/exceptions", operator_, json{{"toml", toml}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.doc()["id"], "EX-7");
  EXPECT_EQ(call("POST", "/api/v1/exceptions", operator_, json{{"toml", toml}}.dump()).status, 409);
  EXPECT_EQ(call("POST", "/api/v1/exceptions", operator_, json{{"toml", "[[exception]]\n"}}.dump())
                .status,
            400);
  const Reply list = call("GET", "/api/v1/exceptions", viewer_);
  ASSERT_EQ(list.doc()["exceptions"].size(), 1u);
  EXPECT_EQ(list.doc()["exceptions"][0]["toml"], toml);
  EXPECT_THAT(list.doc()["exceptions"][0]["created_by"].get<std::string>(), HasSubstr("operator"));
  EXPECT_EQ(call("DELETE", "/api/v1/exceptions/EX-7", operator_).status, 204);
  EXPECT_EQ(call("DELETE", "/api/v1/exceptions/EX-7", operator_).status, 404);
  EXPECT_EQ(call("GET", "/api/v1/exceptions", viewer_).doc()["exceptions"].size(), 0u);
}

TEST_P(ServerTest, FeedImportReevaluatesAndServesFindingsAndCompliance) {
  start();
  const std::string agent = enroll("alma9");
  ASSERT_EQ(call("PUT", "/api/v1/hosts/alma9/report", agent, host_report("alma9")).status, 200);
  const std::string feed =
      read_file(fs::path(FLEETPATCH_TEST_DATA) / "scan/feeds/alma/ALSA-2022-6224.json");
  ASSERT_FALSE(feed.empty());
  EXPECT_EQ(call("POST", "/api/v1/feeds/import?name=ALSA-2022-6224.json", viewer_, feed,
                 "application/octet-stream")
                .status,
            403);
  const Reply bad = call("POST", "/api/v1/feeds/import?name=broken.json", operator_,
                         feed.substr(0, feed.size() / 2), "application/octet-stream");
  EXPECT_EQ(bad.status, 400) << bad.body;
  const Reply imported = call("POST", "/api/v1/feeds/import?name=ALSA-2022-6224.json", operator_,
                              feed, "application/octet-stream");
  ASSERT_EQ(imported.status, 200) << imported.body;
  const json result = imported.doc();
  EXPECT_GT(result["import"]["advisories"].get<int>(), 0);
  ASSERT_TRUE(result["evaluation"].is_object()) << imported.body;
  EXPECT_EQ(result["evaluation"]["hosts"], 1);
  EXPECT_EQ(call("GET", "/readyz", "").status, 200);

  const Reply feeds = call("GET", "/api/v1/feeds", viewer_);
  EXPECT_EQ(feeds.doc()["index"]["checksum"], result["import"]["index_checksum"]);
  const Reply findings = call("GET", "/api/v1/hosts/alma9/findings", viewer_);
  ASSERT_EQ(findings.status, 200) << findings.body;
  EXPECT_EQ(findings.doc()["schema"], "fleetpatch.scan/1");
  ASSERT_EQ(findings.doc()["hosts"].size(), 1u);
  bool openssl = false;
  const json host_findings = findings.doc()["hosts"][0]["findings"];
  for (const auto& f : host_findings) openssl |= f["package"] == "openssl-libs";
  EXPECT_TRUE(openssl) << findings.body;

  const Reply compliance = call("GET", "/api/v1/compliance?policy=soc2&summary=1", viewer_);
  ASSERT_EQ(compliance.status, 200) << compliance.body;
  EXPECT_EQ(compliance.doc()["schema"], "fleetpatch.report/1");
  EXPECT_EQ(compliance.doc()["summary"]["hosts"], 1);
  EXPECT_EQ(call("GET", "/api/v1/compliance?policy=nope", viewer_).status, 400);
  EXPECT_EQ(call("GET", "/api/v1/evaluations", viewer_).doc()["evaluations"].size(), 1u);
  const Reply policies = call("GET", "/api/v1/policies", viewer_);
  EXPECT_EQ(policies.doc()["policies"][0]["name"], "soc2");
  const Reply reevaluated = call("POST", "/api/v1/reevaluate", operator_);
  EXPECT_EQ(reevaluated.status, 200) << reevaluated.body;
  std::vector<std::string> actions;
  for (const auto& e : audit()) actions.push_back(e.event.action);
  EXPECT_THAT(actions, ::testing::IsSupersetOf({"feed.import", "fleet.reevaluate"}));
}

TEST_P(ServerTest, RateLimitAnswers429WithRetryAfter) {
  start(/*rate_limit=*/2);
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 6; ++i) {
    const Reply r = call("GET", "/api/v1/hosts", viewer_);
    if (r.status == 429) {
      ++limited;
      retry_after = r.headers.count("Retry-After") ? r.headers.find("Retry-After")->second : "";
      EXPECT_EQ(r.doc()["error"]["code"], "rate_limited");
    }
  }
  EXPECT_GE(limited, 3);
  EXPECT_EQ(retry_after, "1");
  // Another token has its own budget.
  EXPECT_EQ(call("GET", "/api/v1/hosts", admin_).status, 200);
}

TEST_P(ServerTest, AuditVerifyCatchesATamperedEntry) {
  start();
  const std::string agent = enroll("alma9");
  ASSERT_EQ(call("PUT", "/api/v1/hosts/alma9/report", agent, host_report("alma9")).status, 200);
  ASSERT_EQ(call("POST", "/api/v1/tokens", admin_, R"({"name":"ci","role":"operator"})").status,
            201);
  stop();
  const std::string database = url_.empty() ? "" : " --database '" + url_ + "'";
  auto [ok_code, ok_out] = run(std::string(FLEETPATCH_BIN) + " --data-dir " + data_dir_.string() +
                               " audit verify" + database);
  EXPECT_EQ(ok_code, 0) << ok_out;
  EXPECT_THAT(ok_out, HasSubstr("intact, 3 entries"));
  auto [csv_code, csv] = run(std::string(FLEETPATCH_BIN) + " --data-dir " + data_dir_.string() +
                             " audit export --format csv" + database);
  EXPECT_EQ(csv_code, 0) << csv;
  EXPECT_THAT(csv, HasSubstr("report.accept"));

  const std::string tamper = "UPDATE audit SET actor = 'mallory' WHERE seq = 2";
  if (url_.empty()) {
    ASSERT_EQ(sqlite_exec((data_dir_ / "fleet.db").string(), tamper), "");
  } else {
    ASSERT_EQ(pg_exec(url_, tamper), "");
  }
  auto [bad_code, bad_out] = run(std::string(FLEETPATCH_BIN) + " --data-dir " + data_dir_.string() +
                                 " audit verify" + database);
  EXPECT_EQ(bad_code, 1) << bad_out;
  EXPECT_THAT(bad_out, HasSubstr("NOT intact"));
  EXPECT_THAT(bad_out, HasSubstr("2"));
}

TEST_P(ServerTest, TokenCommandBootstrapsAnAdmin) {
  const std::string database = url_.empty() ? "" : " --database '" + url_ + "'";
  auto [code, out] = run(std::string(FLEETPATCH_BIN) + " --data-dir " + data_dir_.string() +
                         " token create --name first-admin --role admin" + database);
  ASSERT_EQ(code, 0) << out;
  const std::string token = out.substr(0, out.find('\n'));
  ASSERT_TRUE(server::token_id(token)) << out;
  start();
  EXPECT_EQ(call("GET", "/api/v1/tokens", token).status, 200);
  auto [list_code, list] = run(std::string(FLEETPATCH_BIN) + " --data-dir " + data_dir_.string() +
                               " token list" + database);
  EXPECT_EQ(list_code, 0);
  EXPECT_THAT(list, HasSubstr("first-admin"));
  // A second admin, made through the API and used once (so its lookup is cached), then revoked
  // through the API: refused at once.
  const auto second = call("POST", "/api/v1/tokens", token, R"({"name":"second","role":"admin"})");
  ASSERT_EQ(second.status, 201) << second.body;
  const std::string second_token = json::parse(second.body)["token"];
  ASSERT_EQ(call("GET", "/api/v1/tokens", second_token).status, 200);
  const std::string second_id = *server::token_id(second_token);
  ASSERT_EQ(call("DELETE", "/api/v1/tokens/" + second_id, token).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/tokens", second_token).status, 401)
      << "revoked through the server: refused at once despite the token cache";

  // Revoked by the command line, beside the server: refused once the server's cached lookup
  // expires (token_cache_ttl_, 300 ms here), and from then on.
  auto [revoke_code, revoked] =
      run(std::string(FLEETPATCH_BIN) + " --data-dir " + data_dir_.string() + " token revoke " +
          *server::token_id(token) + database);
  EXPECT_EQ(revoke_code, 0) << revoked;
  std::this_thread::sleep_for(token_cache_ttl_ + std::chrono::milliseconds(100));
  EXPECT_EQ(call("GET", "/api/v1/tokens", token).status, 401);
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

/// Every route the server registers is in docs/openapi.json, and every operation there is a
/// route: the document cannot drift from the code.
TEST(OpenApi, DocumentListsExactlyTheRegisteredRoutes) {
  const json doc = json::parse(read_file(fs::path(FLEETPATCH_SOURCE_DIR) / "docs/openapi.json"));
  ASSERT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  std::set<std::pair<std::string, std::string>> documented;
  static const std::set<std::string> kMethods = {"get", "put", "post", "delete", "patch"};
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (!kMethods.count(method)) continue;
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.emplace(upper, path);
      EXPECT_TRUE(op.contains("responses")) << method << " " << path;
    }
  }
  std::set<std::pair<std::string, std::string>> registered;
  for (const auto& r : server::Api::routes()) {
    registered.emplace(std::string(r.method), std::string(r.pattern));
  }
  EXPECT_EQ(documented, registered);
  // The compiled-in copy is the committed file.
  EXPECT_EQ(server::openapi_document(),
            read_file(fs::path(FLEETPATCH_SOURCE_DIR) / "docs/openapi.json"));
}

}  // namespace
}  // namespace fleetpatch
