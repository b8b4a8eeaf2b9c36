#include "report/html_report.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

#include "report/compliance_fixture_test.hpp"

namespace fleetpatch::report {
namespace {

std::string render(const ComplianceReport& report, HtmlOptions options = {}) {
  options.tool_version = "0.1.0";
  std::ostringstream out;
  write_compliance_html(out, report, options);
  return out.str();
}

/// data-metric name -> every text it is shown with.
std::multimap<std::string, std::string> metrics(const std::string& html) {
  std::multimap<std::string, std::string> found;
  static const std::regex kMetric(R"re(data-metric="([^"]+)"[^>]*>([^<]*)<)re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), kMetric);
       it != std::sregex_iterator(); ++it) {
    found.emplace((*it)[1], (*it)[2]);
  }
  return found;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

TEST(Html, SummaryNumbersAreMachineCheckable) {
  const ComplianceReport report = testing::sample_report();
  const auto found = metrics(render(report));
  const StatusCounts& c = report.summary.counts;
  const std::pair<std::string, std::size_t> want[] = {
      {"hosts", report.summary.hosts},
      {"hosts_compliant", report.summary.hosts_compliant},
      {"findings", c.findings},
      {"overdue", c.overdue},
      {"due_soon", c.due_soon},
      {"open", c.open},
      {"mitigated", c.mitigated},
      {"excepted", c.excepted},
      {"fixed", c.fixed},
      {"by_severity.critical.overdue", 1},
      {"by_severity.high.due_soon", 1},
      {"by_severity.high.mitigated", 1},
      {"by_severity.medium.excepted", 1},
      {"by_severity.low.fixed", 1},
      {"by_severity.low.findings", 0},
  };
  for (const auto& [name, value] : want) {
    ASSERT_EQ(found.count(name), 1u) << name;
    EXPECT_EQ(found.find(name)->second, std::to_string(value)) << name;
  }
}

TEST(Html, SelfContainedNothingFetched) {
  const std::string html = render(testing::sample_report());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* forbidden : {" src=", "<link", "@import", "url(", "href=\"http", "href=\"//",
                                "<iframe", "<object", "<embed"}) {
    EXPECT_EQ(html.find(forbidden), std::string::npos) << forbidden;
  }
  EXPECT_EQ(count(html, "<script>"), 1u);  // only the print helper
  EXPECT_NE(html.find("@media print"), std::string::npos);
  EXPECT_EQ(count(html, "<svg "), 2u);  // age and severity; no history points: no burn-down
  EXPECT_EQ(html.find("id=\"chart-burndown"), std::string::npos);
  EXPECT_NE(html.find("No burn-down chart"), std::string::npos);
}

TEST(Html, SectionsShowTheReportRows) {
  const std::string html = render(testing::sample_report());
  for (const char* part :
       {"id=\"summary\"", "id=\"fix-first\"", "id=\"hosts\"", "id=\"cves\"", "id=\"exceptions\"",
        "id=\"time-to-fix\"", "id=\"sprawl\"", "id=\"findings\"",
        "curl is not reachable from the network on web-1",  // exception justification
        "ciso@example.com", "(in 14 days)",                 // expiring
        "1:3.0.7-27.el9", "1:3.0.1-41.el9",                 // sprawl versions
        "CVE-2026-0001", "overdue by 26 days", "AlmaLinux 9.4", "40.0"}) {
    EXPECT_NE(html.find(part), std::string::npos) << part;
  }
  // Fix-first rows are ranked.
  EXPECT_NE(html.find("<td class=\"num\">1</td>"), std::string::npos);
  // Each host gets a findings section that the host table links to.
  for (int i = 1; i <= 3; ++i) {
    const std::string anchor = "host-" + std::to_string(i);
    EXPECT_NE(html.find("id=\"" + anchor + "\""), std::string::npos) << anchor;
    EXPECT_NE(html.find("href=\"#" + anchor + "\""), std::string::npos) << anchor;
  }
}

TEST(Html, HostileStringsAreEscaped) {
  ComplianceReport report = testing::sample_report();
  report.per_host[0].hostname = "<script>alert(1)</script>";
  report.findings[0].package = "pkg\"onmouseover=\"x";
  report.policy = "a&b";
  const std::string html = render(report);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("pkg\"onmouseover"), std::string::npos);
  EXPECT_NE(html.find("a&amp;b"), std::string::npos);
}

TEST(Html, BurndownChartWithHistory) {
  ComplianceReport report = testing::sample_report();
  report.burndown = {{testing::at(2026, 11, 1), 9, 2},
                     {testing::at(2026, 11, 15), 6, 1},
                     {testing::at(2026, 11, 26), 4, 1}};
  const std::string html = render(report);
  EXPECT_NE(html.find("id=\"chart-burndown-title\""), std::string::npos);
  EXPECT_NE(html.find("data-series=\"findings\" data-category=\"2026-11-01\" data-value=\"9\""),
            std::string::npos);
  EXPECT_NE(html.find("data-series=\"overdue\" data-category=\"2026-11-26\" data-value=\"1\""),
            std::string::npos);
}

TEST(Html, LongListsAreCappedAndSaySo) {
  ComplianceReport report = testing::sample_report();
  const struct {
    std::size_t max_table_rows;
    std::size_t max_finding_rows;
    std::string want;
  } cases[] = {
      {1, 2000, "2 more hosts not shown"},
      {500, 2, "3 more findings not shown"},
      {500, 0, "5 more findings not shown"},
  };
  for (const auto& c : cases) {
    const std::string html = render(
        report, {.max_table_rows = c.max_table_rows, .max_finding_rows = c.max_finding_rows});
    EXPECT_NE(html.find(c.want), std::string::npos) << c.want;
  }
  const std::string all = render(report);
  EXPECT_EQ(all.find("not shown"), std::string::npos);
}

TEST(Html, EachHostShowsAtMostItsShareOfFindingRows) {
  ComplianceReport report = testing::sample_report();
  // web-1 gets 40 more open findings: with 50 rows for 3 hosts, each host shows at most
  // max(25, 50 / 3) = 25 of its rows, the highest-risk first.
  for (int i = 0; i < 40; ++i) {
    report.findings.push_back(testing::finding("web-1", "pkg" + std::to_string(i), {}, {},
                                               core::Severity::kLow, policy::Status::kOpen, 1));
  }
  const std::string html = render(report, {.max_finding_rows = 50});
  EXPECT_NE(html.find("18 more findings of this host not shown"), std::string::npos);
  EXPECT_NE(html.find("18 more findings not shown"), std::string::npos);
  EXPECT_NE(html.find("openssl-libs"), std::string::npos);  // risk order: the worst stays
  EXPECT_EQ(html.find(">pkg39<"), std::string::npos);
}

TEST(Html, EmptyReportRenders) {
  const std::string html = render(ComplianceReport{});
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_NE(html.find("Nothing to fix."), std::string::npos);
  EXPECT_EQ(metrics(html).count("overdue"), 1u);
}

}  // namespace
}  // namespace fleetpatch::report
