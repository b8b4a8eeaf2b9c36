// `fleetpatch demo` end to end: runs the real binary on a fresh data directory and checks that
// the fleet summary it prints adds up, and that it agrees with `fleetpatch scan` run separately
// over the same (saved) sample fleet.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

CommandResult run(const std::string& args) {
  const std::string cmd = std::string(FLEETPATCH_BIN) + " " + args + " 2>/dev/null";
  CommandResult r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// One row of the demo's summary table; numbers are -1 where the row shows "-".
struct Row {
  std::string host, release;
  long packages = -1, findings = -1, critical = -1, high = -1, medium = -1, low = -1, unknown = -1,
       kev = -1;
};

long number(const std::string& cell) { return cell == "-" ? -1 : std::stol(cell); }

/// The table between the "HOST ... KEV" heading and the TOTAL row (returned last). Host names
/// may contain one space-separated suffix "(this host)".
std::vector<Row> parse_table(const std::string& out) {
  std::vector<Row> rows;
  std::istringstream in(out);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("HOST ")) {
      inside = true;
      continue;
    }
    if (!inside || line.starts_with("---")) continue;
    if (line.empty()) break;
    std::vector<std::string> cells;
    std::istringstream words(line);
    for (std::string w; words >> w;) cells.push_back(w);
    if (cells.size() >= 2 && cells[1] == "(this") {  // "name (this host)"
      cells[0] += " " + cells[1] + " " + cells[2];
      cells.erase(cells.begin() + 1, cells.begin() + 3);
    }
    if (cells.size() >= 2 && cells[0] == "TOTAL") {  // "TOTAL  N hosts ..."
      cells[1] += " " + cells[2];
      cells.erase(cells.begin() + 2);
    }
    if (cells.size() != 10) {
      ADD_FAILURE() << "unexpected table line: " << line;
      continue;
    }
    rows.push_back({cells[0], cells[1], number(cells[2]), number(cells[3]), number(cells[4]),
                    number(cells[5]), number(cells[6]), number(cells[7]), number(cells[8]),
                    number(cells[9])});
  }
  return rows;
}

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "fleetpatch-demo-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(DemoTest, SummaryAddsUpAndAgreesWithScan) {
  const fs::path data = dir_ / "data";
  const fs::path fleet = dir_ / "fleet";
  const CommandResult first =
      run("demo --data-dir " + data.string() + " --save-fleet " + fleet.string());
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("Imported the shipped AlmaLinux advisory snapshot"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("Imported the CISA KEV catalog"), std::string::npos) << first.out;
  EXPECT_TRUE(fs::exists(data / "index" / "advisories.fpi"));

  std::vector<Row> rows = parse_table(first.out);
  ASSERT_GE(rows.size(), 13u) << first.out;
  const Row total = rows.back();
  rows.pop_back();
  ASSERT_EQ(total.host, "TOTAL");

  Row sum;
  sum.packages = sum.findings = sum.critical = sum.high = sum.medium = sum.low = sum.unknown =
      sum.kev = 0;
  std::map<std::string, int> per_release;
  long matched = 0;
  for (const Row& row : rows) {
    if (row.findings < 0) {  // a host without advisories (this host, unless it is AlmaLinux)
      EXPECT_NE(row.host.find("(this host)"), std::string::npos) << row.host;
      continue;
    }
    ++matched;
    ++per_release[row.release];
    EXPECT_EQ(row.critical + row.high + row.medium + row.low + row.unknown, row.findings)
        << row.host;
    EXPECT_LE(row.kev, row.findings) << row.host;
    EXPECT_GE(row.packages, 500) << row.host;
    sum.packages += row.packages;
    sum.findings += row.findings;
    sum.critical += row.critical;
    sum.high += row.high;
    sum.medium += row.medium;
    sum.low += row.low;
    sum.unknown += row.unknown;
    sum.kev += row.kev;
  }
  EXPECT_EQ(total.release, std::to_string(matched) + " hosts");
  EXPECT_EQ(total.packages, sum.packages);
  EXPECT_EQ(total.findings, sum.findings);
  EXPECT_EQ(total.critical, sum.critical);
  EXPECT_EQ(total.high, sum.high);
  EXPECT_EQ(total.medium, sum.medium);
  EXPECT_EQ(total.low, sum.low);
  EXPECT_EQ(total.unknown, sum.unknown);
  EXPECT_EQ(total.kev, sum.kev);
  // The sample fleet: 12 hosts, AlmaLinux 8, 9 and 10 evenly; hosts that are behind have findings.
  EXPECT_EQ(per_release["almalinux:8"], 4);
  EXPECT_EQ(per_release["almalinux:9"], 4);
  EXPECT_EQ(per_release["almalinux:10"], 4);
  EXPECT_GT(sum.findings, 0);
  EXPECT_NE(first.out.find("This host"), std::string::npos) << first.out;

  // `fleetpatch scan` over the saved sample fleet finds exactly what the summary counted.
  std::string inventories;
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(fleet)) {
    inventories += " --inventory " + entry.path().string();
    ++files;
  }
  EXPECT_EQ(files, 12u);
  const CommandResult scan =
      run("--data-dir " + data.string() + " scan --format json --compact" + inventories);
  ASSERT_EQ(scan.exit_code, 0);
  const auto json = nlohmann::json::parse(scan.out);
  std::map<std::string, Row> scanned;
  for (const auto& host : json.at("hosts")) {
    Row row;
    row.findings = static_cast<long>(host.at("findings").size());
    row.critical = row.high = row.medium = row.low = row.unknown = row.kev = 0;
    for (const auto& f : host.at("findings")) {
      const std::string severity = f.at("severity");
      long& bucket = severity == "critical" ? row.critical
                     : severity == "high"   ? row.high
                     : severity == "medium" ? row.medium
                     : severity == "low"    ? row.low
                                            : row.unknown;
      ++bucket;
      row.kev += !f.at("kev_due_date").is_null();
    }
    scanned[host.at("host").at("hostname")] = row;
  }
  for (const Row& row : rows) {
    if (row.findings < 0 || row.host.find("(this host)") != std::string::npos) continue;
    ASSERT_TRUE(scanned.contains(row.host)) << row.host;
    const Row& s = scanned[row.host];
    EXPECT_EQ(s.findings, row.findings) << row.host;
    EXPECT_EQ(s.critical, row.critical) << row.host;
    EXPECT_EQ(s.high, row.high) << row.host;
    EXPECT_EQ(s.medium, row.medium) << row.host;
    EXPECT_EQ(s.low, row.low) << row.host;
    EXPECT_EQ(s.kev, row.kev) << row.host;
  }

  // A second run reuses the index and prints the same fleet.
  const CommandResult second = run("demo --data-dir " + data.string() + " --no-local");
  ASSERT_EQ(second.exit_code, 0);
  EXPECT_NE(second.out.find("already holds the demo's advisories"), std::string::npos)
      << second.out;
  std::vector<Row> again = parse_table(second.out);
  std::size_t compared = 0;
  for (const Row& row : rows) {
    if (row.host.find("(this host)") != std::string::npos) continue;
    ASSERT_LT(compared, again.size());
    EXPECT_EQ(again[compared].host, row.host);
    EXPECT_EQ(again[compared].findings, row.findings) << row.host;
    ++compared;
  }
}

TEST_F(DemoTest, SaysWhereTheDemoDataIsMissing) {
  const CommandResult r = run("demo --data-dir " + (dir_ / "data").string() + " --demo-data " +
                              (dir_ / "nowhere").string());
  EXPECT_EQ(r.exit_code, 1);
}

}  // namespace
