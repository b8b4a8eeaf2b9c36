// `fleetpatch report` in the formats other tools and people read, checked by those formats' own
// rules: SARIF 2.1.0 and CycloneDX 1.5 VEX against their published JSON schemas
// (tests/js/validate.mjs), and the HTML report in a real headless Chromium (tests/js/
// check_html.mjs): no console error, nothing fetched, and the summary numbers on the page equal
// to the JSON report's. Needs Node.js, tests/js/node_modules (`npm ci`) and Debian's chromium,
// all installed by scripts/install-deps.sh; a missing one fails the test with that advice.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using fleetpatch::testsupport::slurp;

struct CommandRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

CommandRun run_shell(const std::string& command) {
  CommandRun r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

void spit(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The evaluation instant of every report here, so that the numbers do not depend on the day
// the test runs.
constexpr const char* kAsOf = "2026-11-26T00:00:00Z";

class ReportFormats : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "fleetpatch-report-formats-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    const std::string js = FLEETPATCH_TESTS_JS;
    if (std::string(FLEETPATCH_NODE).empty()) {
      GTEST_FAIL() << "Node.js (node) was not found when configuring; run scripts/install-deps.sh";
    }
    if (!fs::exists(fs::path(js) / "node_modules" / "ajv")) {
      GTEST_FAIL() << js << "/node_modules is missing: run scripts/install-deps.sh (npm ci)";
    }
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  CommandRun fleetpatch(const std::string& args) const {
    return run_shell(std::string(FLEETPATCH_BIN) + " --data-dir " +
                     quote((dir_ / "data").string()) + " " + args);
  }
  static CommandRun node(const std::string& script, const std::string& args) {
    return run_shell(std::string(FLEETPATCH_NODE) + " " +
                     quote(std::string(FLEETPATCH_TESTS_JS) + "/" + script) + " " + args);
  }
  static std::string scan_data(const std::string& rel) {
    return std::string(FLEETPATCH_TEST_DATA) + "/scan/" + rel;
  }

  /// The small fixture fleet of tests/data/scan: AlmaLinux 8 and 9 hosts with findings (one in
  /// the KEV catalog) and a Debian host without advisories.
  std::string fixture_fleet() const {
    const CommandRun imported = fleetpatch("feed import " + quote(scan_data("feeds/alma")) + " " +
                                           quote(scan_data("feeds/kev.json")));
    EXPECT_EQ(imported.exit_code, 0) << imported.out;
    std::string hosts = "--inventory";
    for (const char* h :
         {"alma9.json", "alma8-nodejs14.json", "alma8-nodejs16.json", "debian12.json"}) {
      hosts += " " + quote(scan_data(std::string("hosts/") + h));
    }
    return hosts;
  }

  fs::path report(const std::string& hosts, const std::string& format,
                  const std::string& extra = "") const {
    fs::path out = dir_ / ("report." + format);
    const CommandRun r =
        fleetpatch("report --policy soc2 --as-of " + std::string(kAsOf) + " --format " + format +
                   " -o " + quote(out.string()) + " " + extra + " " + hosts);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(fs::exists(out)) << out;
    return out;
  }

  fs::path dir_;
};

TEST_F(ReportFormats, SarifAndVexOfTheFixtureFleetValidateAgainstTheSchemas) {
  const std::string hosts = fixture_fleet();
  // One exception and one mitigation, so that suppressions and not_affected analyses are part of
  // what gets validated, not only plain findings.
  const fs::path exceptions = dir_ / "exceptions.toml";
  spit(exceptions,
       "[[exception]]\nid = \"EX-1\"\ncve = \"CVE-2022-3715\"\nhost = \"alma9\"\n"
       "justification = \"bash is not reachable from the network\"\napprover = \"ciso\"\n"
       "created = 2026-11-01\nexpires = 2026-12-15\n\n"
       "[[mitigation]]\nid = \"MT-1\"\npackage = \"nodejs\"\n"
       "justification = \"WAF rule blocks the vector\"\napprover = \"secops\"\n"
       "created = 2026-11-01\n");
  const struct {
    std::string format;
    std::string schema;
    std::string items;  // JSON pointer to the array that must not be empty
    std::string must_contain;
  } cases[] = {
      {"sarif", "sarif-2.1.0", "/runs/0/results", "\"suppressions\""},
      {"cyclonedx-vex", "cyclonedx-1.5", "/vulnerabilities", "protected_by_mitigating_control"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.format);
    const fs::path file = report(hosts, c.format, "--exceptions " + quote(exceptions.string()));
    const std::string text = slurp(file);
    const auto document = nlohmann::json::parse(text, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << text;
    // An empty document would validate trivially: the fixture must produce findings.
    EXPECT_FALSE(document.at(nlohmann::json::json_pointer(c.items)).empty());
    EXPECT_NE(text.find(c.must_contain), std::string::npos) << text;
    const CommandRun valid = node("validate.mjs", c.schema + " " + quote(file.string()));
    EXPECT_EQ(valid.exit_code, 0) << valid.out;
  }
}

TEST_F(ReportFormats, TheSchemaCheckRejectsBrokenDocuments) {
  const std::string hosts = fixture_fleet();
  const struct {
    std::string format;
    std::string schema;
    std::string pointer;
    nlohmann::json value;
  } cases[] = {
      {"sarif", "sarif-2.1.0", "/runs/0/results/0/level", "severe"},
      {"sarif", "sarif-2.1.0", "/version", "2.2.0"},
      {"cyclonedx-vex", "cyclonedx-1.5", "/vulnerabilities/0/analysis/state", "vulnerable"},
      {"cyclonedx-vex", "cyclonedx-1.5", "/serialNumber", "not-a-urn"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.format + " " + c.pointer);
    const fs::path file = report(hosts, c.format);
    auto document = nlohmann::json::parse(slurp(file));
    document[nlohmann::json::json_pointer(c.pointer)] = c.value;
    const fs::path broken = dir_ / ("broken-" + c.format + ".json");
    spit(broken, document.dump());
    const CommandRun r = node("validate.mjs", c.schema + " " + quote(broken.string()));
    EXPECT_EQ(r.exit_code, 1) << r.out;
  }
}

class HtmlInChromium : public ReportFormats {
 protected:
  /// The demo's sample fleet, saved as host reports, and the JSON and HTML reports of it.
  void demo_reports() {
    const fs::path fleet = dir_ / "fleet";
    const CommandRun demo = fleetpatch("demo --no-local --save-fleet " + quote(fleet.string()));
    ASSERT_EQ(demo.exit_code, 0) << demo.out;
    demo_out_ = demo.out;
    std::string hosts = "--inventory";
    for (const auto& entry : fs::directory_iterator(fleet)) hosts += " " + quote(entry.path());
    json_ = report(hosts, "json");
    html_ = report(hosts, "html");
  }

  CommandRun check_html(const fs::path& html, const std::string& extra) const {
    return node("check_html.mjs", "--html " + quote(html.string()) + " " + extra);
  }

  fs::path json_;
  fs::path html_;
  std::string demo_out_;
};

TEST_F(HtmlInChromium, DemoFleetReportRendersCleanlyWithTheJsonNumbers) {
  ASSERT_NO_FATAL_FAILURE(demo_reports());
  const auto summary = nlohmann::json::parse(slurp(json_))["summary"];
  ASSERT_GT(summary["hosts"].get<int>(), 0);
  ASSERT_GT(summary["findings"].get<int>(), 0) << summary;

  // Screenshots stay in the build tree for people to look at.
  const fs::path shots = FLEETPATCH_ARTIFACTS;
  fs::create_directories(shots);
  const fs::path screen = shots / "report-demo.png";
  const fs::path print = shots / "report-demo-print.png";
  fs::remove(screen);
  fs::remove(print);
  const CommandRun r = check_html(html_, "--json " + quote(json_.string()) + " --screenshot " +
                                             quote(screen.string()) + " --print-screenshot " +
                                             quote(print.string()));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("compared"), std::string::npos) << r.out;
  for (const fs::path& png : {screen, print}) {
    ASSERT_TRUE(fs::exists(png)) << png;
    EXPECT_EQ(slurp(png).substr(0, 8), "\x89PNG\r\n\x1a\n") << png;
    EXPECT_GT(fs::file_size(png), 20000u) << png << " looks blank";
  }
}

TEST_F(HtmlInChromium, DemoEndsWithTheSoc2SummaryAndWritesItsHtmlReport) {
  ASSERT_NO_FATAL_FAILURE(demo_reports());
  // "Compliance under soc2 (...) as of ...:" then "  hosts compliant  X of Y", "  overdue  N",
  // "  due soon  N (within 7 days)", "  open  N", and "HTML compliance report: PATH".
  std::smatch m;
  const std::regex summary(
      R"(Compliance under soc2 \(.*\) as of [0-9T:-]+Z:\n  hosts compliant +([0-9]+) of ([0-9]+) .*\n)"
      R"(  overdue +([0-9]+)\n  due soon +([0-9]+) .*\n  open +([0-9]+)\n)");
  ASSERT_TRUE(std::regex_search(demo_out_, m, summary)) << demo_out_;
  const nlohmann::json printed = {{"summary",
                                   {{"hosts_compliant", std::stol(m[1])},
                                    {"hosts", std::stol(m[2])},
                                    {"overdue", std::stol(m[3])},
                                    {"due_soon", std::stol(m[4])},
                                    {"open", std::stol(m[5])}}}};
  EXPECT_GT(printed["summary"]["hosts"].get<long>(), 0);
  const std::regex path_line("HTML compliance report: (.+)\n");
  ASSERT_TRUE(std::regex_search(demo_out_, m, path_line)) << demo_out_;
  const fs::path html = m[1].str();
  EXPECT_EQ(html, dir_ / "data" / "reports" / "compliance-soc2.html");
  ASSERT_TRUE(fs::exists(html)) << html;
  const fs::path printed_json = dir_ / "demo-summary.json";
  spit(printed_json, printed.dump());
  // The page the demo wrote shows the numbers the demo printed.
  const CommandRun r = check_html(html, "--json " + quote(printed_json.string()));
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(HtmlInChromium, TheCheckCatchesAWrongNumberAndAConsoleError) {
  ASSERT_NO_FATAL_FAILURE(demo_reports());
  const std::string html = slurp(html_);
  const struct {
    std::string name;
    std::function<std::string(const std::string&)> damage;
  } cases[] = {
      {"overdue off by one",
       [](const std::string& page) {
         static const std::regex kOverdue(R"re(data-metric="overdue">([0-9]+)<)re");
         std::smatch m;
         if (!std::regex_search(page, m, kOverdue)) return std::string();
         return m.prefix().str() + "data-metric=\"overdue\">" +
                std::to_string(std::stol(m[1]) + 1) + "<" + m.suffix().str();
       }},
      {"console error",
       [](const std::string& page) {
         return std::regex_replace(page, std::regex("</body>"),
                                   "<script>console.error('broken')</script></body>");
       }},
      {"external fetch",
       [](const std::string& page) {
         return std::regex_replace(
             page, std::regex("</head>"),
             "<link rel=\"stylesheet\" href=\"http://fleetpatch.invalid/x.css\">"
             "</head>");
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string damaged = c.damage(html);
    ASSERT_FALSE(damaged.empty());
    ASSERT_NE(damaged, html);
    const fs::path file = dir_ / "damaged.html";
    spit(file, damaged);
    const CommandRun r = check_html(file, "--json " + quote(json_.string()));
    EXPECT_EQ(r.exit_code, 1) << r.out;
  }
}

}  // namespace
