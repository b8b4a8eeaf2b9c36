// Advisories from the package mirror, for Debian and Ubuntu hosts whose only link to the
// outside is their apt mirror (air-gapped networks): the installed packages that apt would
// upgrade from a security pocket, each turned into an advisory by reading the candidate's own
// changelog (CVE ids, dates and urgency of the entries newer than the installed version).
//
//   host's apt lists + dpkg status --plan_security_upgrades--> upgrades, grouped by source
//   --Fetcher--> candidate .deb --changelog_from_deb--> changelog text --cache-->
//   --parse_changelog / entries_between / make_advisory--> one advisory per source upgrade
//
// The parsing is pure (apt_lists.hpp, changelog.hpp, deb_file.hpp); the network is behind the
// Fetcher interface (CurlFetcher in curl_fetcher.hpp, a fake in tests). Changelogs are cached
// by (source package, version) under DATA_DIR/apt-changelog/, so a package is downloaded once
// and later runs work offline for what they have seen.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/host_report.hpp"
#include "core/result.hpp"
#include "feed/apt_changelog/apt_lists.hpp"
#include "feed/feed_batch.hpp"

namespace fleetpatch::feed::apt_changelog {

/// Downloads one URL. Implementations decide which schemes they accept.
class Fetcher {
 public:
  virtual ~Fetcher() = default;
  /// The body of a successful response; an error (kNetwork, kNotFound, kUnsupported) names the
  /// URL and the reason.
  virtual core::Result<std::string> fetch(const std::string& url) = 0;
};

/// Changelog texts by (source package, source version), one file each under `dir`.
class ChangelogCache {
 public:
  explicit ChangelogCache(std::string dir) : dir_(std::move(dir)) {}
  /// DATA_DIR/apt-changelog.
  static ChangelogCache in_data_dir(const std::string& data_dir);

  std::optional<std::string> get(std::string_view source, std::string_view version) const;
  /// Writes atomically (temporary file, then rename), creating the directory.
  core::Status put(std::string_view source, std::string_view version, std::string_view text) const;
  /// "<dir>/<source>_<version>.changelog", ':' in the version written as "%3a".
  std::string path(std::string_view source, std::string_view version) const;

 private:
  std::string dir_;
};

/// Counts of one run, for `feed status` and tests.
struct BuildStats {
  std::size_t upgrades = 0;   // installed binary packages with a security candidate
  std::size_t sources = 0;    // source packages they come from (one advisory each)
  std::size_t cached = 0;     // changelogs found in the cache
  std::size_t fetched = 0;    // changelogs read from downloaded .debs
  std::size_t missing = 0;    // sources whose changelog could not be had (advisory has no CVEs)
  std::size_t downloads = 0;  // .deb files downloaded
};

/// The release key of the host at `root` (from etc/os-release, else usr/lib/os-release),
/// when it is a Debian or Ubuntu release the distro table knows.
core::Result<std::string> release_of_root(const std::string& root);

/// The advisories for `upgrades` (plan_security_upgrades over `index`) on release
/// `release_key`: one per (source package, candidate source version), changelog entries newer
/// than the oldest installed source version of that source. A source whose changelog cannot be
/// had (download failed, no .deb of it ships one) still gets its advisory, without CVEs, and a
/// diagnostic: the package is a security update either way.
FeedBatch build_from_upgrades(const std::string& release_key, const AptIndex& index,
                              const std::vector<Upgrade>& upgrades, const ChangelogCache& cache,
                              Fetcher& fetcher, core::Diagnostics& diags,
                              BuildStats* stats = nullptr);

/// The whole flow for the host at `root` (a live host is "/"): its apt sources and lists,
/// dpkg status and os-release; changelogs cached under `data_dir`. Errors when the root has no
/// apt configuration, no lists, no dpkg status or an unsupported release; per-package
/// problems are diagnostics.
core::Result<FeedBatch> build_advisories(const std::string& root, const std::string& data_dir,
                                         Fetcher& fetcher, core::Diagnostics& diags,
                                         BuildStats* stats = nullptr);

/// The same for another host of the fleet, from its host report (agent, SSH scan or import):
/// its packages are planned against the apt lists of `root` (the machine running the update),
/// which must be of the same release (the mirror serves it); otherwise kUnsupported.
core::Result<FeedBatch> build_advisories_for_host(const std::string& root,
                                                  const core::HostReport& host,
                                                  const std::string& data_dir, Fetcher& fetcher,
                                                  core::Diagnostics& diags,
                                                  BuildStats* stats = nullptr);

/// A host report's packages as dpkg would list them.
std::vector<InstalledPackage> installed_packages(const core::HostReport& host);

}  // namespace fleetpatch::feed::apt_changelog
