#include "feed/sources.hpp"

#include <algorithm>

namespace fleetpatch::feed {
namespace {

// The osv.dev bucket serves one all.zip per ecosystem, the format read_paths reads as kOsvZip.
constexpr FeedSource kSources[] = {
    {"redhat-csaf",
     "rhel",
     "csaf",
     Locator::kLatestIndex,
     {"https://security.access.redhat.com/data/csaf/v2/advisories/archive_latest.txt", ""},
     "Red Hat Product Security, one CSAF document per RHSA "
     "(https://redhatproductsecurity.github.io/security-data-guidelines/csaf-vex/)"},
    {"redhat-vex",
     "rhel",
     "csaf",
     Locator::kLatestIndex,
     {"https://security.access.redhat.com/data/csaf/v2/vex/archive_latest.txt", ""},
     "Red Hat Product Security, one CSAF-VEX document per CVE, with unfixed and will-not-fix "
     "states (https://redhatproductsecurity.github.io/security-data-guidelines/csaf-vex/)"},
    {"suse-csaf",
     "sles",
     "csaf",
     Locator::kDirect,
     {"https://ftp.suse.com/pub/projects/security/csaf.tar.bz2", ""},
     "SUSE, one CSAF document per SUSE/openSUSE update (https://www.suse.com/support/security/)"},
    {"suse-vex",
     "sles",
     "csaf",
     Locator::kDirect,
     {"https://ftp.suse.com/pub/projects/security/csaf-vex.tar.bz2", ""},
     "SUSE, one CSAF-VEX document per CVE (https://www.suse.com/support/security/)"},
    {"suse-osv",
     "sles",
     "osv",
     Locator::kDirect,
     {"https://osv-vulnerabilities.storage.googleapis.com/SUSE/all.zip",
      "https://osv-vulnerabilities.storage.googleapis.com/openSUSE/all.zip"},
     "SUSE's OSV records (https://ftp.suse.com/pub/projects/security/osv/) as osv.dev "
     "republishes them, one zip per ecosystem"},
    {"ubuntu-osv",
     "ubuntu",
     "osv",
     Locator::kDirect,
     {"https://security-metadata.canonical.com/osv/osv-all.tar.xz", ""},
     "Canonical's USN and UBUNTU-CVE records "
     "(https://documentation.ubuntu.com/security/security-updates/osv/)"},
    {"debian-tracker",
     "debian",
     "debian-tracker-json",
     Locator::kDirect,
     {"https://security-tracker.debian.org/tracker/data/json", ""},
     "Debian security tracker, every source package, CVE and release "
     "(https://security-team.debian.org/security_tracker.html)"},
    {"debian-dsa-dla",
     "debian",
     "debian-advisory-list",
     Locator::kDirect,
     {"https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/DSA/list",
      "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/DLA/list"},
     "Debian security tracker repository, the DSA and DLA lists "
     "(https://salsa.debian.org/security-tracker-team/security-tracker)"},
    {"alpine-secdb",
     "alpine",
     "alpine-secdb",
     Locator::kPerRelease,
     {"https://secdb.alpinelinux.org/v{release}/main.json",
      "https://secdb.alpinelinux.org/v{release}/community.json"},
     "Alpine security database, per release and repository (https://secdb.alpinelinux.org/)"},
    {"almalinux-osv",
     "almalinux",
     "osv",
     Locator::kDirect,
     {"https://osv-vulnerabilities.storage.googleapis.com/AlmaLinux/all.zip", ""},
     "AlmaLinux errata in OSV (https://github.com/AlmaLinux/osv-database) via osv.dev"},
    {"rocky-osv",
     "rocky",
     "osv",
     Locator::kDirect,
     {"https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip", ""},
     "Rocky Linux errata in OSV (https://errata.rockylinux.org/) via osv.dev"},
    {"kev",
     "",
     "kev",
     Locator::kDirect,
     {"https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json", ""},
     "CISA Known Exploited Vulnerabilities catalog "
     "(https://www.cisa.gov/known-exploited-vulnerabilities-catalog)"},
    {"apt",
     "",
     "apt-changelog",
     Locator::kHostMirror,
     {"", ""},
     "the host's configured apt mirror: changelogs of security-pocket updates "
     "(feed/apt_changelog/apt_changelog.hpp)"},
};

constexpr std::string_view kReleasePlaceholder = "{release}";

}  // namespace

std::span<const FeedSource> official_sources() { return kSources; }

const FeedSource* find_source(std::string_view name) {
  for (const auto& source : kSources) {
    if (source.name == name) return &source;
  }
  return nullptr;
}

core::Result<std::vector<std::string>> source_urls(const FeedSource& source,
                                                   std::string_view release) {
  std::vector<std::string> urls;
  if (source.locator == Locator::kHostMirror) return urls;
  if (source.locator == Locator::kPerRelease) {
    if (release.empty() || release.find_first_of("/?#{}") != std::string_view::npos) {
      return core::invalid_argument(std::string(source.name) +
                                    ": needs a release such as \"3.19\"");
    }
  }
  for (std::string_view url : source.urls) {
    if (url.empty()) continue;
    std::string expanded(url);
    if (std::size_t at = expanded.find(kReleasePlaceholder); at != std::string::npos) {
      expanded.replace(at, kReleasePlaceholder.size(), release);
    }
    urls.push_back(std::move(expanded));
  }
  return urls;
}

core::Result<std::string> latest_archive_url(const FeedSource& source,
                                             std::string_view index_text) {
  if (source.locator != Locator::kLatestIndex) {
    return core::invalid_argument(std::string(source.name) + " has no index file");
  }
  std::string_view line;
  while (!index_text.empty()) {
    const std::size_t end = index_text.find('\n');
    line = index_text.substr(0, end);
    index_text = end == std::string_view::npos ? std::string_view() : index_text.substr(end + 1);
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
      line = {};
      continue;
    }
    line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    break;
  }
  if (line.empty() || line.find_first_of(" \t\"<>") != std::string_view::npos) {
    return core::invalid_argument(std::string(source.name) + ": the index names no archive: \"" +
                                  std::string(line) + "\"");
  }
  if (line.rfind("https://", 0) == 0 || line.rfind("http://", 0) == 0) return std::string(line);
  if (line.find('/') != std::string_view::npos || line.find("..") != std::string_view::npos) {
    return core::invalid_argument(std::string(source.name) +
                                  ": the index names a path, not a file: \"" + std::string(line) +
                                  "\"");
  }
  const std::string_view index_url = source.urls[0];
  return std::string(index_url.substr(0, index_url.rfind('/') + 1)) + std::string(line);
}

}  // namespace fleetpatch::feed
