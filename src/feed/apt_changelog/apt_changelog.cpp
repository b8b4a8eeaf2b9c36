#include "feed/apt_changelog/apt_changelog.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "core/host_report.hpp"
#include "distro/distro.hpp"
#include "feed/apt_changelog/changelog.hpp"
#include "feed/apt_changelog/deb_file.hpp"
#include "feed/file_io.hpp"
#include "version/deb_version.hpp"

namespace fleetpatch::feed::apt_changelog {
namespace {

namespace fs = std::filesystem;

/// How much is downloaded at most per source before giving up on its changelog. Binaries are
/// tried smallest first; many small ones (metapackages, -dbg and -doc stubs) ship no changelog
/// because their doc directory is a symlink to another package's, so the search goes on until
/// one does: for openjdk-17 only the 44 MB -headless package has it, for linux a 1.3 MB one.
constexpr std::size_t kMaxDownloadsPerSource = 32;
constexpr std::uint64_t kMaxBytesPerSource = 256u << 20;

int compare_versions(const std::string& a, const std::string& b) {
  auto va = version::DebVersion::parse(a);
  auto vb = version::DebVersion::parse(b);
  if (!va.ok() || !vb.ok()) return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  return va->compare(*vb);
}

/// os-release: KEY=value lines, values optionally quoted.
core::OsInfo parse_os_release(std::string_view text) {
  core::OsInfo os;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos || line.empty() || line[0] == '#') continue;
    std::string_view key = line.substr(0, equals);
    std::string_view value = line.substr(equals + 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.remove_suffix(1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    if (key == "ID") {
      os.id = std::string(value);
    } else if (key == "VERSION_ID") {
      os.version_id = std::string(value);
    } else if (key == "VERSION_CODENAME") {
      os.version_codename = std::string(value);
    } else if (key == "PRETTY_NAME") {
      os.name = std::string(value);
    }
  }
  return os;
}

std::string escape_version(std::string_view version) {
  std::string out;
  for (char c : version) {
    if (c == ':') {
      out += "%3a";
    } else if (c == '/') {
      out += "%2f";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

ChangelogCache ChangelogCache::in_data_dir(const std::string& data_dir) {
  return ChangelogCache((fs::path(data_dir) / "apt-changelog").string());
}

std::string ChangelogCache::path(std::string_view source, std::string_view version) const {
  return (fs::path(dir_) / (std::string(source) + "_" + escape_version(version) + ".changelog"))
      .string();
}

std::optional<std::string> ChangelogCache::get(std::string_view source,
                                               std::string_view version) const {
  std::string text;
  if (!read_file(path(source, version), text).ok()) return std::nullopt;
  return text;
}

core::Status ChangelogCache::put(std::string_view source, std::string_view version,
                                 std::string_view text) const {
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error) return core::io_error(dir_ + ": " + error.message());
  const std::string final_path = path(source, version);
  const std::string temporary = final_path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) return core::io_error(temporary + ": cannot write");
  }
  fs::rename(temporary, final_path, error);
  if (error) return core::io_error(final_path + ": " + error.message());
  return {};
}

core::Result<std::string> release_of_root(const std::string& root) {
  std::string text;
  const std::string candidates[] = {(fs::path(root) / "etc/os-release").string(),
                                    (fs::path(root) / "usr/lib/os-release").string()};
  bool read = false;
  for (const auto& path : candidates) {
    if (read_file(path, text).ok()) {
      read = true;
      break;
    }
  }
  if (!read) return core::not_found(root + ": no etc/os-release or usr/lib/os-release");
  const core::OsInfo os = parse_os_release(text);
  auto release = distro::resolve_os(os);
  if (!release || release->distro->package_format() != core::PackageFormat::kDpkg) {
    return core::unsupported(root + ": \"" + os.id + " " + os.version_id +
                             "\" is not a Debian or Ubuntu release fleetpatch knows");
  }
  return release->key;
}

FeedBatch build_from_upgrades(const std::string& release_key, const AptIndex& index,
                              const std::vector<Upgrade>& upgrades, const ChangelogCache& cache,
                              Fetcher& fetcher, core::Diagnostics& diags, BuildStats* stats) {
  BuildStats local;
  BuildStats& counts = stats != nullptr ? *stats : local;
  counts.upgrades += upgrades.size();

  // One group per (source, candidate source version); the oldest installed source version of
  // its binaries bounds the entries (a half-upgraded source shows every change it lacks).
  struct Group {
    std::string installed_source_version;
    std::string suite;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const auto& upgrade : upgrades) {
    auto [it, inserted] =
        groups.try_emplace({upgrade.source, upgrade.source_version},
                           Group{upgrade.installed.source_version, upgrade.suite});
    if (!inserted && compare_versions(upgrade.installed.source_version,
                                      it->second.installed_source_version) < 0) {
      it->second.installed_source_version = upgrade.installed.source_version;
    }
  }
  counts.sources += groups.size();

  FeedBatch batch;
  for (const auto& [key, group] : groups) {
    const auto& [source, version] = key;
    const std::string record = std::string(source).append(" ").append(version);
    std::optional<std::string> text = cache.get(source, version);
    if (text) {
      ++counts.cached;
    } else {
      // Every binary of this source at this version in a security list, smallest first.
      std::vector<std::size_t> offers;
      for (std::size_t i = 0; i < index.offers.size(); ++i) {
        const Offer& offer = index.offers[i];
        if (offer.source == source && offer.source_version == version &&
            index.lists[offer.list].security && !offer.filename.empty()) {
          offers.push_back(i);
        }
      }
      std::sort(offers.begin(), offers.end(), [&](std::size_t a, std::size_t b) {
        return std::tie(index.offers[a].size, index.offers[a].name) <
               std::tie(index.offers[b].size, index.offers[b].name);
      });
      // The same .deb is listed once per architecture index ("all" packages): fetch it once.
      offers.erase(std::unique(offers.begin(), offers.end(),
                               [&](std::size_t a, std::size_t b) {
                                 return index.offers[a].filename == index.offers[b].filename;
                               }),
                   offers.end());
      std::vector<std::string> reasons;
      std::uint64_t bytes = 0;
      for (std::size_t i = 0; i < offers.size() && i < kMaxDownloadsPerSource; ++i) {
        const Offer& offer = index.offers[offers[i]];
        bytes += offer.size;
        if (bytes > kMaxBytesPerSource) {
          reasons.push_back("stopped before " + offer.name + ": more than " +
                            std::to_string(kMaxBytesPerSource >> 20) + " MB tried");
          break;
        }
        const std::string url = index.lists[offer.list].uri + "/" + offer.filename;
        ++counts.downloads;
        auto deb = fetcher.fetch(url);
        if (!deb.ok()) {
          reasons.push_back(deb.error().message);
          continue;
        }
        auto changelog = changelog_from_deb(*deb, offer.name);
        if (!changelog.ok()) {
          reasons.push_back(offer.name + ": " + changelog.error().message);
          continue;
        }
        text = std::move(*changelog);
        ++counts.fetched;
        if (auto status = cache.put(source, version, *text); !status.ok()) {
          diags.add(cache.path(source, version), 0, status.error().message, record);
        }
        break;
      }
      if (!text) {
        ++counts.missing;
        std::string message = "no changelog for this security update";
        if (offers.empty()) message += ": no .deb of it in a security list";
        for (const auto& reason : reasons) message += "; " + reason;
        diags.add("apt-changelog", 0, message, record);
      }
    }
    std::vector<ChangelogEntry> entries;
    std::string first_change;
    if (text) {
      const std::string where = cache.path(source, version);
      auto all = parse_changelog(*text, where, diags);
      entries = entries_between(all, group.installed_source_version, version);
      if (!entries.empty()) first_change = first_change_line(*text, entries.front().line);
    }
    batch.advisories.push_back(
        make_advisory(release_key, source, version, group.suite, entries, first_change));
  }
  if (!batch.advisories.empty())
    batch.advisories_per_release[release_key] = batch.advisories.size();
  return batch;
}

namespace {

core::Result<FeedBatch> build_for(const std::string& root, const std::string& release,
                                  const std::vector<InstalledPackage>& installed,
                                  const std::string& data_dir, Fetcher& fetcher,
                                  core::Diagnostics& diags, BuildStats* stats) {
  auto sources = read_sources(root, diags);
  if (!sources.ok()) return sources.error();
  std::vector<std::string> names;
  names.reserve(installed.size());
  for (const auto& package : installed) names.push_back(package.name);
  auto index = read_apt_index(root, *sources, names, diags);
  if (!index.ok()) return index.error();
  const std::vector<Upgrade> upgrades = plan_security_upgrades(*index, installed);
  BuildStats local;
  BuildStats& counts = stats != nullptr ? *stats : local;
  FeedBatch batch = build_from_upgrades(
      release, *index, upgrades, ChangelogCache::in_data_dir(data_dir), fetcher, diags, &counts);
  SourceInfo info;
  info.path = root;
  info.format = "apt-changelog";
  for (const auto& advisory : batch.advisories) info.date = std::max(info.date, advisory.modified);
  info.records = counts.upgrades;
  info.accepted = batch.advisories.size();
  batch.sources.push_back(std::move(info));
  return batch;
}

}  // namespace

core::Result<FeedBatch> build_advisories(const std::string& root, const std::string& data_dir,
                                         Fetcher& fetcher, core::Diagnostics& diags,
                                         BuildStats* stats) {
  auto release = release_of_root(root);
  if (!release.ok()) return release.error();
  const std::string status_path = (fs::path(root) / "var/lib/dpkg/status").string();
  std::string status_text;
  if (auto status = read_file(status_path, status_text); !status.ok()) return status.error();
  return build_for(root, *release, parse_dpkg_status(status_text, status_path, diags), data_dir,
                   fetcher, diags, stats);
}

std::vector<InstalledPackage> installed_packages(const core::HostReport& host) {
  std::vector<InstalledPackage> out;
  out.reserve(host.packages.size());
  for (const auto& package : host.packages) {
    InstalledPackage installed;
    installed.name = package.name;
    installed.version = package.version;
    installed.arch = package.arch;
    installed.source = package.source_name.empty() ? package.name : package.source_name;
    installed.source_version =
        package.source_version.empty() ? package.version : package.source_version;
    out.push_back(std::move(installed));
  }
  return out;
}

core::Result<FeedBatch> build_advisories_for_host(const std::string& root,
                                                  const core::HostReport& host,
                                                  const std::string& data_dir, Fetcher& fetcher,
                                                  core::Diagnostics& diags, BuildStats* stats) {
  auto release = release_of_root(root);
  if (!release.ok()) return release.error();
  auto host_release = distro::resolve_os(host.os);
  if (!host_release || host_release->key != *release) {
    return core::unsupported("host " + host.host.id + " (" + host.os.id + " " + host.os.version_id +
                             ") is not of this mirror's release " + *release);
  }
  auto batch = build_for(root, *release, installed_packages(host), data_dir, fetcher, diags, stats);
  if (batch.ok() && !batch->sources.empty()) batch->sources.back().path = host.host.id;
  return batch;
}

}  // namespace fleetpatch::feed::apt_changelog
