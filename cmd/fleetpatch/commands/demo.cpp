// `fleetpatch demo`: the main job on embedded defaults, with no network and no server. Imports the
// AlmaLinux advisory snapshot and the CISA KEV catalog shipped under data/ into the data
// directory (unless it already holds the same or newer), generates a small sample fleet of
// AlmaLinux 8/9/10 hosts from the feed's own package versions (bench/fleet_generator.hpp), scans
// it together with this host, and prints a fleet summary, then the fleet's compliance summary
// under the soc2 policy, writing the HTML compliance report into the data directory.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/fleet_generator.hpp"
#include "commands/commands.hpp"
#include "core/time.hpp"
#include "distro/distro.hpp"
#include "feed/kev/kev.hpp"
#include "feed/osv/bundle.hpp"
#include "hoststate/collect.hpp"
#include "hoststate/host_report_json.hpp"
#include "index/index.hpp"
#include "index/update.hpp"
#include "match/matcher.hpp"
#include "policy/evaluate.hpp"
#include "policy/exceptions.hpp"
#include "policy/policy.hpp"
#include "report/compliance_report.hpp"
#include "report/html_report.hpp"

#ifndef FLEETPATCH_SOURCE_DIR
#define FLEETPATCH_SOURCE_DIR ""
#endif

namespace fleetpatch::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSnapshotFile = "almalinux-osv.jsonl.zst";
constexpr std::string_view kKevFile = "kev.json.zst";
constexpr std::string_view kSnapshotOrigin = "AlmaLinux/osv-database @ 948f47aa6b88 (MIT)";

struct DemoArgs {
  std::string demo_data;
  std::size_t hosts = 12;
  std::uint64_t seed = 1;
  bool no_local = false;
  std::string save_fleet;
};

/// Where the shipped data is: --demo-data, else the source tree's data/ (a build from source),
/// else the installed copy.
std::optional<std::string> find_demo_data(const std::string& given) {
  std::vector<std::string> candidates;
  if (!given.empty()) {
    candidates.push_back(given);
  } else {
    if (*FLEETPATCH_SOURCE_DIR) candidates.push_back(std::string(FLEETPATCH_SOURCE_DIR) + "/data");
    candidates.push_back("/usr/share/fleetpatch/data");
  }
  for (const auto& dir : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(fs::path(dir) / kSnapshotFile, ec)) return dir;
  }
  return std::nullopt;
}

core::Result<std::string> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::not_found(path + ": cannot open");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return core::io_error(path + ": read error");
  return buffer.str();
}

/// Decompresses a whole zstd stream (one or more frames); a corrupt or truncated one is an error.
core::Result<std::string> zstd_decompress(std::string_view compressed, const std::string& name) {
  std::unique_ptr<ZSTD_DStream, decltype(&ZSTD_freeDStream)> stream(ZSTD_createDStream(),
                                                                    &ZSTD_freeDStream);
  if (!stream) return core::Error{core::ErrorCode::kInternal, "zstd: out of memory"};
  ZSTD_initDStream(stream.get());
  std::string out;
  std::vector<char> buffer(ZSTD_DStreamOutSize());
  ZSTD_inBuffer input{compressed.data(), compressed.size(), 0};
  std::size_t pending = 1;
  while (input.pos < input.size || pending != 0) {
    ZSTD_outBuffer output{buffer.data(), buffer.size(), 0};
    const std::size_t before = input.pos;
    pending = ZSTD_decompressStream(stream.get(), &output, &input);
    if (ZSTD_isError(pending)) {
      return core::invalid_argument(name + ": corrupt zstd data: " + ZSTD_getErrorName(pending));
    }
    out.append(buffer.data(), output.pos);
    if (pending != 0 && output.pos == 0 && input.pos == before) {
      return core::invalid_argument(name + ": truncated zstd data");
    }
  }
  return out;
}

/// Exclusive lock on <index dir>/.lock, the one `feed import` takes, so the two never interleave.
class IndexLock {
 public:
  explicit IndexLock(const std::string& dir)
      : fd_(::open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~IndexLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  IndexLock(const IndexLock&) = delete;
  IndexLock& operator=(const IndexLock&) = delete;
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

std::string newest_of(const std::string& a, const std::string& b) {
  auto ta = core::parse_rfc3339(a);
  auto tb = core::parse_rfc3339(b);
  if (!ta.ok()) return tb.ok() ? core::format_rfc3339(*tb) : "";
  if (!tb.ok()) return core::format_rfc3339(*ta);
  return core::format_rfc3339(std::max(*ta, *tb));
}

/// True when `have` (a source's newest record in the index) is at least as new as `snapshot`.
bool already_current(const std::string& have, const std::string& snapshot) {
  auto th = core::parse_rfc3339(have);
  auto ts = core::parse_rfc3339(snapshot);
  return th.ok() && ts.ok() && *th >= *ts;
}

/// Imports the shipped snapshot and KEV catalog into the index at `index_path`, source by
/// source ("osv:almalinux:9"), skipping what the index already has at the same date or newer (a
/// user's fresher `feed import` is never replaced by the demo's older copy).
int import_snapshot(Context& ctx, const std::string& demo_dir, const std::string& index_path) {
  std::ostream& out = *ctx.out;
  std::ostream& err = *ctx.err;
  const std::string dir = fs::path(index_path).parent_path().string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    err << "fleetpatch demo: cannot create " << dir << ": " << ec.message() << "\n";
    return kExitError;
  }
  IndexLock lock(dir);
  if (!lock.ok()) {
    err << "fleetpatch demo: cannot lock " << dir << "/.lock\n";
    return kExitError;
  }

  const std::string bundle = (fs::path(demo_dir) / kSnapshotFile).string();
  const std::string kev_path = (fs::path(demo_dir) / kKevFile).string();
  core::Diagnostics diagnostics;
  auto batch = feed::osv::read_bundle(bundle, diagnostics);
  if (!batch.ok()) {
    err << "fleetpatch demo: " << batch.error().message << "\n";
    return kExitError;
  }
  std::optional<feed::kev::KevCatalog> kev;
  if (auto bytes = read_bytes(kev_path); bytes.ok()) {
    auto json = zstd_decompress(*bytes, kev_path);
    if (json.ok()) {
      auto catalog = feed::kev::parse_catalog(*json, kev_path, diagnostics);
      if (catalog.ok()) {
        kev = std::move(*catalog);
      } else {
        err << "warning: " << catalog.error().message << "\n";
      }
    } else {
      err << "warning: " << json.error().message << "\n";
    }
  } else {
    err << "warning: " << bytes.error().message << ": KEV due dates will be missing\n";
  }
  for (const auto& d : diagnostics.items()) err << "warning: " << d.to_string() << "\n";

  std::optional<index::Index> previous;
  std::map<std::string, std::string> have;  // source name -> newest record
  if (fs::exists(index_path)) {
    auto opened = index::Index::open(index_path);
    if (opened.ok()) {
      previous.emplace(std::move(opened).value());
      for (const auto& s : previous->sources()) have[s.name] = s.newest_record;
    } else {
      err << "warning: the existing index cannot be read (" << opened.error().message
          << "); rebuilding it from the demo snapshot\n";
    }
  }

  // The snapshot's newest date per source ("osv:almalinux:9": one feed kind for one release,
  // the unit `feed import` replaces).
  std::map<std::string, std::string> snapshot_newest;
  std::map<std::string, std::size_t> snapshot_count;
  std::map<std::string, std::string> release_of;
  for (const auto& advisory : batch->advisories) {
    std::set<std::string> keys;
    for (const auto& p : advisory.affected) {
      const std::string key = index::source_key(p.origin, p.release);
      release_of[key] = p.release;
      keys.insert(key);
    }
    for (const auto& key : keys) {
      snapshot_newest[key] =
          newest_of(snapshot_newest[key], newest_of(advisory.published, advisory.modified));
      ++snapshot_count[key];
    }
  }
  std::set<std::string> import_sources;
  for (const auto& [key, newest] : snapshot_newest) {
    const auto it = have.find(key);
    if (it == have.end() || !already_current(it->second, newest)) import_sources.insert(key);
  }
  const std::string kev_date = kev ? newest_of(kev->date_released, "") : "";
  const auto kev_have = have.find(std::string(index::kKevSourceName));
  const bool import_kev =
      kev && (kev_have == have.end() || !already_current(kev_have->second, kev_date));

  if (import_sources.empty() && !import_kev) {
    out << "The data directory already holds the demo's advisories (same date or newer): "
           "using them.\n";
    return kExitOk;
  }

  index::IndexUpdate update;
  const std::string now = core::format_rfc3339(ctx.clock->now());
  for (auto& advisory : batch->advisories) {
    std::erase_if(advisory.affected, [&](const core::AffectedPackage& p) {
      return !import_sources.contains(index::source_key(p.origin, p.release));
    });
    if (!advisory.affected.empty()) update.advisories.push_back(std::move(advisory));
  }
  std::string imported;
  for (const auto& key : import_sources) {
    update.replaced_sources.push_back(key);
    update.sources.push_back({key, now, snapshot_count[key], snapshot_newest[key], bundle});
    imported += (imported.empty() ? "" : ", ") + release_of[key] + " " +
                std::to_string(snapshot_count[key]);
  }
  if (import_kev) {
    update.replaces_kev = true;
    update.kev = kev->entries;
    update.sources.push_back(
        {std::string(index::kKevSourceName), now, kev->entries.size(), kev_date, kev_path});
  }
  const index::IndexBuilder builder =
      index::apply_update(previous ? &*previous : nullptr, std::move(update));
  previous.reset();  // unmap before the file is replaced
  if (auto status = builder.write_atomic(index_path); !status.ok()) {
    err << "fleetpatch demo: " << status.error().message << "\n";
    return kExitError;
  }
  if (!imported.empty()) {
    out << "Imported the shipped AlmaLinux advisory snapshot (" << kSnapshotOrigin
        << "): " << imported << " advisories.\n";
  }
  if (import_kev) {
    out << "Imported the CISA KEV catalog " << kev->catalog_version
        << " (CC0): " << kev->entries.size() << " exploited CVEs.\n";
  }
  return kExitOk;
}

struct Row {
  std::string host;
  std::string release;
  std::size_t packages = 0;
  bool matched = false;
  std::size_t findings = 0;
  std::array<std::size_t, 5> by_severity{};  // indexed by core::Severity
  std::size_t kev = 0;
};

Row row_for(const core::HostReport& report, const core::HostFindings& result) {
  Row row;
  row.host = report.host.hostname.empty() ? report.host.id : report.host.hostname;
  row.release = result.release.empty() ? report.os.id + " " + report.os.version_id : result.release;
  row.packages = report.packages.size();
  row.findings = result.findings.size();
  for (const auto& f : result.findings) {
    ++row.by_severity[static_cast<std::size_t>(f.severity)];
    row.kev += f.kev_due_date.has_value();
  }
  return row;
}

void print_table(std::ostream& out, const std::vector<Row>& rows) {
  const std::vector<std::string> heading = {"HOST", "RELEASE", "PACKAGES", "FINDINGS", "CRITICAL",
                                            "HIGH", "MEDIUM",  "LOW",      "UNKNOWN",  "KEV"};
  std::vector<std::vector<std::string>> cells = {heading};
  for (const Row& row : rows) {
    std::vector<std::string> line = {row.host, row.release, std::to_string(row.packages)};
    if (row.matched) {
      line.push_back(std::to_string(row.findings));
      for (int s = 4; s >= 0; --s) line.push_back(std::to_string(row.by_severity[s]));
      line.push_back(std::to_string(row.kev));
    } else {
      line.insert(line.end(), 7, "-");
    }
    cells.push_back(std::move(line));
  }
  std::vector<std::size_t> width(heading.size());
  for (const auto& line : cells) {
    for (std::size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  for (std::size_t r = 0; r < cells.size(); ++r) {
    if (r + 1 == cells.size()) {  // the TOTAL row
      std::size_t total = 0;
      for (std::size_t w : width) total += w + 2;
      out << std::string(total - 2, '-') << "\n";
    }
    std::string text;
    for (std::size_t c = 0; c < cells[r].size(); ++c) {
      const std::string& cell = cells[r][c];
      const std::string pad(width[c] - cell.size(), ' ');
      text += c < 2 ? cell + pad : pad + cell;  // names left, numbers right
      if (c + 1 < cells[r].size()) text += "  ";
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  }
}

/// The matched hosts' compliance under soc2 at the clock's now: a summary on `out` and the HTML
/// report in <data-dir>/reports/ (docs/compliance-report.md). Returns false when the report
/// cannot be written.
bool compliance_summary(Context& ctx, const std::vector<core::HostReport>& hosts,
                        const std::vector<core::HostFindings>& results,
                        const std::vector<bool>& matched) {
  std::ostream& out = *ctx.out;
  auto soc2 = policy::builtin_policy("soc2");
  if (!soc2.ok()) {
    *ctx.err << "fleetpatch demo: " << soc2.error().message << "\n";
    return false;
  }
  const policy::ExceptionSet no_exceptions;
  const policy::Evaluator evaluator(*soc2, &no_exceptions, nullptr, *ctx.clock);
  report::ComplianceBuilder builder(evaluator, &no_exceptions);
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (matched[i]) builder.add_host(hosts[i], results[i]);
  }
  const report::ComplianceReport compliance = builder.finish();
  const report::ComplianceSummary& s = compliance.summary;
  out << "\nCompliance under soc2 (" << soc2->description << ") as of "
      << core::format_rfc3339(compliance.as_of) << ":\n"
      << "  hosts compliant  " << s.hosts_compliant << " of " << s.hosts
      << " (no overdue finding)\n"
      << "  overdue          " << s.counts.overdue << "\n"
      << "  due soon         " << s.counts.due_soon << " (within " << soc2->due_soon_days
      << " days)\n"
      << "  open             " << s.counts.open << "\n";
  out << "  by severity      ";
  const char* separator = "";
  for (const report::SeverityRow& row : compliance.by_severity) {
    if (row.counts.findings == 0) continue;
    out << separator << core::to_string(row.severity) << " " << row.counts.findings << " ("
        << row.counts.overdue << " overdue)";
    separator = ", ";
  }
  out << "\n";

  const fs::path dir = fs::path(ctx.data_dir()) / "reports";
  const fs::path html = dir / "compliance-soc2.html";
  const fs::path tmp = dir / "compliance-soc2.html.tmp";
  std::error_code ec;
  fs::create_directories(dir, ec);
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    report::write_compliance_html(file, compliance, {.tool_version = FLEETPATCH_VERSION});
    file.flush();
    if (!file) {
      *ctx.err << "fleetpatch demo: cannot write " << tmp.string() << "\n";
      return false;
    }
  }
  fs::rename(tmp, html, ec);
  if (ec) {
    *ctx.err << "fleetpatch demo: " << html.string() << ": " << ec.message() << "\n";
    return false;
  }
  out << "HTML compliance report: " << html.string() << "\n";
  return true;
}

int run_demo(Context& ctx, const DemoArgs& args) {
  std::ostream& out = *ctx.out;
  std::ostream& err = *ctx.err;
  const auto demo_dir = find_demo_data(args.demo_data);
  if (!demo_dir) {
    err << "fleetpatch demo: the shipped demo data (" << kSnapshotFile << ") is not in "
        << (args.demo_data.empty()
                ? std::string(*FLEETPATCH_SOURCE_DIR ? FLEETPATCH_SOURCE_DIR "/data or " : "") +
                      "/usr/share/fleetpatch/data"
                : args.demo_data)
        << "; pass --demo-data DIR (regenerate it with `make demo-data`)\n";
    return kExitError;
  }
  const std::string data_dir = ctx.data_dir();
  const std::string index_path =
      (fs::path(data_dir) / "index" / std::string(index::kIndexFileName)).string();
  out << "fleetpatch demo: data directory " << data_dir << ", demo data " << *demo_dir << "\n";
  if (const int rc = import_snapshot(ctx, *demo_dir, index_path); rc != kExitOk) return rc;

  auto idx = index::Index::open(index_path);
  if (!idx.ok()) {
    err << "fleetpatch demo: " << idx.error().message << "\n";
    return kExitError;
  }

  // The sample fleet: two base images per AlmaLinux release, built from the index's own
  // package versions, hosts assigned round-robin so every release is represented.
  const std::vector<core::Advisory> advisories = idx->decode_advisories();
  std::vector<bench::ReleaseCatalog> catalogs =
      bench::catalogs_from_advisories(advisories, "almalinux:");
  bench::ImageOptions image_options;
  image_options.images_per_release = 2;
  image_options.build_points = {0.8, 0.95};
  std::vector<bench::BaseImage> images =
      bench::images_from_catalogs(catalogs, image_options, args.seed);
  if (images.empty()) {
    err << "fleetpatch demo: the index holds no AlmaLinux advisories to build the sample fleet "
           "from\n";
    return kExitError;
  }
  bench::FleetOptions fleet_options;
  fleet_options.seed = args.seed;
  fleet_options.hosts = args.hosts;
  fleet_options.round_robin = true;
  fleet_options.collected_at = core::format_rfc3339(ctx.clock->now());
  const bench::FleetGenerator generator(std::move(images), std::move(catalogs), fleet_options);
  std::vector<core::HostReport> hosts;
  for (std::size_t i = 0; i < generator.size(); ++i) hosts.push_back(generator.host(i));
  out << "Sample fleet: " << hosts.size() << " AlmaLinux hosts from " << generator.images().size()
      << " base images built from the feed's package versions (seed " << args.seed << ").\n";
  if (!args.save_fleet.empty()) {
    std::error_code ec;
    fs::create_directories(args.save_fleet, ec);
    for (const auto& host : hosts) {
      std::ofstream file(fs::path(args.save_fleet) / (host.host.hostname + ".json"));
      file << hoststate::to_json(host, true) << "\n";
      if (!file.flush()) {
        err << "fleetpatch demo: cannot write to " << args.save_fleet << "\n";
        return kExitError;
      }
    }
    out << "Wrote the sample fleet's host reports to " << args.save_fleet << "/.\n";
  }

  // This host, as `fleetpatch inventory` sees it.
  std::optional<std::size_t> local;
  std::string local_problem;
  if (!args.no_local) {
    core::Diagnostics diagnostics;
    hoststate::CollectOptions options;
    options.root = "/";
    auto report = hoststate::collect_host(*ctx.env, *ctx.clock, options, diagnostics);
    if (report.ok()) {
      if (report->host.hostname.empty()) report->host.hostname = "this-host";
      report->host.hostname += " (this host)";
      local = hosts.size();
      hosts.push_back(std::move(*report));
    } else {
      local_problem = report.error().message;
    }
  }

  match::MatchOptions match_options;
  const match::Matcher matcher(*idx, match_options);
  const std::vector<core::HostFindings> results = matcher.match_fleet(hosts);

  std::vector<Row> rows;
  Row total;
  total.host = "TOTAL";
  total.matched = true;
  std::size_t matched_hosts = 0;
  struct PackageTally {
    std::set<std::size_t> hosts;
    std::size_t findings = 0;
    core::Severity worst = core::Severity::kUnknown;
    std::size_t kev = 0;
  };
  std::map<std::string, PackageTally> packages;
  std::vector<bool> matched(hosts.size(), false);
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    Row row = row_for(hosts[i], results[i]);
    const auto release = distro::resolve_os(hosts[i].os);
    row.matched = release && idx->has_release(release->key);
    matched[i] = row.matched;
    if (row.matched) {
      ++matched_hosts;
      total.packages += row.packages;
      total.findings += row.findings;
      for (std::size_t s = 0; s < row.by_severity.size(); ++s) {
        total.by_severity[s] += row.by_severity[s];
      }
      total.kev += row.kev;
      for (const auto& f : results[i].findings) {
        PackageTally& tally = packages[f.package];
        tally.hosts.insert(i);
        ++tally.findings;
        tally.worst = std::max(tally.worst, f.severity);
        tally.kev += f.kev_due_date.has_value();
      }
    }
    rows.push_back(std::move(row));
  }
  total.release = std::to_string(matched_hosts) + " hosts";
  rows.push_back(total);
  out << "\n";
  print_table(out, rows);

  std::vector<std::pair<std::string, const PackageTally*>> top;
  top.reserve(packages.size());
  for (const auto& [name, tally] : packages) top.emplace_back(name, &tally);
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
    if (a.second->hosts.size() != b.second->hosts.size()) {
      return a.second->hosts.size() > b.second->hosts.size();
    }
    if (a.second->findings != b.second->findings) return a.second->findings > b.second->findings;
    return a.first < b.first;
  });
  if (!top.empty()) {
    out << "\nTop packages (hosts affected, findings, worst severity, findings with a KEV date):\n";
    std::size_t width = 0;
    for (std::size_t i = 0; i < std::min<std::size_t>(top.size(), 10); ++i) {
      width = std::max(width, top[i].first.size());
    }
    for (std::size_t i = 0; i < std::min<std::size_t>(top.size(), 10); ++i) {
      const auto& [name, tally] = top[i];
      out << "  " << name << std::string(width - name.size(), ' ') << "  " << tally->hosts.size()
          << " hosts  " << tally->findings << " findings  " << core::to_string(tally->worst)
          << "  KEV " << tally->kev << "\n";
    }
  }

  const match::MatchStats stats = matcher.stats();
  out << "\nMatched " << stats.distinct_tuples << " distinct (release, package, version) once for "
      << stats.packages << " installed packages.\n";
  if (local) {
    const core::HostReport& me = hosts[*local];
    const auto release = distro::resolve_os(me.os);
    const std::string os = me.os.name.empty() ? me.os.id + " " + me.os.version_id : me.os.name;
    if (!release) {
      out << "This host (" << os << "): its distribution is not one fleetpatch knows; no "
          << "advisories can apply to it.\n";
    } else if (!idx->has_release(release->key)) {
      out << "This host (" << os << ", " << release->key << "): no advisories for " << release->key
          << " are imported, so it was not checked. The demo ships AlmaLinux "
          << "advisories only; import your distribution's OSV feed with `fleetpatch feed import "
             "PATH` and run `fleetpatch scan`.\n";
    } else {
      out << "This host (" << os << ") was scanned: see its row above; `fleetpatch scan` lists "
          << "its findings.\n";
    }
  } else if (!local_problem.empty()) {
    out << "This host could not be inventoried: " << local_problem << "\n";
  }
  if (!compliance_summary(ctx, hosts, results, matched)) return kExitError;
  out << "Next: `fleetpatch scan --inventory FILE...` for your own hosts, `fleetpatch report "
         "--policy NAME --format html|json|csv|sarif|cyclonedx-vex` for their compliance, "
         "`fleetpatch feed status` for the imported sources.\n";
  return kExitOk;
}

}  // namespace

void add_demo_command(CLI::App& app, Context& ctx, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "demo",
      "Import the shipped AlmaLinux snapshot and KEV catalog, scan a generated sample fleet and "
      "this host, and print a fleet summary (no network, no server)");
  auto args = std::make_shared<DemoArgs>();
  cmd->add_option("--data-dir", ctx.data_dir_option, "data directory (as the global option)");
  cmd->add_option("--demo-data", args->demo_data,
                  "directory holding " + std::string(kSnapshotFile) + " and " +
                      std::string(kKevFile) +
                      " (default: the source tree's data/, then "
                      "/usr/share/fleetpatch/data)");
  cmd->add_option("--hosts", args->hosts, "sample fleet size")->check(CLI::Range(1, 10000));
  cmd->add_option("--seed", args->seed, "sample fleet seed");
  cmd->add_flag("--no-local", args->no_local, "do not scan this host");
  cmd->add_option("--save-fleet", args->save_fleet,
                  "also write the sample fleet's host reports to DIR/<hostname>.json");
  cmd->callback([&ctx, exit_code, args] { *exit_code = run_demo(ctx, *args); });
}

}  // namespace fleetpatch::cli
