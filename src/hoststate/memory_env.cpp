#include "hoststate/memory_env.hpp"

#include <utility>

namespace fleetpatch::hoststate {

namespace {

// "/a/b/" -> "/a/b"; "" and "/" stay "/".
std::string normalise(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty()) path = "/";
  return path;
}

}  // namespace

void MemoryEnv::add(const std::string& path, Node node) {
  const std::string key = normalise(path);
  // Every ancestor is a directory, unless the tree already says what it is.
  for (auto slash = key.find('/', 1); slash != std::string::npos;
       slash = key.find('/', slash + 1)) {
    nodes_.try_emplace(key.substr(0, slash), Node{Kind::kDirectory, {}});
  }
  nodes_.try_emplace("/", Node{Kind::kDirectory, {}});
  nodes_[key] = std::move(node);
}

void MemoryEnv::add_file(const std::string& path, std::string content) {
  add(path, Node{Kind::kFile, std::move(content)});
}
void MemoryEnv::add_symlink(const std::string& path, std::string target) {
  add(path, Node{Kind::kSymlink, std::move(target)});
}
void MemoryEnv::add_directory(const std::string& path) {
  const std::string key = normalise(path);
  if (const auto it = nodes_.find(key); it != nodes_.end() && it->second.kind != Kind::kDirectory) {
    return;  // a file or link recorded earlier wins over a directory guess
  }
  add(key, Node{Kind::kDirectory, {}});
}
void MemoryEnv::add_unreadable(const std::string& path, std::string message) {
  add(path, Node{Kind::kUnreadable, std::move(message)});
}

void MemoryEnv::remove(const std::string& path) { nodes_.erase(normalise(path)); }

core::Result<std::string> MemoryEnv::read_file(const std::string& path) const {
  const auto it = nodes_.find(normalise(path));
  if (it == nodes_.end()) return core::not_found("cannot open " + path + ": no such file");
  switch (it->second.kind) {
    case Kind::kFile:
      return it->second.data;
    case Kind::kUnreadable:
      return core::io_error(it->second.data);
    case Kind::kDirectory:
      return core::io_error("cannot read " + path + ": is a directory");
    case Kind::kSymlink:
      // Links are resolved by the host that produced the tree; a link read as a file here was
      // not fetched with its target.
      return core::not_found("cannot open " + path + ": symbolic link without fetched target");
  }
  return core::not_found(path);
}

bool MemoryEnv::exists(const std::string& path) const { return nodes_.count(normalise(path)) != 0; }

bool MemoryEnv::is_directory(const std::string& path) const {
  const auto it = nodes_.find(normalise(path));
  return it != nodes_.end() && it->second.kind == Kind::kDirectory;
}

core::Result<std::vector<std::string>> MemoryEnv::list_directory(const std::string& path) const {
  const std::string key = normalise(path);
  const auto it = nodes_.find(key);
  if (it == nodes_.end()) return core::not_found("cannot list " + path + ": no such directory");
  if (it->second.kind == Kind::kUnreadable) return core::io_error(it->second.data);
  if (it->second.kind != Kind::kDirectory) {
    return core::io_error("cannot list " + path + ": not a directory");
  }
  const std::string prefix = key == "/" ? "/" : key + "/";
  std::vector<std::string> names;
  for (auto child = nodes_.lower_bound(prefix);
       child != nodes_.end() && child->first.compare(0, prefix.size(), prefix) == 0; ++child) {
    const std::string rest = child->first.substr(prefix.size());
    if (!rest.empty() && rest.find('/') == std::string::npos) names.push_back(rest);
  }
  return names;  // std::map order is sorted order
}

core::Result<std::string> MemoryEnv::read_link(const std::string& path) const {
  const auto it = nodes_.find(normalise(path));
  if (it == nodes_.end()) return core::not_found("cannot read link " + path + ": no such file");
  if (it->second.kind == Kind::kUnreadable) return core::io_error(it->second.data);
  if (it->second.kind != Kind::kSymlink) {
    return core::invalid_argument("cannot read link " + path + ": not a symbolic link");
  }
  return it->second.data;
}

}  // namespace fleetpatch::hoststate
