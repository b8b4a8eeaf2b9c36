// `fleetpatch feed update` end to end against a real HTTP server: python3's http.server on
// 127.0.0.1, serving a directory laid out like the official URL paths (osv.dev's bucket and
// CISA's site), reached through --mirror / $FLEETPATCH_FEED_MIRROR. The feeds are the
// hand-written ones of tests/data/scan/ (see its README.md).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using fleetpatch::testsupport::CommandRun;
using fleetpatch::testsupport::slurp;

constexpr std::string_view kOsvPath = "AlmaLinux/all.zip";
constexpr std::string_view kKevPath =
    "sites/default/files/feeds/known_exploited_vulnerabilities.json";

void write(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

/// Every file under `dir` (but the lock file) with its bytes: the state an update must leave
/// untouched when it fails.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().filename() == ".lock") continue;
    files[fs::relative(entry.path(), dir).string()] = slurp(entry.path());
  }
  return files;
}

constexpr const char* kCutBodiesServer = R"py(
import functools, http.server, sys
class Cut(http.server.SimpleHTTPRequestHandler):
    def copyfile(self, source, outputfile):
        data = source.read()
        outputfile.write(data[: len(data) // 2])
        self.close_connection = True
handler = functools.partial(Cut, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print("Serving HTTP on 127.0.0.1 port %d (cut bodies)" % server.server_address[1])
server.serve_forever()
)py";

/// `python3 -m http.server` on 127.0.0.1 and a port the kernel picks, serving `root`; its
/// request log (one line per request, with the status) goes to `log`. Stopped on destruction.
class HttpServer {
 public:
  /// `cut_bodies`: a variant of http.server that sends the full Content-Length but only half of
  /// each body, then closes the connection (a download interrupted mid-way).
  HttpServer(const fs::path& root, const fs::path& log, bool cut_bodies = false) : log_(log) {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      std::FILE* err = std::fopen(log.c_str(), "w");
      if (err != nullptr) ::dup2(::fileno(err), STDERR_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      if (cut_bodies) {
        ::execl(FLEETPATCH_PYTHON3, FLEETPATCH_PYTHON3, "-u", "-c", kCutBodiesServer, root.c_str(),
                static_cast<char*>(nullptr));
      } else {
        ::execl(FLEETPATCH_PYTHON3, FLEETPATCH_PYTHON3, "-u", "-m", "http.server", "0", "--bind",
                "127.0.0.1", "--directory", root.c_str(), static_cast<char*>(nullptr));
      }
      ::_exit(127);
    }
    ::close(out[1]);
    // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
    std::string banner;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    static const std::regex kPort(R"(port ([0-9]+) )");
    std::smatch match;
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline &&
           !std::regex_search(banner, match, kPort)) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      banner.append(buf, static_cast<std::size_t>(n));
    }
    // The read end stays open while the server runs: python writes its banner in pieces, and
    // a closed pipe would kill it with BrokenPipeError on the next one.
    banner_fd_ = out[0];
    if (std::regex_search(banner, match, kPort)) port_ = std::stoi(match[1].str());
  }
  ~HttpServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (banner_fd_ >= 0) ::close(banner_fd_);
  }
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// The status of each request logged since the last call, as "GET /path STATUS".
  std::vector<std::string> take_requests() {
    static const std::regex kLine(R"re("(GET|HEAD) (\S+) HTTP/[0-9.]+" ([0-9]{3}))re");
    const std::string text = slurp(log_);
    std::vector<std::string> lines;
    std::size_t seen = 0;
    for (std::sregex_iterator it(text.begin(), text.end(), kLine), end; it != end; ++it) {
      if (seen++ < consumed_) continue;
      lines.push_back((*it)[1].str() + " " + (*it)[2].str() + " " + (*it)[3].str());
    }
    consumed_ = seen;
    return lines;
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  int banner_fd_ = -1;
  int port_ = -1;
  std::size_t consumed_ = 0;
};

class FeedUpdate : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string_view(FLEETPATCH_PYTHON3).empty() || !fs::exists(FLEETPATCH_PYTHON3)) {
      GTEST_SKIP() << "python3 not found at configure time (scripts/install-deps.sh installs "
                      "it): no local HTTP server to update from";
    }
    dir_ = fs::temp_directory_path() /
           ("fleetpatch-feed-update-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(www());
    // The official layout: osv.dev's <ecosystem>/all.zip and CISA's catalog path.
    std::string zip_cmd = std::string(FLEETPATCH_PYTHON3) + " -m zipfile -c " + osv_file().string();
    for (const auto& entry : fs::directory_iterator(data("feeds/alma"))) {
      zip_cmd += " " + entry.path().string();
    }
    fs::create_directories(osv_file().parent_path());
    ASSERT_EQ(std::system(zip_cmd.c_str()), 0) << zip_cmd;
    write(kev_file(), slurp(data("feeds/kev.json")));
    server_ = std::make_unique<HttpServer>(www(), dir_ / "server.log");
    ASSERT_GT(server_->port(), 0) << "http.server did not start: " << slurp(dir_ / "server.log");
  }
  void TearDown() override {
    server_.reset();  // stops the server before its directory goes
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  /// Runs fleetpatch with `args` on the test's data directory, or on `other_data_dir`.
  CommandRun run(const std::string& args, const std::string& env = "",
                 const std::string& other_data_dir = "") const {
    const fs::path err_path = dir_ / "stderr.txt";
    // A proxy from the environment must not stand between curl and 127.0.0.1.
    const std::string cmd =
        "env -u http_proxy -u HTTP_PROXY -u https_proxy -u HTTPS_PROXY -u all_proxy -u ALL_PROXY "
        "-u FLEETPATCH_FEED_MIRROR " +
        env + " " + FLEETPATCH_BIN + " --data-dir " +
        (other_data_dir.empty() ? data_dir().string() : other_data_dir) + " " + args + " 2>" +
        err_path.string();
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

  CommandRun update(const std::string& extra = "") const {
    return run("feed update --mirror " + server_->url() + " " + extra);
  }

  /// `feed status` rows as SOURCE -> "RECORDS FROM" (the IMPORTED column changes per run).
  std::map<std::string, std::string> status_rows() const {
    const CommandRun r = run("feed status");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return parse_status(r.out);
  }

  static std::map<std::string, std::string> parse_status(const std::string& out) {
    std::map<std::string, std::string> rows;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream cells(line);
      std::string source, records, imported, newest, from;
      if (!(cells >> source >> records >> imported >> newest) || source == "SOURCE") continue;
      if (source == "advisory" || source == "warning:") continue;
      std::getline(cells, from);
      rows[source] = records + from;
    }
    return rows;
  }

  static fs::path data(const std::string& rel) {
    return fs::path(FLEETPATCH_TEST_DATA) / "scan" / rel;
  }
  fs::path www() const { return dir_ / "www"; }
  fs::path osv_file() const { return www() / kOsvPath; }
  fs::path kev_file() const { return www() / kKevPath; }
  fs::path data_dir() const { return dir_ / "data"; }
  fs::path index_file() const { return data_dir() / "index" / "advisories.fpi"; }
  std::string osv_url() const { return server_->url() + "/" + std::string(kOsvPath); }
  std::string kev_url() const { return server_->url() + "/" + std::string(kKevPath); }

  fs::path dir_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(FeedUpdate, FullUpdateBuildsTheIndexLikeAnImportOfTheSameFiles) {
  const CommandRun r = update();
  ASSERT_EQ(r.exit_code, 0) << r.err << "\nserver log:\n" << slurp(dir_ / "server.log");
  const std::vector<std::string> want_requests = {"GET /" + std::string(kOsvPath) + " 200",
                                                  "GET /" + std::string(kKevPath) + " 200"};
  EXPECT_EQ(server_->take_requests(), want_requests);

  // The oracle: `feed import` of the very files the server holds, into another data dir.
  const std::string imported_dir = (dir_ / "imported").string();
  const CommandRun i =
      run("feed import " + data("feeds/alma").string() + " " + data("feeds/kev.json").string(), "",
          imported_dir);
  ASSERT_EQ(i.exit_code, 0) << i.err;
  const CommandRun updated_status = run("feed status");
  const CommandRun imported_status = run("feed status", "", imported_dir);
  ASSERT_EQ(updated_status.exit_code, 0) << updated_status.err;
  // The first line names the index path and its counts; compare the counts.
  auto counts = [](const std::string& out) {
    const std::size_t from = out.find(" MB; ");
    return from == std::string::npos ? out : out.substr(from, out.find('\n') - from);
  };
  EXPECT_EQ(counts(updated_status.out), counts(imported_status.out));

  // Each source with its record count, and the URL it came from.
  const auto rows = parse_status(updated_status.out);
  const auto imported_rows = parse_status(imported_status.out);
  ASSERT_EQ(rows.size(), imported_rows.size()) << updated_status.out;
  ASSERT_EQ(rows.size(), 3u) << updated_status.out;  // almalinux 8, almalinux 9, KEV
  for (const auto& [source, imported_row] : imported_rows) {
    ASSERT_TRUE(rows.count(source)) << source << " missing from\n" << updated_status.out;
    const std::string& row = rows.at(source);
    EXPECT_EQ(row.substr(0, row.find(' ')), imported_row.substr(0, imported_row.find(' ')))
        << source;
    EXPECT_NE(row.find(source == "cisa-kev" ? kev_url() : osv_url()), std::string::npos)
        << source << ": FROM should be the URL, got" << row.substr(row.find(' '));
  }

  // The same findings as after the import.
  const std::string host = data("hosts/alma9.json").string();
  const CommandRun scan_updated = run("scan --format json --inventory " + host);
  const CommandRun scan_imported = run("scan --format json --inventory " + host, "", imported_dir);
  ASSERT_EQ(scan_updated.exit_code, 0) << scan_updated.err;
  const auto a = nlohmann::json::parse(scan_updated.out);
  const auto b = nlohmann::json::parse(scan_imported.out);
  EXPECT_FALSE(a["hosts"][0]["findings"].empty());
  EXPECT_EQ(a["hosts"], b["hosts"]);
}

TEST_F(FeedUpdate, MirrorFromTheEnvironment) {
  const CommandRun r = run("feed update --source kev", "FLEETPATCH_FEED_MIRROR=" + server_->url());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server_->take_requests(),
            std::vector<std::string>{"GET /" + std::string(kKevPath) + " 200"});
  EXPECT_EQ(status_rows().count("cisa-kev"), 1u);
}

TEST_F(FeedUpdate, SecondUpdateIsConditionalAndKeepsTheIndex) {
  ASSERT_EQ(update().exit_code, 0);
  server_->take_requests();
  const auto rows_before = status_rows();
  const auto cache_before = snapshot(data_dir() / "feeds" / "cache");

  // http.server answers If-Modified-Since (from the Last-Modified it sent) with 304.
  const CommandRun r = update();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> not_modified = {"GET /" + std::string(kOsvPath) + " 304",
                                                 "GET /" + std::string(kKevPath) + " 304"};
  EXPECT_EQ(server_->take_requests(), not_modified);
  EXPECT_NE(r.err.find("not modified: " + osv_url()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not modified: " + kev_url()), std::string::npos) << r.err;
  EXPECT_EQ(snapshot(data_dir() / "feeds" / "cache"), cache_before);
  EXPECT_EQ(status_rows(), rows_before);

  // A changed file is downloaded again, the other one still is not.
  auto kev = nlohmann::json::parse(slurp(kev_file()));
  auto entry = kev["vulnerabilities"][0];
  entry["cveID"] = "CVE-2023-0001";
  kev["vulnerabilities"].push_back(entry);
  kev["count"] = kev["vulnerabilities"].size();
  write(kev_file(), kev.dump(2));
  fs::last_write_time(kev_file(), fs::last_write_time(kev_file()) + std::chrono::seconds(5));
  const CommandRun changed = update();
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  const std::vector<std::string> one_changed = {"GET /" + std::string(kOsvPath) + " 304",
                                                "GET /" + std::string(kKevPath) + " 200"};
  EXPECT_EQ(server_->take_requests(), one_changed);
  auto rows_after = status_rows();
  EXPECT_EQ(rows_after.at("cisa-kev").substr(0, 2), std::to_string(kev["count"].get<int>()) + " ");
  rows_after.erase("cisa-kev");
  auto rows_expected = rows_before;
  rows_expected.erase("cisa-kev");
  EXPECT_EQ(rows_after, rows_expected);
}

// A failing source, wherever it comes in the list, fails the command naming its URL, and leaves
// the index, the download cache and the conditional-request state exactly as they were.
TEST_F(FeedUpdate, FailureLeavesEverythingByteIdentical) {
  ASSERT_EQ(update().exit_code, 0);
  const std::string good_zip = slurp(osv_file());
  const std::string good_kev = slurp(kev_file());
  const auto zip_time = fs::last_write_time(osv_file());
  const auto kev_time = fs::last_write_time(kev_file());
  struct Case {
    std::string name;
    std::function<void()> break_server;
    std::string args;
    std::string failing_url;
    std::string reason;
  };
  const auto later = std::chrono::seconds(5);
  const std::vector<Case> cases = {
      {"404 after a good download", [&] { fs::last_write_time(kev_file(), kev_time + later); },
       "--source kev --source \"osv:Rocky Linux\"", server_->url() + "/Rocky%20Linux/all.zip",
       "HTTP 404"},
      {"truncated zip",
       [&] {
         write(osv_file(), good_zip.substr(0, good_zip.size() / 2));
         fs::last_write_time(osv_file(), zip_time + later);
       },
       "", osv_url(), ""},
      {"KEV catalog cut mid-way, after a good download",
       [&] {
         fs::last_write_time(osv_file(), zip_time + later);
         write(kev_file(), good_kev.substr(0, good_kev.size() / 2));
         fs::last_write_time(kev_file(), kev_time + later);
       },
       "", kev_url(), ""},
      {"zip replaced by garbage",
       [&] {
         write(osv_file(), "PK\x03\x04 this is not an archive");
         fs::last_write_time(osv_file(), zip_time + later);
       },
       "", osv_url(), ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    write(osv_file(), good_zip);
    fs::last_write_time(osv_file(), zip_time);
    write(kev_file(), good_kev);
    fs::last_write_time(kev_file(), kev_time);
    c.break_server();
    const auto before = snapshot(data_dir());
    const CommandRun r = update(c.args);
    EXPECT_EQ(r.exit_code, 1);  // the command failed (a sanitizer report would be another code)
    EXPECT_NE(r.err.find(c.failing_url), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.reason), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("index was not changed"), std::string::npos) << r.err;
    const auto after = snapshot(data_dir());
    EXPECT_EQ(after.size(), before.size());
    for (const auto& [name, bytes] : before) {
      EXPECT_TRUE(after.count(name) && after.at(name) == bytes) << name << " changed";
    }
  }

  // Transit damage: the server's file and its date are the good ones again. A failed update
  // must have kept nothing the next one trusts (no cached bad copy answered by a 304).
  write(osv_file(), good_zip);
  fs::last_write_time(osv_file(), zip_time);
  write(kev_file(), good_kev);
  fs::last_write_time(kev_file(), kev_time);
  server_->take_requests();
  const CommandRun healed = update();
  EXPECT_EQ(healed.exit_code, 0) << healed.err;
}

// The connection drops mid-way through a body: retried (with back-off), then the command fails
// naming the URL and nothing is left behind.
TEST_F(FeedUpdate, InterruptedDownloadIsRetriedThenFails) {
  ASSERT_EQ(update().exit_code, 0);
  const auto before = snapshot(data_dir());
  HttpServer cut(www(), dir_ / "cut.log", /*cut_bodies=*/true);
  ASSERT_GT(cut.port(), 0) << slurp(dir_ / "cut.log");
  const CommandRun r = run("feed update --source kev --mirror " + cut.url());
  EXPECT_EQ(r.exit_code, 1);
  const std::string url = cut.url() + "/" + std::string(kKevPath);
  EXPECT_NE(r.err.find("fleetpatch feed update: " + url), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("retrying"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("index was not changed"), std::string::npos) << r.err;
  const std::vector<std::string> attempts(4, "GET /" + std::string(kKevPath) + " 200");
  EXPECT_EQ(cut.take_requests(), attempts);
  EXPECT_EQ(snapshot(data_dir()), before);
}

TEST_F(FeedUpdate, NoNetworkSaysHowToImportOffline) {
  ASSERT_EQ(update().exit_code, 0);
  const auto before = snapshot(data_dir());
  const int port = fleetpatch::testsupport::free_port();
  ASSERT_GT(port, 0);
  const auto start = std::chrono::steady_clock::now();
  const CommandRun r = run("feed update --mirror http://127.0.0.1:" + std::to_string(port));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("http://127.0.0.1:" + std::to_string(port) + "/"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("no network"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("offline bundle"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fleetpatch feed import"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("index was not changed"), std::string::npos) << r.err;
  EXPECT_EQ(snapshot(data_dir()), before);
  // A refused connection is not worth the retries' back-off.
  EXPECT_LT(took, std::chrono::seconds(5));
}

// ---- feed update --source apt, on the machine that runs the tests --------------------------

/// Standard output of a shell command; nullopt when it fails.
std::optional<std::string> shell(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
}

/// CVE ids on the change lines of the changelog entries above the header of `installed` (a
/// regular expression, independent of the parser); nullopt when `installed` has no entry.
std::optional<std::set<std::string>> cves_above(const std::string& changelog,
                                                const std::string& source,
                                                const std::string& installed) {
  const std::string header = source + " (" + installed + ")";
  const std::size_t stop = changelog.rfind(header, 0) == 0 ? 0 : changelog.find("\n" + header);
  if (stop == std::string::npos) return std::nullopt;
  static const std::regex kCve(R"((^|[^A-Za-z0-9])(CVE-[0-9]{4}-[0-9]{4,}))");
  std::set<std::string> cves;
  std::istringstream lines(changelog.substr(0, stop));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || (line[0] != ' ' && line[0] != '\t') || line.rfind(" -- ", 0) == 0) {
      continue;  // entry headers and trailers
    }
    for (std::sregex_iterator it(line.begin(), line.end(), kCve), end; it != end; ++it) {
      cves.insert((*it)[2].str());
    }
  }
  return cves;
}

// After `feed update --source apt`, `scan` of this host lists every package that `apt list
// --upgradable` offers from a -security suite, with the advisory built from its changelog and
// the CVEs that changelog names. Skips, saying why, off Debian/Ubuntu, without apt, with nothing
// to compare, or when the security mirror is not reachable. Changelogs are cached in the same
// directory as the library test's (src/feed/apt_changelog/integration_test.cpp), so reruns and
// the second of the two download nothing.
TEST(FeedUpdateApt, ScanListsEverySecurityUpgradeAptOffers) {
  const std::string os_release = slurp("/etc/os-release");
  if (!std::regex_search(os_release, std::regex(R"((^|\n)ID=\"?(debian|ubuntu)\"?\n)"))) {
    GTEST_SKIP() << "not a Debian or Ubuntu host (/etc/os-release)";
  }
  const auto apt = shell("apt list --upgradable 2>/dev/null");
  if (!apt) GTEST_SKIP() << "`apt list --upgradable` cannot run here";
  // "libssl3/oldstable-security 3.0.15-1~deb12u1 amd64 [upgradable from: 3.0.14-1~deb12u2]"
  static const std::regex kLine(R"(^([^/\s]+)/(\S+) (\S+) (\S+) \[upgradable from: (\S+)\]$)");
  std::map<std::string, std::string> offered;  // package -> installed version
  std::istringstream lines(*apt);
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kLine) && m[2].str().find("-security") != std::string::npos) {
      offered[m[1].str()] = m[5].str();
    }
  }
  if (offered.empty()) {
    GTEST_SKIP() << "apt offers no update from a -security suite on this host: nothing to compare";
  }
  // The security suites' InRelease files, as apt sees them, must answer.
  const auto targets = shell(
      "apt-get indextargets --format '$(REPO_URI)dists/$(RELEASE)/InRelease' 2>/dev/null | grep "
      "-- -security/ | sort -u");
  if (!targets || targets->empty()) GTEST_SKIP() << "apt-get indextargets names no -security suite";
  const std::string probe = targets->substr(0, targets->find('\n'));
  if (std::string_view(FLEETPATCH_PYTHON3).empty()) GTEST_SKIP() << "no python3 to probe " << probe;
  if (!shell(std::string(FLEETPATCH_PYTHON3) +
             " -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=15)' " +
             probe + " 2>/dev/null")) {
    GTEST_SKIP() << "the security mirror is not reachable (" << probe
                 << "); run this where apt-get update works";
  }

  const fs::path dir =
      fs::temp_directory_path() / ("fleetpatch-feed-update-apt-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "data");
  const fs::path shared_cache =
      fs::path(::testing::TempDir()) / "fleetpatch_apt_integration" / "apt-changelog";
  fs::create_directories(shared_cache);
  fs::create_directory_symlink(shared_cache, dir / "data" / "apt-changelog");
  const std::string fleetpatch =
      std::string(FLEETPATCH_BIN) + " --data-dir " + (dir / "data").string() + " ";

  const auto start = std::chrono::steady_clock::now();
  const auto updated = shell(fleetpatch + "feed update --source apt 2>" + (dir / "err").string());
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
          .count();
  std::cout << "[ INFO     ] feed update --source apt: " << seconds << " s\n";
  ASSERT_TRUE(updated.has_value()) << slurp(dir / "err");
  const std::string update_err = slurp(dir / "err");
  if (update_err.find("HTTP 404") != std::string::npos) {
    GTEST_SKIP() << "the mirror no longer has files the apt lists name (HTTP 404): the lists are "
                    "stale, run apt-get update\n"
                 << update_err;
  }
  EXPECT_EQ(update_err.find("warning:"), std::string::npos) << update_err;

  const auto scanned = shell(fleetpatch + "scan --format json 2>" + (dir / "err").string());
  ASSERT_TRUE(scanned.has_value()) << slurp(dir / "err");
  const auto result = nlohmann::json::parse(*scanned);
  ASSERT_EQ(result["hosts"].size(), 1u);
  std::map<std::string, nlohmann::json> findings;
  for (const auto& f : result["hosts"][0]["findings"]) {
    findings[f["package"].get<std::string>()] = f;
  }
  std::size_t cross_checked = 0;
  for (const auto& [package, installed] : offered) {
    SCOPED_TRACE(package);
    auto found = findings.find(package);
    if (found == findings.end()) {
      ADD_FAILURE() << "apt offers a security update of " << package << "; scan does not list it";
      continue;
    }
    const auto& f = found->second;
    EXPECT_EQ(f["installed_version"], installed);
    const std::string source = f["source_package"].get<std::string>();
    const std::string fixed = f["fixed_version"].get<std::string>();
    ASSERT_EQ(f["advisories"].size(), 1u);
    EXPECT_EQ(f["advisories"][0], std::string("APT-").append(source).append("-").append(fixed));
    // The CVEs: what the cached changelog names above the installed source version.
    std::string cache_name = std::string(source).append("_").append(fixed).append(".changelog");
    for (auto at = cache_name.find(':'); at != std::string::npos; at = cache_name.find(':')) {
      cache_name.replace(at, 1, "%3a");
    }
    const std::string changelog = slurp(shared_cache / cache_name);
    const auto installed_source =
        shell("dpkg-query -W -f='${source:Version}' " + package + " 2>/dev/null");
    if (changelog.empty() || !installed_source) continue;
    const auto expected = cves_above(changelog, source, *installed_source);
    if (!expected) continue;  // the installed version has no entry of its own
    ++cross_checked;
    std::set<std::string> got;
    for (const auto& cve : f["cves"]) got.insert(cve.get<std::string>());
    EXPECT_EQ(got, *expected);
  }
  std::cout << "[ INFO     ] " << offered.size() << " security upgrades offered by apt, "
            << findings.size() << " findings; CVE lists cross-checked for " << cross_checked
            << "\n";
  EXPECT_GT(cross_checked, 0u);
  fs::remove_all(dir);
}

}  // namespace
