// On the machine that runs the tests: the security updates apt offers (`apt list
// --upgradable`, suites ending in "-security") must be exactly the upgrades apt_changelog
// plans, and after building advisories from the real mirror a scan of this host must report
// each of them with the CVEs its changelog names. Skips, saying why, when this is not a Debian
// or Ubuntu host, apt is missing, no -security suite is configured or the mirror is
// unreachable.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <set>

#include "feed/apt_changelog/apt_changelog.hpp"
#include "feed/apt_changelog/curl_fetcher.hpp"
#include "feed/file_io.hpp"
#include "index/index.hpp"
#include "match/matcher.hpp"

namespace fleetpatch::feed::apt_changelog {
namespace {

struct AptLine {
  std::string name;
  std::string version;
  std::string arch;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy < 18 sees the synthesized `!= 0`
  friend auto operator<=>(const AptLine&, const AptLine&) = default;
};

/// Runs a shell command, returning its standard output, or nullopt when it cannot run.
std::optional<std::string> run(const std::string& command, int* exit_status) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return std::nullopt;
  std::string out;
  std::array<char, 4096> buffer;
  while (std::size_t got = fread(buffer.data(), 1, buffer.size(), pipe.get())) {
    out.append(buffer.data(), got);
  }
  *exit_status = pclose(pipe.release());
  return out;
}

/// "libssl3/oldstable-security 3.0.15-1~deb12u1 amd64 [upgradable from: 3.0.14-1~deb12u2]",
/// kept when one of the suites ends in "-security".
std::set<AptLine> security_lines(const std::string& output) {
  std::set<AptLine> lines;
  static const std::regex kLine(R"(^([^/\s]+)/(\S+) (\S+) (\S+) \[upgradable from: .*\]$)");
  std::size_t pos = 0;
  while (pos < output.size()) {
    std::size_t end = output.find('\n', pos);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(pos, end - pos);
    pos = end + 1;
    std::smatch match;
    if (!std::regex_match(line, match, kLine)) continue;
    if (match[2].str().find("-security") == std::string::npos) continue;
    lines.insert({match[1].str(), match[3].str(), match[4].str()});
  }
  return lines;
}

/// CVE ids in the change lines of the changelog entries above the header of `installed`,
/// found with a regular expression (an independent check of the parser and the selection).
/// nullopt when the installed version has no entry in the changelog.
std::optional<std::set<std::string>> cves_above(const std::string& changelog,
                                                const std::string& source,
                                                const std::string& installed) {
  const std::string header = "\n" + source + " (" + installed + ")";
  std::size_t stop =
      changelog.rfind(source + " (" + installed + ")", 0) == 0 ? 0 : changelog.find(header);
  if (stop == std::string::npos) return std::nullopt;
  static const std::regex kCve(R"((^|[^A-Za-z0-9])(CVE-[0-9]{4}-[0-9]{4,}))");
  std::set<std::string> cves;
  std::size_t pos = 0;
  while (pos < stop) {
    std::size_t end = changelog.find('\n', pos);
    if (end == std::string::npos || end > stop) end = stop;
    const std::string line = changelog.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || (line[0] != ' ' && line[0] != '\t')) continue;  // headers
    if (line.rfind(" -- ", 0) == 0) continue;                           // trailers
    for (std::sregex_iterator it(line.begin(), line.end(), kCve), last; it != last; ++it) {
      cves.insert((*it)[2].str());
    }
  }
  return cves;
}

TEST(AptChangelogIntegration, ThisHostAgreesWithApt) {
  auto release = release_of_root("/");
  if (!release.ok()) GTEST_SKIP() << "not a Debian or Ubuntu host: " << release.error().message;
  int status = 0;
  auto apt_output = run("apt list --upgradable 2>/dev/null", &status);
  if (!apt_output || status != 0) GTEST_SKIP() << "`apt list --upgradable` cannot run here";

  core::Diagnostics diags;
  auto sources = read_sources("/", diags);
  ASSERT_TRUE(sources.ok()) << sources.error().message;
  const AptSource* security = nullptr;
  for (const auto& source : *sources) {
    if (source.suite.size() > 9 && source.suite.substr(source.suite.size() - 9) == "-security") {
      security = &source;
    }
  }
  if (security == nullptr) {
    GTEST_SKIP() << "no -security suite in /etc/apt/sources.list{,.d}: apt offers no security "
                    "updates to compare with";
  }
  CurlFetcher fetcher;
  const std::string probe = security->uri + "/dists/" + security->suite + "/InRelease";
  if (auto reachable = fetcher.fetch(probe); !reachable.ok()) {
    GTEST_SKIP() << "the mirror is not reachable (" << reachable.error().message
                 << "); run apt-get update where it is";
  }

  // 1. The plan equals apt's own answer.
  std::string status_text;
  ASSERT_TRUE(read_file("/var/lib/dpkg/status", status_text).ok());
  const auto installed = parse_dpkg_status(status_text, "/var/lib/dpkg/status", diags);
  std::vector<std::string> names;
  names.reserve(installed.size());
  for (const auto& package : installed) names.push_back(package.name);
  auto index = read_apt_index("/", *sources, names, diags);
  ASSERT_TRUE(index.ok()) << index.error().message;
  const auto upgrades = plan_security_upgrades(*index, installed);
  std::set<AptLine> planned;
  for (const auto& upgrade : upgrades) {
    planned.insert({upgrade.installed.name, upgrade.candidate_version, upgrade.installed.arch});
  }
  const std::set<AptLine> from_apt = security_lines(*apt_output);
  EXPECT_EQ(planned.size(), from_apt.size());
  for (const auto& line : from_apt) {
    EXPECT_TRUE(planned.count(line)) << "apt offers " << line.name << " " << line.version
                                     << " from -security; the plan does not";
  }
  for (const auto& line : planned) {
    EXPECT_TRUE(from_apt.count(line)) << "planned " << line.name << " " << line.version
                                      << ", which apt does not list from -security";
  }
  std::cout << "[ INFO     ] apt lists " << from_apt.size()
            << " security upgrades on this host; the plan has " << planned.size() << "\n";

  // 2. Advisories from the real mirror, with a persistent cache so reruns download nothing.
  const std::string data_dir =
      (std::filesystem::path(::testing::TempDir()) / "fleetpatch_apt_integration").string();
  BuildStats stats;
  auto batch = build_advisories("/", data_dir, fetcher, diags, &stats);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  std::cout << "[ INFO     ] " << stats.sources << " source packages: " << stats.fetched
            << " changelogs downloaded (" << stats.downloads << " .debs), " << stats.cached
            << " cached, " << stats.missing << " missing\n";
  if (stats.missing > 0) {
    // Pool files the lists name but the mirror no longer has: the lists are older than the
    // mirror. That is this machine's state, not a fault of the code: say so and stop here.
    bool stale = true;
    for (const auto& problem : diags.items()) {
      stale = stale && problem.message.find("HTTP 404") != std::string::npos;
    }
    if (stale) {
      GTEST_SKIP() << stats.missing << " packages are gone from the mirror (HTTP 404): the apt "
                   << "lists are stale, run apt-get update (the plan above was compared)";
    }
  }
  EXPECT_EQ(stats.missing, 0u);
  for (const auto& problem : diags.items()) ADD_FAILURE() << problem.to_string();

  // 3. Each advisory names the CVEs its changelog names above the installed version.
  std::map<std::string, std::string> installed_source_version;
  for (const auto& upgrade : upgrades) {
    auto [it, inserted] =
        installed_source_version.emplace(upgrade.source, upgrade.installed.source_version);
    (void)it;
    (void)inserted;
  }
  const ChangelogCache cache = ChangelogCache::in_data_dir(data_dir);
  std::size_t checked = 0;
  for (const auto& advisory : batch->advisories) {
    const auto& entry = advisory.affected.front();
    auto text = cache.get(entry.name, entry.events.back().version);
    ASSERT_TRUE(text.has_value()) << advisory.id;
    auto expected = cves_above(*text, entry.name, installed_source_version[entry.name]);
    if (!expected) {
      std::cout << "[ INFO     ] " << advisory.id << ": installed "
                << installed_source_version[entry.name]
                << " has no entry of its own in the changelog; not cross-checked\n";
      continue;
    }
    ++checked;
    EXPECT_EQ(std::set<std::string>(advisory.cves.begin(), advisory.cves.end()), *expected)
        << advisory.id;
  }
  std::cout << "[ INFO     ] CVE lists checked against the changelog text for " << checked << " of "
            << batch->advisories.size() << " advisories\n";

  // 4. A scan of this host with these advisories reports every security upgrade.
  index::IndexBuilder builder;
  for (const auto& advisory : batch->advisories) builder.add(advisory);
  auto compiled = index::Index::from_bytes(builder.serialize());
  ASSERT_TRUE(compiled.ok()) << compiled.error().message;
  core::HostReport host;
  host.host.id = "this-host";
  host.os.id = release->substr(0, release->find(':'));
  host.os.version_id = release->substr(release->find(':') + 1);
  for (const auto& package : installed) {
    core::Package p;
    p.name = package.name;
    p.version = package.version;
    p.arch = package.arch;
    p.source_name = package.source;
    p.source_version = package.source_version;
    host.packages.push_back(std::move(p));
  }
  const auto findings = match::match(*compiled, std::span<const core::HostReport>(&host, 1));
  ASSERT_EQ(findings.size(), 1u);
  std::map<std::pair<std::string, std::string>, const core::Finding*> by_package;
  for (const auto& finding : findings[0].findings) {
    by_package[{finding.package, finding.installed_version}] = &finding;
  }
  for (const auto& upgrade : upgrades) {
    auto found = by_package.find({upgrade.installed.name, upgrade.installed.version});
    if (found == by_package.end()) {
      ADD_FAILURE() << "scan does not report " << upgrade.installed.name;
      continue;
    }
    const core::Finding& finding = *found->second;
    EXPECT_EQ(finding.fixed_version, upgrade.source_version) << upgrade.installed.name;
    EXPECT_EQ(finding.advisories,
              std::vector<std::string>{"APT-" + upgrade.source + "-" + upgrade.source_version})
        << upgrade.installed.name;
  }
  // Other findings can only come from installed binaries of the same sources that apt does
  // not upgrade under that name (a kernel image of an older ABI): still vulnerable, listed.
  std::set<std::string> sources_upgraded;
  for (const auto& upgrade : upgrades) sources_upgraded.insert(upgrade.source);
  for (const auto& finding : findings[0].findings) {
    EXPECT_TRUE(sources_upgraded.count(finding.source_package)) << finding.package;
  }
}

}  // namespace
}  // namespace fleetpatch::feed::apt_changelog
