// Env: every access to the operating system that the collectors make goes through this interface
// (leveldb's Env is the model). The real one lives in platform/; tests use an in-memory one or a
// fixture tree, which is what lets a rootfs scan and a live scan be the same code.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"

namespace fleetpatch::core {

/// Read-only file system access. Paths are absolute host paths (the caller joins its root).
/// Implementations must be safe to call from several threads.
class Env {
 public:
  virtual ~Env() = default;
  virtual Result<std::string> read_file(const std::string& path) const = 0;
  virtual bool exists(const std::string& path) const = 0;
  virtual bool is_directory(const std::string& path) const = 0;
  /// Entry names (not paths) of a directory, sorted, without "." and "..".
  virtual Result<std::vector<std::string>> list_directory(const std::string& path) const = 0;
  virtual Result<std::string> read_link(const std::string& path) const = 0;
};

/// Joins a root ("/" or "/mnt/image") and an absolute path inside it ("/etc/os-release").
std::string join_root(const std::string& root, const std::string& path);

}  // namespace fleetpatch::core
