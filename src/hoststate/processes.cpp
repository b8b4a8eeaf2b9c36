#include "hoststate/processes.hpp"

#include <algorithm>
#include <charconv>

namespace fleetpatch::hoststate {

namespace {

constexpr std::string_view kDeleted = " (deleted)";

// Splits off the next whitespace-separated field.
std::string_view next_field(std::string_view& text) {
  std::size_t start = 0;
  while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
  std::size_t end = start;
  while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
  const std::string_view field = text.substr(start, end - start);
  text.remove_prefix(end);
  return field;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view without_deleted_suffix(std::string_view path, bool* deleted) {
  const bool is_deleted = ends_with(path, kDeleted);
  if (deleted != nullptr) *deleted = is_deleted;
  if (is_deleted) path.remove_suffix(kDeleted.size());
  return path;
}

std::vector<Mapping> parse_maps(std::string_view text, std::string_view source_name,
                                core::Diagnostics& diagnostics) {
  std::vector<Mapping> out;
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (line.empty()) continue;
    const std::string_view range = next_field(line);
    const std::string_view perms = next_field(line);
    const std::string_view offset = next_field(line);
    const std::string_view device = next_field(line);
    const std::string_view inode_text = next_field(line);
    std::uint64_t inode = 0;
    const auto [ptr, ec] =
        std::from_chars(inode_text.data(), inode_text.data() + inode_text.size(), inode);
    if (range.find('-') == std::string_view::npos || perms.size() != 4 || offset.empty() ||
        device.find(':') == std::string_view::npos || ec != std::errc() ||
        ptr != inode_text.data() + inode_text.size()) {
      diagnostics.add(std::string(source_name), line_number, "malformed maps line");
      continue;
    }
    // The path is the rest after the padding; it may itself contain spaces.
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() != '/') continue;  // anonymous, [heap], [vdso], ...
    Mapping m;
    m.path = std::string(without_deleted_suffix(line, &m.deleted));
    m.executable = perms[2] == 'x';
    m.inode = inode;
    out.push_back(std::move(m));
  }
  return out;
}

std::string unit_from_cgroup(std::string_view text) {
  // Prefer the unified (v2) hierarchy line "0::PATH", else v1's name=systemd controller.
  std::string_view path;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    if (line.substr(0, first) == "0" && controllers.empty()) {
      path = line.substr(second + 1);
      break;
    }
    if (controllers == "name=systemd") path = line.substr(second + 1);
  }
  std::string_view service, scope;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (ends_with(part, ".service")) service = part;
    if (ends_with(part, ".scope")) scope = part;
  }
  return std::string(!service.empty() ? service : scope);
}

std::vector<std::int64_t> list_pids(const core::Env& env, const std::string& proc_root,
                                    core::Diagnostics& diagnostics) {
  std::vector<std::int64_t> pids;
  if (!env.is_directory(proc_root)) return pids;
  auto names = env.list_directory(proc_root);
  if (!names.ok()) {
    diagnostics.add(proc_root, 0, names.error().message);
    return pids;
  }
  for (const auto& name : *names) {
    std::int64_t pid = 0;
    const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec == std::errc() && ptr == name.data() + name.size() && pid > 0) pids.push_back(pid);
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

std::string read_exe(const core::Env& env, const std::string& proc_root, std::int64_t pid) {
  auto target = env.read_link(proc_root + "/" + std::to_string(pid) + "/exe");
  if (!target.ok()) return {};
  return std::string(without_deleted_suffix(*target));
}

}  // namespace fleetpatch::hoststate
