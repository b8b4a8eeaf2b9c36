#include "policy/exceptions.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fleetpatch::policy {
namespace {

core::TimePoint at(std::string_view text) { return core::parse_rfc3339(text).value(); }

TEST(ParseExceptions, ReadsBothKindsInFileOrder) {
  const auto set = parse_exceptions(R"(# accepted risks
[[exception]]
id = "EX-1"
cve = "CVE-2024-6387"
host = "web-1"
justification = "sshd reachable only from the bastion"
approver = "ciso@example.com"
created = 2026-01-10
expires = 2026-04-10

[[mitigation]]
package = "openssl"
tag = "dmz"
justification = "WAF rule 9031 blocks the vector"
approver = "secops"
created = "2026-02-01T00:00:00Z"

[[exception]]
kind = "exception"
tag = "lab"
justification = "lab hosts, no data"
approver = "cto"
created = 2026-01-01
)",
                                    "ex.toml");
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_EQ(set->records.size(), 3u);
  const auto& a = set->records[0];
  EXPECT_EQ(a.id, "EX-1");
  EXPECT_EQ(a.kind, ExceptionKind::kException);
  EXPECT_EQ(a.cve, "CVE-2024-6387");
  EXPECT_EQ(a.host, "web-1");
  EXPECT_EQ(a.created, at("2026-01-10"));
  EXPECT_EQ(a.expires, at("2026-04-10"));
  EXPECT_EQ(a.line, 2u);
  EXPECT_EQ(a.selector_text(), "cve=CVE-2024-6387 host=web-1");
  const auto& b = set->records[1];
  EXPECT_EQ(b.kind, ExceptionKind::kMitigation);
  EXPECT_EQ(b.id, "ex.toml:11");  // no id: its place
  EXPECT_FALSE(b.expires);
  EXPECT_EQ(set->records[2].tag, "lab");
}

TEST(ParseExceptions, ErrorsNameFileAndLine) {
  const std::string ok_body = "justification = \"j\"\napprover = \"a\"\ncreated = 2026-01-01\n";
  struct Case {
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {"[[exception]]\n" + ok_body, "ex.toml:1: a [[exception]] must select something"},
      {"[[exception]]\ncve = \"CVE-1\"\napprover = \"a\"\ncreated = 2026-01-01\n",
       "ex.toml:1: a [[exception]] needs a justification"},
      {"[[mitigation]]\ncve = \"CVE-1\"\njustification = \"j\"\ncreated = 2026-01-01\n",
       "ex.toml:1: a [[mitigation]] needs an approver"},
      {"[[exception]]\ncve = \"CVE-1\"\njustification = \"j\"\napprover = \"a\"\n",
       "needs a created date"},
      {"[[exception]]\ncve = \"CVE-1\"\n" + ok_body + "expires = \"next week\"\n",
       "ex.toml:6: \"expires\":"},
      {"[[exception]]\ncve = \"CVE-1\"\n" + ok_body + "expires = 2025-01-01\n",
       "expires before it is created"},
      {"[[exception]]\ncve = \"CVE-1\"\nreason = \"x\"\n" + ok_body,
       "ex.toml:3: unknown key \"reason\""},
      {"[[exception]]\ncve = \"CVE-1\"\nkind = \"mitigation\"\n" + ok_body,
       "ex.toml:3: \"kind\" says mitigation inside a [[exception]] table"},
      {"[[exception]]\ncve = \"CVE-1\"\nkind = \"waiver\"\n" + ok_body, "\"kind\" must be"},
      {"[[exception]]\ncve = 1\n" + ok_body, "ex.toml:2: \"cve\" must be a string"},
      {"[[waiver]]\ncve = \"CVE-1\"\n" + ok_body, "ex.toml:1: unexpected \"waiver\""},
      {"[exception]\ncve = \"CVE-1\"\n" + ok_body, "written as [[exception]] tables"},
      {"[[exception]]\nid = \"A\"\ncve = \"CVE-1\"\n" + ok_body +
           "[[exception]]\nid = \"A\"\ncve = "
           "\"CVE-2\"\n" +
           ok_body,
       "ex.toml:7: duplicate id \"A\" (first on line 1)"},
  };
  for (const auto& c : cases) {
    const auto set = parse_exceptions(c.text, "ex.toml");
    ASSERT_FALSE(set.ok()) << c.text;
    EXPECT_NE(set.error().message.find(c.expected), std::string::npos)
        << c.text << "\n-> " << set.error().message;
  }
}

TEST(ExceptionRecord, SelectorsMustAllMatch) {
  core::HostIdentity host{"id-1", "web-1", {"prod", "dmz"}};
  core::Finding f;
  f.package = "openssl-libs";
  f.source_package = "openssl";
  f.cves = {"CVE-2024-1", "CVE-2024-2"};
  struct Case {
    std::string cve, package, host, tag;
    bool selects;
  };
  const Case cases[] = {
      {"CVE-2024-2", "", "", "", true},
      {"CVE-2024-3", "", "", "", false},
      {"", "openssl", "", "", true},       // source name
      {"", "openssl-libs", "", "", true},  // binary name
      {"", "openssl-devel", "", "", false},
      {"", "", "web-1", "", true},
      {"", "", "id-1", "", true},
      {"", "", "web-2", "", false},
      {"", "", "", "dmz", true},
      {"", "", "", "lab", false},
      {"CVE-2024-1", "openssl", "web-1", "prod", true},
      {"CVE-2024-1", "openssl", "web-1", "lab", false},
  };
  for (const auto& c : cases) {
    ExceptionRecord r;
    r.cve = c.cve;
    r.package = c.package;
    r.host = c.host;
    r.tag = c.tag;
    EXPECT_EQ(r.selects(host, f), c.selects) << r.selector_text();
  }
}

TEST(ExceptionRecord, ActiveBetweenCreatedAndExpiry) {
  ExceptionRecord r;
  r.created = at("2026-01-10");
  r.expires = at("2026-04-10");
  EXPECT_FALSE(r.active_at(at("2026-01-09")));
  EXPECT_TRUE(r.active_at(at("2026-01-10")));
  EXPECT_TRUE(r.active_at(at("2026-04-09T23:59:59Z")));
  EXPECT_FALSE(r.active_at(at("2026-04-10")));
  r.expires.reset();
  EXPECT_TRUE(r.active_at(at("2036-01-01")));
}

}  // namespace
}  // namespace fleetpatch::policy
