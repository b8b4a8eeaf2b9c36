#include "agent/protocol.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fleetpatch::agent {
namespace {

using nlohmann::json;

TEST(ServerUrl, NormalisesToOriginAndPrefix) {
  const struct {
    const char* in;
    const char* want;
  } cases[] = {
      {"https://fleet.example:8443", "https://fleet.example:8443"},
      {"https://fleet.example:8443/", "https://fleet.example:8443"},
      {"https://fleet.example/api/v1", "https://fleet.example"},
      {"https://fleet.example/api/v1/", "https://fleet.example"},
      {"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
      {"HTTPS://Fleet.example", "https://Fleet.example"},
      {"https://proxy.example/fleet/api/v1", "https://proxy.example/fleet"},
      {"https://proxy.example/fleet//", "https://proxy.example/fleet"},
      {"https://fleet.example/api/v1/api/v1", "https://fleet.example"},
  };
  for (const auto& c : cases) {
    const auto got = normalize_server_url(c.in);
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.error().message;
    EXPECT_EQ(*got, c.want) << c.in;
    EXPECT_EQ(*normalize_server_url(*got), *got) << "normalising twice changes nothing: " << c.in;
  }
}

TEST(ServerUrl, RejectsOtherSchemesAndEmptyHosts) {
  for (const char* in : {"", "fleet.example", "ftp://fleet.example", "https://", "https:///api/v1",
                         "https://fleet.example/?x=1", "file:///etc/passwd"}) {
    const auto got = normalize_server_url(in);
    EXPECT_FALSE(got.ok()) << in;
  }
}

TEST(PathSegment, EncodesEverythingButUnreserved) {
  const struct {
    const char* in;
    const char* want;
  } cases[] = {
      {"3d1219c7c4c5404aaa1f6d2a48adfda4", "3d1219c7c4c5404aaa1f6d2a48adfda4"},
      {"web-1.example_A~", "web-1.example_A~"},
      {"a/b", "a%2Fb"},
      {"../admin", "..%2Fadmin"},
      {"with space?#", "with%20space%3F%23"},
      {"ü", "%C3%BC"},
  };
  for (const auto& c : cases) EXPECT_EQ(encode_path_segment(c.in), c.want) << c.in;
}

TEST(Requests, FollowTheContract) {
  const HttpRequest enroll = enroll_request("s3cret", "host/1", "web-1");
  EXPECT_EQ(enroll.method, "POST");
  EXPECT_EQ(enroll.path, "/api/v1/enroll");
  EXPECT_EQ(enroll.bearer_token, "");
  EXPECT_EQ(json::parse(enroll.body),
            (json{{"enroll_secret", "s3cret"}, {"host_id", "host/1"}, {"hostname", "web-1"}}));

  const HttpRequest full = full_report_request("host/1", "fpt_x", R"({"schema":"x"})");
  EXPECT_EQ(full.method, "PUT");
  EXPECT_EQ(full.path, "/api/v1/hosts/host%2F1/report");
  EXPECT_EQ(full.bearer_token, "fpt_x");
  EXPECT_EQ(full.body, R"({"schema":"x"})");

  const HttpRequest unchanged = unchanged_request("h1", "fpt_y", "abc123", "2026-11-26T03:00:00Z");
  EXPECT_EQ(unchanged.method, "POST");
  EXPECT_EQ(unchanged.path, "/api/v1/hosts/h1/report/unchanged");
  EXPECT_EQ(unchanged.bearer_token, "fpt_y");
  EXPECT_EQ(json::parse(unchanged.body),
            (json{{"report_hash", "abc123"}, {"collected_at", "2026-11-26T03:00:00Z"}}));
}

TEST(Replies, EnrollNeedsHostIdAndToken) {
  const auto good = parse_enroll_reply(R"({"host_id": "h1", "token": "fpt_a_b"})");
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->host_id, "h1");
  EXPECT_EQ(good->token, "fpt_a_b");
  for (const char* bad :
       {"", "[]", "not json", R"({"host_id": "h1"})", R"({"host_id": "h1", "token": ""})",
        R"({"host_id": "h1", "token": 7})"}) {
    EXPECT_FALSE(parse_enroll_reply(bad).ok()) << bad;
  }
}

TEST(Replies, AckReadsEveryFieldAndDefaultsDeltaToOff) {
  const auto full = parse_ack(
      R"({"accepted": true, "host_id": "h1", "report_seq": 7, "changed": true,
          "report_hash": "ab12", "delta": true})");
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_EQ(full->host_id, "h1");
  EXPECT_EQ(full->report_seq, 7);
  EXPECT_TRUE(full->changed);
  EXPECT_EQ(full->report_hash, "ab12");
  EXPECT_TRUE(full->delta);

  const auto old_server =
      parse_ack(R"({"accepted": true, "host_id": "h1", "report_seq": 1, "report_hash": "ab"})");
  ASSERT_TRUE(old_server.ok());
  EXPECT_FALSE(old_server->delta);
  EXPECT_FALSE(old_server->changed);

  for (const char* bad : {"{}", R"({"accepted": false, "host_id": "h", "report_hash": "x"})",
                          R"({"accepted": true, "report_hash": "x"})",
                          R"({"accepted": true, "host_id": "h"})", "null"}) {
    EXPECT_FALSE(parse_ack(bad).ok()) << bad;
  }
}

TEST(Replies, ErrorSummaryPrefersTheContractShape) {
  EXPECT_EQ(error_summary(R"({"error": {"code": "conflict", "message": "hash differs"}})"),
            "conflict: hash differs");
  EXPECT_EQ(error_summary(R"({"error": {"code": "unauthorized"}})"), "unauthorized");
  EXPECT_EQ(error_summary("<html>\nBad Gateway</html>"), "<html> Bad Gateway</html>");
  EXPECT_EQ(error_summary(std::string(500, 'x')).size(), 200u);
}

TEST(ChooseSend, UnchangedOnlyWhenTheLastAckAllowsItForThisHashHostAndServer) {
  const LastAccepted base{"https://s", "h1", "hash1", true, 3, "2026-11-26T03:00:00Z"};
  const auto with = [&](auto change) {
    LastAccepted last = base;
    change(last);
    return std::optional<LastAccepted>(last);
  };
  const struct {
    const char* name;
    std::optional<LastAccepted> last;
    const char* hash;
    SendKind want;
  } cases[] = {
      {"nothing accepted yet", std::nullopt, "hash1", SendKind::kFull},
      {"same hash, delta allowed", base, "hash1", SendKind::kUnchanged},
      {"content changed", base, "hash2", SendKind::kFull},
      {"server said no delta", with([](LastAccepted& l) { l.delta = false; }), "hash1",
       SendKind::kFull},
      {"another server", with([](LastAccepted& l) { l.server = "https://other"; }), "hash1",
       SendKind::kFull},
      {"another host id", with([](LastAccepted& l) { l.host_id = "h2"; }), "hash1",
       SendKind::kFull},
      {"no hash remembered", with([](LastAccepted& l) { l.report_hash.clear(); }), "",
       SendKind::kFull},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(choose_send(c.last, "https://s", "h1", c.hash), c.want) << c.name;
  }
}

TEST(Exchange, StartsWithEnrollmentOnlyWithoutAToken) {
  EXPECT_EQ(start_exchange(false, SendKind::kFull).step, Step::kEnroll);
  EXPECT_EQ(start_exchange(false, SendKind::kUnchanged).resume, SendKind::kUnchanged);
  EXPECT_EQ(start_exchange(true, SendKind::kFull).step, Step::kSendFull);
  EXPECT_EQ(start_exchange(true, SendKind::kUnchanged).step, Step::kSendUnchanged);
}

TEST(Exchange, TransitionTable) {
  const auto at = [](Step step, SendKind resume = SendKind::kFull, bool reenrolled = false) {
    return ExchangeState{step, resume, reenrolled};
  };
  const struct {
    const char* name;
    ExchangeState from;
    long status;
    Step want;
    bool want_reenrolled;
    SendKind want_resume;
  } cases[] = {
      // full report
      {"full accepted", at(Step::kSendFull), 200, Step::kAccepted, false, SendKind::kFull},
      {"full server down", at(Step::kSendFull), 0, Step::kRetry, false, SendKind::kFull},
      {"full 503", at(Step::kSendFull), 503, Step::kRetry, false, SendKind::kFull},
      {"full 500", at(Step::kSendFull), 500, Step::kRetry, false, SendKind::kFull},
      {"full rate limited", at(Step::kSendFull), 429, Step::kRetry, false, SendKind::kFull},
      {"full 401 re-enrolls", at(Step::kSendFull), 401, Step::kEnroll, true, SendKind::kFull},
      {"full 401 twice fails", at(Step::kSendFull, SendKind::kFull, true), 401, Step::kFail, true,
       SendKind::kFull},
      {"full 400 fails", at(Step::kSendFull), 400, Step::kFail, false, SendKind::kFull},
      {"full 403 fails", at(Step::kSendFull), 403, Step::kFail, false, SendKind::kFull},
      {"full 413 fails", at(Step::kSendFull), 413, Step::kFail, false, SendKind::kFull},
      {"full 409 fails", at(Step::kSendFull), 409, Step::kFail, false, SendKind::kFull},
      // unchanged marker
      {"unchanged accepted", at(Step::kSendUnchanged, SendKind::kUnchanged), 200, Step::kAccepted,
       false, SendKind::kUnchanged},
      {"unchanged conflict -> full", at(Step::kSendUnchanged, SendKind::kUnchanged), 409,
       Step::kSendFull, false, SendKind::kUnchanged},
      {"unchanged unknown route -> full", at(Step::kSendUnchanged, SendKind::kUnchanged), 404,
       Step::kSendFull, false, SendKind::kUnchanged},
      {"unchanged 401 re-enrolls, resumes unchanged",
       at(Step::kSendUnchanged, SendKind::kUnchanged), 401, Step::kEnroll, true,
       SendKind::kUnchanged},
      {"unchanged server down", at(Step::kSendUnchanged, SendKind::kUnchanged), 0, Step::kRetry,
       false, SendKind::kUnchanged},
      {"unchanged 400 fails", at(Step::kSendUnchanged, SendKind::kUnchanged), 400, Step::kFail,
       false, SendKind::kUnchanged},
      // enrollment
      {"enroll 201 -> full", at(Step::kEnroll), 201, Step::kSendFull, false, SendKind::kFull},
      {"enroll 200 -> unchanged", at(Step::kEnroll, SendKind::kUnchanged), 200,
       Step::kSendUnchanged, false, SendKind::kUnchanged},
      {"enroll wrong secret", at(Step::kEnroll), 401, Step::kFail, false, SendKind::kFull},
      {"enroll forbidden", at(Step::kEnroll), 403, Step::kFail, false, SendKind::kFull},
      {"enroll bad request", at(Step::kEnroll), 400, Step::kFail, false, SendKind::kFull},
      {"enroll server down", at(Step::kEnroll), 0, Step::kRetry, false, SendKind::kFull},
      {"enroll 502", at(Step::kEnroll), 502, Step::kRetry, false, SendKind::kFull},
      // finished exchanges stay finished
      {"accepted is final", at(Step::kAccepted), 500, Step::kAccepted, false, SendKind::kFull},
      {"fail is final", at(Step::kFail), 200, Step::kFail, false, SendKind::kFull},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Transition t = advance(c.from, c.status);
    EXPECT_EQ(t.state.step, c.want) << to_string(t.state.step) << ": " << t.why;
    EXPECT_EQ(t.state.reenrolled, c.want_reenrolled);
    EXPECT_EQ(t.state.resume, c.want_resume);
    EXPECT_FALSE(t.why.empty());
  }
}

TEST(Exchange, ReEnrollsAtMostOncePerExchange) {
  // A server that keeps answering 401 to reports must not make the agent enroll in a loop.
  ExchangeState state = start_exchange(true, SendKind::kFull);
  int enrollments = 0;
  for (int step = 0; step < 10 && state.step != Step::kFail; ++step) {
    const long status = state.step == Step::kEnroll ? 201 : 401;
    if (state.step == Step::kEnroll) ++enrollments;
    state = advance(state, status).state;
  }
  EXPECT_EQ(state.step, Step::kFail);
  EXPECT_EQ(enrollments, 1);
}

}  // namespace
}  // namespace fleetpatch::agent
