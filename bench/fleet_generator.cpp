#include "bench/fleet_generator.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_set>
#include <utility>

#include "version/rpm_version.hpp"

namespace fleetpatch::bench {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}
bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

bool is_debug_package(std::string_view name) {
  return contains(name, "-debuginfo") || contains(name, "-debugsource");
}

bool is_module_version(std::string_view evr) {
  return contains(evr, ".module_el") || contains(evr, "module+el");
}

std::string arch_for(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kNoarchSuffixes = {
      "-doc", "-docs", "-javadoc", "-manual", "-data", "-filesystem", "-fonts", "-licenses"};
  for (std::string_view suffix : kNoarchSuffixes) {
    if (ends_with(name, suffix)) return "noarch";
  }
  if (name == "tzdata" || name == "ca-certificates") return "noarch";
  return "x86_64";
}

// Packages found on every server of an RPM distribution; always part of an image's shared core
// when the catalog has them, so that the kernel, libc and TLS stack are never left to chance.
constexpr std::array<std::string_view, 44> kEveryServerHas = {"kernel",
                                                              "kernel-core",
                                                              "kernel-modules",
                                                              "kernel-modules-core",
                                                              "kernel-tools",
                                                              "kernel-tools-libs",
                                                              "glibc",
                                                              "glibc-common",
                                                              "glibc-minimal-langpack",
                                                              "openssl",
                                                              "openssl-libs",
                                                              "systemd",
                                                              "systemd-libs",
                                                              "systemd-pam",
                                                              "systemd-udev",
                                                              "bash",
                                                              "sudo",
                                                              "openssh",
                                                              "openssh-server",
                                                              "openssh-clients",
                                                              "curl",
                                                              "libcurl",
                                                              "python3",
                                                              "python3-libs",
                                                              "rpm",
                                                              "rpm-libs",
                                                              "dnf",
                                                              "yum",
                                                              "tzdata",
                                                              "ca-certificates",
                                                              "libxml2",
                                                              "zlib",
                                                              "expat",
                                                              "krb5-libs",
                                                              "sqlite-libs",
                                                              "libgcc",
                                                              "libstdc++",
                                                              "pam",
                                                              "util-linux",
                                                              "coreutils",
                                                              "vim-minimal",
                                                              "tar",
                                                              "gnutls",
                                                              "dbus"};

bool every_server_has(std::string_view name) {
  return std::find(kEveryServerHas.begin(), kEveryServerHas.end(), name) != kEveryServerHas.end();
}

// Packages of a minimal or server install of an Enterprise Linux release (the package names of
// the @core and @server groups; a public fact, not taken from any inventory). Images draw these
// far more often than the rest, so that they look like servers, not like a random slice of the
// distribution.
constexpr std::array<std::string_view, 118> kServerInstall = {"NetworkManager",
                                                              "NetworkManager-libnm",
                                                              "NetworkManager-team",
                                                              "NetworkManager-tui",
                                                              "acl",
                                                              "audit",
                                                              "audit-libs",
                                                              "authselect",
                                                              "authselect-libs",
                                                              "bind-libs",
                                                              "bind-utils",
                                                              "binutils",
                                                              "bzip2-libs",
                                                              "c-ares",
                                                              "chrony",
                                                              "cronie",
                                                              "cronie-anacron",
                                                              "crypto-policies",
                                                              "cups-libs",
                                                              "cyrus-sasl-lib",
                                                              "dbus-libs",
                                                              "device-mapper",
                                                              "device-mapper-libs",
                                                              "dhcp-client",
                                                              "dmidecode",
                                                              "dnf-data",
                                                              "dracut",
                                                              "e2fsprogs",
                                                              "e2fsprogs-libs",
                                                              "elfutils-libelf",
                                                              "elfutils-libs",
                                                              "expat",
                                                              "file",
                                                              "file-libs",
                                                              "firewalld",
                                                              "freetype",
                                                              "gawk",
                                                              "gdbm-libs",
                                                              "glib2",
                                                              "gnupg2",
                                                              "gnutls",
                                                              "gpgme",
                                                              "grub2-common",
                                                              "grub2-efi-x64",
                                                              "grub2-pc",
                                                              "grub2-tools",
                                                              "gzip",
                                                              "iproute",
                                                              "iptables-libs",
                                                              "iputils",
                                                              "json-c",
                                                              "kexec-tools",
                                                              "krb5-libs",
                                                              "less",
                                                              "libarchive",
                                                              "libblkid",
                                                              "libcap",
                                                              "libcom_err",
                                                              "libdnf",
                                                              "libfdisk",
                                                              "libgcrypt",
                                                              "libksba",
                                                              "libmount",
                                                              "libnghttp2",
                                                              "libpng",
                                                              "librepo",
                                                              "libsmartcols",
                                                              "libsolv",
                                                              "libssh",
                                                              "libssh-config",
                                                              "libtasn1",
                                                              "libtiff",
                                                              "libuuid",
                                                              "libxml2",
                                                              "libxslt",
                                                              "libzstd",
                                                              "logrotate",
                                                              "lua-libs",
                                                              "lz4-libs",
                                                              "lvm2",
                                                              "lvm2-libs",
                                                              "nettle",
                                                              "nss",
                                                              "nss-util",
                                                              "nss-softokn",
                                                              "nss-sysinit",
                                                              "openldap",
                                                              "p11-kit",
                                                              "p11-kit-trust",
                                                              "pam",
                                                              "pcre",
                                                              "pcre2",
                                                              "perl-libs",
                                                              "polkit",
                                                              "polkit-libs",
                                                              "procps-ng",
                                                              "python3-dnf",
                                                              "python3-libxml2",
                                                              "python3-rpm",
                                                              "python3-setuptools",
                                                              "python3-urllib3",
                                                              "python3-requests",
                                                              "readline",
                                                              "rsync",
                                                              "rsyslog",
                                                              "samba-client-libs",
                                                              "selinux-policy",
                                                              "selinux-policy-targeted",
                                                              "shadow-utils",
                                                              "sqlite-libs",
                                                              "sssd-client",
                                                              "tpm2-tss",
                                                              "unbound-libs",
                                                              "wget",
                                                              "xfsprogs",
                                                              "xz",
                                                              "xz-libs",
                                                              "yum-utils"};

bool server_install_has(std::string_view name) {
  return std::find(kServerInstall.begin(), kServerInstall.end(), name) != kServerInstall.end();
}

// Variants a plain server would not carry next to the standard kernel, or that belong to
// other architectures. Of the kernel's many subpackages a server has the ones in
// kEveryServerHas, and sometimes headers and devel.
bool never_in_image(std::string_view name) {
  if (name.starts_with("kernel-") && !every_server_has(name) && name != "kernel-headers" &&
      name != "kernel-devel") {
    return true;
  }
  if (contains(name, "-debug") || contains(name, "-rt-") || contains(name, "slowdebug") ||
      contains(name, "fastdebug")) {
    return true;
  }
  // Sources, demos, API docs and static archives of language runtimes: build hosts, not servers.
  static constexpr std::array<std::string_view, 6> kNotOnServers = {
      "-src", "-demo", "-javadoc", "-javadoc-zip", "-jmods", "-static"};
  return std::any_of(kNotOnServers.begin(), kNotOnServers.end(),
                     [&](std::string_view suffix) { return ends_with(name, suffix); });
}

// Server-install packages first; among the rest, often-updated packages are the commonly
// installed ones, but only mildly so: weighting by the raw version count would fill a server
// image with browsers and kernel subpackages.
double selection_weight(const PackageHistory& history) {
  double weight =
      1.0 + std::log2(static_cast<double>(std::max<std::size_t>(history.versions.size(), 1)));
  if (server_install_has(history.name)) weight *= 50.0;
  if (ends_with(history.name, "-devel") || ends_with(history.name, "-tests")) weight /= 3.0;
  return weight;
}

// Efraimidis-Spirakis weighted sampling without replacement: the `count` candidates with the
// largest log(u)/w keys.
std::vector<std::size_t> weighted_sample(const std::vector<std::size_t>& candidates,
                                         const std::vector<double>& weights, std::size_t count,
                                         Rng& rng) {
  std::vector<std::pair<double, std::size_t>> keyed;
  keyed.reserve(candidates.size());
  for (std::size_t c : candidates) {
    const double u = (static_cast<double>(rng.next() >> 11) + 0.5) * 0x1.0p-53;
    keyed.emplace_back(std::log(u) / weights[c], c);
  }
  count = std::min(count, keyed.size());
  std::partial_sort(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(count), keyed.end(),
                    [](const auto& a, const auto& b) {
                      return a.first > b.first || (a.first == b.first && a.second < b.second);
                    });
  std::vector<std::size_t> picked;
  picked.reserve(count);
  for (std::size_t i = 0; i < count; ++i) picked.push_back(keyed[i].second);
  return picked;
}

// Knuth's method; the means used here are small.
std::size_t poisson(double mean, Rng& rng) {
  if (mean <= 0) return 0;
  const double limit = std::exp(-mean);
  std::size_t k = 0;
  double p = 1.0;
  do {
    ++k;
    p *= rng.unit();
  } while (p > limit && k < 10'000);
  return k - 1;
}

// "6.12.0-55.9.1.el10_0" -> "10.0"; "" when there is no "elN_M" tag.
std::string minor_release_from(std::string_view release_text) {
  const std::size_t at = release_text.find(".el");
  if (at == std::string_view::npos) return "";
  std::size_t i = at + 3;
  std::string major, minor;
  while (i < release_text.size() && std::isdigit(static_cast<unsigned char>(release_text[i]))) {
    major += release_text[i++];
  }
  if (major.empty() || i >= release_text.size() || release_text[i] != '_') return "";
  ++i;
  while (i < release_text.size() && std::isdigit(static_cast<unsigned char>(release_text[i]))) {
    minor += release_text[i++];
  }
  if (minor.empty()) return "";
  return major + "." + minor;
}

// The minor release of an ".elN_M" tag ("1.2-3.el9_4" -> 4), -1 when there is none.
int minor_of(std::string_view evr) {
  const std::string tag = minor_release_from(evr);
  return tag.empty() ? -1 : std::stoi(tag.substr(tag.find('.') + 1));
}

// The version of a package on an image built at `built`: the highest one published by then; when
// none was, the oldest with its release lowered (the package shipped before its first fix).
std::string installed_at(const PackageHistory& history, core::TimePoint built) {
  const PackageHistory::Version* installed = nullptr;
  for (const auto& v : history.versions) {
    if (v.published <= built) installed = &v;  // ascending order: the last one is the highest
  }
  if (installed) return installed->evr;
  std::string lowered = lowered_release(history.versions.front().evr);
  return lowered.empty() ? history.versions.front().evr : lowered;
}

std::string without_epoch(std::string_view evr) {
  const std::size_t colon = evr.find(':');
  return std::string(colon == std::string_view::npos ? evr : evr.substr(colon + 1));
}

// FNV-1a: std::hash differs between standard libraries, and seeds must not.
std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string hostname_part(std::string_view name) {
  std::string out;
  for (char c : name) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  }
  return out;
}

}  // namespace

std::uint64_t Rng::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Modulo bias is below 2^-40 for the sizes used here (n < 2^24).
  return next() % n;
}

double Rng::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
  Rng rng(a ^ (b * 0xd1b54a32d192ed03ULL + 0x8cb92ba72f3d8dd7ULL));
  rng.next();
  return rng.next();
}

const PackageHistory* ReleaseCatalog::find(std::string_view name) const {
  auto it =
      std::lower_bound(packages.begin(), packages.end(), name,
                       [](const PackageHistory& p, std::string_view n) { return p.name < n; });
  return it != packages.end() && it->name == name ? &*it : nullptr;
}

std::vector<ReleaseCatalog> catalogs_from_advisories(std::span<const core::Advisory> advisories,
                                                     std::string_view release_prefix) {
  struct Collected {
    std::map<std::string, core::TimePoint> versions;  // evr -> earliest publication
    std::string source_name;
  };
  struct ReleaseData {
    std::map<std::string, Collected> packages;
    core::TimePoint first = core::TimePoint::max();
    core::TimePoint last = core::TimePoint::min();
  };
  std::map<std::string, ReleaseData> releases;

  for (const core::Advisory& advisory : advisories) {
    const auto published = core::parse_rfc3339(advisory.published);
    if (!published.ok()) continue;
    // Names of this advisory per release, for the source-name heuristic.
    std::map<std::string, std::set<std::string>> names;
    for (const core::AffectedPackage& affected : advisory.affected) {
      if (!affected.release.starts_with(release_prefix) || !affected.module.empty() ||
          is_debug_package(affected.name)) {
        continue;
      }
      bool any = false;
      for (const core::VersionEvent& event : affected.events) {
        if (event.type != core::VersionEvent::Type::kFixed || is_module_version(event.version) ||
            !version::RpmEvr::parse(event.version).ok()) {
          continue;
        }
        ReleaseData& data = releases[affected.release];
        auto [it, inserted] =
            data.packages[affected.name].versions.emplace(event.version, *published);
        if (!inserted) it->second = std::min(it->second, *published);
        data.first = std::min(data.first, *published);
        data.last = std::max(data.last, *published);
        any = true;
      }
      if (any) names[affected.release].insert(affected.name);
    }
    for (const auto& [release, release_names] : names) {
      for (const std::string& name : release_names) {
        std::string source = name;
        for (const std::string& other : release_names) {
          if (other.size() < source.size() && name.size() > other.size() &&
              name.starts_with(other) && name[other.size()] == '-') {
            source = other;
          }
        }
        std::string& known = releases[release].packages[name].source_name;
        if (known.empty() || source.size() < known.size()) known = source;
      }
    }
  }

  std::vector<ReleaseCatalog> catalogs;
  for (auto& [release, data] : releases) {
    ReleaseCatalog catalog;
    catalog.release = release;
    catalog.first_published = data.first;
    catalog.last_published = data.last;
    for (auto& [name, collected] : data.packages) {
      PackageHistory history;
      history.name = name;
      history.source_name = collected.source_name.empty() ? name : collected.source_name;
      history.arch = arch_for(name);
      std::vector<std::pair<version::RpmEvr, PackageHistory::Version>> parsed;
      for (auto& [evr, when] : collected.versions) {
        parsed.emplace_back(*version::RpmEvr::parse(evr), PackageHistory::Version{evr, when});
      }
      std::stable_sort(parsed.begin(), parsed.end(),
                       [](const auto& a, const auto& b) { return a.first.compare(b.first) < 0; });
      for (std::size_t i = 0; i < parsed.size(); ++i) {
        // "0:1.0-1" and "1.0-1" are one version: keep the first spelling, earliest date.
        if (!history.versions.empty() && parsed[i].first.compare(parsed[i - 1].first) == 0) {
          history.versions.back().published =
              std::min(history.versions.back().published, parsed[i].second.published);
          continue;
        }
        history.versions.push_back(std::move(parsed[i].second));
      }
      catalog.packages.push_back(std::move(history));
    }
    catalogs.push_back(std::move(catalog));
  }
  return catalogs;
}

std::string lowered_release(std::string_view evr) {
  const auto parsed = version::RpmEvr::parse(evr);
  if (!parsed.ok() || !parsed->has_release()) return "";
  const std::string_view release = parsed->release();
  std::size_t digits = 0;
  while (digits < release.size() && std::isdigit(static_cast<unsigned char>(release[digits]))) {
    ++digits;
  }
  if (digits == 0 || digits > 9) return "";
  const long number = std::stol(std::string(release.substr(0, digits)));
  if (number == 0) return "";
  // The release is the tail of the text, so everything before it is kept verbatim.
  const std::string_view head = evr.substr(0, evr.size() - release.size());
  return std::string(head) + std::to_string(number - 1) + std::string(release.substr(digits));
}

std::vector<BaseImage> images_from_catalog(const ReleaseCatalog& catalog,
                                           const ImageOptions& options, std::uint64_t seed) {
  std::vector<BaseImage> images;
  if (catalog.packages.empty() || options.images_per_release == 0) return images;
  const std::size_t colon = catalog.release.find(':');
  const std::string os_id = catalog.release.substr(0, colon);
  const std::string major = colon == std::string::npos ? "" : catalog.release.substr(colon + 1);
  const std::uint64_t release_seed = mix_seed(seed, stable_hash(catalog.release));

  std::vector<std::size_t> core_set;
  std::vector<std::size_t> candidates;
  std::vector<double> weights(catalog.packages.size());
  for (std::size_t i = 0; i < catalog.packages.size(); ++i) {
    const PackageHistory& history = catalog.packages[i];
    weights[i] = selection_weight(history);
    if (history.versions.empty() || never_in_image(history.name)) continue;
    (every_server_has(history.name) ? core_set : candidates).push_back(i);
  }
  {
    Rng rng(release_seed);
    const std::size_t wanted =
        options.shared_packages > core_set.size() ? options.shared_packages - core_set.size() : 0;
    std::vector<std::size_t> drawn = weighted_sample(candidates, weights, wanted, rng);
    core_set.insert(core_set.end(), drawn.begin(), drawn.end());
    std::sort(drawn.begin(), drawn.end());
    std::vector<std::size_t> rest;
    std::set_difference(candidates.begin(), candidates.end(), drawn.begin(), drawn.end(),
                        std::back_inserter(rest));
    candidates = std::move(rest);
  }

  const auto span = catalog.last_published - catalog.first_published;
  const PackageHistory* kernel = catalog.find("kernel-core");
  if (!kernel) kernel = catalog.find("kernel");
  const std::string image_prefix = os_id + "-" + major + "-";  // "almalinux-9-"
  for (std::size_t k = 0; k < options.images_per_release; ++k) {
    const double point =
        options.build_points.empty() ? 1.0 : options.build_points[k % options.build_points.size()];
    const core::TimePoint built =
        catalog.first_published +
        std::chrono::duration_cast<core::TimePoint::duration>(span * std::clamp(point, 0.0, 1.0));
    // A package whose oldest known build is tagged for a later minor release than the image's
    // (aspnetcore-runtime-10.0 first built as el9_7 on a 9.4 image) did not exist yet.
    const int image_minor = kernel ? minor_of(installed_at(*kernel, built)) : -1;
    auto shipped = [&](std::size_t i) {
      const int first = minor_of(catalog.packages[i].versions.front().evr);
      return image_minor < 0 || first < 0 || first <= image_minor;
    };
    std::vector<std::size_t> chosen, eligible;
    std::copy_if(core_set.begin(), core_set.end(), std::back_inserter(chosen), shipped);
    std::copy_if(candidates.begin(), candidates.end(), std::back_inserter(eligible), shipped);

    Rng rng(mix_seed(release_seed, k + 1));
    std::size_t size = options.packages_per_image + rng.below(2 * options.size_jitter + 1);
    size = size > options.size_jitter ? size - options.size_jitter : 0;
    const std::size_t roles = size > chosen.size() ? size - chosen.size() : 0;
    const std::vector<std::size_t> role_packages = weighted_sample(eligible, weights, roles, rng);
    chosen.insert(chosen.end(), role_packages.begin(), role_packages.end());
    std::sort(chosen.begin(), chosen.end());  // catalog order = name order

    BaseImage image;
    image.name = image_prefix + static_cast<char>('a' + k % 26);  // a, b, ..., z, a1, b1, ...
    if (k >= 26) image.name += std::to_string(k / 26);
    image.release = catalog.release;
    image.built_at = core::format_rfc3339(built);
    image.weight = options.release_weight / static_cast<double>(options.images_per_release - k);
    core::HostReport& report = image.report;
    report.package_format = core::PackageFormat::kRpm;
    report.collector = "fleetgen (synthetic, from advisory feed)";
    report.packages.reserve(chosen.size());
    for (std::size_t i : chosen) {
      const PackageHistory& history = catalog.packages[i];
      std::string version = installed_at(history, built);
      core::Package package;
      package.name = history.name;
      package.version = version;
      package.arch = history.arch;
      package.source_name = history.source_name;
      package.source_version = std::move(version);
      report.packages.push_back(std::move(package));
    }
    std::string minor;
    for (std::string_view kernel_name : {"kernel-core", "kernel"}) {
      auto it = std::find_if(report.packages.begin(), report.packages.end(),
                             [&](const core::Package& p) { return p.name == kernel_name; });
      if (it == report.packages.end()) continue;
      report.kernel.running = without_epoch(it->version) + "." + it->arch;
      report.kernel.installed = {report.kernel.running};
      minor = minor_release_from(it->version);
      break;
    }
    report.os.id = os_id;
    report.os.version_id = minor.empty() ? major : minor;
    report.os.name = options.os_name + " " + report.os.version_id;
    report.os.id_like = options.id_like;
    images.push_back(std::move(image));
  }
  return images;
}

std::vector<BaseImage> images_from_catalogs(std::span<const ReleaseCatalog> catalogs,
                                            const ImageOptions& options, std::uint64_t seed) {
  std::vector<BaseImage> images;
  for (const ReleaseCatalog& catalog : catalogs) {
    auto more = images_from_catalog(catalog, options, seed);
    std::move(more.begin(), more.end(), std::back_inserter(images));
  }
  return images;
}

BaseImage image_from_report(std::string name, std::string release, core::HostReport report,
                            double weight) {
  BaseImage image;
  image.name = std::move(name);
  image.release = std::move(release);
  image.weight = weight;
  std::stable_sort(report.packages.begin(), report.packages.end(),
                   [](const core::Package& a, const core::Package& b) { return a.name < b.name; });
  report.host = {};
  image.report = std::move(report);
  return image;
}

FleetGenerator::FleetGenerator(std::vector<BaseImage> images, std::vector<ReleaseCatalog> catalogs,
                               FleetOptions options)
    : images_(std::move(images)), catalogs_(std::move(catalogs)), options_(std::move(options)) {
  if (images_.empty()) throw std::invalid_argument("FleetGenerator: no base images");
  double total = 0;
  for (const BaseImage& image : images_) {
    total += std::max(image.weight, 0.0);
    cumulative_weight_.push_back(total);
  }
  if (total <= 0) throw std::invalid_argument("FleetGenerator: all image weights are zero");

  for (const BaseImage& image : images_) {
    const ReleaseCatalog* catalog = nullptr;
    for (const ReleaseCatalog& c : catalogs_) {
      if (c.release == image.release) catalog = &c;
    }
    ImageIndex index;
    for (const core::Package& package : image.report.packages) {
      const PackageHistory* history = catalog ? catalog->find(package.name) : nullptr;
      std::uint32_t below = 0;
      if (history) {
        const auto installed = version::RpmEvr::parse(package.version);
        for (const auto& v : history->versions) {
          if (installed.ok() && version::RpmEvr::parse(v.evr)->compare(*installed) <= 0) ++below;
        }
        if (!installed.ok()) history = nullptr;  // not comparable: drift by lowering only
      }
      index.history.push_back(history);
      index.at_or_below.push_back(below);
      index.lowered.push_back(lowered_release(package.version));
    }
    index_.push_back(std::move(index));
  }
}

HostSpec FleetGenerator::spec(std::size_t index) const {
  Rng rng(mix_seed(options_.seed, index));
  HostSpec spec;
  spec.index = index;
  const double pick = rng.unit() * cumulative_weight_.back();
  spec.image = static_cast<std::uint32_t>(
      std::upper_bound(cumulative_weight_.begin(), cumulative_weight_.end(), pick) -
      cumulative_weight_.begin());
  spec.image = std::min<std::uint32_t>(spec.image, static_cast<std::uint32_t>(images_.size() - 1));
  if (options_.round_robin) spec.image = static_cast<std::uint32_t>(index % images_.size());

  const auto& packages = images_[spec.image].report.packages;
  const ImageIndex& image_index = index_[spec.image];
  if (packages.empty()) return spec;
  const std::size_t drift = std::min(poisson(options_.drift_mean, rng), packages.size());
  for (std::size_t n = 0; n < drift; ++n) {
    const auto p = static_cast<std::uint32_t>(rng.below(packages.size()));
    if (std::any_of(spec.drift.begin(), spec.drift.end(),
                    [p](const HostSpec::Drift& d) { return d.package == p; })) {
      continue;  // drawn twice: the host just drifts on one package fewer
    }
    const PackageHistory* history = image_index.history[p];
    const std::string& current = packages[p].version;
    std::vector<const std::string*> newer, older;
    if (history) {
      for (std::size_t v = 0; v < history->versions.size(); ++v) {
        const std::string& evr = history->versions[v].evr;
        if (evr == current) continue;
        (v < image_index.at_or_below[p] ? older : newer).push_back(&evr);
      }
    }
    if (older.empty() && !image_index.lowered[p].empty()) older.push_back(&image_index.lowered[p]);
    const bool want_newer = rng.unit() < options_.drift_newer;
    const auto& pool = (want_newer && !newer.empty()) || older.empty() ? newer : older;
    if (pool.empty()) continue;
    spec.drift.push_back({p, *pool[rng.below(pool.size())]});
  }
  std::sort(
      spec.drift.begin(), spec.drift.end(),
      [](const HostSpec::Drift& a, const HostSpec::Drift& b) { return a.package < b.package; });
  return spec;
}

core::HostIdentity FleetGenerator::identity(const HostSpec& spec) const {
  core::HostIdentity identity;
  char id[33];
  std::snprintf(id, sizeof id, "%016llx%016llx",
                static_cast<unsigned long long>(mix_seed(options_.seed, spec.index + 0x5eed)),
                static_cast<unsigned long long>(mix_seed(options_.seed + 1, spec.index)));
  identity.id = id;
  char number[24];
  std::snprintf(number, sizeof number, "%06zu", spec.index);
  const BaseImage& image = images_[spec.image];
  identity.hostname = hostname_part(image.name) + "-" + number;
  identity.tags = {"fleetgen", "image:" + image.name};
  return identity;
}

core::HostReport FleetGenerator::host(std::size_t index) const {
  core::HostReport report;
  host_into(index, report);
  return report;
}

void FleetGenerator::host_into(std::size_t index, core::HostReport& out) const {
  const HostSpec host_spec = spec(index);
  const core::HostReport& image = images_[host_spec.image].report;
  out.host = identity(host_spec);
  out.os = image.os;
  out.kernel = image.kernel;
  out.package_format = image.package_format;
  out.packages = image.packages;  // element-wise assignment reuses the strings' buffers
  out.listening = image.listening;
  out.pending_restart = image.pending_restart;
  out.collected_at = options_.collected_at;
  out.collector = image.collector;
  for (const HostSpec::Drift& drift : host_spec.drift) {
    core::Package& package = out.packages[drift.package];
    // Keep the image's way of writing the source version (SOURCERPM names carry no epoch).
    const bool same_spelling = package.source_version == package.version;
    package.version = drift.version;
    package.source_version = same_spelling ? drift.version : without_epoch(drift.version);
  }
}

void FleetGenerator::host_into(std::size_t index, core::HostReport& out, BufferState& state) const {
  const HostSpec host_spec = spec(index);
  if (state.image != host_spec.image) {
    host_into(index, out);
    state.image = host_spec.image;
    state.drifted.clear();
    for (const HostSpec::Drift& drift : host_spec.drift) state.drifted.push_back(drift.package);
    return;
  }
  const core::HostReport& image = images_[host_spec.image].report;
  for (std::uint32_t p : state.drifted) {
    out.packages[p].version = image.packages[p].version;
    out.packages[p].source_version = image.packages[p].source_version;
  }
  state.drifted.clear();
  out.host = identity(host_spec);
  for (const HostSpec::Drift& drift : host_spec.drift) {
    core::Package& package = out.packages[drift.package];
    const bool same_spelling = package.source_version == package.version;
    package.version = drift.version;
    package.source_version = same_spelling ? drift.version : without_epoch(drift.version);
    state.drifted.push_back(drift.package);
  }
}

FleetStats FleetGenerator::stats(std::size_t hosts) const {
  FleetStats stats;
  stats.hosts = hosts;
  std::vector<bool> used(images_.size());
  std::unordered_set<std::string> tuples;
  auto key = [](const BaseImage& image, const core::Package& package, std::string_view version) {
    std::string k = image.release;
    k += '\0';
    k += package.name;
    k += '\0';
    k += version;
    return k;
  };
  for (std::size_t i = 0; i < hosts; ++i) {
    const HostSpec host_spec = spec(i);
    const BaseImage& image = images_[host_spec.image];
    stats.package_instances += image.report.packages.size();
    used[host_spec.image] = true;
    for (const HostSpec::Drift& drift : host_spec.drift) {
      tuples.insert(key(image, image.report.packages[drift.package], drift.version));
    }
  }
  for (std::size_t i = 0; i < images_.size(); ++i) {
    if (!used[i]) continue;
    ++stats.images_used;
    for (const core::Package& package : images_[i].report.packages) {
      tuples.insert(key(images_[i], package, package.version));
    }
  }
  stats.distinct_tuples = tuples.size();
  return stats;
}

}  // namespace fleetpatch::bench
