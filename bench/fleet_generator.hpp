// Synthetic fleet generator: many host reports built from REAL package sets, deterministic by
// seed, for the fleet benchmark, the demo and tests.
//
// Fleet model (the parameters below, with their defaults):
//  - Package sets come from two sources. (1) A distribution's advisory feed: every version an
//    advisory names as "fixed" is a version that really shipped, so the feed gives, per release,
//    each binary package's version history with its publication dates (catalogs_from_advisories).
//    (2) Real inventories (image_from_report), used as they are.
//  - Hosts are clones of a handful of base images per release (golden images, kickstart
//    profiles). A feed-derived image is "built" at a date inside the release's advisory history
//    (ImageOptions::build_points): each package is installed at the highest version published by
//    then; a package whose first fix came later is installed at its oldest fixed version with the
//    release number lowered by one ("14.el8_3" -> "13.el8_3"). Hosts are therefore realistically
//    behind, by different amounts per image. The images of one release share a common core of
//    packages (ImageOptions::shared_packages) and each adds its own role packages.
//  - Each host drifts from its image on a few packages (FleetOptions::drift_mean, Poisson): a
//    drifted package moves to another real version of the same package, newer with probability
//    FleetOptions::drift_newer (a host that ran `dnf update foo`), else older.
//  So distinct (release, package, version) tuples are far fewer than hosts x packages, as in real
//  fleets: about images x packages + the finite pool of drift versions.
//
// Determinism: host i depends only on (seed, i, images, catalogs), so hosts can be produced in any
// order and in parallel. Randomness comes from SplitMix64 and hand-written sampling only (the
// std:: distributions differ between standard libraries).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/advisory.hpp"
#include "core/host_report.hpp"
#include "core/time.hpp"

namespace fleetpatch::bench {

/// SplitMix64: tiny, fast, and the same sequence everywhere. Not thread-safe; make one per use.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  /// Uniform in [0, n); n must be > 0.
  std::uint64_t below(std::uint64_t n);
  /// Uniform in [0, 1).
  double unit();

 private:
  std::uint64_t state_;
};

/// Mixes two values into one seed (used to give every host its own independent stream).
std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b);

/// Every version of one binary package that a release's advisories name as fixed.
struct PackageHistory {
  struct Version {
    std::string evr;            // "[E:]V-R" as the feed writes it
    core::TimePoint published;  // earliest publication of an advisory fixing at this version
  };
  std::string name;
  /// Heuristic (the feed has no source names): the shortest other package of the same advisory
  /// whose name followed by '-' prefixes this one ("openssl-libs" -> "openssl"), else the name.
  std::string source_name;
  /// "noarch" for documentation/data-only names (-doc, -javadoc, -data, ...), else "x86_64".
  std::string arch;
  std::vector<Version> versions;  // ascending RPM order, unique
};

/// The binary packages of one distribution release as its advisory feed knows them.
struct ReleaseCatalog {
  std::string release;                   // distro release key: "almalinux:9"
  std::vector<PackageHistory> packages;  // sorted by name, unique
  core::TimePoint first_published{};
  core::TimePoint last_published{};

  /// The package named `name`, or nullptr.
  const PackageHistory* find(std::string_view name) const;
};

/// One catalog per release whose key starts with `release_prefix` ("almalinux:"), from
/// advisories of every kind (bug-fix and enhancement updates ship real versions too). Left out:
/// module-stream packages (an AffectedPackage with a module, or ".module_el"/"module+el" in a
/// version: a host carries only the streams it enabled), debuginfo/debugsource packages,
/// unpublished advisories and versions that do not parse as RPM E:V-R. Sorted by release key.
std::vector<ReleaseCatalog> catalogs_from_advisories(std::span<const core::Advisory> advisories,
                                                     std::string_view release_prefix);

/// `evr` with the leading number of its release lowered by one ("1:1.2-14.el8_3" ->
/// "1:1.2-13.el8_3"); "" when the release has no leading number or it is 0.
std::string lowered_release(std::string_view evr);

/// A package set shared by many hosts.
struct BaseImage {
  std::string name;      // "almalinux-9-b", "vuls:alma_9"
  std::string release;   // distro release key, "almalinux:9"
  std::string built_at;  // RFC 3339 date its versions were taken at; "" for real inventories
  /// os, kernel, package_format and packages (sorted by name); host identity left empty.
  core::HostReport report;
  /// Relative share of the fleet's hosts.
  double weight = 1.0;
  friend bool operator==(const BaseImage&, const BaseImage&) = default;
};

struct ImageOptions {
  std::size_t images_per_release = 4;
  /// Packages of every image (+- size_jitter); the first `shared_packages` of them are common to
  /// all images of the release, the rest are role packages of that image.
  std::size_t packages_per_image = 560;
  std::size_t shared_packages = 500;
  /// Image sizes vary by up to this many packages either way, as real role images do.
  std::size_t size_jitter = 20;
  /// Build date of image k: the point build_points[k % size] of the release's advisory history
  /// (0 = first advisory, 1 = last). Lower = further behind on patches.
  std::vector<double> build_points = {0.6, 0.75, 0.88, 0.96};
  /// os-release identity: ID is the release key's family part, VERSION_ID its major plus the
  /// minor of the kernel's "elN_M" tag when there is one.
  std::string os_name = "AlmaLinux";
  std::vector<std::string> id_like = {"rhel", "centos", "fedora"};
  /// Of K images, image k gets weight 1 / (K - k) times this release share: the newest image
  /// carries most hosts, older ones fewer and fewer (a few images carry most hosts, as in real
  /// fleets, and most hosts run a recent build).
  double release_weight = 1.0;
};

/// Builds `options.images_per_release` images from one release's catalog. Packages every server
/// has (kernel, glibc, openssl, systemd, openssh, ...) are always in; the others are drawn
/// without replacement, weighted by 1 + log2(versions shipped) (often-updated packages are the
/// commonly installed ones, mildly), 50 times that for the packages of a server install (the
/// @core/@server groups), a third of it for -devel; kernel variants and subpackages other than
/// the usual ones are left out.
std::vector<BaseImage> images_from_catalog(const ReleaseCatalog& catalog,
                                           const ImageOptions& options, std::uint64_t seed);

/// images_from_catalog for every catalog, each release with the same share of hosts.
std::vector<BaseImage> images_from_catalogs(std::span<const ReleaseCatalog> catalogs,
                                            const ImageOptions& options, std::uint64_t seed);

/// A real inventory used as an image, as it is (packages sorted by name).
BaseImage image_from_report(std::string name, std::string release, core::HostReport report,
                            double weight = 1.0);

struct FleetOptions {
  std::uint64_t seed = 1;
  std::size_t hosts = 12;
  /// Mean number of packages per host whose version differs from its image.
  double drift_mean = 3.0;
  /// Probability that a drifted package moved to a newer version (else an older one).
  double drift_newer = 0.7;
  /// Host i gets image i % images instead of a weighted draw: small fleets (the demo) then cover
  /// every image and release evenly.
  bool round_robin = false;
  /// collected_at of every host report (fixed, so output is reproducible).
  std::string collected_at = "2026-08-21T00:00:00Z";
};

/// What makes one host: its image and the packages that drifted from it.
struct HostSpec {
  struct Drift {
    std::uint32_t package = 0;  // index into the image's packages
    std::string version;
  };
  std::size_t index = 0;
  std::uint32_t image = 0;
  std::vector<Drift> drift;  // sorted by package, at most one per package
};

/// How much a fleet shares: the figure the matcher's dedupe lives on.
struct FleetStats {
  std::size_t hosts = 0;
  std::size_t package_instances = 0;  // sum over hosts of their package counts
  std::size_t distinct_tuples = 0;    // distinct (release, package, version)
  std::size_t images_used = 0;
};

/// Produces the hosts of one fleet. Immutable after construction: every const member may be
/// called from several threads at once.
class FleetGenerator {
 public:
  /// `catalogs` give the drift versions of images whose release they cover (a package without a
  /// history drifts only to its lowered release). `images` must not be empty.
  FleetGenerator(std::vector<BaseImage> images, std::vector<ReleaseCatalog> catalogs,
                 FleetOptions options);

  std::size_t size() const { return options_.hosts; }
  const FleetOptions& options() const { return options_; }
  const std::vector<BaseImage>& images() const { return images_; }

  /// Host `index` as image + drift: O(drift), no package copied.
  HostSpec spec(std::size_t index) const;
  /// Host identity: id (32 hex digits, like a machine-id), hostname "<image>-<index>", tags.
  core::HostIdentity identity(const HostSpec& spec) const;
  /// The full host report of host `index`.
  core::HostReport host(std::size_t index) const;
  /// The same into `out`, reusing its allocations (for hot loops).
  void host_into(std::size_t index, core::HostReport& out) const;
  /// What a report last filled by the three-argument host_into holds, so that the next call can
  /// patch it instead of copying every package. One per report buffer; start default-constructed.
  struct BufferState {
    std::uint32_t image = UINT32_MAX;
    std::vector<std::uint32_t> drifted;  // package indices whose version differs from the image
  };
  /// host_into for a buffer reused across hosts: when `out` (described by `state`) already holds
  /// a host of the same image, only the packages that drifted are rewritten, O(drift); else a
  /// full copy. `out` must not be changed by anything else between calls.
  void host_into(std::size_t index, core::HostReport& out, BufferState& state) const;
  /// Sharing figures of the first `hosts` hosts (from their specs: O(hosts x drift)).
  FleetStats stats(std::size_t hosts) const;

 private:
  struct ImageIndex {
    // Per package of the image: its history (nullptr if none) and how many history versions
    // are <= the installed one (the split between older and newer drift targets).
    std::vector<const PackageHistory*> history;
    std::vector<std::uint32_t> at_or_below;
    std::vector<std::string> lowered;  // per package: lowered_release(installed), maybe ""
  };

  std::vector<BaseImage> images_;
  std::vector<ReleaseCatalog> catalogs_;
  FleetOptions options_;
  std::vector<double> cumulative_weight_;
  std::vector<ImageIndex> index_;
};

}  // namespace fleetpatch::bench
