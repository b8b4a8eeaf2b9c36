#include "hoststate/file_owners.hpp"

#include <algorithm>
#include <array>

#include "hoststate/rpmdb.hpp"

namespace fleetpatch::hoststate {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Maps every alias of every wanted path back to the wanted path(s) it stands for.
std::map<std::string, std::vector<std::string>> alias_table(const std::set<std::string>& paths) {
  std::map<std::string, std::vector<std::string>> table;
  for (const auto& path : paths) {
    for (auto& alias : usr_merge_aliases(path)) table[std::move(alias)].push_back(path);
  }
  return table;
}

void record(FileOwners& owners, const std::map<std::string, std::vector<std::string>>& aliases,
            std::string_view listed_path, std::string_view package) {
  while (listed_path.size() > 1 && listed_path.back() == '/') listed_path.remove_suffix(1);
  const auto it = aliases.find(std::string(listed_path));
  if (it == aliases.end()) return;
  for (const auto& wanted : it->second) owners[wanted].emplace_back(package);
}

void sort_unique(FileOwners& owners) {
  for (auto& [path, packages] : owners) {
    std::sort(packages.begin(), packages.end());
    packages.erase(std::unique(packages.begin(), packages.end()), packages.end());
  }
}

template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t pos = 0, number = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line, ++number);
    pos = end + 1;
  }
}

}  // namespace

std::vector<std::string> usr_merge_aliases(std::string_view path) {
  static constexpr std::array<std::string_view, 6> kMerged = {"bin/",   "sbin/",  "lib/",
                                                              "lib32/", "lib64/", "libx32/"};
  std::vector<std::string> out{std::string(path)};
  const bool in_usr = starts_with(path, "/usr/");
  const std::string_view rest = in_usr ? path.substr(5) : path.substr(path.empty() ? 0 : 1);
  for (const auto dir : kMerged) {
    if (!starts_with(rest, dir)) continue;
    out.push_back(in_usr ? "/" + std::string(rest) : "/usr/" + std::string(rest));
    break;
  }
  return out;
}

FileOwners dpkg_file_owners(const core::Env& env, const std::string& root,
                            const std::set<std::string>& paths, core::Diagnostics& diagnostics) {
  FileOwners owners;
  if (paths.empty()) return owners;
  const std::string dir = core::join_root(root, "/var/lib/dpkg/info");
  auto names = env.list_directory(dir);
  if (!names.ok()) {
    diagnostics.add(dir, 0, names.error().message);
    return owners;
  }
  const auto aliases = alias_table(paths);
  const std::string prefix = dir + "/";
  for (const auto& name : *names) {
    if (!ends_with(name, ".list")) continue;
    std::string_view package = std::string_view(name).substr(0, name.size() - 5);
    package = package.substr(0, package.find(':'));  // "libssl3:amd64" -> "libssl3"
    const std::string path = prefix + name;
    auto text = env.read_file(path);
    if (!text.ok()) {
      diagnostics.add(path, 0, text.error().message);
      continue;
    }
    for_each_line(
        *text, [&](std::string_view line, std::size_t) { record(owners, aliases, line, package); });
  }
  sort_unique(owners);
  return owners;
}

FileOwners apk_file_owners(std::string_view installed, const std::set<std::string>& paths) {
  FileOwners owners;
  if (paths.empty()) return owners;
  const auto aliases = alias_table(paths);
  std::string package, directory;
  for_each_line(installed, [&](std::string_view line, std::size_t) {
    if (line.empty()) {
      package.clear();
      directory.clear();
    } else if (starts_with(line, "P:")) {
      package = std::string(line.substr(2));
    } else if (starts_with(line, "F:")) {
      directory = std::string(line.substr(2));
    } else if (starts_with(line, "R:") && !package.empty()) {
      record(owners, aliases, "/" + directory + "/" + std::string(line.substr(2)), package);
    }
  });
  sort_unique(owners);
  return owners;
}

FileOwners file_index_owners(std::string_view index, const std::set<std::string>& paths,
                             std::string_view source_name, core::Diagnostics& diagnostics) {
  FileOwners owners;
  if (paths.empty()) return owners;
  const auto aliases = alias_table(paths);
  for_each_line(index, [&](std::string_view line, std::size_t number) {
    if (line.empty()) return;
    const auto tab = line.rfind('\t');
    if (tab == std::string_view::npos || tab == 0 || tab + 1 == line.size()) {
      // rpm prints "(contains no files)" for packages without files.
      if (line.find("contains no files") == std::string_view::npos) {
        diagnostics.add(std::string(source_name), number, "expected PATH<TAB>PACKAGE");
      }
      return;
    }
    record(owners, aliases, line.substr(0, tab), line.substr(tab + 1));
  });
  sort_unique(owners);
  return owners;
}

FileOwners resolve_file_owners(const core::Env& env, const OwnerSource& source,
                               const std::set<std::string>& paths, core::Diagnostics& diagnostics) {
  if (paths.empty()) return {};
  if (!source.rpm_file_index.empty() && env.exists(source.rpm_file_index)) {
    auto text = env.read_file(source.rpm_file_index);
    if (!text.ok()) {
      diagnostics.add(source.rpm_file_index, 0, text.error().message);
      return {};
    }
    return file_index_owners(*text, paths, source.rpm_file_index, diagnostics);
  }
  switch (source.format) {
    case core::PackageFormat::kDpkg:
      return dpkg_file_owners(env, source.root, paths, diagnostics);
    case core::PackageFormat::kApk: {
      const std::string path = core::join_root(source.root, "/lib/apk/db/installed");
      auto text = env.read_file(path);
      if (!text.ok()) {
        diagnostics.add(path, 0, text.error().message);
        return {};
      }
      return apk_file_owners(*text, paths);
    }
    case core::PackageFormat::kRpm: {
      const auto location = find_rpmdb(env, source.root);
      if (!location) return {};
      auto owners = read_rpm_file_owners(source.root, *location, paths, diagnostics);
      if (!owners.ok()) {
        diagnostics.add(core::join_root(source.root, location->dbpath), 0, owners.error().message);
        return {};
      }
      return std::move(owners).value();
    }
    case core::PackageFormat::kUnknown:
      break;
  }
  return {};
}

}  // namespace fleetpatch::hoststate
