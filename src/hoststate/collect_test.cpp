// collect_host() over fixture root trees the tests build in temporary directories, import_file()
// format detection, and a live comparison with dpkg-query on a Debian/Ubuntu machine.
#include "hoststate/collect.hpp"

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "hoststate/host_report_json.hpp"

namespace fleetpatch::hoststate {
namespace {

namespace fs = std::filesystem;

// A plain file-system Env (the real one lives in platform/, which this layer does not link).
class FsEnv final : public core::Env {
 public:
  core::Result<std::string> read_file(const std::string& path) const override {
    std::ifstream in(path, std::ios::binary);
    if (!in) return core::not_found("cannot open " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
  bool exists(const std::string& path) const override { return fs::exists(path); }
  bool is_directory(const std::string& path) const override { return fs::is_directory(path); }
  core::Result<std::vector<std::string>> list_directory(const std::string& path) const override {
    std::error_code ec;
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      names.push_back(entry.path().filename().string());
    }
    if (ec) return core::io_error("cannot list " + path + ": " + ec.message());
    std::sort(names.begin(), names.end());
    return names;
  }
  core::Result<std::string> read_link(const std::string& path) const override {
    std::error_code ec;
    auto target = fs::read_symlink(path, ec);
    if (ec) return core::io_error(ec.message());
    return target.string();
  }
};

const core::FixedClock& fixed_clock() {
  static const core::FixedClock clock{
      core::TimePoint{std::chrono::sys_days{std::chrono::year{2026} / 11 / 26}} +
      std::chrono::hours{3}};
  return clock;
}
constexpr const char* kClockText = "2026-11-26T03:00:00Z";

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/fleetpatch-collect-XXXXXX";
    if (mkdtemp(pattern) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

  void write(const std::string& relative, const std::string& content) const {
    const fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
  }

 private:
  fs::path path_;
};

constexpr const char* kDebianStatus = R"txt(Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b2
Description: GNU Bourne Again SHell

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library

Package: linux-image-6.1.0-18-amd64
Status: install ok installed
Architecture: amd64
Source: linux-signed-amd64 (6.1.76+1)
Version: 6.1.76-1
Description: Linux 6.1

Package: linux-image-6.1.0-17-amd64
Status: install ok installed
Architecture: amd64
Source: linux-signed-amd64 (6.1.69+1)
Version: 6.1.69-1
Description: Linux 6.1

Package: linux-image-6.1.0-10-amd64
Status: deinstall ok config-files
Architecture: amd64
Source: linux-signed-amd64 (6.1.38+2)
Version: 6.1.38-2
Description: Linux 6.1, removed

Package: linux-image-amd64
Status: install ok installed
Architecture: amd64
Source: linux-signed-amd64 (6.1.76+1)
Version: 6.1.76-1
Description: Linux for 64-bit PCs (meta-package)
)txt";

constexpr const char* kDebianOsRelease = R"txt(PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
)txt";

void make_debian_root(const TempDir& root) {
  root.write("etc/os-release", kDebianOsRelease);
  root.write("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  root.write("etc/hostname", "web-1\n");
  root.write("var/lib/dpkg/status", kDebianStatus);
  root.write("run/reboot-required", "*** System restart required ***\n");
  root.write("proc/sys/kernel/osrelease", "6.1.0-17-amd64\n");
}

using Row = std::tuple<std::string, std::string, std::string, std::string>;

std::vector<Row> rows(const std::vector<core::Package>& packages) {
  std::vector<Row> out;
  out.reserve(packages.size());
  for (const auto& p : packages)
    out.emplace_back(p.name, p.version, p.source_name, p.source_version);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CollectHost, DebianRoot) {
  TempDir root;
  make_debian_root(root);
  CollectOptions options;
  options.root = root.str();
  options.tags = {"prod"};
  core::Diagnostics diagnostics;
  const auto report = collect_host(FsEnv(), fixed_clock(), options, diagnostics);
  ASSERT_TRUE(report.ok()) << report.error().message;
  for (const auto& d : diagnostics.items()) ADD_FAILURE() << d.to_string();

  EXPECT_EQ(report->host.id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(report->host.hostname, "web-1");
  EXPECT_EQ(report->host.tags, std::vector<std::string>{"prod"});
  EXPECT_EQ(report->os.id, "debian");
  EXPECT_EQ(report->os.version_id, "12");
  EXPECT_EQ(report->os.version_codename, "bookworm");
  EXPECT_EQ(report->package_format, core::PackageFormat::kDpkg);
  EXPECT_EQ(rows(report->packages),
            (std::vector<Row>{
                {"bash", "5.2.15-2+b2", "bash", "5.2.15-2+b2"},
                {"libc6", "2.36-9+deb12u4", "glibc", "2.36-9+deb12u4"},
                {"linux-image-6.1.0-17-amd64", "6.1.69-1", "linux-signed-amd64", "6.1.69+1"},
                {"linux-image-6.1.0-18-amd64", "6.1.76-1", "linux-signed-amd64", "6.1.76+1"},
                {"linux-image-amd64", "6.1.76-1", "linux-signed-amd64", "6.1.76+1"},
            }));
  // Sorted by name in the report itself.
  EXPECT_TRUE(std::is_sorted(report->packages.begin(), report->packages.end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
  EXPECT_EQ(report->kernel.running, "6.1.0-17-amd64");
  EXPECT_EQ(report->kernel.installed,
            (std::vector<std::string>{"6.1.0-17-amd64", "6.1.0-18-amd64"}));
  EXPECT_TRUE(report->kernel.reboot_required);
  EXPECT_EQ(report->collected_at, kClockText);
  EXPECT_EQ(report->collector, "fleetpatch 0.1.0");

  // Same root, same clock: the same bytes.
  core::Diagnostics again;
  const auto second = collect_host(FsEnv(), fixed_clock(), options, again);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(to_json(*second), to_json(*report));
}

TEST(CollectHost, OptionsOverrideIdentityAndProc) {
  TempDir root;
  make_debian_root(root);
  TempDir proc;
  proc.write("sys/kernel/osrelease", "6.1.0-18-amd64\n");
  TempDir sys;
  sys.write("kernel/livepatch/kpatch_6_1_0_18_1/enabled", "1\n");
  sys.write("kernel/livepatch/kpatch_6_1_0_18_1/transition", "0\n");
  sys.write("kernel/livepatch/lkp_Debian_6_1_0_18/enabled", "0\n");
  sys.write("kernel/livepatch/lkp_Debian_6_1_0_18/transition", "1\n");
  CollectOptions options;
  options.root = root.str();
  options.proc_root = proc.str();
  options.sys_root = sys.str();
  options.host_id = "given-id";
  options.hostname = "given-name";
  core::Diagnostics diagnostics;
  const auto report = collect_host(FsEnv(), fixed_clock(), options, diagnostics);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->host.id, "given-id");
  EXPECT_EQ(report->host.hostname, "given-name");
  EXPECT_EQ(report->kernel.running, "6.1.0-18-amd64");
  ASSERT_EQ(report->kernel.livepatch.size(), 2u);
  EXPECT_EQ(report->kernel.livepatch[0],
            (core::Livepatch{"kpatch_6_1_0_18_1", "kpatch", true, false, {}}));
  EXPECT_EQ(report->kernel.livepatch[1],
            (core::Livepatch{"lkp_Debian_6_1_0_18", "canonical-livepatch", false, true, {}}));
}

TEST(CollectHost, AlpineImageWithoutProcOrMachineId) {
  TempDir root;
  // Only /usr/lib/os-release, as some minimal images have.
  root.write("usr/lib/os-release",
             "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n"
             "PRETTY_NAME=\"Alpine Linux v3.19\"\n");
  root.write("etc/hostname", "edge-7\n");
  root.write("lib/apk/db/installed",
             "C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\no:musl\n\n"
             "C:Q1def=\nP:linux-lts\nV:6.6.14-r0\nA:x86_64\no:linux-lts\n\n"
             "C:Q1ghi=\nP:linux-firmware-none\nV:20231111-r1\nA:x86_64\no:linux-firmware\n\n"
             "C:Q1jkl=\nP:busybox-binsh\nV:1.36.1-r15\nA:x86_64\no:busybox\n\n");
  CollectOptions options;
  options.root = root.str();
  core::Diagnostics diagnostics;
  const auto report = collect_host(FsEnv(), fixed_clock(), options, diagnostics);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->os.id, "alpine");
  EXPECT_EQ(report->os.version_id, "3.19.1");
  EXPECT_EQ(report->package_format, core::PackageFormat::kApk);
  EXPECT_EQ(
      rows(report->packages),
      (std::vector<Row>{{"busybox-binsh", "1.36.1-r15", "busybox", "1.36.1-r15"},
                        {"linux-firmware-none", "20231111-r1", "linux-firmware", "20231111-r1"},
                        {"linux-lts", "6.6.14-r0", "linux-lts", "6.6.14-r0"},
                        {"musl", "1.2.4_git20230717-r4", "musl", "1.2.4_git20230717-r4"}}));
  EXPECT_EQ(report->kernel.installed, std::vector<std::string>{"6.6.14-0-lts"});
  EXPECT_EQ(report->kernel.running, "");  // offline image: no /proc
  EXPECT_FALSE(report->kernel.reboot_required);
  // No machine-id: the hostname stands in, and the user is told.
  EXPECT_EQ(report->host.id, "edge-7");
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics.items()[0].message.find("no machine id"), std::string::npos);
}

TEST(CollectHost, NoPackageDatabaseIsAnError) {
  TempDir root;
  root.write("etc/os-release", kDebianOsRelease);
  fs::create_directories(root.path() / "var/lib/rpm");  // empty, as Debian's rpm package leaves it
  core::Diagnostics diagnostics;
  CollectOptions options;
  options.root = root.str();
  const auto report = collect_host(FsEnv(), fixed_clock(), options, diagnostics);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, core::ErrorCode::kNotFound);
  EXPECT_NE(report.error().message.find(root.str()), std::string::npos) << report.error().message;
  EXPECT_NE(report.error().message.find("/var/lib/dpkg/status"), std::string::npos);

  options.root = root.str() + "/no-such-dir";
  const auto missing_root = collect_host(FsEnv(), fixed_clock(), options, diagnostics);
  ASSERT_FALSE(missing_root.ok());
  EXPECT_EQ(missing_root.error().code, core::ErrorCode::kNotFound);
  EXPECT_NE(missing_root.error().message.find(options.root + " is not a directory"),
            std::string::npos)
      << missing_root.error().message;
}

TEST(CollectHost, RpmRootWithKernelPackages) {
  if (std::system("command -v rpmbuild >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "rpmbuild not installed (Debian package 'rpm')";
  }
  TempDir work;
  TempDir root;
  root.write("etc/os-release",
             "ID=\"almalinux\"\nVERSION_ID=\"9.0\"\nID_LIKE=\"rhel centos fedora\"\n");
  root.write("etc/machine-id", "fedcba98765432100123456789abcdef\n");
  // kernel-core packages built for this machine's arch would need a cross toolchain; noarch ones
  // keep the test portable, and the release string shows the arch the package names.
  work.write("kernel.spec",
             "Name: kernel-core\nVersion: 5.14.0\nRelease: 70.13.1.el9_0\nSummary: t\n"
             "License: GPL\nBuildArch: noarch\n%description\nt\n%files\n");
  work.write("kernel-uek.spec",
             "Name: kernel-uek\nVersion: 5.15.0\nRelease: 200.131.27.el9uek\nSummary: t\n"
             "License: GPL\nBuildArch: noarch\n%description\nt\n%files\n");
  const std::string log = (work.path() / "log").string();
  std::string rpms;
  for (const char* spec : {"kernel.spec", "kernel-uek.spec"}) {
    ASSERT_EQ(std::system(("rpmbuild -bb --quiet --define '_topdir " + work.str() +
                           "/top' --define '_dbpath " + work.str() + "/db' " + work.str() + "/" +
                           spec + " >>" + log + " 2>&1")
                              .c_str()),
              0);
  }
  for (const auto& e : fs::recursive_directory_iterator(work.path() / "top/RPMS")) {
    if (e.path().extension() == ".rpm") rpms += " " + e.path().string();
  }
  const std::string dbpath = root.str() + "/var/lib/rpm";
  ASSERT_EQ(
      std::system(("rpm --dbpath " + dbpath + " --initdb >>" + log + " 2>&1 && rpm --dbpath " +
                   dbpath + " -i --justdb --nodeps" + rpms + " >>" + log + " 2>&1")
                      .c_str()),
      0);
  CollectOptions options;
  options.root = root.str();
  core::Diagnostics diagnostics;
  const auto report = collect_host(FsEnv(), fixed_clock(), options, diagnostics);
  ASSERT_TRUE(report.ok()) << report.error().message;
  for (const auto& d : diagnostics.items()) ADD_FAILURE() << d.to_string();
  EXPECT_EQ(report->package_format, core::PackageFormat::kRpm);
  EXPECT_EQ(report->os.id, "almalinux");
  EXPECT_EQ(report->host.id, "fedcba98765432100123456789abcdef");
  EXPECT_EQ(
      report->kernel.installed,
      (std::vector<std::string>{"5.14.0-70.13.1.el9_0.noarch", "5.15.0-200.131.27.el9uek.noarch"}));
  ASSERT_EQ(report->packages.size(), 2u);
  EXPECT_EQ(report->packages[0].name, "kernel-core");
  EXPECT_EQ(report->packages[0].source_name, "kernel-core");
}

// ---- import_file ------------------------------------------------------------------------------

struct KernelCase {
  const char* name;
  const char* file;  // its name and suffix do not matter: content decides
  std::string content;
  core::PackageFormat format;
  std::vector<std::string> kernels;
};

TEST(ImportFile, DetectsTextFormatsAndDerivesKernels) {
  auto rpm_line = [](const char* name, const char* epoch, const char* v, const char* r,
                     const char* arch) {
    return std::string(name) + "\t" + epoch + "\t" + v + "\t" + r + "\t" + arch + "\t" + name +
           "-" + v + "-" + r + ".src.rpm\t(none)\n";
  };
  const std::vector<KernelCase> cases = {
      {"dpkg status",
       "web-1.status",
       kDebianStatus,
       core::PackageFormat::kDpkg,
       {"6.1.0-17-amd64", "6.1.0-18-amd64"}},
      {"ubuntu unsigned",
       "web-1",
       "Package: linux-image-unsigned-5.15.0-91-generic\nStatus: install ok installed\n"
       "Architecture: amd64\nSource: linux\nVersion: 5.15.0-91.101\n\n"
       "Package: linux-image-5.15.0-91-generic-dbgsym\nStatus: install ok installed\n"
       "Architecture: amd64\nSource: linux\nVersion: 5.15.0-91.101\n",
       core::PackageFormat::kDpkg,
       {"5.15.0-91-generic"}},
      {"apk installed",
       "web-1.installed",
       "C:Q1x=\nP:linux-virt\nV:6.6.14-r1\nA:x86_64\no:linux-lts\n\n"
       "C:Q1y=\nP:linux-pam\nV:1.5.3-r7\nA:x86_64\no:linux-pam\n",
       core::PackageFormat::kApk,
       {"6.6.14-1-virt"}},
      {"rpm -qa, red hat",
       "web-1.txt",
       rpm_line("kernel-core", "(none)", "5.14.0", "70.13.1.el9_0", "x86_64") +
           rpm_line("kernel", "0", "5.14.0", "70.13.1.el9_0", "x86_64") +
           rpm_line("kernel-core", "(none)", "5.14.0", "70.22.1.el9_0", "x86_64") +
           rpm_line("kernel-headers", "(none)", "5.14.0", "70.22.1.el9_0", "x86_64") +
           rpm_line("openssl-libs", "1", "3.0.1", "41.el9_0", "x86_64"),
       core::PackageFormat::kRpm,
       {"5.14.0-70.13.1.el9_0.x86_64", "5.14.0-70.22.1.el9_0.x86_64"}},
      {"rpm -qa, suse",
       "web-1.txt",
       rpm_line("kernel-default", "(none)", "5.14.21", "150400.24.46.1", "x86_64") +
           rpm_line("kernel-default-devel", "(none)", "5.14.21", "150400.24.46.1", "x86_64"),
       core::PackageFormat::kRpm,
       {"5.14.21-150400.24.46-default"}},
      {"rpm -qa, suse base and tumbleweed",
       "web-1.txt",
       rpm_line("kernel-default-base", "(none)", "6.12.0", "160000.2.1.160000.2.1", "x86_64") +
           rpm_line("kernel-default", "(none)", "6.6.7", "1.1", "x86_64"),
       core::PackageFormat::kRpm,
       {"6.12.0-160000.2-default", "6.6.7-1-default"}},
      {"rpm -qa, oracle uek",
       "web-1.txt",
       rpm_line("kernel-uek", "(none)", "5.15.0", "200.131.27.el9uek", "x86_64"),
       core::PackageFormat::kRpm,
       {"5.15.0-200.131.27.el9uek.x86_64"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    dir.write(c.file, c.content);
    core::Diagnostics diagnostics;
    const auto report =
        import_file(FsEnv(), fixed_clock(), (dir.path() / c.file).string(), diagnostics);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->package_format, c.format);
    EXPECT_EQ(report->host.id, "web-1");  // the file name's stem
    EXPECT_EQ(report->kernel.installed, c.kernels);
    EXPECT_FALSE(report->packages.empty());
    EXPECT_EQ(report->collected_at, kClockText);
    EXPECT_EQ(report->collector.rfind("fleetpatch 0.1.0 (import ", 0), 0u) << report->collector;
  }
}

TEST(ImportFile, HostReportJsonRoundTrips) {
  core::HostReport original;
  original.host = {"machine-1", "db-1", {"prod"}};
  original.os.id = "debian";
  original.package_format = core::PackageFormat::kDpkg;
  original.packages = {{"bash", "5.2.15-2+b2", "amd64", "bash", "5.2.15-2", std::nullopt}};
  original.collected_at = "2025-01-01T00:00:00Z";
  original.collector = "fleetpatch 0.1.0";
  TempDir dir;
  dir.write("db-1.json", to_json(original));
  core::Diagnostics diagnostics;
  const auto report =
      import_file(FsEnv(), fixed_clock(), (dir.path() / "db-1.json").string(), diagnostics);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(*report, original);  // its own id and time are kept
}

TEST(ImportFile, VulsResultIsRecognised) {
  TempDir dir;
  dir.write("scan.json", R"({"jsonVersion": 4, "serverName": "vuls-host", "family": "debian",
    "release": "12.4", "packages": {"bash": {"name": "bash", "version": "5.2.15-2+b2"}}})");
  core::Diagnostics diagnostics;
  const auto report =
      import_file(FsEnv(), fixed_clock(), (dir.path() / "scan.json").string(), diagnostics);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->packages.size(), 1u);
  EXPECT_EQ(report->packages[0].name, "bash");
  EXPECT_FALSE(report->host.id.empty());
  EXPECT_FALSE(report->collected_at.empty());
}

struct BadImport {
  const char* name;
  std::string content;
  std::string expected;
  core::ErrorCode code;
};

TEST(ImportFile, UnrecognisedOrInvalidFilesAreErrorsNamingTheFile) {
  const std::vector<BadImport> cases = {
      {"prose", "hello world\nthis is not a package list\n", "unrecognised format",
       core::ErrorCode::kUnsupported},
      {"empty", "", "unrecognised format", core::ErrorCode::kUnsupported},
      {"five columns", "a\tb\tc\td\te\n", "unrecognised format", core::ErrorCode::kUnsupported},
      {"other json", R"({"name": "x"})", "neither a fleetpatch host report",
       core::ErrorCode::kUnsupported},
      {"scan json", R"({"schema": "fleetpatch.scan/1", "hosts": []})", "unsupported schema",
       core::ErrorCode::kUnsupported},
      {"future report", R"({"schema": "fleetpatch.host/2", "host": {"id": "x"}, "packages": []})",
       "unsupported schema", core::ErrorCode::kUnsupported},
      {"broken json", R"({"schema": "fleetpatch.host/1", )", "not valid JSON",
       core::ErrorCode::kInvalidArgument},
      {"broken early", R"({"jsonVersion": 4, "pack)", "not valid JSON",
       core::ErrorCode::kInvalidArgument},
      {"array", R"([{"schema": "fleetpatch.host/1"}])", "expected an object",
       core::ErrorCode::kInvalidArgument},
      {"vuls without packages", R"({"jsonVersion": 4, "serverName": "x"})",
       "neither a fleetpatch host report", core::ErrorCode::kUnsupported},
      {"bad report", R"({"schema": "fleetpatch.host/1", "host": {"id": 1}, "packages": []})",
       "/host/id", core::ErrorCode::kInvalidArgument},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    dir.write("input.dat", c.content);
    const std::string path = (dir.path() / "input.dat").string();
    core::Diagnostics diagnostics;
    const auto report = import_file(FsEnv(), fixed_clock(), path, diagnostics);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().code, c.code);
    EXPECT_NE(report.error().message.find(path), std::string::npos) << report.error().message;
    EXPECT_NE(report.error().message.find(c.expected), std::string::npos) << report.error().message;
  }
}

TEST(ImportFile, MissingFileIsAnError) {
  core::Diagnostics diagnostics;
  const auto report =
      import_file(FsEnv(), fixed_clock(), "/nonexistent/fleetpatch/input", diagnostics);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("/nonexistent/fleetpatch/input"), std::string::npos);
}

TEST(ImportFile, RealVulsResultsListTheRunningKernelAsInstalled) {
  // 43 real hosts scanned by Vuls (../shared/data, not redistributable, so read in place). Each
  // records its running kernel and its kernel packages: the uname -r rules must turn the latter
  // into the former on every distribution.
  const fs::path dir = fs::path(FLEETPATCH_SHARED_DATA) / "vuls-host-inventories";
  if (!fs::exists(dir / "INDEX.tsv")) {
    GTEST_SKIP() << "shared data not present: " << dir.string();
  }
  std::ifstream index(dir / "INDEX.tsv");
  std::string line;
  std::getline(index, line);  // header: host family release scanned_at n_binary n_src kernel
  int hosts = 0;
  while (std::getline(index, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, '\t');) f.push_back(field);
    ASSERT_EQ(f.size(), 7u) << line;
    SCOPED_TRACE(f[0]);
    ++hosts;
    core::Diagnostics diagnostics;
    const auto report =
        import_file(FsEnv(), fixed_clock(), (dir / "raw" / (f[0] + ".json")).string(), diagnostics);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->packages.size(), std::stoul(f[4]));
    EXPECT_EQ(report->kernel.running, f[6]);
    // alpine_319 is a container on an Ubuntu host: no kernel package of its own.
    if (f[0] != "alpine_319") {
      EXPECT_NE(std::find(report->kernel.installed.begin(), report->kernel.installed.end(), f[6]),
                report->kernel.installed.end())
          << "running " << f[6]
          << " not among installed: " << ::testing::PrintToString(report->kernel.installed);
    }
    // Whatever the importer produced survives the JSON form.
    const auto again = host_report_from_json(to_json(*report), f[0]);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(*again, *report);
  }
  EXPECT_EQ(hosts, 43);
}

// ---- live -------------------------------------------------------------------------------------

TEST(CollectHostLive, MatchesDpkgQueryOnThisMachine) {
  if (!fs::exists("/var/lib/dpkg/status")) GTEST_SKIP() << "not a dpkg-based machine";
  // db:Status-Status is "installed" for exactly the packages dpkg considers installed; multiarch
  // packages print without ":arch" here, as the dpkg status file names them.
  FILE* pipe = popen(
      "dpkg-query -W -f '${db:Status-Status}\\t${Package}\\t${Version}\\t${source:Package}\\t"
      "${source:Version}\\n'",
      "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[4096];
  while (const std::size_t n = fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  ASSERT_EQ(pclose(pipe), 0) << "dpkg-query failed";
  std::vector<Row> expected;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, '\t');) f.push_back(field);
    ASSERT_EQ(f.size(), 5u) << line;
    static const std::set<std::string> kOnDisk = {
        "installed", "triggers-pending", "triggers-awaited", "half-configured", "unpacked"};
    if (kOnDisk.count(f[0]) != 0) expected.emplace_back(f[1], f[2], f[3], f[4]);
  }
  std::sort(expected.begin(), expected.end());
  ASSERT_FALSE(expected.empty());

  CollectOptions options;  // root "/"
  core::Diagnostics diagnostics;
  const auto report = collect_host(FsEnv(), fixed_clock(), options, diagnostics);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->package_format, core::PackageFormat::kDpkg);
  const std::vector<Row> actual = rows(report->packages);
  EXPECT_EQ(actual.size(), expected.size());
  std::vector<Row> missing, extra;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                      std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                      std::back_inserter(extra));
  for (const auto& r : missing) {
    ADD_FAILURE() << "dpkg-query lists, fleetpatch misses: " << std::get<0>(r) << " "
                  << std::get<1>(r) << " (" << std::get<2>(r) << " " << std::get<3>(r) << ")";
  }
  for (const auto& r : extra) {
    ADD_FAILURE() << "fleetpatch lists, dpkg-query does not: " << std::get<0>(r) << " "
                  << std::get<1>(r) << " (" << std::get<2>(r) << " " << std::get<3>(r) << ")";
  }
  // The live kernel is read from /proc.
  EXPECT_FALSE(report->kernel.running.empty());
}

}  // namespace
}  // namespace fleetpatch::hoststate
