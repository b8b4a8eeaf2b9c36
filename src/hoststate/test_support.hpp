// Helpers shared by the runtime-state tests (not part of the library).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fleetpatch::hoststate::testing_support {

/// tests/data/hoststate/<relative>.
inline std::string fixture(const std::string& relative) {
  return std::string(FLEETPATCH_TEST_DATA) + "/hoststate/" + relative;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

/// A fresh directory removed again at scope exit. Under `parent` when given (the live restart
/// test needs one outside /tmp, whose deleted files the collector ignores by design).
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name,
                      std::filesystem::path parent = std::filesystem::temp_directory_path()) {
    path_ = parent / (name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
    path_ = std::filesystem::canonical(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace fleetpatch::hoststate::testing_support
