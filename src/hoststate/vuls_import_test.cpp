#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "hoststate/parsers.hpp"

namespace fleetpatch::hoststate {
namespace {

std::string describe(const core::Package& p) {
  return p.name + " " + p.version + " " + p.arch + " " + p.source_name + " " + p.source_version +
         " " + p.module.value_or("-");
}

std::string test_name(const std::string& text) {
  std::string name;
  for (char c : text) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

// A minimal jsonVersion 4 result around the given members (each `"key": value`, comma-led).
std::string vuls_result(const std::string& family, const std::string& release,
                        const std::string& more) {
  return R"({"jsonVersion": 4, "serverName": "web-1", "serverUUID": "", "family": ")" + family +
         R"(", "release": ")" + release + "\"" + more + "}";
}

TEST(VulsImport, RpmHostWithSourcesModulesAndKernel) {
  const std::string json = R"json({
    "jsonVersion": 4, "lang": "", "serverUUID": "3f1c0e52-0000-4000-8000-000000000001",
    "serverName": "alma9-web", "family": "alma", "release": "9.0",
    "scannedAt": "2023-04-20T13:14:06.467157647+09:00", "scannedVersion": "v0.23.0",
    "errors": [], "warnings": ["Standard OS support is EOL"],
    "runningKernel": {"release": "5.14.0-70.13.1.el9_0.x86_64", "version": "",
                      "rebootRequired": true},
    "packages": {
      "openssl-libs": {"name": "openssl-libs", "version": "1:3.0.1", "release": "41.el9_0",
                       "newVersion": "1:3.0.7", "newRelease": "27.el9", "arch": "x86_64",
                       "repository": "baseos", "modularitylabel": ""},
      "gpg-pubkey": {"name": "gpg-pubkey", "version": "ced7258b", "release": "6525146f",
                     "arch": "(none)",
  "modularitylabel" : ""
},
    "nodejs" : {
      "name" : "nodejs",
      "version" : "1:18.14.2",
      "release" : "3.module_el8.7.0+3370+9c2a52b4",
      "arch" : "x86_64",
      "modularitylabel" : "nodejs:18:8070020230306170042:ad008a3a"
    },
               "zlib" : {
  "name" : "zlib", "version" : "0:1.2.11", "release" : "31.el9", "arch" : "x86_64"
}
}
, "SrcPackages" : {
  "openssl" : {
    "name" : "openssl",
    "version" : "1:3.0.1-41.el9_0",
    "arch" : "src",
    "binaryNames" : [ "openssl", "openssl-libs" ]
  },
              "nodejs" : {
                "name" : "nodejs",
                "version" : "1:18.14.2-3.module_el8.7.0+3370+9c2a52b4",
                "arch" : "src",
                "binaryNames" : ["nodejs"]
              },
                         "zlib" : {
    "name" : "zlib", "version" : "0:1.2.11-31.el9", "binaryNames" : ["zlib"]
  }
}
})json";
  core::Diagnostics diagnostics;
  const auto report = import_vuls_json(json, "alma9.json", diagnostics);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(diagnostics.empty()) << diagnostics.items()[0].to_string();

  EXPECT_EQ(report->host.id, "3f1c0e52-0000-4000-8000-000000000001");
  EXPECT_EQ(report->host.hostname, "alma9-web");
  EXPECT_EQ(report->os.id, "almalinux");
  EXPECT_EQ(report->os.version_id, "9.0");
  EXPECT_EQ(report->os.name, "AlmaLinux 9.0");
  EXPECT_EQ(report->package_format, core::PackageFormat::kRpm);
  EXPECT_EQ(report->kernel.running, "5.14.0-70.13.1.el9_0.x86_64");
  EXPECT_TRUE(report->kernel.reboot_required);
  EXPECT_EQ(report->collected_at, "2023-04-20T04:14:06Z");
  EXPECT_EQ(report->collector, "vuls 0.23.0 (import)");

  std::vector<std::string> got;
  for (const auto& p : report->packages) got.push_back(describe(p));
  const std::vector<std::string> expected = {
      "gpg-pubkey ced7258b-6525146f  gpg-pubkey ced7258b-6525146f -",
      "nodejs 1:18.14.2-3.module_el8.7.0+3370+9c2a52b4 x86_64 nodejs "
      "1:18.14.2-3.module_el8.7.0+3370+9c2a52b4 nodejs:18",
      "openssl-libs 1:3.0.1-41.el9_0 x86_64 openssl 1:3.0.1-41.el9_0 -",
      "zlib 1.2.11-31.el9 x86_64 zlib 1.2.11-31.el9 -",
  };
  EXPECT_EQ(got, expected);
}

TEST(VulsImport, DpkgAndApkHosts) {
  const std::string debian = vuls_result("debian", "12", R"(,
    "runningKernel": {"release": "6.1.0-29-amd64", "rebootRequired": false},
    "packages": {
      "libc6": {"name": "libc6", "version": "2.36-9+deb12u9", "release": "", "arch": ""},
      "passwd": {"name": "passwd", "version": "1:4.13+dfsg1-1+b1", "release": ""}},
    "SrcPackages": {
      "glibc": {"name": "glibc", "version": "2.36-9+deb12u9", "binaryNames": ["libc6"]},
      "shadow": {"name": "shadow", "version": "1:4.13+dfsg1-1", "binaryNames": ["passwd"]}})");
  core::Diagnostics diagnostics;
  const auto deb = import_vuls_json(debian, "debian.json", diagnostics);
  ASSERT_TRUE(deb.ok()) << deb.error().message;
  EXPECT_EQ(deb->os.id, "debian");
  EXPECT_EQ(deb->package_format, core::PackageFormat::kDpkg);
  EXPECT_EQ(deb->host.id, "web-1");  // no serverUUID: the server name identifies the host
  ASSERT_EQ(deb->packages.size(), 2u);
  EXPECT_EQ(describe(deb->packages[0]), "libc6 2.36-9+deb12u9  glibc 2.36-9+deb12u9 -");
  EXPECT_EQ(describe(deb->packages[1]), "passwd 1:4.13+dfsg1-1+b1  shadow 1:4.13+dfsg1-1 -");

  const std::string alpine = vuls_result("alpine", "3.19.0", R"(,
    "packages": {"busybox": {"name": "busybox", "version": "1.36.1-r15", "arch": "x86_64"}})");
  const auto apk = import_vuls_json(alpine, "alpine.json", diagnostics);
  ASSERT_TRUE(apk.ok());
  EXPECT_EQ(apk->package_format, core::PackageFormat::kApk);
  ASSERT_EQ(apk->packages.size(), 1u);
  // No SrcPackages entry: the binary is its own source.
  EXPECT_EQ(describe(apk->packages[0]), "busybox 1.36.1-r15 x86_64 busybox 1.36.1-r15 -");
  EXPECT_TRUE(diagnostics.empty());
}

struct FamilyCase {
  std::string vuls_family;
  std::string os_id;
  core::PackageFormat format;
};

// Names the case in failure messages instead of dumping its bytes.
// NOLINTNEXTLINE(readability-identifier-naming): gtest finds PrintTo by this exact name
void PrintTo(const FamilyCase& c, std::ostream* os) { *os << c.vuls_family; }

class VulsFamilyMapping : public testing::TestWithParam<FamilyCase> {};

TEST_P(VulsFamilyMapping, MapsToOsReleaseId) {
  const auto& c = GetParam();
  core::Diagnostics diagnostics;
  const auto report = import_vuls_json(vuls_result(c.vuls_family, "1", ""), "x.json", diagnostics);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->os.id, c.os_id);
  EXPECT_EQ(report->package_format, c.format);
  EXPECT_EQ(diagnostics.size(), c.format == core::PackageFormat::kUnknown ? 1u : 0u);
}

using PF = core::PackageFormat;
INSTANTIATE_TEST_SUITE_P(
    Table, VulsFamilyMapping,
    testing::Values(
        FamilyCase{"alma", "almalinux", PF::kRpm}, FamilyCase{"redhat", "rhel", PF::kRpm},
        FamilyCase{"centos", "centos", PF::kRpm}, FamilyCase{"rocky", "rocky", PF::kRpm},
        FamilyCase{"oracle", "ol", PF::kRpm}, FamilyCase{"amazon", "amzn", PF::kRpm},
        FamilyCase{"fedora", "fedora", PF::kRpm},
        FamilyCase{"opensuse", "opensuse-tumbleweed", PF::kRpm},
        FamilyCase{"opensuse.leap", "opensuse-leap", PF::kRpm},
        FamilyCase{"suse.linux.enterprise.server", "sles", PF::kRpm},
        FamilyCase{"suse.linux.enterprise.desktop", "sled", PF::kRpm},
        FamilyCase{"debian", "debian", PF::kDpkg}, FamilyCase{"ubuntu", "ubuntu", PF::kDpkg},
        FamilyCase{"raspbian", "raspbian", PF::kDpkg}, FamilyCase{"alpine", "alpine", PF::kApk},
        FamilyCase{"freebsd", "freebsd", PF::kUnknown}),
    [](const testing::TestParamInfo<FamilyCase>& info) {
      return test_name(info.param.vuls_family);
    });

struct ErrorCase {
  std::string name;
  std::string input;
  core::ErrorCode code;
};

// Names the case in failure messages instead of dumping its bytes.
// NOLINTNEXTLINE(readability-identifier-naming): gtest finds PrintTo by this exact name
void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class VulsImportError : public testing::TestWithParam<ErrorCase> {};

TEST_P(VulsImportError, IsAnErrorNotAnException) {
  const auto& c = GetParam();
  core::Diagnostics diagnostics;
  EXPECT_NO_THROW({
    const auto report = import_vuls_json(c.input, "bad.json", diagnostics);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().code, c.code);
    EXPECT_NE(report.error().message.find("bad.json"), std::string::npos) << report.error().message;
  });
}

INSTANTIATE_TEST_SUITE_P(
    Table, VulsImportError,
    testing::Values(ErrorCase{"empty", "", core::ErrorCode::kInvalidArgument},
                    ErrorCase{"not json", "dpkg status?", core::ErrorCode::kInvalidArgument},
                    ErrorCase{"truncated", R"({"jsonVersion": 4, "packages": {)",
                              core::ErrorCode::kInvalidArgument},
                    ErrorCase{"array", "[1, 2]", core::ErrorCode::kInvalidArgument},
                    ErrorCase{"other json object", R"({"schema": "fleetpatch.host/1"})",
                              core::ErrorCode::kInvalidArgument},
                    ErrorCase{"json version 3", R"({"jsonVersion": 3, "family": "debian"})",
                              core::ErrorCode::kUnsupported},
                    ErrorCase{"json version as text", R"({"jsonVersion": "4"})",
                              core::ErrorCode::kUnsupported}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return test_name(info.param.name); });

TEST(VulsImport, BrokenRecordsAreReportedAndSkipped) {
  const std::string json = vuls_result("redhat", "8.0", R"(,
    "scannedAt": "yesterday",
    "errors": ["Failed to scan updatable packages"],
    "runningKernel": "not an object",
    "packages": {
      "good": {"name": "good", "version": "1.0", "release": "1.el8", "arch": "noarch"},
      "nover": {"name": "nover", "version": "", "release": "1.el8"},
      "notobj": [1, 2],
      "mod": {"name": "mod", "version": "1", "release": "1", "modularitylabel": "nocolon"},
      "wrongtypes": {"name": 5, "version": "2", "release": 7, "arch": null}
    },
    "SrcPackages": {"s": {"name": "s", "version": "1-1"}, "t": 3})");
  core::Diagnostics diagnostics;
  const auto report = import_vuls_json(json, "rhel.json", diagnostics);
  ASSERT_TRUE(report.ok()) << report.error().message;
  std::vector<std::string> got;
  for (const auto& p : report->packages) got.push_back(describe(p));
  const std::vector<std::string> expected = {
      "good 1.0-1.el8 noarch good 1.0-1.el8 -",
      "mod 1-1  mod 1-1 -",
      "wrongtypes 2  wrongtypes 2 -",
  };
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(report->kernel.running.empty());
  EXPECT_TRUE(report->collected_at.empty());
  // scannedAt, the Vuls error, runningKernel, two broken source entries, nover, notobj, the
  // bad label.
  EXPECT_EQ(diagnostics.size(), 8u);
  for (const auto& d : diagnostics.items()) EXPECT_EQ(d.source, "rhel.json");
}

// --- the 43 real hosts Vuls scanned (not copied: no license; read when present) ------------

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct IndexRow {
  std::string family;
  std::size_t binary_packages = 0;
  std::size_t source_packages = 0;
  std::string running_kernel;
};

TEST(VulsImportSharedData, AllHostsMatchTheIndex) {
  const std::filesystem::path dir =
      std::filesystem::path(FLEETPATCH_SHARED_DATA) / "vuls-host-inventories";
  if (!std::filesystem::exists(dir / "INDEX.tsv")) {
    GTEST_SKIP() << "shared data not found at " << dir
                 << " (vuls-host-inventories has no license, so it is not in the repository)";
  }
  std::map<std::string, IndexRow> index;
  std::istringstream tsv(read_file(dir / "INDEX.tsv"));
  std::string line;
  std::getline(tsv, line);  // header
  while (std::getline(tsv, line)) {
    std::vector<std::string> f;
    std::istringstream cols(line);
    std::string field;
    while (std::getline(cols, field, '\t')) f.push_back(field);
    ASSERT_EQ(f.size(), 7u) << line;
    index[f[0]] = {f[1], std::stoul(f[4]), std::stoul(f[5]), f[6]};
  }
  ASSERT_EQ(index.size(), 43u);

  std::size_t hosts = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "raw")) {
    if (entry.path().extension() != ".json") continue;
    const std::string host = entry.path().stem().string();
    SCOPED_TRACE(host);
    const auto row = index.find(host);
    ASSERT_NE(row, index.end()) << "not in INDEX.tsv";
    ++hosts;

    core::Diagnostics diagnostics;
    const auto report = import_vuls_json(read_file(entry.path()), host, diagnostics);
    ASSERT_TRUE(report.ok()) << report.error().message;
    for (const auto& d : diagnostics.items()) ADD_FAILURE() << d.to_string();

    EXPECT_EQ(report->host.hostname, host);
    EXPECT_FALSE(report->os.id.empty());
    EXPECT_NE(report->package_format, core::PackageFormat::kUnknown) << row->second.family;
    EXPECT_EQ(report->kernel.running, row->second.running_kernel);
    EXPECT_EQ(report->packages.size(), row->second.binary_packages);
    EXPECT_FALSE(report->collected_at.empty());

    std::set<std::string> sources;
    for (const auto& p : report->packages) {
      EXPECT_FALSE(p.source_name.empty()) << p.name;
      EXPECT_FALSE(p.source_version.empty()) << p.name;
      EXPECT_FALSE(p.version.starts_with("0:")) << p.name;
      // rpm's pseudo-package for an imported signing key has no source RPM, so Vuls lists it
      // under no source; we make it its own source, which Vuls's count does not include.
      if (p.name != "gpg-pubkey") sources.insert(p.source_name);
    }
    // 0 in the index: that scan did not collect source packages.
    if (row->second.source_packages != 0) {
      EXPECT_EQ(sources.size(), row->second.source_packages);
    }
  }
  EXPECT_EQ(hosts, index.size());
}

}  // namespace
}  // namespace fleetpatch::hoststate
