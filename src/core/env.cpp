#include "core/env.hpp"

namespace fleetpatch::core {

std::string join_root(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  std::string out = root;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (!path.empty() && path.front() != '/') out += '/';
  out += path;
  return out;
}

}  // namespace fleetpatch::core
