// An Env held entirely in memory: the files of a remote host fetched over SSH, or a test's
// hand-made tree. The collectors cannot tell it from the real file system, which is what makes
// an SSH scan run exactly the same collection code as a local one.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/env.hpp"

namespace fleetpatch::hoststate {

/// Files, symbolic links, directories and unreadable paths, keyed by absolute path. Parent
/// directories exist implicitly. Build it first, then share it: the const interface is safe to
/// call from several threads, the add_* calls are not.
class MemoryEnv final : public core::Env {
 public:
  void add_file(const std::string& path, std::string content);
  void add_symlink(const std::string& path, std::string target);
  void add_directory(const std::string& path);
  /// A path that exists but cannot be read (permission denied on the remote host): read_file,
  /// read_link and list_directory fail with `message`.
  void add_unreadable(const std::string& path, std::string message);
  /// Forgets a path recorded earlier (a file that vanished while it was being read).
  void remove(const std::string& path);

  core::Result<std::string> read_file(const std::string& path) const override;
  bool exists(const std::string& path) const override;
  bool is_directory(const std::string& path) const override;
  core::Result<std::vector<std::string>> list_directory(const std::string& path) const override;
  core::Result<std::string> read_link(const std::string& path) const override;

  std::size_t size() const { return nodes_.size(); }

 private:
  enum class Kind { kFile, kSymlink, kDirectory, kUnreadable };
  struct Node {
    Kind kind = Kind::kFile;
    std::string data;  // content, link target or error message
  };
  void add(const std::string& path, Node node);

  std::map<std::string, Node> nodes_;
};

}  // namespace fleetpatch::hoststate
