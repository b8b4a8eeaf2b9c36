// make_demo_data: regenerates the demo snapshot shipped under data/ (`make demo-data`).
//
//   make_demo_data --osv ../shared/data/almalinux-osv --kev ../shared/data/cisa-kev --out data
//
// Writes, each through a temporary file renamed into place:
//  - almalinux-osv.jsonl.zst: every OSV record under --osv (sorted by path, so the output is
//    reproducible), stripped to the machine-readable fields by feed::osv::write_bundle;
//  - kev.json.zst: the KEV catalog with its header and, per entry, the fields a matcher uses
//    (the long prose fields are dropped), zstd-compressed;
//  - LICENSE.almalinux-osv and LICENSE.cisa-kev: the sources' own license files.
#include <zstd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench/guarded_main.hpp"
#include "feed/osv/bundle.hpp"

namespace {

namespace fs = std::filesystem;

bool read_whole(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return static_cast<bool>(in) || in.eof();
}

bool write_atomically(const fs::path& path, const std::string& bytes) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

// The KEV catalog without its prose (shortDescription, requiredAction, notes).
std::string strip_kev(const std::string& text) {
  const nlohmann::json catalog = nlohmann::json::parse(text);
  nlohmann::json out = nlohmann::json::object();
  for (const char* key : {"title", "catalogVersion", "dateReleased", "count"}) {
    if (catalog.contains(key)) out[key] = catalog[key];
  }
  out["vulnerabilities"] = nlohmann::json::array();
  for (const auto& entry : catalog.at("vulnerabilities")) {
    nlohmann::json kept = nlohmann::json::object();
    for (const char* key : {"cveID", "vendorProject", "product", "vulnerabilityName", "dateAdded",
                            "dueDate", "knownRansomwareCampaignUse", "cwes"}) {
      if (entry.contains(key)) kept[key] = entry[key];
    }
    out["vulnerabilities"].push_back(std::move(kept));
  }
  return out.dump();
}

int run(int argc, char** argv) {
  CLI::App app{"Regenerate fleetpatch's shipped demo data (data/) from the shared feeds"};
  std::string osv_dir, kev_dir, out_dir = "data";
  int level = 19;
  app.add_option("--osv", osv_dir, "AlmaLinux OSV database checkout (has advisories/, LICENSE)")
      ->required();
  app.add_option("--kev", kev_dir, "CISA kev-data checkout (known_exploited_vulnerabilities.json)")
      ->required();
  app.add_option("--out", out_dir, "output directory (data/)");
  app.add_option("--level", level, "zstd level");
  CLI11_PARSE(app, argc, argv);

  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(osv_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".json") files.push_back(it->path());
  }
  if (ec || files.empty()) {
    std::cerr << "make_demo_data: no OSV records under " << osv_dir
              << (ec ? ": " + ec.message() : "") << "\n";
    return 1;
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> records(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!read_whole(files[i], records[i])) {
      std::cerr << "make_demo_data: cannot read " << files[i] << "\n";
      return 1;
    }
  }
  fs::create_directories(out_dir);
  const std::string bundle = (fs::path(out_dir) / "almalinux-osv.jsonl.zst").string();
  if (auto status = fleetpatch::feed::osv::write_bundle(records, bundle, level); !status.ok()) {
    std::cerr << "make_demo_data: " << status.error().message << "\n";
    return 1;
  }
  std::cout << bundle << ": " << records.size() << " records, " << fs::file_size(bundle)
            << " bytes\n";

  std::string kev_text;
  const fs::path kev_json = fs::path(kev_dir) / "known_exploited_vulnerabilities.json";
  if (!read_whole(kev_json, kev_text)) {
    std::cerr << "make_demo_data: cannot read " << kev_json << "\n";
    return 1;
  }
  std::string stripped;
  try {
    stripped = strip_kev(kev_text);
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "make_demo_data: " << kev_json << ": " << e.what() << "\n";
    return 1;
  }
  std::string compressed(ZSTD_compressBound(stripped.size()), '\0');
  const std::size_t size =
      ZSTD_compress(compressed.data(), compressed.size(), stripped.data(), stripped.size(), level);
  if (ZSTD_isError(size)) {
    std::cerr << "make_demo_data: zstd: " << ZSTD_getErrorName(size) << "\n";
    return 1;
  }
  compressed.resize(size);
  const fs::path kev_out = fs::path(out_dir) / "kev.json.zst";
  if (!write_atomically(kev_out, compressed)) {
    std::cerr << "make_demo_data: cannot write " << kev_out << "\n";
    return 1;
  }
  std::cout << kev_out.string() << ": " << size << " bytes\n";

  for (const auto& [from, to] :
       {std::pair{fs::path(osv_dir) / "LICENSE", fs::path(out_dir) / "LICENSE.almalinux-osv"},
        std::pair{fs::path(kev_dir) / "LICENSE", fs::path(out_dir) / "LICENSE.cisa-kev"}}) {
    std::string text;
    if (!read_whole(from, text) || !write_atomically(to, text)) {
      std::cerr << "make_demo_data: cannot copy " << from << " to " << to << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return fleetpatch::bench::guarded_main("make_demo_data", run, argc, argv);
}
