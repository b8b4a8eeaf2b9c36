// The three real AlmaLinux hosts of ../shared/data/vuls-host-inventories (alma_8, alma_9,
// alma_10, scanned by Vuls) against the full AlmaLinux OSV feed (../shared/data/almalinux-osv),
// end to end through the real binary: `feed import` of the whole feed, then one `scan` of the
// three Vuls files as a fleet. The Vuls data has no license, so it is read in place and never
// copied; without it every test here is skipped.
//
// What the tests pin is where the right answer differs from a plain E:V-R comparison ("the
// installed version is older than some `fixed` version the feed names for this package, whatever
// the advisory"), which is what the data README's figures (245 / 244 / 97 vulnerable binary
// packages) measure; the test recomputes that comparison over the raw feed and checks it gives
// the README's figures. With the data at the commits the README names, the test prints:
//   alma_8:  536 packages, plain 245, fleetpatch 136 vulnerable packages (810 findings)
//   alma_9:  590 packages, plain 244, fleetpatch 244 vulnerable packages (1142 findings)
//   alma_10: 614 packages, plain  97, fleetpatch  97 vulnerable packages (330 findings)
// The 109 alma_8 packages only the plain comparison flags are:
//  - 106 perl-* packages that the feed fixes only as module builds: the perl:5.32 security
//    updates ALSA-2024:3128, ALSA-2026:8096, ALSA-2026:30851 and ALSA-2026:48225 name all 106
//    (perl-Time-HiRes as 4:1.9764-459.module_el8.6.0+...), and so do the perl bug-fix and
//    enhancement advisories (ALBA-2019:3337, ALBA-2021:1871, ALEA-2020:4727, ALEA-2022:1869).
//    The host runs perl 5.26 from BaseOS, from no module, which dnf never replaces by a module
//    build unless that stream is enabled: no finding.
//  - 3 packages named only by bug-fix/enhancement advisories: coreutils and coreutils-common
//    (ALBA-2026:47115), perl-IO-Socket-SSL (ALEA-2020:4724, for its own stream).
//  - perl-Encode-Locale, from the perl-libwww-perl:6.34 stream, is among the 106: the perl:5.32
//    ALSAs name it as a perl:5.32 build.
// alma_9 and alma_10 run no module packages and every package the plain comparison flags there
// has a security advisory fixing it, so the vulnerable package counts agree; the answer still
// differs in shape: one finding per fixed version (the kernel packages have 85, 106 and 26), each
// with the advisories and CVEs that one upgrade closes and its own SLA clock.
// Epochs: on these hosts every feed version disagreeing with the installed one about the epoch is
// a perl module build on alma_8 (EpochDecidesTheOrder); the E:V-R comparison (plain or ours)
// gets them right where a comparison dropping epochs would not.
// The test checks that every package one answer flags and the other does not is explained by
// exactly those rules, and pins one real package for each.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/advisory.hpp"
#include "core/host_report.hpp"
#include "core/package.hpp"
#include "distro/distro.hpp"
#include "index/index.hpp"
#include "version/rpm_version.hpp"

namespace {

namespace fs = std::filesystem;
using fleetpatch::core::AdvisoryKind;
using fleetpatch::core::VersionEvent;
using fleetpatch::version::RpmEvr;

fs::path feed_dir() { return fs::path(FLEETPATCH_SHARED_DATA) / "almalinux-osv"; }
fs::path hosts_dir() { return fs::path(FLEETPATCH_SHARED_DATA) / "vuls-host-inventories" / "raw"; }
const char* const kHostNames[] = {"alma_8", "alma_9", "alma_10"};

struct Installed {
  std::string name;
  std::string version;  // [E:]V-R, epoch only when not 0 (as rpm prints it)
  std::string module;   // "name:stream" (Distro::module_of), "" for none
};

/// A feed entry whose `fixed` version is newer than the installed one: what a plain E:V-R
/// comparison counts, whatever the advisory's kind or module.
struct PlainHit {
  std::string advisory;
  AdvisoryKind kind;  // as the index stores it (AlmaLinux: from the id prefix)
  std::string fixed;
  /// The module stream of the index entry with this advisory and fixed version ("" = for no
  /// module); nullopt when the index keeps no such entry: AlmaLinux lists some module versions
  /// as several builds ("2.066-4.module_el8.6.0+2792+..." and "...+2851+..."), and the index
  /// keeps the oldest build of each version (distro/rhel/rhel_like.cpp), so that a host with any
  /// build of the fixed version counts as fixed.
  std::optional<std::string> entry_module;
};

/// One `fixed` event of the raw feed.
struct RawFix {
  std::string advisory;
  std::string fixed;
};

// Host() is implicitly noexcept, as nlohmann::json() is; clang-tidy 14 follows json's constructor
// into a throw it cannot reach there (json marks that constructor NOLINT for the same reason).
// NOLINTNEXTLINE(bugprone-exception-escape): false positive, see above
struct Host {
  std::string name;
  std::string release;  // "almalinux:8"
  std::vector<Installed> packages;
  nlohmann::json result;  // this host's entry of the scan JSON
};

bool older(const std::string& installed, const std::string& fixed) {
  auto a = RpmEvr::parse(installed);
  auto b = RpmEvr::parse(fixed);
  return a.ok() && b.ok() && a->compare(*b) < 0;
}

std::string strip_epoch(const std::string& evr) {
  const auto colon = evr.find(':');
  return colon == std::string::npos ? evr : evr.substr(colon + 1);
}

/// Shared by every test: the feed is imported and the fleet scanned once per test binary (the
/// import is the slow part: seconds under the sanitizers).
struct World {
  fs::path dir;
  std::optional<fleetpatch::index::Index> index;
  std::map<std::string, Host> hosts;
  /// The raw feed, as the plain comparison reads it: (release key, package name) -> fixes.
  std::map<std::pair<std::string, std::string>, std::vector<RawFix>> feed;
  std::string problem;  // why World could not be built; "" = fine

  ~World() {
    index.reset();
    if (!dir.empty()) fs::remove_all(dir);
  }

  int run(const std::string& args, std::string* out, std::string* err) const {
    const fs::path err_path = dir / "stderr.txt";
    const std::string cmd = std::string(FLEETPATCH_BIN) + " --data-dir " + (dir / "data").string() +
                            " " + args + " 2>" + err_path.string();
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (pipe == nullptr) return -1;
    std::array<char, 65536> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out->append(buf.data(), n);
    const int status = ::pclose(pipe);
    std::ifstream in(err_path);
    std::stringstream text;
    text << in.rdbuf();
    *err = text.str();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  /// Vuls's own reading of the host, independently of fleetpatch's Vuls importer.
  static Host read_vuls(const std::string& name) {
    Host host;
    host.name = name;
    std::ifstream in(hosts_dir() / (name + ".json"));
    const auto doc = nlohmann::json::parse(in);
    fleetpatch::core::OsInfo os;
    os.id = "almalinux";
    os.version_id = doc["release"].get<std::string>();
    const auto release = fleetpatch::distro::resolve_os(os);
    host.release = release ? release->key : "";
    for (const auto& [key, p] : doc["packages"].items()) {
      Installed pkg;
      pkg.name = p["name"].get<std::string>();
      pkg.version = p["version"].get<std::string>();
      const std::string rel = p.value("release", "");
      if (!rel.empty()) pkg.version += "-" + rel;
      if (pkg.version.rfind("0:", 0) == 0) pkg.version.erase(0, 2);
      const std::string label = p.value("modularitylabel", "");
      if (!label.empty() && release) {
        fleetpatch::core::Package as_core;
        as_core.module = label;
        pkg.module = release->distro->module_of(as_core);
      }
      host.packages.push_back(std::move(pkg));
    }
    return host;
  }

  void build() {
    if (!fs::exists(feed_dir()) || !fs::exists(hosts_dir() / "alma_8.json")) {
      problem = "shared data absent (" + feed_dir().string() + ", " + hosts_dir().string() +
                "): the AlmaLinux feed and the Vuls host inventories are not in the repository";
      return;
    }
    dir = fs::temp_directory_path() / ("fleetpatch-alma-pins-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::string out;
    std::string err;
    if (run("feed import " + feed_dir().string(), &out, &err) != 0) {
      problem = "feed import failed: " + err;
      return;
    }
    std::string args = "scan --format json --compact --inventory";
    for (const char* name : kHostNames)
      args += " " + (hosts_dir() / (std::string(name) + ".json")).string();
    out.clear();
    if (run(args, &out, &err) != 0) {
      problem = "scan failed: " + err;
      return;
    }
    const auto doc = nlohmann::json::parse(out);
    auto opened =
        fleetpatch::index::Index::open((dir / "data" / "index" / "advisories.fpi").string());
    if (!opened.ok()) {
      problem = "cannot open the index: " + opened.error().message;
      return;
    }
    index.emplace(std::move(opened).value());
    if (!read_feed()) return;
    for (std::size_t i = 0; i < std::size(kHostNames); ++i) {
      Host host = read_vuls(kHostNames[i]);
      host.result = doc["hosts"][i];
      hosts[host.name] = std::move(host);
    }
  }

  /// Reads every `fixed` event of the feed as published, before any of fleetpatch's rules
  /// (simdjson, so that it stays fast under the sanitizers).
  bool read_feed() {
    simdjson::dom::parser parser;
    for (const auto& file : fs::recursive_directory_iterator(feed_dir())) {
      if (!file.is_regular_file() || file.path().extension() != ".json") continue;
      simdjson::dom::element doc;
      if (auto e = parser.load(file.path().string()).get(doc)) {
        problem = file.path().string() + ": " + simdjson::error_message(e);
        return false;
      }
      const std::string id(doc["id"].get_string().value_unsafe());
      simdjson::dom::array affected;
      if (doc["affected"].get_array().get(affected)) continue;
      for (auto entry : affected) {
        std::string_view ecosystem;
        std::string_view name;
        if (entry["package"]["ecosystem"].get_string().get(ecosystem) ||
            entry["package"]["name"].get_string().get(name)) {
          continue;
        }
        const auto release = fleetpatch::distro::resolve_osv_ecosystem(ecosystem);
        if (!release) continue;
        simdjson::dom::array ranges;
        if (entry["ranges"].get_array().get(ranges)) continue;
        for (auto range : ranges) {
          simdjson::dom::array events;
          if (range["events"].get_array().get(events)) continue;
          for (auto event : events) {
            std::string_view fixed;
            if (event["fixed"].get_string().get(fixed)) continue;
            feed[{release->key, std::string(name)}].push_back({id, std::string(fixed)});
          }
        }
      }
    }
    return true;
  }

  std::vector<PlainHit> plain_hits(const Host& host, const Installed& pkg) const {
    std::vector<PlainHit> hits;
    const auto it = feed.find({host.release, pkg.name});
    if (it == feed.end()) return hits;
    for (const RawFix& fix : it->second) {
      if (!older(pkg.version, fix.fixed)) continue;
      PlainHit hit{fix.advisory, AdvisoryKind::kSecurity, fix.fixed, std::nullopt};
      if (const auto advisory = index->find_advisory(fix.advisory)) {
        hit.kind = advisory->kind();
      } else {
        ADD_FAILURE() << "the index lacks " << fix.advisory;
      }
      for (const auto entry : index->lookup(host.release, pkg.name)) {
        if (entry.advisory().id() != fix.advisory) continue;
        for (std::size_t i = 0; i < entry.event_count(); ++i) {
          if (entry.event(i).type == VersionEvent::Type::kFixed &&
              entry.event(i).version == fix.fixed) {
            hit.entry_module = std::string(entry.module());
          }
        }
      }
      hits.push_back(std::move(hit));
    }
    return hits;
  }
};

World& world() {
  // Built on first use and kept for the whole test binary (one import, one scan).
  static std::unique_ptr<World> w = [] {
    auto built = std::make_unique<World>();
    built->build();
    return built;
  }();
  return *w;
}

class AlmaPins : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!world().problem.empty()) GTEST_SKIP() << world().problem;
  }
  static const Host& host(const std::string& name) { return world().hosts.at(name); }
  static const Installed& installed(const Host& h, const std::string& name) {
    for (const auto& p : h.packages) {
      if (p.name == name) return p;
    }
    ADD_FAILURE() << h.name << " has no package " << name;
    static const Installed none;
    return none;
  }
  /// fleetpatch's findings for one package of a host.
  static std::vector<nlohmann::json> findings(const Host& h, const std::string& package) {
    std::vector<nlohmann::json> out;
    for (const auto& f : h.result["findings"]) {
      if (f["package"] == package) out.push_back(f);
    }
    return out;
  }
};

/// Why a plain-comparison hit makes no finding: not a security advisory, or an entry for a
/// module stream the package is not from (or a module build for a package from no module).
bool counts(const PlainHit& hit, const Installed& pkg) {
  return hit.kind == AdvisoryKind::kSecurity && hit.entry_module &&
         fleetpatch::distro::module_applies(*hit.entry_module, pkg.module);
}

TEST_F(AlmaPins, PrintsPerHostCountsAndExplainsEveryDifferenceFromPlainComparison) {
  // The data README's measurement of the plain comparison; reproducing it shows that
  // plain_hits() is the comparison the README means.
  const std::map<std::string, std::size_t> readme_plain = {
      {"alma_8", 245}, {"alma_9", 244}, {"alma_10", 97}};
  for (const char* name : kHostNames) {
    const Host& h = host(name);
    SCOPED_TRACE(h.name);
    EXPECT_EQ(h.result["release"], h.release);
    EXPECT_TRUE(h.result["notes"].empty()) << h.result["notes"].dump();

    std::set<std::string> ours;  // "name version" with at least one finding
    std::set<std::string> advisories;
    std::set<std::string> cves;
    std::size_t unfixed = 0;
    for (const auto& f : h.result["findings"]) {
      ours.insert(f["package"].get<std::string>() + " " +
                  f["installed_version"].get<std::string>());
      for (const auto& a : f["advisories"]) advisories.insert(a);
      for (const auto& c : f["cves"]) cves.insert(c);
      if (f["state"] != "fixed") ++unfixed;
    }

    std::size_t plain = 0;
    std::size_t bugfix_only = 0;  // no security advisory among the hits
    std::size_t module_only = 0;  // security hits, all for another stream or module builds
    std::set<std::string> plain_keys;
    for (const Installed& pkg : h.packages) {
      const auto hits = world().plain_hits(h, pkg);
      if (hits.empty()) continue;
      ++plain;
      const std::string key = pkg.name + " " + pkg.version;
      plain_keys.insert(key);
      const bool applies = std::any_of(hits.begin(), hits.end(),
                                       [&](const PlainHit& hit) { return counts(hit, pkg); });
      // A package is vulnerable exactly when some hit is a security advisory for its stream.
      EXPECT_EQ(ours.count(key) == 1, applies)
          << key << ": " << hits.front().advisory << " " << hits.front().fixed;
      if (applies) continue;
      const bool any_security = std::any_of(hits.begin(), hits.end(), [](const PlainHit& hit) {
        return hit.kind == AdvisoryKind::kSecurity;
      });
      ++(any_security ? module_only : bugfix_only);
    }
    // Nothing fleetpatch reports escapes the plain comparison (the AlmaLinux feed has no
    // unfixed entries), so the plain comparison over-reports and never under-reports here.
    for (const auto& key : ours) EXPECT_EQ(plain_keys.count(key), 1u) << key;
    EXPECT_EQ(plain, readme_plain.at(h.name));
    EXPECT_EQ(plain - ours.size(), bugfix_only + module_only);

    std::cout << h.name << " (" << h.release << "): " << h.packages.size() << " packages; "
              << "plain E:V-R comparison flags " << plain << "; fleetpatch: " << ours.size()
              << " vulnerable packages, " << h.result["findings"].size() << " findings (" << unfixed
              << " without a fix), " << advisories.size() << " advisories, " << cves.size()
              << " CVEs\n"
              << "    flagged only by the plain comparison: " << bugfix_only
              << " named by bug-fix/enhancement advisories only (ALBA/ALEA), " << module_only
              << " fixed by security advisories only for another module stream or as module "
                 "builds\n";
  }
}

// (a) Module streams. alma_8 runs perl-Encode-Locale from the perl-libwww-perl:6.34 stream. The
// perl:5.32 security advisories name perl-Encode-Locale too, as a perl:5.32 module build that
// is newer by E:V-R; a host on another stream never receives that build, so it is no finding.
TEST_F(AlmaPins, ModulePackageIsJudgedOnlyByItsOwnStream) {
  const Host& h = host("alma_8");
  const Installed& pkg = installed(h, "perl-Encode-Locale");
  EXPECT_EQ(pkg.version, "1.05-10.module_el8.5.0+2812+ed912d05");
  EXPECT_EQ(pkg.module, "perl-libwww-perl:6.34");
  const auto hits = world().plain_hits(h, pkg);
  bool perl532_security = false;
  for (const auto& hit : hits) {
    if (hit.advisory == "ALSA-2024:3128") {
      perl532_security = true;
      EXPECT_EQ(hit.entry_module, std::optional<std::string>("perl:5.32"));
      EXPECT_EQ(hit.fixed, "1.05-10.module_el8.6.0+2766+8bf0b7ce");
    }
  }
  EXPECT_TRUE(perl532_security) << "the plain comparison flags it through ALSA-2024:3128";
  EXPECT_TRUE(findings(h, "perl-Encode-Locale").empty());
}

// (a) The other direction: perl-Time-HiRes is installed from no module (BaseOS perl 5.26), and
// ALSA-2024:3128 (perl:5.32) fixes it only as a module build, 4:1.9764-459.module_el8.6.0...,
// which is newer by E:V-R. Only entries for no module judge a package from no module.
TEST_F(AlmaPins, NonModulePackageIsNotJudgedByModuleBuilds) {
  const Host& h = host("alma_8");
  const Installed& pkg = installed(h, "perl-Time-HiRes");
  EXPECT_EQ(pkg.version, "4:1.9758-2.el8");
  EXPECT_EQ(pkg.module, "");
  const auto hits = world().plain_hits(h, pkg);
  ASSERT_FALSE(hits.empty());
  for (const auto& hit : hits) {
    EXPECT_NE(hit.fixed.find(".module_el8"), std::string::npos) << hit.advisory;
  }
  EXPECT_TRUE(std::any_of(hits.begin(), hits.end(), [](const PlainHit& hit) {
    return hit.advisory == "ALSA-2024:3128" && hit.kind == AdvisoryKind::kSecurity;
  }));
  EXPECT_TRUE(findings(h, "perl-Time-HiRes").empty());
  // The same on every host: no package from no module gets a module build as its fix.
  for (const char* name : kHostNames) {
    const Host& each = host(name);
    std::set<std::string> non_module;
    for (const auto& p : each.packages) {
      if (p.module.empty()) non_module.insert(p.name);
    }
    for (const auto& f : each.result["findings"]) {
      if (non_module.count(f["package"]) == 0 || f["fixed_version"].is_null()) continue;
      const std::string fixed = f["fixed_version"];
      EXPECT_EQ(fixed.find(".module"), std::string::npos)
          << each.name << " " << f["package"] << " " << f["installed_version"] << " -> " << fixed;
    }
  }
}

// (b) Bug-fix advisories. coreutils 8.30-15.el8 on alma_8 is older than 8.30-20.el8_10, but the
// only advisory naming that version is ALBA-2026:47115, a bug fix: no vulnerability.
TEST_F(AlmaPins, BugFixAdvisoryMakesNoFinding) {
  const Host& h = host("alma_8");
  for (const char* name : {"coreutils", "coreutils-common"}) {
    SCOPED_TRACE(name);
    const Installed& pkg = installed(h, name);
    EXPECT_EQ(pkg.version, "8.30-15.el8");
    const auto hits = world().plain_hits(h, pkg);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].advisory, "ALBA-2026:47115");
    EXPECT_EQ(hits[0].kind, AdvisoryKind::kBugfix);
    EXPECT_EQ(hits[0].fixed, "8.30-20.el8_10");
    EXPECT_TRUE(findings(h, name).empty());
  }
  // perl-IO-Socket-SSL (from its own perl-IO-Socket-SSL:2.066 stream) likewise: only the
  // enhancement advisory ALEA-2020:4724 names a newer build of that very stream.
  const Installed& ssl = installed(h, "perl-IO-Socket-SSL");
  EXPECT_EQ(ssl.module, "perl-IO-Socket-SSL:2.066");
  // The installed build (+2811) sits between the two builds of 2.066-4 the advisory lists
  // (+2792, +2851): older than one of them by E:V-R, yet the same version.
  EXPECT_EQ(ssl.version, "2.066-4.module_el8.6.0+2811+fe6c84b0");
  const auto hits = world().plain_hits(h, ssl);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].advisory, "ALEA-2020:4724");
  EXPECT_EQ(hits[0].kind, AdvisoryKind::kEnhancement);
  EXPECT_EQ(hits[0].fixed, "2.066-4.module_el8.6.0+2851+6d072db5");
  EXPECT_TRUE(findings(h, "perl-IO-Socket-SSL").empty());
}

// (c) Epochs. On these hosts every feed version that disagrees with the installed one about the
// epoch is a perl module build on alma_8. perl-Time-HiRes is installed as 4:1.9758-2.el8 while
// ALBA-2021:1871 names 1.9760-439.module_el8... with no epoch (= 0): a comparison that drops
// epochs calls the installed package older; by E:V-R epoch 4 wins and it is newer. perl-JSON-PP
// (1:2.97.001-3.el8 vs 2.94000-2.module_el8..., ALBA-2019:3337) is the same. And in the other
// direction perl-ExtUtils-Manifest 1.70-395.el8 (no epoch) is older than ALSA-2024:3128's
// 1:1.73-1... by its epoch alone.
TEST_F(AlmaPins, EpochDecidesTheOrder) {
  const Host& h = host("alma_8");
  struct Case {
    const char* package;
    const char* installed;
    const char* feed_version;
    const char* advisory;
    bool older_by_evr;
    bool older_without_epochs;
  };
  const Case cases[] = {
      {"perl-Time-HiRes", "4:1.9758-2.el8", "1.9760-439.module_el8.3.0+6149+d2c5d96d",
       "ALBA-2021:1871", false, true},
      {"perl-JSON-PP", "1:2.97.001-3.el8", "2.94000-2.module_el8.1.0+6019+b22674e1",
       "ALBA-2019:3337", false, true},
      {"perl-ExtUtils-Manifest", "1.70-395.el8", "1:1.73-1.module_el8.6.0+2766+8bf0b7ce",
       "ALSA-2024:3128", true, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.package);
    const Installed& pkg = installed(h, c.package);
    EXPECT_EQ(pkg.version, c.installed);
    EXPECT_EQ(older(pkg.version, c.feed_version), c.older_by_evr);
    EXPECT_EQ(older(strip_epoch(pkg.version), strip_epoch(c.feed_version)), c.older_without_epochs);
    // The feed really names that version for the package.
    bool named = false;
    for (const auto entry : world().index->lookup(h.release, c.package)) {
      for (std::size_t i = 0; i < entry.event_count(); ++i) {
        named |= entry.advisory().id() == c.advisory && entry.event(i).version == c.feed_version;
      }
    }
    EXPECT_TRUE(named) << c.advisory << " " << c.feed_version;
    // None of them is a finding: the first two are not older, and every entry naming an older
    // version is a module build the non-module package is not judged by.
    EXPECT_TRUE(findings(h, c.package).empty());
  }
}

// Epochs survive end to end: where a finding's package has an epoch, the installed and fixed
// versions both print it ("1:..."), so a reader compares like with like.
TEST_F(AlmaPins, FindingsKeepEpochs) {
  std::size_t with_epoch = 0;
  for (const char* name : kHostNames) {
    const Host& h = host(name);
    for (const auto& f : h.result["findings"]) {
      const std::string installed_version = f["installed_version"];
      if (installed_version.find(':') == std::string::npos || f["fixed_version"].is_null()) {
        continue;
      }
      ++with_epoch;
      const std::string fixed = f["fixed_version"];
      EXPECT_EQ(fixed.substr(0, fixed.find(':')),
                installed_version.substr(0, installed_version.find(':')))
          << h.name << " " << f["package"] << " " << installed_version << " -> " << fixed;
      EXPECT_TRUE(older(installed_version, fixed)) << installed_version << " " << fixed;
    }
  }
  EXPECT_GT(with_epoch, 0u);
}

}  // namespace
