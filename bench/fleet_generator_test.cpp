#include "bench/fleet_generator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "version/rpm_version.hpp"

namespace fleetpatch::bench {
namespace {

using core::Advisory;
using core::AffectedPackage;
using core::VersionEvent;

AffectedPackage fixed_at(std::string release, std::string name, std::string version,
                         std::string module = "") {
  AffectedPackage affected;
  affected.release = std::move(release);
  affected.name = std::move(name);
  affected.module = std::move(module);
  affected.events = {{VersionEvent::Type::kIntroduced, "0"},
                     {VersionEvent::Type::kFixed, std::move(version)}};
  return affected;
}

Advisory advisory(std::string id, std::string published, std::vector<AffectedPackage> affected) {
  Advisory a;
  a.id = std::move(id);
  a.published = std::move(published);
  a.affected = std::move(affected);
  return a;
}

int rpm_compare(const std::string& a, const std::string& b) {
  return version::RpmEvr::parse(a)->compare(*version::RpmEvr::parse(b));
}

TEST(RngTest, SameSeedSameSequenceAndBoundsHold) {
  for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, 0xffffffffffffffffULL}) {
    Rng a(seed), b(seed), c(seed + 1);
    bool differs = false;
    for (int i = 0; i < 100; ++i) {
      const std::uint64_t x = a.next();
      EXPECT_EQ(x, b.next());
      differs |= x != c.next();
      EXPECT_LT(a.below(7), 7u);
      b.below(7);
      c.below(7);
      const double u = a.unit();
      b.unit();
      c.unit();
      EXPECT_GE(u, 0.0);
      EXPECT_LT(u, 1.0);
    }
    EXPECT_TRUE(differs) << "seed " << seed;
  }
}

TEST(LoweredReleaseTest, Table) {
  struct Case {
    std::string evr;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"1:1.26.0-14.el8_3", "1:1.26.0-13.el8_3"},
      {"3.0.7-1.el9", "3.0.7-0.el9"},
      {"5.14.0-70.13.1.el9_0", "5.14.0-69.13.1.el9_0"},
      {"2:1.2-100.el10", "2:1.2-99.el10"},
      {"1.0-0.rc1.el9", ""},  // already 0: nothing lower to write
      {"1.0-alpha.el9", ""},  // no leading number
      {"1.0", ""},            // no release at all
      {"", ""},               // not a version
  };
  for (const Case& c : cases) {
    const std::string got = lowered_release(c.evr);
    EXPECT_EQ(got, c.want) << c.evr;
    if (!got.empty()) {
      EXPECT_LT(rpm_compare(got, c.evr), 0) << c.evr;
    }
  }
}

TEST(CatalogTest, CollectsFixedVersionsPerReleaseAndLeavesOutWhatHostsDoNotCarry) {
  std::vector<Advisory> advisories = {
      advisory("ALSA-2023:1", "2023-06-01T00:00:00Z",
               {fixed_at("almalinux:9", "openssl", "1:3.0.7-16.el9_2"),
                fixed_at("almalinux:9", "openssl-libs", "1:3.0.7-16.el9_2"),
                fixed_at("almalinux:9", "openssl-devel", "1:3.0.7-16.el9_2"),
                fixed_at("almalinux:9", "openssl-debuginfo", "1:3.0.7-16.el9_2"),
                fixed_at("almalinux:8", "openssl-libs", "1:1.1.1k-9.el8_7")}),
      advisory("ALSA-2023:2", "2023-08-01T00:00:00Z",
               {fixed_at("almalinux:9", "openssl-libs", "1:3.0.7-18.el9_2"),
                fixed_at("almalinux:9", "openssl", "1:3.0.7-18.el9_2")}),
      // A bug-fix advisory that shipped the same version earlier: the earliest date counts.
      advisory("ALBA-2023:3", "2023-05-01T00:00:00Z",
               {fixed_at("almalinux:9", "openssl-libs", "1:3.0.7-16.el9_2")}),
      advisory("ALSA-2023:4", "2023-07-01T00:00:00Z",
               {fixed_at("almalinux:8", "nodejs", "1:18.1-1.module_el8.8.0+1+abc"),
                fixed_at("almalinux:8", "npm", "1:8.1-1.el8", "nodejs:18"),
                fixed_at("almalinux:8", "bash-doc", "4.4.20-4.el8_6"),
                fixed_at("almalinux:8", "zlib", "0:1.2.11-20.el8"),
                fixed_at("almalinux:8", "broken", "1:"),
                fixed_at("rocky:9", "openssl", "1:3.0.7-20.el9")}),
      advisory("ALSA-2023:5", "2023-07-02T00:00:00Z",
               {fixed_at("almalinux:8", "zlib", "1.2.11-20.el8")}),
      advisory("ALSA-2023:6", "not a date", {fixed_at("almalinux:8", "vim", "8.0-1.el8")}),
  };
  const std::vector<ReleaseCatalog> catalogs = catalogs_from_advisories(advisories, "almalinux:");
  ASSERT_EQ(catalogs.size(), 2u);
  EXPECT_EQ(catalogs[0].release, "almalinux:8");
  EXPECT_EQ(catalogs[1].release, "almalinux:9");

  struct Want {
    std::size_t catalog;
    std::string name;
    std::vector<std::string> versions;
    std::string source;
    std::string arch;
    std::string first_published;
  };
  const std::vector<Want> wants = {
      {1,
       "openssl",
       {"1:3.0.7-16.el9_2", "1:3.0.7-18.el9_2"},
       "openssl",
       "x86_64",
       "2023-06-01T00:00:00Z"},
      {1,
       "openssl-libs",
       {"1:3.0.7-16.el9_2", "1:3.0.7-18.el9_2"},
       "openssl",
       "x86_64",
       "2023-05-01T00:00:00Z"},
      {1, "openssl-devel", {"1:3.0.7-16.el9_2"}, "openssl", "x86_64", "2023-06-01T00:00:00Z"},
      {0, "openssl-libs", {"1:1.1.1k-9.el8_7"}, "openssl-libs", "x86_64", "2023-06-01T00:00:00Z"},
      {0, "bash-doc", {"4.4.20-4.el8_6"}, "bash-doc", "noarch", "2023-07-01T00:00:00Z"},
      // "0:1.2.11-20.el8" and "1.2.11-20.el8" are one version.
      {0, "zlib", {"0:1.2.11-20.el8"}, "zlib", "x86_64", "2023-07-01T00:00:00Z"},
  };
  for (const Want& want : wants) {
    const PackageHistory* history = catalogs[want.catalog].find(want.name);
    ASSERT_NE(history, nullptr) << want.name;
    std::vector<std::string> versions;
    for (const auto& v : history->versions) versions.push_back(v.evr);
    EXPECT_EQ(versions, want.versions) << want.name;
    EXPECT_EQ(history->source_name, want.source) << want.name;
    EXPECT_EQ(history->arch, want.arch) << want.name;
    EXPECT_EQ(core::format_rfc3339(history->versions.front().published), want.first_published)
        << want.name;
  }
  for (const char* absent : {"openssl-debuginfo", "nodejs", "npm", "broken", "vim"}) {
    EXPECT_EQ(catalogs[0].find(absent), nullptr) << absent;
    EXPECT_EQ(catalogs[1].find(absent), nullptr) << absent;
  }
  EXPECT_EQ(core::format_rfc3339(catalogs[1].first_published), "2023-05-01T00:00:00Z");
  EXPECT_EQ(core::format_rfc3339(catalogs[1].last_published), "2023-08-01T00:00:00Z");
}

// A feed-shaped catalog big enough for realistic images: `count` packages plus the ones every
// server has, each with 1..6 versions published between 2022 and 2025.
ReleaseCatalog synthetic_catalog(std::size_t count, std::uint64_t seed) {
  std::vector<Advisory> advisories;
  Rng rng(seed);
  std::vector<std::string> names = {"kernel-core",  "kernel", "glibc",
                                    "openssl-libs", "bash",   "systemd"};
  for (std::size_t i = 0; i < count; ++i) {
    names.push_back("pkg" + std::to_string(i) + (i % 10 == 0 ? "-devel" : ""));
  }
  for (const std::string& name : names) {
    const std::size_t versions = 1 + rng.below(6);
    // A few packages appear only in a later minor release (first built as el9_1 or later).
    const std::size_t first = name.starts_with("pkg") && rng.below(8) == 0 ? rng.below(6) : 0;
    const std::string id_prefix = "ALSA-" + name + "-";
    for (std::size_t v = first; v < first + versions; ++v) {
      const std::size_t day = rng.below(28) + 1, month = rng.below(12) + 1,
                        year = 2022 + rng.below(4);
      char date[32];
      std::snprintf(date, sizeof date, "%04zu-%02zu-%02zuT00:00:00Z", year, month, day);
      const std::string minor = std::to_string(v);
      std::string evr = name.starts_with("kernel") ? "5.14.0-" : "1." + minor + "-";
      evr.append(std::to_string(10 + v * 3)).append(".el9_").append(minor);
      advisories.push_back(advisory(id_prefix + minor, date, {fixed_at("almalinux:9", name, evr)}));
    }
  }
  auto catalogs = catalogs_from_advisories(advisories, "almalinux:");
  return std::move(catalogs.at(0));
}

std::set<std::string> names_of(const BaseImage& image) {
  std::set<std::string> names;
  for (const auto& p : image.report.packages) names.insert(p.name);
  return names;
}

TEST(ImagesTest, DeterministicSizedSharedAndBehindAsOfTheirBuildDate) {
  const ReleaseCatalog catalog = synthetic_catalog(1500, 7);
  ImageOptions options;
  const auto images = images_from_catalog(catalog, options, 11);
  ASSERT_EQ(images.size(), options.images_per_release);
  EXPECT_EQ(images, images_from_catalog(catalog, options, 11));
  EXPECT_NE(names_of(images[0]), names_of(images_from_catalog(catalog, options, 12)[0]));

  std::set<std::string> shared = names_of(images[0]);
  for (const BaseImage& image : images) {
    const auto& packages = image.report.packages;
    EXPECT_GE(packages.size(), options.packages_per_image - options.size_jitter) << image.name;
    EXPECT_LE(packages.size(), options.packages_per_image + options.size_jitter) << image.name;
    EXPECT_TRUE(std::is_sorted(packages.begin(), packages.end(),
                               [](const auto& a, const auto& b) { return a.name < b.name; }));
    EXPECT_EQ(names_of(image).size(), packages.size()) << "duplicate names in " << image.name;
    for (const char* must : {"kernel-core", "glibc", "openssl-libs", "bash", "systemd"}) {
      EXPECT_TRUE(names_of(image).contains(must)) << must << " missing from " << image.name;
    }
    std::set<std::string> kept;
    std::set_intersection(shared.begin(), shared.end(), names_of(image).begin(),
                          names_of(image).end(), std::inserter(kept, kept.end()));
    shared = kept;

    // Every installed version is the highest one published by the build date, or the oldest
    // lowered when none was published yet.
    const std::string& version_id = image.report.os.version_id;
    const int image_minor = std::stoi(version_id.substr(version_id.find('.') + 1));
    const auto built = core::parse_rfc3339(image.built_at);
    ASSERT_TRUE(built.ok()) << image.built_at;
    for (const core::Package& package : packages) {
      const PackageHistory* history = catalog.find(package.name);
      ASSERT_NE(history, nullptr) << package.name;
      std::string want;
      for (const auto& v : history->versions) {
        if (v.published <= *built && (want.empty() || rpm_compare(v.evr, want) > 0)) want = v.evr;
      }
      if (want.empty()) want = lowered_release(history->versions.front().evr);
      EXPECT_EQ(package.version, want) << package.name << " in " << image.name;
      // Nothing first built for a later minor release than the image's.
      const std::string& first = history->versions.front().evr;
      const int first_minor = std::stoi(first.substr(first.rfind('_') + 1));
      EXPECT_LE(first_minor, image_minor) << package.name << " in " << image.name;
      EXPECT_EQ(package.source_version, package.version);
    }
    const auto kernel = std::find_if(packages.begin(), packages.end(),
                                     [](const auto& p) { return p.name == "kernel-core"; });
    EXPECT_EQ(image.report.kernel.running, kernel->version + ".x86_64");
    EXPECT_EQ(image.report.os.id, "almalinux");
    EXPECT_TRUE(image.report.os.version_id.starts_with("9.")) << image.report.os.version_id;
    EXPECT_EQ(image.report.package_format, core::PackageFormat::kRpm);
  }
  // Less the few core packages that did not exist yet when the oldest image was built.
  EXPECT_GE(shared.size(), options.shared_packages * 9 / 10);
  EXPECT_LE(shared.size(), options.shared_packages);

  // Later-built images are less behind: more packages at their newest version.
  std::vector<std::size_t> up_to_date;
  for (const BaseImage& image : images) {
    std::size_t n = 0;
    for (const auto& p : image.report.packages) {
      n += p.version == catalog.find(p.name)->versions.back().evr;
    }
    up_to_date.push_back(n);
  }
  EXPECT_TRUE(std::is_sorted(up_to_date.begin(), up_to_date.end()))
      << ::testing::PrintToString(up_to_date);
  EXPECT_LT(up_to_date.front(), images.front().report.packages.size());
}

TEST(ImagesTest, WithoutJitterEveryImageHasExactlyTheAskedSize) {
  const ReleaseCatalog catalog = synthetic_catalog(1500, 8);
  for (std::size_t size : {300u, 600u}) {
    ImageOptions options;
    options.packages_per_image = size;
    options.shared_packages = size - 40;
    options.size_jitter = 0;
    for (const BaseImage& image : images_from_catalog(catalog, options, 3)) {
      EXPECT_EQ(image.report.packages.size(), size) << image.name;
    }
  }
}

struct Fleet {
  ReleaseCatalog catalog;
  std::vector<BaseImage> images;
};

Fleet make_fleet() {
  Fleet fleet{synthetic_catalog(1500, 3), {}};
  fleet.images = images_from_catalog(fleet.catalog, ImageOptions{}, 5);
  return fleet;
}

TEST(FleetGeneratorTest, HostsAreReproducibleAndIndependentOfOrder) {
  const Fleet fleet = make_fleet();
  FleetOptions options;
  options.seed = 99;
  options.hosts = 50;
  const FleetGenerator a(fleet.images, {fleet.catalog}, options);
  const FleetGenerator b(fleet.images, {fleet.catalog}, options);
  core::HostReport reused;
  for (std::size_t i = options.hosts; i-- > 0;) {
    const core::HostReport host = a.host(i);
    EXPECT_EQ(host, b.host(i)) << i;
    b.host_into(i, reused);
    EXPECT_EQ(host, reused) << i;
    EXPECT_EQ(host.collected_at, options.collected_at);
  }
  // A patched buffer gives the same hosts as a fresh copy, in any order of images.
  FleetGenerator::BufferState state;
  core::HostReport patched;
  std::vector<std::size_t> order(options.hosts);
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return a.spec(x).image < a.spec(y).image; });
  order.insert(order.end(), {0, 1, 1, 7, 3, 3, 4, 49, 0});
  std::size_t patched_in_place = 0;
  for (std::size_t n = 0; n < order.size(); ++n) {
    patched_in_place += n > 0 && a.spec(order[n]).image == a.spec(order[n - 1]).image;
    a.host_into(order[n], patched, state);
    EXPECT_EQ(patched, a.host(order[n])) << order[n];
  }
  EXPECT_GT(patched_in_place, options.hosts / 2);
  options.seed = 100;
  const FleetGenerator c(fleet.images, {fleet.catalog}, options);
  std::size_t same = 0;
  for (std::size_t i = 0; i < options.hosts; ++i) same += a.host(i).packages == c.host(i).packages;
  EXPECT_LT(same, options.hosts / 2);
}

TEST(FleetGeneratorTest, DriftFollowsItsParametersAndUsesRealVersions) {
  const Fleet fleet = make_fleet();
  struct Case {
    double drift_mean;
    double drift_newer;
  };
  for (const Case& c : std::vector<Case>{{3.0, 0.7}, {8.0, 0.2}, {0.0, 0.5}}) {
    FleetOptions options;
    options.hosts = 3000;
    options.drift_mean = c.drift_mean;
    options.drift_newer = c.drift_newer;
    const FleetGenerator generator(fleet.images, {fleet.catalog}, options);
    std::size_t drifted = 0, either_way = 0, newer_of_either_way = 0;
    std::vector<std::size_t> per_image(fleet.images.size());
    std::set<std::pair<std::string, std::string>> tuples;
    std::set<std::uint32_t> images_used;
    std::set<std::string> ids, hostnames;
    for (std::size_t i = 0; i < options.hosts; ++i) {
      const HostSpec spec = generator.spec(i);
      ++per_image[spec.image];
      images_used.insert(spec.image);
      const auto& packages = fleet.images[spec.image].report.packages;
      for (const auto& d : spec.drift) {
        const core::Package& base = packages[d.package];
        ASSERT_NE(d.version, base.version);
        const PackageHistory* history = fleet.catalog.find(base.name);
        const bool real = std::any_of(history->versions.begin(), history->versions.end(),
                                      [&](const auto& v) { return v.evr == d.version; });
        EXPECT_TRUE(real || d.version == lowered_release(base.version)) << d.version;
        // The direction is a choice only when the package can move both ways.
        const bool can_rise = rpm_compare(history->versions.back().evr, base.version) > 0;
        const bool can_fall = rpm_compare(history->versions.front().evr, base.version) < 0 ||
                              !lowered_release(base.version).empty();
        if (can_rise && can_fall) {
          ++either_way;
          newer_of_either_way += rpm_compare(d.version, base.version) > 0;
        }
        tuples.emplace(base.name, d.version);
      }
      drifted += spec.drift.size();
      const core::HostIdentity identity = generator.identity(spec);
      ids.insert(identity.id);
      hostnames.insert(identity.hostname);
    }
    std::size_t host_packages = 0;
    for (std::uint32_t image : images_used) {
      for (const auto& p : fleet.images[image].report.packages) tuples.emplace(p.name, p.version);
    }
    for (std::size_t i = 0; i < per_image.size(); ++i) {
      host_packages += per_image[i] * fleet.images[i].report.packages.size();
    }
    const FleetStats stats = generator.stats(options.hosts);
    EXPECT_EQ(stats.hosts, options.hosts);
    EXPECT_EQ(stats.distinct_tuples, tuples.size());
    EXPECT_EQ(stats.package_instances, host_packages);
    EXPECT_EQ(stats.images_used, images_used.size());
    const double mean = static_cast<double>(drifted) / static_cast<double>(options.hosts);
    // Collisions and packages with nowhere to drift lower the mean a little.
    EXPECT_LE(mean, c.drift_mean * 1.05 + 0.01);
    EXPECT_GE(mean, c.drift_mean * 0.8);
    if (either_way > 1000) {
      const double share =
          static_cast<double>(newer_of_either_way) / static_cast<double>(either_way);
      EXPECT_NEAR(share, c.drift_newer, 0.05);
    }
    // Of K images, image k carries weight 1/(K-k).
    EXPECT_GT(per_image[3], per_image[2]);
    EXPECT_GT(per_image[2], per_image[0]);
    EXPECT_EQ(ids.size(), options.hosts);
    EXPECT_EQ(hostnames.size(), options.hosts);
    // Real fleets share package sets: distinct tuples are a small part of hosts x packages.
    EXPECT_LT(tuples.size(), host_packages / 50);
  }
}

TEST(FleetGeneratorTest, RoundRobinCoversEveryImageInTurn) {
  const Fleet fleet = make_fleet();
  FleetOptions options;
  options.hosts = 10;
  options.round_robin = true;
  const FleetGenerator generator(fleet.images, {fleet.catalog}, options);
  for (std::size_t i = 0; i < options.hosts; ++i) {
    EXPECT_EQ(generator.spec(i).image, i % fleet.images.size()) << i;
  }
}

TEST(FleetGeneratorTest, RealInventoryImagesDriftByLoweringWhenNoCatalogKnowsThem) {
  core::HostReport report;
  report.os = {"debian", "12", "Debian GNU/Linux 12", {}, "bookworm"};
  report.package_format = core::PackageFormat::kRpm;
  report.packages = {{"zlib", "1.2.11-20.el8", "x86_64", "zlib", "1.2.11-20.el8", std::nullopt},
                     {"bash", "4.4.20-4.el8_6", "x86_64", "bash", "4.4.20-4.el8_6", std::nullopt}};
  FleetOptions options;
  options.hosts = 200;
  options.drift_mean = 1.0;
  const FleetGenerator generator({image_from_report("real", "other:1", report)}, {}, options);
  EXPECT_EQ(generator.images()[0].report.packages[0].name, "bash");  // sorted by name
  std::size_t drifted = 0;
  for (std::size_t i = 0; i < options.hosts; ++i) {
    const core::HostReport host = generator.host(i);
    for (std::size_t p = 0; p < host.packages.size(); ++p) {
      const auto& base = generator.images()[0].report.packages[p];
      if (host.packages[p].version == base.version) continue;
      ++drifted;
      EXPECT_EQ(host.packages[p].version, lowered_release(base.version));
    }
  }
  EXPECT_GT(drifted, 50u);
}

TEST(FleetGeneratorTest, RejectsAFleetWithoutImages) {
  EXPECT_THROW(FleetGenerator({}, {}, FleetOptions{}), std::invalid_argument);
}

}  // namespace
}  // namespace fleetpatch::bench
