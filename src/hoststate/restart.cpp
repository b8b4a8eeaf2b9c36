#include "hoststate/restart.hpp"

#include <algorithm>

namespace fleetpatch::hoststate {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::string_view presumed_name(std::string_view mapped_path) {
  const auto semicolon = mapped_path.rfind(';');
  if (semicolon == std::string_view::npos) return mapped_path;
  const std::string_view suffix = mapped_path.substr(semicolon + 1);
  if (suffix.size() < 8 || !std::all_of(suffix.begin(), suffix.end(), is_hex)) return mapped_path;
  return mapped_path.substr(0, semicolon);
}

std::vector<std::string> replaced_files(const std::vector<Mapping>& mappings) {
  std::vector<std::string> files;
  for (const auto& m : mappings) {
    if (!m.deleted || !m.executable) continue;
    const bool ignored =
        std::any_of(std::begin(kIgnoredMappingPrefixes), std::end(kIgnoredMappingPrefixes),
                    [&](std::string_view prefix) { return starts_with(m.path, prefix); });
    if (!ignored) files.emplace_back(presumed_name(m.path));
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

std::vector<core::PendingRestart> collect_pending_restarts(const core::Env& env,
                                                           const std::string& proc_root,
                                                           const OwnerLookup& owners,
                                                           core::Diagnostics& diagnostics) {
  std::vector<core::PendingRestart> out;
  std::size_t unreadable = 0;
  std::string first_problem;
  for (const std::int64_t pid : list_pids(env, proc_root, diagnostics)) {
    const std::string dir = proc_root + "/" + std::to_string(pid);
    auto maps = env.read_file(dir + "/maps");
    if (!maps.ok()) {
      // A process that exited since the listing is not a problem; a refused read is.
      if (maps.error().code != core::ErrorCode::kNotFound) {
        if (unreadable++ == 0) first_problem = maps.error().message;
      }
      continue;
    }
    core::Diagnostics parse_problems;
    auto files = replaced_files(parse_maps(*maps, dir + "/maps", parse_problems));
    diagnostics.merge(std::move(parse_problems));
    if (files.empty()) continue;
    core::PendingRestart restart;
    restart.pid = pid;
    restart.exe = read_exe(env, proc_root, pid);
    if (auto cgroup = env.read_file(dir + "/cgroup"); cgroup.ok()) {
      restart.unit = unit_from_cgroup(*cgroup);
    }
    restart.files = std::move(files);
    out.push_back(std::move(restart));
  }
  if (unreadable > 0) {
    diagnostics.add(proc_root, 0,
                    std::to_string(unreadable) +
                        " processes' memory maps could not be read (first: " + first_problem +
                        "); pending restarts are incomplete, run as root for a full list");
  }
  if (out.empty()) return out;

  std::set<std::string> paths;
  for (const auto& r : out) paths.insert(r.files.begin(), r.files.end());
  const FileOwners owned = owners(paths);
  for (auto& r : out) {
    for (const auto& file : r.files) {
      if (const auto it = owned.find(file); it != owned.end()) {
        r.packages.insert(r.packages.end(), it->second.begin(), it->second.end());
      }
    }
    std::sort(r.packages.begin(), r.packages.end());
    r.packages.erase(std::unique(r.packages.begin(), r.packages.end()), r.packages.end());
  }
  return out;
}

}  // namespace fleetpatch::hoststate
