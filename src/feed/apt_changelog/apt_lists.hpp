// What apt knows on a host: its configured sources (sources.list, sources.list.d/*.list and
// deb822 *.sources), the indexes it downloaded (/var/lib/apt/lists/*_Packages and the
// *_Release / *_InRelease files beside them), and what dpkg installed (/var/lib/dpkg/status).
// From these, which installed packages have a newer candidate version from a security pocket.
// Pure parsers over text, plus readers that take a root path (a live host is "/").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/result.hpp"

namespace fleetpatch::feed::apt_changelog {

/// One "deb" line of sources.list, or one (URI, suite) pair of a deb822 .sources stanza.
struct AptSource {
  std::string uri;    // without a trailing '/': "http://deb.debian.org/debian-security"
  std::string suite;  // "bookworm-security"
  std::vector<std::string> components;
  std::string where;  // "file:line", for messages
  friend bool operator==(const AptSource&, const AptSource&) = default;
};

/// One-line format: "deb [opt=val ...] URI SUITE COMPONENT...". deb-src lines, comments and
/// flat repositories (a suite ending in '/') are skipped; malformed lines are diagnostics.
std::vector<AptSource> parse_sources_list(std::string_view text, const std::string& file,
                                          core::Diagnostics& diags);

/// deb822 format (*.sources): stanzas with Types, URIs, Suites, Components, Enabled. Each
/// (URI, suite) of a stanza whose Types include "deb" gives one AptSource.
std::vector<AptSource> parse_deb822_sources(std::string_view text, const std::string& file,
                                            core::Diagnostics& diags);

/// Reads ROOT/etc/apt/sources.list and ROOT/etc/apt/sources.list.d/{*.list,*.sources} (in
/// name order, as apt does). Missing files are fine; no source at all is an error.
core::Result<std::vector<AptSource>> read_sources(const std::string& root,
                                                  core::Diagnostics& diags);

/// apt's URItoFileName: the scheme and credentials dropped, characters apt quotes ("_", "~",
/// ...) written as %xx, then '/' replaced by '_'.
/// "http://deb.debian.org/debian/dists/bookworm/" -> "deb.debian.org_debian_dists_bookworm_".
std::string uri_to_filename(std::string_view uri);

/// The name prefix of the lists files of a source: uri_to_filename(URI/dists/SUITE/).
std::string lists_prefix(const AptSource& source);

/// What a Release/InRelease file says about its suite.
struct ReleaseInfo {
  std::string origin;    // "Debian"
  std::string label;     // "Debian-Security"
  std::string suite;     // "oldstable-security"
  std::string codename;  // "bookworm-security"
  bool not_automatic = false;
  bool but_automatic_upgrades = false;
};

ReleaseInfo parse_release(std::string_view text);

/// True for a security pocket: suite or codename ending in "-security" (Debian's
/// "bookworm-security", Ubuntu's "jammy-security"), or label "Debian-Security".
bool is_security(const ReleaseInfo& release);

/// apt's default pin priority of a suite: 500, 100 for NotAutomatic with
/// ButAutomaticUpgrades (backports), 1 for NotAutomatic (experimental).
int default_priority(const ReleaseInfo& release);

/// One package version offered by one Packages index.
struct Offer {
  std::string name;
  std::string version;
  std::string arch;  // "amd64", "all"
  std::string source;
  std::string source_version;  // the "Source: x (v)" version, else the binary version
  std::string filename;        // pool path, relative to the source URI
  std::uint64_t size = 0;
  std::size_t list = 0;  // index into AptIndex::lists
};

/// One downloaded Packages index and the suite it belongs to.
struct PackageList {
  std::string path;
  std::string uri;  // the source URI its Filename fields are relative to
  ReleaseInfo release;
  bool security = false;
  int priority = 500;
};

struct AptIndex {
  std::vector<PackageList> lists;
  std::vector<Offer> offers;
};

/// Adds the paragraphs of one Packages index (list number `list`) to `index`. When
/// `keep_names` is not empty, only packages named in it are kept (sorted, unique): a host's
/// main index has ~60,000 packages, of which a few hundred are installed.
void add_packages(std::string_view text, std::size_t list, const std::string& file,
                  const std::vector<std::string>& keep_names, AptIndex& index,
                  core::Diagnostics& diags);

/// Reads every *_Packages index of ROOT/var/lib/apt/lists that belongs to one of `sources`
/// (uncompressed or .gz/.xz/.lz4/.zst, as apt's GzipIndexes/CompressionTypes keep them), with
/// its Release or InRelease file. Security lists are kept whole; others only for
/// `installed_names`. No index at all is an error (apt-get update has not run).
core::Result<AptIndex> read_apt_index(const std::string& root,
                                      const std::vector<AptSource>& sources,
                                      const std::vector<std::string>& installed_names,
                                      core::Diagnostics& diags);

/// One installed binary package, from dpkg's status file.
struct InstalledPackage {
  std::string name;
  std::string version;
  std::string arch;
  std::string source;          // "Source:" name, else the package's own name
  std::string source_version;  // "Source: x (v)" version, else the package's version
  friend bool operator==(const InstalledPackage&, const InstalledPackage&) = default;
};

/// Packages whose Status is "<want> <flag> installed"; others (config-files, half-installed,
/// not-installed) are left out. A paragraph without Package or Version is a diagnostic.
std::vector<InstalledPackage> parse_dpkg_status(std::string_view text, const std::string& file,
                                                core::Diagnostics& diags);

/// An installed package whose candidate version is newer and offered by a security pocket.
struct Upgrade {
  InstalledPackage installed;
  std::string candidate_version;
  std::string source;               // the candidate's source package
  std::string source_version;       // the candidate's source version
  std::string suite;                // the security list's suite ("bookworm-security")
  std::vector<std::size_t> offers;  // indexes into AptIndex::offers with that candidate
};

/// apt's candidate for each installed package (the highest version among the lists of the
/// highest default priority, ignoring /etc/apt/preferences pins), kept when it is newer than
/// the installed version and a security list offers it. Sorted by package name and arch.
std::vector<Upgrade> plan_security_upgrades(const AptIndex& index,
                                            const std::vector<InstalledPackage>& installed);

/// Reads a possibly compressed file whole (gzip, xz, lz4, zstd, bzip2 or plain).
core::Result<std::string> read_maybe_compressed(const std::string& path);

}  // namespace fleetpatch::feed::apt_changelog
