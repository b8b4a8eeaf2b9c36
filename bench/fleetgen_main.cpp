// fleetgen: writes a synthetic fleet's host reports (fleetpatch.host/1 JSON), deterministic by
// seed. See bench/fleet_generator.hpp for the fleet model and its parameters.
//
//   fleetgen --feed data/almalinux-osv.jsonl.zst --hosts 12 --out /tmp/fleet
//   fleetgen --feed ../shared/data/almalinux-osv --vuls ../shared/data/vuls-host-inventories/raw
//            --hosts 1000 --stats
//
// Without --out the hosts are printed as JSON lines (one compact report per line).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/fleet_generator.hpp"
#include "bench/guarded_main.hpp"
#include "distro/distro.hpp"
#include "feed/feed.hpp"
#include "hoststate/host_report_json.hpp"
#include "hoststate/parsers.hpp"

namespace {

namespace fs = std::filesystem;
using namespace fleetpatch;

// Every Vuls result in `dir` as an image, named "vuls:<file stem>". Only a bench input: that data
// has no license and must never be copied into the repository.
std::vector<bench::BaseImage> vuls_images(const std::string& dir, double weight,
                                          core::Diagnostics& diagnostics) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<bench::BaseImage> images;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto report = hoststate::import_vuls_json(text.str(), file.string(), diagnostics);
    if (!report.ok()) {
      std::cerr << "fleetgen: skipped " << report.error().message << "\n";
      continue;
    }
    const auto release = distro::resolve_os(report->os);
    images.push_back(bench::image_from_report("vuls:" + file.stem().string(),
                                              release ? release->key : report->os.id,
                                              std::move(*report), weight));
  }
  return images;
}

int run(int argc, char** argv) {
  CLI::App app{"fleetgen: synthetic fleet of host reports from real package sets"};
  std::vector<std::string> feeds;
  std::string vuls_dir, out_dir, release_prefix = "almalinux:";
  bench::FleetOptions fleet;
  bench::ImageOptions images;
  double vuls_weight = 1.0;
  bool stats = false, no_feed_images = false;
  app.add_option("--feed", feeds, "OSV feed path(s): directory, zip, bundle (.jsonl.zst)");
  app.add_option("--release-prefix", release_prefix, "releases to build images for");
  app.add_option("--vuls", vuls_dir, "directory of Vuls results to use as images too (bench only)");
  app.add_option("--vuls-weight", vuls_weight, "share of hosts of each Vuls image");
  app.add_flag("--no-feed-images", no_feed_images,
               "use only the --vuls images (the feed still gives drift versions)");
  app.add_option("--seed", fleet.seed, "fleet seed");
  app.add_option("--hosts", fleet.hosts, "number of hosts");
  app.add_option("--drift-mean", fleet.drift_mean, "mean packages per host off their image");
  app.add_option("--drift-newer", fleet.drift_newer, "share of drifted packages that are newer");
  app.add_option("--images-per-release", images.images_per_release, "base images per release");
  app.add_option("--packages", images.packages_per_image, "packages per image (+-20)");
  app.add_option("--size-jitter", images.size_jitter, "image size varies by +- this");
  app.add_option("--shared", images.shared_packages, "packages common to a release's images");
  app.add_option("--out", out_dir, "write DIR/<hostname>.json instead of JSON lines on stdout");
  app.add_flag("--stats", stats, "print fleet sharing figures to stderr");
  CLI11_PARSE(app, argc, argv);
  if (images.shared_packages > images.packages_per_image) {
    images.shared_packages = images.packages_per_image;
  }

  core::Diagnostics diagnostics;
  std::vector<bench::ReleaseCatalog> catalogs;
  if (!feeds.empty()) {
    auto batch = feed::read_paths(feeds, diagnostics);
    if (!batch.ok()) {
      std::cerr << "fleetgen: " << batch.error().message << "\n";
      return 1;
    }
    catalogs = bench::catalogs_from_advisories(batch->advisories, release_prefix);
  }
  std::vector<bench::BaseImage> base;
  if (!no_feed_images) base = bench::images_from_catalogs(catalogs, images, fleet.seed);
  if (!vuls_dir.empty()) {
    auto real = vuls_images(vuls_dir, vuls_weight, diagnostics);
    std::move(real.begin(), real.end(), std::back_inserter(base));
  }
  if (diagnostics.size() > 0) {
    std::cerr << "fleetgen: " << diagnostics.size()
              << " input problem(s), first: " << diagnostics.items().front().to_string() << "\n";
  }
  if (base.empty()) {
    std::cerr << "fleetgen: no base images: give --feed with " << release_prefix
              << "* advisories, or --vuls\n";
    return 1;
  }
  const bench::FleetGenerator generator(std::move(base), std::move(catalogs), fleet);

  if (!out_dir.empty()) fs::create_directories(out_dir);
  core::HostReport host;
  for (std::size_t i = 0; i < generator.size(); ++i) {
    generator.host_into(i, host);
    if (out_dir.empty()) {
      std::cout << hoststate::to_json(host, false) << "\n";
      continue;
    }
    const fs::path path = fs::path(out_dir) / (host.host.hostname + ".json");
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << hoststate::to_json(host, true) << "\n";
    if (!out.flush()) {
      std::cerr << "fleetgen: cannot write " << path << "\n";
      return 1;
    }
  }
  if (stats) {
    const bench::FleetStats s = generator.stats(generator.size());
    std::cerr << "fleetgen: " << s.hosts << " hosts from " << s.images_used << " of "
              << generator.images().size() << " images; " << s.package_instances
              << " installed packages, " << s.distinct_tuples
              << " distinct (release, package, version)\n";
    for (const auto& image : generator.images()) {
      std::cerr << "  image " << image.name << " (" << image.release
                << "): " << image.report.packages.size() << " packages"
                << (image.built_at.empty() ? "" : ", built " + image.built_at) << "\n";
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fleetpatch::bench::guarded_main("fleetgen", run, argc, argv);
}
