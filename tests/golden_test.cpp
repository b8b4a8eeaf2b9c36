// Golden end-to-end cases (tests/cases/<distro>/<case>/, see tests/cases/README.md): for each
// case, the real `fleetpatch` binary imports the case's advisories into a fresh data directory and
// scans its inventory; the (package, vulnerability id, installed version, fixed version) set must
// equal the peer's expected set, corrected by the case's `expected-differences` where the peer is
// wrong by the distribution's own rules. Every case is also scanned with --ignore-unfixed against
// the peer's -ignore-unfixed result where it has one, else against the expected set without the
// rows that have no fixed version (what --ignore-unfixed means for both tools).
//
// Scans run at the peer's own scan time (the case's `peer-scan` file: Trivy's CreatedAt) with
// --as-of, so that release end of life is judged on the same day. fleetpatch reports end of life
// as a finding (state end-of-life, advisory "EOL:<release>"); Trivy reports it as a flag on the
// OS (Metadata.OS.EOSL), not as a vulnerability row. That is a deliberate difference of form: the
// end-of-life finding is compared with the peer's flag, not with its rows, and kept out of the
// row sets (in both variants: --ignore-unfixed does not hide it).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using fleetpatch::testsupport::CommandRun;
using fleetpatch::testsupport::slurp;

/// One row of a result, as peers print them: a finding naming several CVEs is one row per CVE;
/// one naming none (a SUSE advisory) is one row per advisory id.
using Row = std::tuple<std::string, std::string, std::string, std::string>;
using Rows = std::set<Row>;

std::string row_text(const Row& row) {
  const auto& [package, id, installed, fixed] = row;
  return package + "\t" + id + "\t" + installed + "\t" + (fixed.empty() ? "(none)" : fixed);
}

std::string rows_text(const Rows& rows) {
  std::string out;
  for (const Row& row : rows) out += "    " + row_text(row) + "\n";
  return out.empty() ? "    (none)\n" : out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return fields;
}

/// Lines of a case file, without comments ('#') and blank lines.
std::vector<std::string> data_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    lines.push_back(line);
  }
  return lines;
}

/// expected*.tsv: package, vulnerability id, installed version, fixed version (may be empty).
Rows read_expected(const fs::path& path) {
  Rows rows;
  for (const std::string& line : data_lines(path)) {
    auto f = split_tabs(line);
    f.resize(4);
    rows.insert({f[0], f[1], f[2], f[3]});
  }
  return rows;
}

/// `expected-differences`: "+" rows fleetpatch reports and the peer does not, "-" rows the peer
/// reports and fleetpatch rightly does not, each with the reason in the sixth field.
struct Difference {
  bool add = false;
  Row row;
  std::string reason;
};

std::vector<Difference> read_differences(const fs::path& path) {
  std::vector<Difference> out;
  if (!fs::exists(path)) return out;
  for (const std::string& line : data_lines(path)) {
    auto f = split_tabs(line);
    EXPECT_EQ(f.size(), 6u) << path << ": want op, package, id, installed, fixed, reason: " << line;
    EXPECT_TRUE(f[0] == "+" || f[0] == "-") << path << ": op must be + or -: " << line;
    EXPECT_FALSE(f.size() < 6 || f[5].empty()) << path << ": every difference says why: " << line;
    f.resize(6);
    out.push_back({f[0] == "+", {f[1], f[2], f[3], f[4]}, f[5]});
  }
  return out;
}

/// The case's `peer-scan`: when the peer scanned, and whether it called the OS end-of-life.
struct PeerScan {
  std::string as_of;
  bool end_of_life = false;
};

PeerScan read_peer_scan(const fs::path& path) {
  PeerScan scan;
  for (const std::string& line : data_lines(path)) {
    const auto f = split_tabs(line);
    EXPECT_EQ(f.size(), 2u) << path << ": " << line;
    if (f.size() != 2) continue;
    if (f[0] == "as-of") {
      scan.as_of = f[1];
    } else if (f[0] == "end-of-life") {
      EXPECT_TRUE(f[1] == "true" || f[1] == "false") << path << ": " << line;
      scan.end_of_life = f[1] == "true";
    } else {
      ADD_FAILURE() << path << ": unknown key " << f[0];
    }
  }
  EXPECT_FALSE(scan.as_of.empty()) << path << " names no as-of time";
  return scan;
}

struct GoldenCase {
  std::string name;  // "<distro>_<case>", a valid test name
  fs::path dir;
};

// Names the case in test listings ("# GetParam() = debian/debian-buster").
// NOLINTNEXTLINE(readability-identifier-naming): gtest finds PrintTo by this exact name
void PrintTo(const GoldenCase& c, std::ostream* os) {
  *os << c.dir.parent_path().filename().string() << "/" << c.dir.filename().string();
}

std::vector<GoldenCase> find_cases() {
  std::vector<GoldenCase> cases;
  const fs::path root = FLEETPATCH_TEST_CASES;
  std::error_code ec;
  for (const auto& distro : fs::directory_iterator(root, ec)) {
    if (!distro.is_directory()) continue;
    for (const auto& dir : fs::directory_iterator(distro.path(), ec)) {
      if (!fs::exists(dir.path() / "inventory.json")) continue;
      std::string name = distro.path().filename().string() + "_" + dir.path().filename().string();
      std::replace_if(
          name.begin(), name.end(),
          [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
      cases.push_back({name, dir.path()});
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const GoldenCase& a, const GoldenCase& b) { return a.name < b.name; });
  return cases;
}

/// Runs the binary with a data directory inside `work`.
CommandRun run_in(const fs::path& work, const std::string& args) {
  const fs::path err_path = work / "stderr.txt";
  const std::string cmd = std::string(FLEETPATCH_BIN) + " --data-dir " + (work / "data").string() +
                          " " + args + " 2>" + err_path.string();
  CommandRun r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err_path);
  return r;
}

/// A scan result's rows per host (in output order), end-of-life findings left out.
std::vector<Rows> rows_per_host(const nlohmann::json& doc) {
  std::vector<Rows> out;
  for (const auto& host : doc["hosts"]) {
    Rows rows;
    for (const auto& f : host["findings"]) {
      if (f["state"] == "end-of-life") continue;
      const std::string fixed = f["fixed_version"].is_null() ? "" : f["fixed_version"];
      const auto& ids = f["cves"].empty() ? f["advisories"] : f["cves"];
      for (const auto& id : ids) {
        rows.insert({f["package"], id.get<std::string>(), f["installed_version"], fixed});
      }
    }
    out.push_back(std::move(rows));
  }
  return out;
}

class Golden : public ::testing::TestWithParam<GoldenCase> {
 protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() /
            ("fleetpatch-golden-" + std::to_string(::getpid()) + "-" + GetParam().name);
    fs::remove_all(work_);
    fs::create_directories(work_);
  }
  void TearDown() override { fs::remove_all(work_); }

  CommandRun run(const std::string& args) const { return run_in(work_, args); }

  /// Scans the case's inventory; the host must be matched (a known release with advisories, no
  /// version that could not be compared), else an empty expected set would pass by accident.
  /// `end_of_life` receives the releases of the host's end-of-life findings (kept out of the rows).
  Rows scan(bool ignore_unfixed, const std::string& as_of,
            std::vector<std::string>& end_of_life) const {
    const CommandRun r = run(std::string("scan --format json --inventory ") +
                             (GetParam().dir / "inventory.json").string() + " --as-of " + as_of +
                             (ignore_unfixed ? " --ignore-unfixed" : ""));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Rows rows;
    if (r.exit_code != 0) return rows;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["hosts"].size(), 1u);
    for (const auto& host : doc["hosts"]) {
      EXPECT_FALSE(host["release"].is_null()) << "the case's OS was not recognised";
      EXPECT_TRUE(host["notes"].empty()) << host["notes"].dump();
      for (const auto& f : host["findings"]) {
        if (f["state"] == "end-of-life") {
          end_of_life.push_back(f["end_of_life"]["release"].get<std::string>());
          continue;
        }
        const std::string fixed = f["fixed_version"].is_null() ? "" : f["fixed_version"];
        const auto& ids = f["cves"].empty() ? f["advisories"] : f["cves"];
        for (const auto& id : ids) {
          rows.insert({f["package"], id.get<std::string>(), f["installed_version"], fixed});
        }
      }
    }
    return rows;
  }

  fs::path work_;
};

TEST_P(Golden, SameFindingsAsPeer) {
  const fs::path dir = GetParam().dir;
  const CommandRun import = run("feed import " + (dir / "advisories").string());
  ASSERT_EQ(import.exit_code, 0) << import.err;

  const Rows peer = read_expected(dir / "expected.tsv");
  ASSERT_FALSE(peer.empty()) << "a golden case needs at least one expected finding";
  const std::vector<Difference> differences = read_differences(dir / "expected-differences");
  const PeerScan peer_scan = read_peer_scan(dir / "peer-scan");

  // The peer's rows, corrected where the differences file says the peer is wrong.
  auto corrected = [&](Rows rows, bool fixed_only) {
    for (const Difference& d : differences) {
      if (!d.add) {
        EXPECT_TRUE(rows.erase(d.row) > 0 || fixed_only)
            << "expected-differences removes a row the peer does not report: " << row_text(d.row);
      } else if (!fixed_only || !std::get<3>(d.row).empty()) {
        EXPECT_TRUE(rows.insert(d.row).second)
            << "expected-differences adds a row the peer already reports: " << row_text(d.row);
      }
    }
    return rows;
  };

  struct Variant {
    std::string what;
    bool ignore_unfixed;
    Rows want;
  };
  Rows peer_fixed_only;
  for (const Row& row : peer) {
    if (!std::get<3>(row).empty()) peer_fixed_only.insert(row);
  }
  const fs::path unfixed_file = dir / "expected-ignore-unfixed.tsv";
  if (fs::exists(unfixed_file)) {
    // The peer's own -ignore-unfixed result must be its full result without the unfixed rows;
    // checked so that the derived variant below means the same thing for the other cases.
    EXPECT_EQ(read_expected(unfixed_file), peer_fixed_only) << unfixed_file;
  }
  const Variant variants[] = {
      {"scan", false, corrected(peer, false)},
      {fs::exists(unfixed_file) ? "scan --ignore-unfixed (peer's -ignore-unfixed result)"
                                : "scan --ignore-unfixed (expected.tsv without unfixed rows)",
       true, corrected(peer_fixed_only, true)},
  };
  for (const Variant& v : variants) {
    std::vector<std::string> end_of_life;
    const Rows got = scan(v.ignore_unfixed, peer_scan.as_of, end_of_life);
    EXPECT_EQ(end_of_life.size(), peer_scan.end_of_life ? 1u : 0u)
        << dir.string() << ": " << v.what << ": the peer "
        << (peer_scan.end_of_life ? "calls" : "does not call") << " the OS end-of-life at "
        << peer_scan.as_of;
    Rows missing;
    Rows extra;
    std::set_difference(v.want.begin(), v.want.end(), got.begin(), got.end(),
                        std::inserter(missing, missing.end()));
    std::set_difference(got.begin(), got.end(), v.want.begin(), v.want.end(),
                        std::inserter(extra, extra.end()));
    EXPECT_TRUE(missing.empty() && extra.empty())
        << dir.string() << ": " << v.what << "\n  missing (expected, not reported):\n"
        << rows_text(missing) << "  extra (reported, not expected):\n"
        << rows_text(extra);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, Golden, ::testing::ValuesIn(find_cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) {
                           return info.param.name;
                         });

// A checkout without tests/cases would otherwise run zero golden tests and pass.
TEST(GoldenCases, ArePresent) { EXPECT_GE(find_cases().size(), 6u) << FLEETPATCH_TEST_CASES; }

}  // namespace

// Issue 4: a mixed fleet, one host per distribution family, in ONE data directory (every case's
// advisories imported together) and ONE scan command. Each host must get exactly its own case's
// findings: from its own vendor's data, none from another family's advisories. One case per
// family, because two cases of one release (debian-buster and distroless-base) come with
// different fixture databases and would legitimately see each other's advisories.
TEST(GoldenMixedFleet, OneScanEachHostFromItsOwnVendor) {
  const std::vector<std::string> picks = {"alpine/alpine-310",  "debian/debian-buster",
                                          "ubuntu/ubuntu-1804", "opensuse/opensuse-leap-151",
                                          "rhel/ubi-7",         "almalinux/almalinux-8",
                                          "rocky/rockylinux-8"};
  const fs::path root = FLEETPATCH_TEST_CASES;
  const fs::path work =
      fs::temp_directory_path() / ("fleetpatch-golden-mixed-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  std::string advisories, inventories;
  for (const auto& pick : picks) {
    ASSERT_TRUE(fs::exists(root / pick / "inventory.json")) << pick;
    advisories += " " + (root / pick / "advisories").string();
    inventories += " " + (root / pick / "inventory.json").string();
  }
  const CommandRun import = run_in(work, "feed import" + advisories);
  ASSERT_EQ(import.exit_code, 0) << import.err;
  const CommandRun scan = run_in(work, "scan --format json --inventory" + inventories);
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  const auto doc = nlohmann::json::parse(scan.out);
  ASSERT_EQ(doc["hosts"].size(), picks.size());
  const std::vector<Rows> got = rows_per_host(doc);
  std::set<std::string> releases;
  for (std::size_t i = 0; i < picks.size(); ++i) {
    const fs::path dir = root / picks[i];
    EXPECT_FALSE(doc["hosts"][i]["release"].is_null()) << picks[i];
    releases.insert(doc["hosts"][i]["release"].is_null() ? "" : doc["hosts"][i]["release"]);
    // The case's own expected rows, corrected by its differences file as in SameFindingsAsPeer.
    Rows want = read_expected(dir / "expected.tsv");
    for (const Difference& d : read_differences(dir / "expected-differences")) {
      if (d.add) {
        want.insert(d.row);
      } else {
        want.erase(d.row);
      }
    }
    EXPECT_EQ(got[i], want) << picks[i] << ": in the mixed fleet the host must see exactly its "
                            << "own case's findings";
  }
  EXPECT_EQ(releases.size(), picks.size()) << "each host a different release";
  fs::remove_all(work);
}
