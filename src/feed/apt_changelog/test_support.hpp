// Helpers for the apt_changelog tests: gzip, real .deb files built with dpkg-deb, a fake
// Fetcher serving them, and a fake host root (os-release, apt sources and lists, dpkg status).
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "feed/apt_changelog/apt_changelog.hpp"

namespace fleetpatch::feed::apt_changelog::testing {

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline std::string read_whole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// A fresh directory under the test temp dir, named after the running test.
inline std::filesystem::path fresh_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::path(::testing::TempDir()) /
             (std::string("fleetpatch_apt_") + info->test_suite_name() + "_" + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// gzip (not zlib) format, as changelog.Debian.gz is written.
inline std::string gzip(const std::string& data) {
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

inline bool have_dpkg_deb() { return std::system("dpkg-deb --version >/dev/null 2>&1") == 0; }

/// Builds a real .deb with dpkg-deb. `doc` is what usr/share/doc/<package> holds: a changelog
/// text (written as changelog.Debian.gz), or, when `symlink_to` is set, a symlink to that
/// package's doc directory instead.
inline std::string make_deb(const std::filesystem::path& work, const std::string& package,
                            const std::string& version, const std::string& changelog,
                            const std::string& compression = "xz",
                            const std::string& symlink_to = "") {
  const auto tree = work / (package + "-tree");
  std::filesystem::remove_all(tree);
  write_file(tree / "DEBIAN/control", "Package: " + package + "\nVersion: " + version +
                                          "\nArchitecture: all\nMaintainer: Test <t@example.org>"
                                          "\nDescription: test package\n");
  const auto doc = tree / "usr/share/doc";
  std::filesystem::create_directories(doc);
  if (!symlink_to.empty()) {
    std::filesystem::create_directory_symlink(symlink_to, doc / package);
  } else {
    write_file(doc / package / "changelog.Debian.gz", gzip(changelog));
    write_file(doc / package / "copyright", "test\n");
  }
  const auto deb = work / (package + "_" + version + ".deb");
  const std::string command = "dpkg-deb -Z" + compression + " --root-owner-group --build '" +
                              tree.string() + "' '" + deb.string() + "' >/dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return read_whole(deb);
}

/// Serves URLs from a map and records what was asked.
class FakeFetcher final : public Fetcher {
 public:
  std::map<std::string, std::string> files;
  std::vector<std::string> requests;

  core::Result<std::string> fetch(const std::string& url) override {
    requests.push_back(url);
    auto it = files.find(url);
    if (it == files.end()) return core::not_found(url + ": HTTP 404");
    return it->second;
  }
};

}  // namespace fleetpatch::feed::apt_changelog::testing
