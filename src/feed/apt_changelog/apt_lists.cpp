#include "feed/apt_changelog/apt_lists.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <unordered_map>

#include "feed/apt_changelog/deb822.hpp"
#include "feed/file_io.hpp"
#include "version/deb_version.hpp"

namespace fleetpatch::feed::apt_changelog {
namespace {

namespace fs = std::filesystem;

std::string where(const std::string& file, std::size_t line) {
  return file + ":" + std::to_string(line);
}

bool has_suffix(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string strip_trailing_slash(std::string_view uri) {
  while (!uri.empty() && uri.back() == '/') uri.remove_suffix(1);
  return std::string(uri);
}

/// Adds one source per suite; flat repositories ("./", "stable/") are not in dists/ and are
/// skipped.
void add_source(std::vector<AptSource>& out, std::string_view uri, std::string_view suite,
                const std::vector<std::string>& components, std::string where_text) {
  if (suite.empty() || suite.back() == '/') return;
  AptSource source;
  source.uri = strip_trailing_slash(uri);
  source.suite = std::string(suite);
  source.components = components;
  source.where = std::move(where_text);
  out.push_back(std::move(source));
}

/// "Source: openssl (3.0.15-1~deb12u1)" -> {"openssl", "3.0.15-1~deb12u1"}; the version is
/// `fallback` when the field gives none, the name `package` when there is no field.
std::pair<std::string, std::string> source_of(std::string_view field, std::string_view package,
                                              std::string_view fallback) {
  auto parts = words(field);
  if (parts.empty()) return {std::string(package), std::string(fallback)};
  std::string name(parts[0]);
  std::string version(fallback);
  const std::size_t open = field.find('(');
  const std::size_t close = field.find(')', open == std::string_view::npos ? 0 : open);
  if (open != std::string_view::npos && close != std::string_view::npos) {
    std::string_view inside = field.substr(open + 1, close - open - 1);
    auto inner = words(inside);
    if (!inner.empty()) version = std::string(inner[0]);
  }
  return {std::move(name), std::move(version)};
}

int compare_versions(const std::string& a, const std::string& b) {
  auto va = version::DebVersion::parse(a);
  auto vb = version::DebVersion::parse(b);
  if (!va.ok() || !vb.ok()) return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  return va->compare(*vb);
}

}  // namespace

std::vector<AptSource> parse_sources_list(std::string_view text, const std::string& file,
                                          core::Diagnostics& diags) {
  std::vector<AptSource> out;
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    auto parts = words(line);
    if (parts.empty()) continue;
    const std::string_view type = parts[0];
    if (type != "deb" && type != "deb-src") {
      diags.add(file, line_number, "unknown source type \"" + std::string(type) + "\"");
      continue;
    }
    // Options ("[arch=amd64 signed-by=...]") may contain spaces: cut them out first. Nothing
    // here depends on them.
    std::string_view rest = line.substr(type.data() + type.size() - line.data());
    if (std::size_t first = rest.find_first_not_of(" \t"); first != std::string_view::npos) {
      rest = rest.substr(first);
    }
    if (!rest.empty() && rest[0] == '[') {
      const std::size_t close = rest.find(']');
      if (close == std::string_view::npos) {
        diags.add(file, line_number, "unterminated [options]");
        continue;
      }
      rest = rest.substr(close + 1);
    }
    auto fields = words(rest);
    if (fields.size() < 2) {
      diags.add(file, line_number, "a source needs a URI and a suite");
      continue;
    }
    if (type == "deb-src") continue;
    std::vector<std::string> components(fields.begin() + 2, fields.end());
    add_source(out, fields[0], fields[1], components, where(file, line_number));
  }
  return out;
}

std::vector<AptSource> parse_deb822_sources(std::string_view text, const std::string& file,
                                            core::Diagnostics& diags) {
  std::vector<AptSource> out;
  for_each_paragraph(
      text,
      [&](const Paragraph& stanza) {
        auto types = words(stanza.get("Types"));
        if (std::find(types.begin(), types.end(), "deb") == types.end()) return;
        const std::string_view enabled = stanza.get("Enabled");
        if (enabled == "no" || enabled == "false") return;
        auto uris = words(stanza.get("URIs"));
        auto suites = words(stanza.get("Suites"));
        if (uris.empty() || suites.empty()) {
          diags.add(file, stanza.line, "a deb822 source needs URIs and Suites");
          return;
        }
        std::vector<std::string> components;
        for (auto component : words(stanza.get("Components"))) components.emplace_back(component);
        for (auto uri : uris) {
          for (auto suite : suites) {
            add_source(out, uri, suite, components, where(file, stanza.line));
          }
        }
      },
      [&](std::size_t line, std::string message) { diags.add(file, line, std::move(message)); });
  return out;
}

core::Result<std::vector<AptSource>> read_sources(const std::string& root,
                                                  core::Diagnostics& diags) {
  std::vector<AptSource> sources;
  const fs::path etc = fs::path(root) / "etc/apt";
  std::string text;
  const std::string main_list = (etc / "sources.list").string();
  std::error_code error;
  if (fs::is_regular_file(main_list, error)) {
    if (auto status = read_file(main_list, text); !status.ok()) return status.error();
    auto parsed = parse_sources_list(text, main_list, diags);
    sources.insert(sources.end(), parsed.begin(), parsed.end());
  }
  std::vector<std::string> parts;
  for (fs::directory_iterator it(etc / "sources.list.d", error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (has_suffix(name, ".list") || has_suffix(name, ".sources")) {
      parts.push_back(it->path().string());
    }
  }
  std::sort(parts.begin(), parts.end());
  for (const auto& path : parts) {
    if (auto status = read_file(path, text); !status.ok()) {
      diags.add(path, 0, status.error().message);
      continue;
    }
    auto parsed = has_suffix(path, ".list") ? parse_sources_list(text, path, diags)
                                            : parse_deb822_sources(text, path, diags);
    sources.insert(sources.end(), parsed.begin(), parsed.end());
  }
  if (sources.empty()) {
    return core::not_found(etc.string() + ": no apt source is configured (sources.list, " +
                           "sources.list.d/*.list or *.sources)");
  }
  return sources;
}

std::string uri_to_filename(std::string_view uri) {
  // Drop "scheme:" (and the "//" after it) and "user:password@".
  if (std::size_t colon = uri.find(':'); colon != std::string_view::npos) {
    const std::string_view scheme = uri.substr(0, colon);
    if (scheme.find_first_of("/.") == std::string_view::npos) {
      uri.remove_prefix(colon + 1);
      if (uri.substr(0, 2) == "//") uri.remove_prefix(2);
    }
  }
  const std::size_t slash = uri.find('/');
  if (std::size_t at = uri.substr(0, slash).rfind('@'); at != std::string_view::npos) {
    uri.remove_prefix(at + 1);
  }
  constexpr std::string_view kQuoted = "\\|{}[]<>\"^~_=!@#$%^&*";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : uri) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || kQuoted.find(c) != std::string_view::npos) {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else if (c == '/') {
      out += '_';
    } else {
      out += c;
    }
  }
  return out;
}

std::string lists_prefix(const AptSource& source) {
  return uri_to_filename(source.uri + "/dists/" + source.suite + "/");
}

ReleaseInfo parse_release(std::string_view text) {
  ReleaseInfo info;
  bool first = true;
  for_each_paragraph(
      text,
      [&](const Paragraph& paragraph) {
        if (!first) return;  // only the first paragraph describes the suite
        first = false;
        info.origin = fold(paragraph.get("Origin"));
        info.label = fold(paragraph.get("Label"));
        info.suite = fold(paragraph.get("Suite"));
        info.codename = fold(paragraph.get("Codename"));
        info.not_automatic = paragraph.get("NotAutomatic") == "yes";
        info.but_automatic_upgrades = paragraph.get("ButAutomaticUpgrades") == "yes";
      },
      [](std::size_t, const std::string&) {});
  return info;
}

bool is_security(const ReleaseInfo& release) {
  return has_suffix(release.suite, "-security") || has_suffix(release.codename, "-security") ||
         release.label == "Debian-Security";
}

int default_priority(const ReleaseInfo& release) {
  if (!release.not_automatic) return 500;
  return release.but_automatic_upgrades ? 100 : 1;
}

void add_packages(std::string_view text, std::size_t list, const std::string& file,
                  const std::vector<std::string>& keep_names, AptIndex& index,
                  core::Diagnostics& diags) {
  for_each_paragraph(
      text,
      [&](const Paragraph& paragraph) {
        const std::string_view name = paragraph.get("Package");
        const std::string_view version = paragraph.get("Version");
        if (name.empty() || version.empty()) {
          diags.add(file, paragraph.line, "package without Package or Version");
          return;
        }
        if (!keep_names.empty() &&
            !std::binary_search(keep_names.begin(), keep_names.end(), name)) {
          return;
        }
        Offer offer;
        offer.name = std::string(name);
        offer.version = std::string(version);
        offer.arch = std::string(paragraph.get("Architecture"));
        auto [source, source_version] = source_of(paragraph.get("Source"), name, version);
        offer.source = std::move(source);
        offer.source_version = std::move(source_version);
        offer.filename = std::string(paragraph.get("Filename"));
        const std::string size(paragraph.get("Size"));
        offer.size = size.empty() ? 0 : std::strtoull(size.c_str(), nullptr, 10);
        offer.list = list;
        index.offers.push_back(std::move(offer));
      },
      [&](std::size_t line, std::string message) { diags.add(file, line, std::move(message)); });
}

core::Result<std::string> read_maybe_compressed(const std::string& path) {
  archive* reader = archive_read_new();
  archive_read_support_filter_all(reader);
  archive_read_support_format_raw(reader);
  if (archive_read_open_filename(reader, path.c_str(), 1 << 16) != ARCHIVE_OK) {
    core::Error error = core::io_error(path + ": " + archive_error_string(reader));
    archive_read_free(reader);
    return error;
  }
  std::string text;
  archive_entry* entry = nullptr;
  if (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
    char chunk[1 << 16];
    la_ssize_t got = 0;
    while ((got = archive_read_data(reader, chunk, sizeof chunk)) > 0) {
      text.append(chunk, static_cast<std::size_t>(got));
    }
    if (got < 0) {
      core::Error error = core::io_error(path + ": " + archive_error_string(reader));
      archive_read_free(reader);
      return error;
    }
  }
  archive_read_free(reader);
  return text;
}

core::Result<AptIndex> read_apt_index(const std::string& root,
                                      const std::vector<AptSource>& sources,
                                      const std::vector<std::string>& installed_names,
                                      core::Diagnostics& diags) {
  const fs::path lists_dir = fs::path(root) / "var/lib/apt/lists";
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(lists_dir, error), end; !error && it != end; it.increment(error)) {
    names.push_back(it->path().filename().string());
  }
  if (error) return core::not_found(lists_dir.string() + ": " + error.message());
  std::sort(names.begin(), names.end());

  std::vector<std::string> keep = installed_names;
  std::sort(keep.begin(), keep.end());
  keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
  if (keep.empty()) keep.emplace_back();  // an empty filter would mean "keep everything"

  AptIndex index;
  std::map<std::string, ReleaseInfo> releases;  // by lists prefix
  for (const auto& name : names) {
    const std::size_t packages = name.find("_Packages");
    if (packages == std::string::npos) continue;
    const std::string_view tail = std::string_view(name).substr(packages + 9);
    if (!tail.empty() && tail[0] != '.') continue;  // "_Packages.diff_Index" and the like
    if (tail == ".diff_Index" || has_suffix(name, ".IndexDiff")) continue;
    // The source this index belongs to: the longest matching prefix.
    const AptSource* owner = nullptr;
    std::string owner_prefix;
    for (const auto& source : sources) {
      std::string prefix = lists_prefix(source);
      if (name.rfind(prefix, 0) == 0 && prefix.size() > owner_prefix.size()) {
        owner = &source;
        owner_prefix = std::move(prefix);
      }
    }
    if (owner == nullptr) continue;  // a leftover of a source no longer configured
    auto release = releases.find(owner_prefix);
    if (release == releases.end()) {
      ReleaseInfo info;
      for (const char* file : {"InRelease", "Release"}) {
        const fs::path path = lists_dir / (owner_prefix + file);
        if (!fs::is_regular_file(path, error)) continue;
        auto text = read_maybe_compressed(path.string());
        if (text.ok()) {
          info = parse_release(*text);
          break;
        }
      }
      if (info.suite.empty() && info.codename.empty()) info.suite = owner->suite;
      release = releases.emplace(owner_prefix, std::move(info)).first;
    }
    const std::string path = (lists_dir / name).string();
    auto text = read_maybe_compressed(path);
    if (!text.ok()) {
      diags.add(path, 0, text.error().message);
      continue;
    }
    PackageList list;
    list.path = path;
    list.uri = owner->uri;
    list.release = release->second;
    list.security = is_security(list.release);
    list.priority = default_priority(list.release);
    index.lists.push_back(std::move(list));
    static const std::vector<std::string> kKeepAll;
    add_packages(*text, index.lists.size() - 1, path, index.lists.back().security ? kKeepAll : keep,
                 index, diags);
  }
  if (index.lists.empty()) {
    return core::not_found(lists_dir.string() +
                           ": no Packages index of a configured source (has apt-get update run?)");
  }
  return index;
}

std::vector<InstalledPackage> parse_dpkg_status(std::string_view text, const std::string& file,
                                                core::Diagnostics& diags) {
  std::vector<InstalledPackage> out;
  for_each_paragraph(
      text,
      [&](const Paragraph& paragraph) {
        auto status = words(paragraph.get("Status"));
        if (status.size() != 3 || status[2] != "installed") return;
        const std::string_view name = paragraph.get("Package");
        const std::string_view version = paragraph.get("Version");
        if (name.empty() || version.empty()) {
          diags.add(file, paragraph.line, "installed package without Package or Version");
          return;
        }
        InstalledPackage package;
        package.name = std::string(name);
        package.version = std::string(version);
        package.arch = std::string(paragraph.get("Architecture"));
        auto [source, source_version] = source_of(paragraph.get("Source"), name, version);
        package.source = std::move(source);
        package.source_version = std::move(source_version);
        out.push_back(std::move(package));
      },
      [&](std::size_t line, std::string message) { diags.add(file, line, std::move(message)); });
  return out;
}

std::vector<Upgrade> plan_security_upgrades(const AptIndex& index,
                                            const std::vector<InstalledPackage>& installed) {
  std::unordered_map<std::string_view, std::vector<std::size_t>> by_name;
  for (std::size_t i = 0; i < index.offers.size(); ++i) {
    by_name[index.offers[i].name].push_back(i);
  }
  std::vector<Upgrade> upgrades;
  for (const auto& package : installed) {
    auto found = by_name.find(package.name);
    if (found == by_name.end()) continue;
    std::vector<std::size_t> offers;
    int top_priority = 0;
    for (std::size_t i : found->second) {
      const Offer& offer = index.offers[i];
      if (offer.arch != package.arch) continue;
      offers.push_back(i);
      top_priority = std::max(top_priority, index.lists[offer.list].priority);
    }
    // The installed version's own pin is 100: suites below it never replace it.
    if (offers.empty() || top_priority < 100) continue;
    std::optional<std::size_t> best;
    for (std::size_t i : offers) {
      if (index.lists[index.offers[i].list].priority != top_priority) continue;
      if (!best || compare_versions(index.offers[i].version, index.offers[*best].version) > 0) {
        best = i;
      }
    }
    const std::string& candidate = index.offers[*best].version;
    if (compare_versions(candidate, package.version) <= 0) continue;
    Upgrade upgrade;
    for (std::size_t i : offers) {
      const Offer& offer = index.offers[i];
      if (!index.lists[offer.list].security || compare_versions(offer.version, candidate) != 0) {
        continue;
      }
      if (upgrade.offers.empty()) {
        upgrade.source = offer.source;
        upgrade.source_version = offer.source_version;
        const ReleaseInfo& release = index.lists[offer.list].release;
        upgrade.suite = release.suite.empty() ? release.codename : release.suite;
      }
      upgrade.offers.push_back(i);
    }
    if (upgrade.offers.empty()) continue;
    upgrade.installed = package;
    upgrade.candidate_version = candidate;
    upgrades.push_back(std::move(upgrade));
  }
  std::sort(upgrades.begin(), upgrades.end(), [](const Upgrade& a, const Upgrade& b) {
    return std::tie(a.installed.name, a.installed.arch) <
           std::tie(b.installed.name, b.installed.arch);
  });
  return upgrades;
}

}  // namespace fleetpatch::feed::apt_changelog
