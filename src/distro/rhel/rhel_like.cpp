#include "distro/rhel/rhel_like.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

#include "version/rpm_version.hpp"

namespace fleetpatch::distro {
namespace {

bool starts_with_word(std::string_view text, std::string_view prefix) {
  return text.size() > prefix.size() && text.substr(0, prefix.size()) == prefix &&
         text[prefix.size()] == '-';
}

constexpr std::string_view kModuleMarkers[] = {".module_el", ".module+el"};

/// The part of a fixed version before its module build marker, or the whole string.
std::string_view before_module_marker(std::string_view evr) {
  for (std::string_view marker : kModuleMarkers) {
    if (auto pos = evr.find(marker); pos != std::string_view::npos) return evr.substr(0, pos);
  }
  return evr;
}

const core::VersionEvent* fixed_event(const core::AffectedPackage& entry) {
  for (const auto& event : entry.events) {
    if (event.type == core::VersionEvent::Type::kFixed) return &event;
  }
  return nullptr;
}

bool is_module_entry(const core::AffectedPackage& entry) {
  const core::VersionEvent* fixed = fixed_event(entry);
  return fixed != nullptr && is_module_build(fixed->version);
}

/// Lower of two fixed versions by rpm ordering; an unparsable one loses to a parsable one.
bool fixed_lower(std::string_view a, std::string_view b) {
  auto pa = version::RpmEvr::parse(a);
  auto pb = version::RpmEvr::parse(b);
  if (pa.ok() && pb.ok()) return pa->compare(*pb) < 0;
  return pa.ok();
}

void collapse_module_builds(std::vector<core::AffectedPackage>& affected) {
  // Key: (release, name, module, version before the module marker) -> index kept.
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::size_t> kept;
  std::vector<core::AffectedPackage> out;
  out.reserve(affected.size());
  for (auto& entry : affected) {
    const core::VersionEvent* fixed = fixed_event(entry);
    if (fixed == nullptr || entry.module.empty() || !is_module_build(fixed->version)) {
      out.push_back(std::move(entry));
      continue;
    }
    auto key = std::make_tuple(entry.release, entry.name, entry.module,
                               std::string(before_module_marker(fixed->version)));
    auto [it, inserted] = kept.emplace(std::move(key), out.size());
    if (inserted) {
      out.push_back(std::move(entry));
      continue;
    }
    const core::VersionEvent* kept_fixed = fixed_event(out[it->second]);
    if (fixed_lower(fixed->version, kept_fixed->version)) out[it->second] = std::move(entry);
  }
  affected = std::move(out);
}

}  // namespace

bool is_module_build(std::string_view evr) {
  return std::any_of(
      std::begin(kModuleMarkers), std::end(kModuleMarkers),
      [&](std::string_view marker) { return evr.find(marker) != std::string_view::npos; });
}

std::vector<std::string> module_streams_from_summary(std::string_view summary) {
  // A "Word: " prefix is the severity ("Important: ") or a label ("new module: "); module
  // streams themselves never have a space after their colon ("perl:5.30").
  if (auto colon = summary.find(": "); colon != std::string_view::npos) {
    summary.remove_prefix(colon + 2);
  }
  static constexpr std::string_view kStopWords[] = {"security", "bug",      "bugfix", "enhancement",
                                                    "update",   "metadata", "module", "new"};
  std::vector<std::string> streams;
  std::size_t pos = 0;
  while (pos < summary.size()) {
    std::size_t end = summary.find(' ', pos);
    if (end == std::string_view::npos) end = summary.size();
    std::string_view token = summary.substr(pos, end - pos);
    pos = end + 1;
    while (!token.empty() && token.back() == ',') token.remove_suffix(1);
    if (token.empty() || token == "and") continue;
    if (std::find(std::begin(kStopWords), std::end(kStopWords), token) != std::end(kStopWords)) {
      break;
    }
    // "httpd:2.4/mod_http2" names a component of the httpd:2.4 stream.
    token = token.substr(0, token.find('/'));
    if (std::find(streams.begin(), streams.end(), token) == streams.end()) {
      streams.emplace_back(token);
    }
  }
  return streams;
}

std::optional<std::string> RhelLike::release_for_os(const core::OsInfo& os) const {
  if (os.id != spec_.family) return std::nullopt;
  std::string_view major = major_version(os.version_id);
  if (major.empty()) return std::nullopt;
  return std::string(spec_.family) + ":" + std::string(major);
}

std::optional<std::string> RhelLike::release_for_osv_ecosystem(std::string_view ecosystem) const {
  if (spec_.osv_ecosystem.empty()) return std::nullopt;
  if (ecosystem.size() <= spec_.osv_ecosystem.size() + 1 ||
      ecosystem.substr(0, spec_.osv_ecosystem.size()) != spec_.osv_ecosystem ||
      ecosystem[spec_.osv_ecosystem.size()] != ':') {
    return std::nullopt;
  }
  std::string_view version = ecosystem.substr(spec_.osv_ecosystem.size() + 1);
  std::string_view major = major_version(version);
  // "AlmaLinux:9" only: a minor release or suffix would be a different, unknown ecosystem.
  if (major.empty() || major.size() != version.size()) return std::nullopt;
  return std::string(spec_.family) + ":" + std::string(major);
}

void RhelLike::refine_advisory(core::Advisory& advisory) const {
  const std::string_view id = advisory.id;
  if (starts_with_word(id, spec_.security_prefix)) {
    advisory.kind = core::AdvisoryKind::kSecurity;
  } else if (starts_with_word(id, spec_.bugfix_prefix)) {
    advisory.kind = core::AdvisoryKind::kBugfix;
  } else if (starts_with_word(id, spec_.enhancement_prefix)) {
    advisory.kind = core::AdvisoryKind::kEnhancement;
  }

  if (auto colon = advisory.summary.find(": "); colon != std::string::npos) {
    std::string_view word = std::string_view(advisory.summary).substr(0, colon);
    core::Severity severity = core::severity_from_vendor(word);
    if (severity != core::Severity::kUnknown) {
      advisory.vendor_severity = std::string(word);
      advisory.severity = severity;
    }
  }

  if (std::none_of(advisory.affected.begin(), advisory.affected.end(), [](const auto& entry) {
        return entry.module.empty() && is_module_entry(entry);
      })) {
    return;
  }
  const std::vector<std::string> streams = module_streams_from_summary(advisory.summary);
  std::vector<core::AffectedPackage> affected;
  affected.reserve(advisory.affected.size() * std::max<std::size_t>(streams.size(), 1));
  for (auto& entry : advisory.affected) {
    if (!entry.module.empty() || !is_module_entry(entry) || streams.empty()) {
      affected.push_back(std::move(entry));
      continue;
    }
    // One entry per stream: copies for all but the last, which takes the original.
    for (std::size_t i = 0; i + 1 < streams.size(); ++i) {
      core::AffectedPackage copy = entry;
      copy.module = streams[i];
      affected.push_back(std::move(copy));
    }
    entry.module = streams.back();
    affected.push_back(std::move(entry));
  }
  collapse_module_builds(affected);
  advisory.affected = std::move(affected);
}

std::string RhelLike::module_of(const core::Package& package) const {
  if (!package.module || package.module->empty()) return "";
  const std::string& label = *package.module;
  std::size_t first = label.find(':');
  if (first == std::string::npos) return label;
  std::size_t second = label.find(':', first + 1);
  return second == std::string::npos ? label : label.substr(0, second);
}

namespace {

// Packages installed once per kernel build ("installonly" in dnf), Red Hat's naming, shared by
// Oracle's UEK and the real-time kernel. The images are what boots; the modules packages carry
// the rest of the same build and run as part of it.
constexpr std::string_view kKernelImages[] = {"kernel",          "kernel-core", "kernel-uek",
                                              "kernel-uek-core", "kernel-rt",   "kernel-rt-core"};
constexpr std::string_view kKernelModules[] = {
    "kernel-modules",         "kernel-modules-core",      "kernel-modules-extra",
    "kernel-uek-modules",     "kernel-uek-modules-extra", "kernel-rt-modules",
    "kernel-rt-modules-core", "kernel-rt-modules-extra"};

std::string_view without_epoch(std::string_view evr) {
  const auto colon = evr.find(':');
  return colon == std::string_view::npos ? evr : evr.substr(colon + 1);
}

}  // namespace

std::optional<KernelPackage> RhelLike::kernel_package(const core::Package& package) const {
  const std::string_view name = package.name;
  if (name.substr(0, 6) != "kernel") return std::nullopt;
  const auto in = [name](const auto& names) {
    return std::find(std::begin(names), std::end(names), name) != std::end(names);
  };
  const bool image = in(kKernelImages);
  if (!image && !in(kKernelModules)) return std::nullopt;
  // uname -r is "<version>-<release>.<arch>": the package's V-R without epoch, then its arch.
  std::string release(without_epoch(package.version));
  if (!package.arch.empty()) release += "." + package.arch;
  return KernelPackage{std::move(release), image};
}

std::optional<std::string> RhelLike::kernel_package_version(
    std::string_view release, const core::Package& running_package) const {
  // "3.10.0-1160.36.2.el7" or "3.10.0-1160.36.2.el7.x86_64": V-R, the arch optional.
  if (!running_package.arch.empty()) {
    const std::string suffix = "." + running_package.arch;
    if (release.size() > suffix.size() && release.ends_with(suffix)) {
      release.remove_suffix(suffix.size());
    }
  }
  if (release.find('-') == std::string_view::npos) return std::nullopt;
  std::string version;
  if (const auto colon = std::string_view(running_package.version).find(':');
      colon != std::string_view::npos) {
    version = running_package.version.substr(0, colon + 1);  // the build keeps its epoch
  }
  version += release;
  return version;
}

}  // namespace fleetpatch::distro
