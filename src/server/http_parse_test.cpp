#include "server/http_parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fleetpatch::server::http1 {
namespace {

using State = RequestParser::State;

// Feeds `bytes` to a fresh parser in one piece.
State parse_all(RequestParser& parser, const std::string& bytes) { return parser.parse(bytes); }

TEST(HttpParse, ReadsRequestLineQueryAndHeaders) {
  RequestParser p;
  const std::string raw =
      "GET /api/v1/hosts/web%2001?after=a%2Bb&limit=5&limit=9&flag&q=x+y HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\n"
      "Authorization:   Bearer fpt_x  \r\n"
      "X-Empty:\r\n"
      "\r\n";
  ASSERT_EQ(parse_all(p, raw), State::kComplete);
  EXPECT_EQ(p.consumed(), raw.size());
  const HttpRequest& r = p.request();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/api/v1/hosts/web 01");
  EXPECT_EQ(r.param("after"), "a+b");
  EXPECT_EQ(r.param("limit"), "5") << "the first value of a parameter wins";
  EXPECT_EQ(r.param("flag"), "");
  EXPECT_EQ(r.param("q"), "x y");
  EXPECT_EQ(r.header("host"), "127.0.0.1");
  EXPECT_EQ(r.header("authorization"), "Bearer fpt_x") << "names lowercased, values trimmed";
  EXPECT_EQ(r.header("x-empty"), "");
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(p.keep_alive());
  EXPECT_FALSE(p.head_method());
}

TEST(HttpParse, KeepAliveFollowsVersionAndConnectionHeader) {
  struct Case {
    const char* raw;
    bool keep_alive;
  };
  const std::vector<Case> cases = {
      {"GET / HTTP/1.1\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n", false},
      {"GET / HTTP/1.0\r\n\r\n", false},
      {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
  };
  for (const auto& c : cases) {
    RequestParser p;
    ASSERT_EQ(p.parse(c.raw), State::kComplete) << c.raw;
    EXPECT_EQ(p.keep_alive(), c.keep_alive) << c.raw;
  }
}

TEST(HttpParse, ContentLengthBodyArrivingByteByByte) {
  const std::string raw =
      "PUT /api/v1/hosts/h1/report HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world";
  RequestParser p;
  std::string buffer;
  for (std::size_t i = 0; i + 1 < raw.size(); ++i) {
    buffer.push_back(raw[i]);
    ASSERT_EQ(p.parse(buffer), State::kNeedMore) << "after " << i + 1 << " bytes";
  }
  buffer.push_back(raw.back());
  ASSERT_EQ(p.parse(buffer), State::kComplete);
  EXPECT_EQ(p.request().method, "PUT");
  EXPECT_EQ(p.request().body, "hello world");
  EXPECT_EQ(p.consumed(), raw.size());
}

TEST(HttpParse, PipelinedRequestsAreReadOneAfterTheOther) {
  std::string buffer =
      "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
      "GET /b?x=1 HTTP/1.1\r\n\r\n"
      "DELETE /c HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
  RequestParser p;
  std::vector<std::string> seen;
  while (!buffer.empty()) {
    ASSERT_EQ(p.parse(buffer), State::kComplete) << buffer;
    seen.push_back(p.request().method + " " + p.request().path + " " + p.request().body);
    buffer.erase(0, p.consumed());
    p.reset();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"POST /a abc", "GET /b ", "DELETE /c "}));
  EXPECT_TRUE(p.request().query.empty()) << "reset forgets the query";
}

TEST(HttpParse, ChunkedBodyWithExtensionsAndTrailersAtEverySplit) {
  const std::string raw =
      "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n"
      "1\r\n \r\n"
      "A\r\n0123456789\r\n"
      "0\r\nX-Checksum: abc\r\n\r\n"
      "GET /next HTTP/1.1\r\n\r\n";
  const std::size_t first = raw.find("GET /next");
  for (std::size_t split = 0; split <= first; ++split) {
    RequestParser p;
    std::string buffer = raw.substr(0, split);
    if (p.parse(buffer) == State::kComplete) {
      ASSERT_EQ(split, first) << "complete before the last chunk arrived";
    }
    buffer = raw;
    ASSERT_EQ(p.parse(buffer), State::kComplete) << "split at " << split;
    EXPECT_EQ(p.request().body, "hello 0123456789") << "split at " << split;
    EXPECT_EQ(p.consumed(), first) << "split at " << split;
  }
}

TEST(HttpParse, ExpectContinueUntilTheBodyArrives) {
  RequestParser p;
  std::string buffer = "PUT /r HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n";
  ASSERT_EQ(p.parse(buffer), State::kNeedMore);
  EXPECT_TRUE(p.head_complete());
  EXPECT_TRUE(p.expects_continue());
  buffer += "body";
  ASSERT_EQ(p.parse(buffer), State::kComplete);
  EXPECT_FALSE(p.expects_continue());

  RequestParser empty;
  ASSERT_EQ(empty.parse("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n"), State::kComplete);
  EXPECT_FALSE(empty.expects_continue()) << "no body, nothing to wait for";
}

TEST(HttpParse, HeadIsAnsweredAsGetWithoutBody) {
  RequestParser p;
  ASSERT_EQ(p.parse("HEAD /healthz HTTP/1.1\r\n\r\n"), State::kComplete);
  EXPECT_EQ(p.request().method, "GET");
  EXPECT_TRUE(p.head_method());
}

TEST(HttpParse, AbsoluteFormAsteriskAndLeadingEmptyLines) {
  RequestParser p;
  ASSERT_EQ(p.parse("GET http://fleet.example:8443/api/v1/hosts?limit=2 HTTP/1.1\r\n\r\n"),
            State::kComplete);
  EXPECT_EQ(p.request().path, "/api/v1/hosts");
  EXPECT_EQ(p.request().param("limit"), "2");

  RequestParser star;
  ASSERT_EQ(star.parse("OPTIONS * HTTP/1.1\r\n\r\n"), State::kComplete);
  EXPECT_EQ(star.request().path, "*");

  RequestParser lead;
  const std::string raw = "\r\n\r\nGET /x HTTP/1.1\r\n\r\n";
  ASSERT_EQ(lead.parse(raw), State::kComplete);
  EXPECT_EQ(lead.request().path, "/x");
  EXPECT_EQ(lead.consumed(), raw.size());
}

TEST(HttpParse, RefusesWhatIsMalformedOrSmuggledWithTheRightStatus) {
  struct Case {
    std::string raw;
    int status;
    const char* why;
  };
  const std::vector<Case> cases = {
      {"GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 400,
       "both framings"},
      {"GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400,
       "differing lengths"},
      {"GET / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd", 400, "differing lengths in a list"},
      {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "negative length"},
      {"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400, "overflow"},
      {"GET / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400, "hex length"},
      {"GET / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "another coding"},
      {"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
       "two TE fields"},
      {"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "TE in HTTP/1.0"},
      {"GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", 400, "obs-fold"},
      {"GET / HTTP/1.1\r\nX-A: 1\nX-B: 2\r\n\r\n", 400, "bare LF"},
      {"GET / HTTP/1.1\r\nX-A: 1\r2\r\n\r\n", 400, "bare CR"},
      {"GET / HTTP/1.1\r\nX-A : 1\r\n\r\n", 400, "space before the colon"},
      {"GET / HTTP/1.1\r\nX-A: a\x01z\r\n\r\n", 400, "control character"},
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "no colon"},
      {"GET / HTTP/2.0\r\n\r\n", 505, "HTTP/2 request line"},
      {"GET / FOO/1.1\r\n\r\n", 400, "not HTTP"},
      {"GET  / HTTP/1.1\r\n\r\n", 400, "two spaces"},
      {"GET /a b HTTP/1.1\r\n\r\n", 400, "space in the target"},
      {"GET relative HTTP/1.1\r\n\r\n", 400, "relative target"},
      {"GET /%zz HTTP/1.1\r\n\r\n", 400, "bad escape"},
      {"GET /%2 HTTP/1.1\r\n\r\n", 400, "truncated escape"},
      {"GET /a%00b HTTP/1.1\r\n\r\n", 400, "NUL in the path"},
      {"GET /?a=%g1 HTTP/1.1\r\n\r\n", 400, "bad escape in the query"},
      {"G(T / HTTP/1.1\r\n\r\n", 400, "method not a token"},
      {"PUT / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx", 415,
       "compressed body"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "bad chunk size"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400,
       "chunk without CRLF"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n", 400,
       "trailer without colon"},
  };
  for (const auto& c : cases) {
    RequestParser p;
    EXPECT_EQ(p.parse(c.raw), State::kError) << c.why;
    EXPECT_EQ(p.error_status(), c.status) << c.why << ": " << p.error_reason();
    EXPECT_FALSE(p.error_reason().empty()) << c.why;
    EXPECT_FALSE(p.keep_alive()) << c.why;
    EXPECT_EQ(p.parse(c.raw), State::kError) << "an error sticks: " << c.why;
  }
}

TEST(HttpParse, RefusesATlsHandshakeOnAPlainPortAtOnce) {
  // The start of a TLS ClientHello: binary, no request line. Refused before max_head bytes.
  std::string hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 random\n", 19);
  RequestParser p;
  EXPECT_EQ(p.parse(hello), State::kError);
  EXPECT_EQ(p.error_status(), 400);
}

TEST(HttpParse, LimitsOnHeadHeadersAndBody) {
  ParserLimits limits;
  limits.max_head = 1024;
  limits.max_headers = 3;
  limits.max_body = 10;

  RequestParser long_head(limits);
  std::string raw = "GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a');
  EXPECT_EQ(long_head.parse(raw), State::kError) << "refused before the head is complete";
  EXPECT_EQ(long_head.error_status(), 431);

  // A malformed request line is what the answer names, whether the oversized head arrives at
  // once or in pieces (the fuzzer found the two disagreeing).
  const std::string junk = "INFO: not a request\n" + std::string(2000, 'a');
  RequestParser junk_whole(limits);
  EXPECT_EQ(junk_whole.parse(junk), State::kError);
  EXPECT_EQ(junk_whole.error_status(), 400);
  RequestParser junk_split(limits);
  EXPECT_EQ(junk_split.parse(junk.substr(0, 30)), State::kError);
  EXPECT_EQ(junk_split.error_status(), 400);

  RequestParser long_line(limits);
  EXPECT_EQ(long_line.parse("GET /" + std::string(9000, 'a')), State::kError);
  EXPECT_EQ(long_line.error_status(), 414);

  RequestParser many(limits);
  EXPECT_EQ(many.parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"), State::kError);
  EXPECT_EQ(many.error_status(), 431);

  RequestParser large(limits);
  EXPECT_EQ(large.parse("PUT /r HTTP/1.1\r\nAuthorization: Bearer t\r\nContent-Length: 11\r\n\r\n"),
            State::kError)
      << "refused from the head, before the body is read";
  EXPECT_EQ(large.error_status(), 413);
  EXPECT_EQ(large.request().path, "/r") << "the refusal still knows the request";
  EXPECT_EQ(large.request().header("authorization"), "Bearer t");

  RequestParser chunks(limits);
  EXPECT_EQ(chunks.parse("PUT /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n"),
            State::kError);
  EXPECT_EQ(chunks.error_status(), 413);

  RequestParser framing(limits);
  const std::string tiny_chunk = "1;" + std::string(500, 'e') + "\r\nx\r\n";
  EXPECT_EQ(framing.parse("PUT /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + tiny_chunk +
                          tiny_chunk + tiny_chunk),
            State::kError)
      << "3 body bytes, but 1.5 KB of chunk framing for them";
  EXPECT_EQ(framing.error_status(), 413);

  RequestParser exact(limits);
  EXPECT_EQ(exact.parse("PUT /r HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"),
            State::kComplete);
}

TEST(HttpParse, ResetReusesTheRequestWithoutLeakingItsFields) {
  RequestParser p;
  ASSERT_EQ(p.parse("GET /a?x=1 HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), State::kComplete);
  p.reset();
  ASSERT_EQ(p.parse("GET /b HTTP/1.1\r\nD: 4\r\n\r\n"), State::kComplete);
  ASSERT_EQ(p.request().headers.size(), 1u);
  EXPECT_EQ(p.request().headers[0], (std::pair<std::string, std::string>{"d", "4"}));
  EXPECT_FALSE(p.request().param("x"));
  p.reset();
  ASSERT_EQ(p.parse("GET /c HTTP/1.1\r\nBroken\r\n\r\n"), State::kError);
  EXPECT_TRUE(p.request().headers.empty()) << "a refused head shows no earlier request's fields";
}

TEST(HttpParse, ResponsesCarryLengthDateAndCloseAndOmitTheBodyForHead) {
  HttpResponse r;
  r.status = 201;
  r.body = R"({"ok":true})";
  r.headers.emplace_back("Retry-After", "3");
  std::string out;
  append_response(out, r, /*close=*/true, /*head_method=*/false);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 201 Created\r\nDate: ")) << out;
  EXPECT_NE(out.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\nContent-Length: 11\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\nRetry-After: 3\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\nConnection: close\r\n\r\n"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("\r\n\r\n" + r.body)) << out;

  std::string head;
  append_response(head, r, false, /*head_method=*/true);
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
  EXPECT_NE(head.find("Content-Length: 11"), std::string::npos) << head;
  EXPECT_EQ(head.find("Connection"), std::string::npos) << head;

  HttpResponse none;
  none.status = 204;
  std::string empty;
  append_response(empty, none, false, false);
  EXPECT_EQ(empty.find("Content-Length"), std::string::npos) << empty;
}

TEST(HttpParse, PercentDecode) {
  std::string out;
  EXPECT_TRUE(percent_decode("a%20b+c%2Fd", false, out));
  EXPECT_EQ(out, "a b+c/d");
  EXPECT_TRUE(percent_decode("a%20b+c", true, out));
  EXPECT_EQ(out, "a b c");
  EXPECT_FALSE(percent_decode("%", false, out));
  EXPECT_FALSE(percent_decode("%4", false, out));
  EXPECT_FALSE(percent_decode("%4g", false, out));
}

}  // namespace
}  // namespace fleetpatch::server::http1
