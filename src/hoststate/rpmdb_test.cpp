// The RPM database reader against a real sqlite rpmdb that the test builds: rpmbuild makes a few
// tiny noarch packages from specs written here, and `rpm --dbpath DIR -i --justdb` records them
// (Debian's rpm package ships both tools; scripts/install-deps.sh installs it).
#include "hoststate/rpmdb.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {
namespace {

namespace fs = std::filesystem;

// Only exists() matters to find_rpmdb.
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
  core::Result<std::vector<std::string>> list_directory(const std::string&) const override {
    return core::unsupported("not needed");
  }
  core::Result<std::string> read_link(const std::string&) const override {
    return core::unsupported("not needed");
  }
};

struct SpecCase {
  const char* file;
  const char* text;
};

constexpr SpecCase kSpecs[] = {
    {"hello.spec",
     "Name: fp-hello\nEpoch: 2\nVersion: 1.2.3\nRelease: 4.fp\nSummary: t\nLicense: MIT\n"
     "BuildArch: noarch\nModularityLabel: fpmod:7:20240101:abcdef\n%description\nt\n%files\n"},
    {"suite.spec",
     "Name: fp-suite\nVersion: 3.0^git1\nRelease: 1.fp\nSummary: t\nLicense: MIT\n"
     "BuildArch: noarch\n%description\nt\n"
     "%package -n fp-tools\nSummary: t\n%description -n fp-tools\nt\n%files -n fp-tools\n"},
    {"zero.spec",
     "Name: fp-zero\nEpoch: 0\nVersion: 0.9~rc1\nRelease: 7\nSummary: t\nLicense: MIT\n"
     "BuildArch: noarch\n%description\nt\n%files\n"},
    // Imported signing keys live in the database as packages named gpg-pubkey.
    {"key.spec",
     "Name: gpg-pubkey\nVersion: deadbeef\nRelease: 5f0c1d2e\nSummary: t\nLicense: MIT\n"
     "BuildArch: noarch\n%description\nt\n%files\n"},
};

bool run(const std::string& command, const fs::path& log) {
  return std::system((command + " >>" + log.string() + " 2>&1").c_str()) == 0;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class RpmdbTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("command -v rpmbuild >/dev/null 2>&1 && command -v rpm >/dev/null 2>&1") != 0) {
      skip_reason_ = "rpmbuild/rpm not installed (Debian package 'rpm')";
      return;
    }
    char pattern[] = "/tmp/fleetpatch-rpmdb-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      skip_reason_ = "cannot create a temporary directory";
      return;
    }
    dir_ = pattern;
    const fs::path log = dir_ / "build.log";
    const fs::path top = dir_ / "rpmbuild";
    std::string rpms;
    for (const auto& spec : kSpecs) {
      std::ofstream(dir_ / spec.file) << spec.text;
      // _dbpath for rpmbuild too, so that it never touches the user's ~/.rpmdb.
      if (!run("rpmbuild -bb --quiet --define '_topdir " + top.string() + "' --define '_dbpath " +
                   (dir_ / "builddb").string() + "' " + (dir_ / spec.file).string(),
               log)) {
        build_error_ = "rpmbuild failed:\n" + read_text(log);
        return;
      }
    }
    for (const auto& entry : fs::recursive_directory_iterator(top / "RPMS")) {
      if (entry.path().extension() == ".rpm") rpms += " " + entry.path().string();
    }
    const std::string dbpath = (dir_ / "root/var/lib/rpm").string();
    if (!run("rpm --dbpath " + dbpath + " --initdb", log) ||
        !run("rpm --dbpath " + dbpath + " -i --justdb --nodeps" + rpms, log) ||
        std::system(("rpm --dbpath " + dbpath + " -qa --queryformat '" +
                     std::string(kRpmQueryFormat) + "' >" + (dir_ / "qa.txt").string() + " 2>>" +
                     log.string())
                        .c_str()) != 0) {
      build_error_ = "rpm failed:\n" + read_text(log);
      return;
    }
    // The same database where Fedora 36+ and openSUSE keep it.
    fs::create_directories(dir_ / "sysimage-root/usr/lib/sysimage");
    fs::copy(dir_ / "root/var/lib/rpm", dir_ / "sysimage-root/usr/lib/sysimage/rpm",
             fs::copy_options::recursive);
  }

  static void TearDownTestSuite() {
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(build_error_.empty()) << build_error_;
  }

  static std::vector<core::Package> sorted(std::vector<core::Package> packages) {
    std::sort(packages.begin(), packages.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return packages;
  }

  static inline fs::path dir_;
  static inline std::string skip_reason_;
  static inline std::string build_error_;
};

TEST_F(RpmdbTest, FindsTheDatabaseInEitherPlace) {
  const FsEnv env;
  const auto var = find_rpmdb(env, (dir_ / "root").string());
  ASSERT_TRUE(var.has_value());
  EXPECT_EQ(var->dbpath, "/var/lib/rpm");
  EXPECT_EQ(var->backend, "sqlite");
  const auto sysimage = find_rpmdb(env, (dir_ / "sysimage-root").string());
  ASSERT_TRUE(sysimage.has_value());
  EXPECT_EQ(sysimage->dbpath, "/usr/lib/sysimage/rpm");
}

TEST_F(RpmdbTest, EmptyRpmDirectoryIsNoDatabase) {
  // Debian with the rpm package installed has an empty /var/lib/rpm.
  fs::create_directories(dir_ / "debian-root/var/lib/rpm");
  EXPECT_FALSE(find_rpmdb(FsEnv(), (dir_ / "debian-root").string()).has_value());
  EXPECT_FALSE(find_rpmdb(FsEnv(), (dir_ / "no-such-root").string()).has_value());
}

TEST_F(RpmdbTest, ReadsNameEpochVersionReleaseSourceAndModule) {
  for (const char* root : {"root", "sysimage-root"}) {
    SCOPED_TRACE(root);
    const auto location = find_rpmdb(FsEnv(), (dir_ / root).string());
    ASSERT_TRUE(location.has_value());
    core::Diagnostics diagnostics;
    const auto packages = read_rpmdb((dir_ / root).string(), *location, diagnostics);
    ASSERT_TRUE(packages.ok()) << packages.error().message;
    EXPECT_TRUE(diagnostics.empty()) << diagnostics.items().front().to_string();
    const std::vector<core::Package> expected = {
        // The source RPM's file name has no epoch; the reader carries the binary's over.
        {"fp-hello", "2:1.2.3-4.fp", "noarch", "fp-hello", "2:1.2.3-4.fp", "fpmod:7"},
        {"fp-tools", "3.0^git1-1.fp", "noarch", "fp-suite", "3.0^git1-1.fp", std::nullopt},
        // Epoch 0 is not shown.
        {"fp-zero", "0.9~rc1-7", "noarch", "fp-zero", "0.9~rc1-7", std::nullopt},
    };
    // INSTALLTIME is read (the reboot decision needs it) but differs per run: checked apart.
    auto read = sorted(*packages);
    for (auto& p : read) {
      EXPECT_TRUE(p.install_time.has_value() && *p.install_time > 0) << p.name;
      p.install_time.reset();
    }
    EXPECT_EQ(read, expected);  // and no gpg-pubkey
  }
}

TEST_F(RpmdbTest, AgreesWithRpmQueryFormatOutput) {
  // The rpm tool's own view of the same database, through the rpm -qa import parser.
  core::Diagnostics qa_diagnostics, db_diagnostics;
  const std::string qa = read_text(dir_ / "qa.txt");
  ASSERT_FALSE(qa.empty());
  std::vector<core::Package> from_rpm = parse_rpm_qa(qa, "qa.txt", qa_diagnostics);
  from_rpm.erase(std::remove_if(from_rpm.begin(), from_rpm.end(),
                                [](const auto& p) { return p.name == "gpg-pubkey"; }),
                 from_rpm.end());
  const auto location = find_rpmdb(FsEnv(), (dir_ / "root").string());
  ASSERT_TRUE(location.has_value());
  const auto from_db = read_rpmdb((dir_ / "root").string(), *location, db_diagnostics);
  ASSERT_TRUE(from_db.ok()) << from_db.error().message;
  auto db = sorted(*from_db);
  for (auto& p : db) p.install_time.reset();  // rpm -qa's format has no INSTALLTIME
  EXPECT_EQ(db, sorted(from_rpm));
}

TEST_F(RpmdbTest, ConcurrentReadsAreSerialisedAndAgree) {
  const std::string root = (dir_ / "root").string();
  const auto location = find_rpmdb(FsEnv(), root);
  ASSERT_TRUE(location.has_value());
  std::vector<std::vector<core::Package>> results(4);
  std::vector<std::thread> threads;
  threads.reserve(results.size());
  for (auto& result : results) {
    threads.emplace_back([&] {
      core::Diagnostics diagnostics;
      auto packages = read_rpmdb(root, *location, diagnostics);
      if (packages.ok()) result = sorted(std::move(packages).value());
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& result : results) {
    EXPECT_EQ(result.size(), 3u);
    EXPECT_EQ(result, results.front());
  }
}

TEST_F(RpmdbTest, CorruptDatabaseIsAnErrorNamingThePath) {
  const fs::path db = dir_ / "corrupt-root/var/lib/rpm";
  fs::create_directories(db);
  std::ofstream(db / "rpmdb.sqlite") << "this is not an sqlite database, just text\n";
  const auto location = find_rpmdb(FsEnv(), (dir_ / "corrupt-root").string());
  ASSERT_TRUE(location.has_value());
  core::Diagnostics diagnostics;
  const auto packages = read_rpmdb((dir_ / "corrupt-root").string(), *location, diagnostics);
  ASSERT_FALSE(packages.ok());
  EXPECT_NE(packages.error().message.find(db.string()), std::string::npos)
      << packages.error().message;
}

}  // namespace
}  // namespace fleetpatch::hoststate
