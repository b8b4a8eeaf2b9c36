// `fleetpatch feed import PATH... | feed status | feed update`: build the compiled advisory index
// in <data-dir>/index/advisories.fpi from feed files, and report what it holds
// (docs/index-format.md).
#include "feed/feed.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "core/time.hpp"
#include "index/index.hpp"
#include "index/update.hpp"

namespace fleetpatch::cli {
namespace {

namespace fs = std::filesystem;

constexpr auto kStaleAfter = std::chrono::days(7);

std::string index_path(const Context& ctx) {
  return (fs::path(ctx.data_dir()) / "index" / std::string(index::kIndexFileName)).string();
}

/// Holds an exclusive lock on <data-dir>/index/.lock, so two imports never interleave their
/// read-previous / write-next steps (the later would drop the earlier's releases).
class ImportLock {
 public:
  explicit ImportLock(const std::string& dir) {
    fd_ = ::open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~ImportLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  ImportLock(const ImportLock&) = delete;
  ImportLock& operator=(const ImportLock&) = delete;
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

std::optional<core::TimePoint> parse_time(std::string_view text) {
  auto t = core::parse_rfc3339(text);
  if (!t.ok()) return std::nullopt;
  return *t;
}

/// The newest of the dates, formatted; "" when none parses.
std::string newest(const std::vector<std::string_view>& dates) {
  std::optional<core::TimePoint> best;
  for (std::string_view d : dates) {
    if (auto t = parse_time(d); t && (!best || *t > *best)) best = t;
  }
  return best ? core::format_rfc3339(*best) : "";
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? std::string(sep) : "") + items[i];
  return out;
}

/// Turns a feed batch into the index update: every release it names is replaced, and the KEV
/// catalog when it carries one.
index::IndexUpdate make_update(feed::FeedBatch batch, const std::string& now) {
  index::IndexUpdate update;
  std::vector<std::string> osv_origins, kev_origins;
  std::string kev_date;
  for (const auto& source : batch.sources) {
    if (source.format == "kev") {
      kev_origins.push_back(source.path);
      if (source.date > kev_date) kev_date = source.date;
    } else {
      osv_origins.push_back(source.path);
    }
  }
  std::map<std::string, std::vector<std::string_view>> dates_per_release;
  for (const auto& advisory : batch.advisories) {
    std::set<std::string_view> releases;
    for (const auto& p : advisory.affected) releases.insert(p.release);
    for (std::string_view r : releases) {
      auto& dates = dates_per_release[std::string(r)];
      dates.push_back(advisory.published);
      dates.push_back(advisory.modified);
    }
  }
  for (const auto& [release, count] : batch.advisories_per_release) {
    update.releases.push_back(release);
    update.sources.push_back(
        {release, now, count, newest(dates_per_release[release]), join(osv_origins, ", ")});
  }
  if (!kev_origins.empty()) {
    update.replaces_kev = true;
    std::vector<std::string_view> added;
    for (const auto& k : batch.kev) added.push_back(k.date_added);
    // The catalog's release date, else its newest addition.
    std::string newest_kev = newest({kev_date});
    if (newest_kev.empty()) newest_kev = newest(added);
    update.sources.push_back({std::string(index::kKevSourceName), now, batch.kev.size(), newest_kev,
                              join(kev_origins, ", ")});
  }
  update.advisories = std::move(batch.advisories);
  update.kev = std::move(batch.kev);
  return update;
}

int run_import(Context& ctx, const std::vector<std::string>& paths, bool skip_bad_records) {
  std::ostream& err = *ctx.err;
  const std::string path = index_path(ctx);
  const std::string dir = fs::path(path).parent_path().string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    err << "fleetpatch feed import: cannot create " << dir << ": " << ec.message() << "\n";
    return kExitError;
  }
  ImportLock lock(dir);
  if (!lock.ok()) {
    err << "fleetpatch feed import: cannot lock " << dir << "/.lock\n";
    return kExitError;
  }

  core::Diagnostics diagnostics;
  auto batch = feed::read_paths(paths, diagnostics);
  for (const auto& d : diagnostics.items()) {
    err << (skip_bad_records ? "warning: skipped bad record: " : "error: ") << d.to_string()
        << "\n";
  }
  if (!batch.ok()) {
    err << "fleetpatch feed import: " << batch.error().message
        << "\nthe advisory index was not changed\n";
    return kExitError;
  }
  if (!diagnostics.empty() && !skip_bad_records) {
    err << "fleetpatch feed import: " << diagnostics.size()
        << " bad record(s) above; the advisory index was not changed (fix the input, or pass "
           "--skip-bad-records to import the rest)\n";
    return kExitError;
  }
  if (batch->advisories.empty() && batch->kev.empty()) {
    err << "fleetpatch feed import: no advisory of a supported distribution and no KEV entry in "
        << join(paths, ", ") << "; the advisory index was not changed\n";
    return kExitError;
  }
  for (const auto& [ecosystem, count] : batch->skipped_ecosystems) {
    err << "note: skipped " << count << " record(s) of unsupported ecosystem \""
        << (ecosystem.empty() ? "(none)" : ecosystem) << "\"\n";
  }
  if (batch->withdrawn > 0) {
    err << "note: left out " << batch->withdrawn << " withdrawn record(s)\n";
  }

  std::optional<index::Index> previous;
  if (fs::exists(path)) {
    auto opened = index::Index::open(path);
    if (opened.ok()) {
      previous.emplace(std::move(opened).value());
    } else {
      err << "warning: the previous index cannot be read (" << opened.error().message
          << "); the new one holds only this import\n";
    }
  }
  const std::map<std::string, std::size_t> per_release = batch->advisories_per_release;
  const std::size_t kev_count = batch->kev.size();
  index::IndexUpdate update =
      make_update(std::move(batch).value(), core::format_rfc3339(ctx.clock->now()));
  const bool kev_replaced = update.replaces_kev;
  const index::IndexBuilder builder =
      index::apply_update(previous ? &*previous : nullptr, std::move(update));
  previous.reset();  // unmap before the file is replaced
  if (auto status = builder.write_atomic(path); !status.ok()) {
    err << "fleetpatch feed import: " << status.error().message
        << "\nthe previous advisory index is unchanged\n";
    return kExitError;
  }
  std::ostream& out = *ctx.out;
  for (const auto& [release, count] : per_release) {
    out << "imported " << count << " advisories for " << release << "\n";
  }
  if (kev_replaced) out << "imported " << kev_count << " KEV entries\n";
  out << "advisory index: " << path << " (" << builder.advisory_count() << " advisories)\n";
  return kExitOk;
}

std::string age_text(core::TimePoint then, core::TimePoint now) {
  const auto days = std::chrono::duration_cast<std::chrono::days>(now - then).count();
  return std::to_string(days) + (days == 1 ? " day" : " days");
}

int run_status(Context& ctx) {
  const std::string path = index_path(ctx);
  auto index = index::Index::open(path);
  if (!index.ok()) {
    *ctx.err << "fleetpatch feed status: " << index.error().message << "\n";
    return kExitError;
  }
  std::ostream& out = *ctx.out;
  std::error_code ec;
  const auto bytes = fs::file_size(path, ec);
  out << "advisory index: " << path << " (" << std::fixed << std::setprecision(1)
      << (ec ? 0.0 : static_cast<double>(bytes) / 1e6) << " MB; " << index->advisory_count()
      << " advisories, " << index->entry_count() << " package entries, " << index->kev_count()
      << " KEV entries)\n";
  const auto sources = index->sources();
  if (sources.empty()) {
    out << "no sources recorded\n";
    return kExitOk;
  }
  std::vector<std::array<std::string, 5>> rows = {
      {"SOURCE", "RECORDS", "IMPORTED", "NEWEST RECORD", "FROM"}};
  for (const auto& s : sources) {
    rows.push_back({s.name, std::to_string(s.record_count), s.imported_at,
                    s.newest_record.empty() ? "-" : s.newest_record, s.origin});
  }
  std::array<std::size_t, 5> width{};
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(width[c] - row[c].size() + 2, ' ');
    }
    out << line << "\n";
  }
  const core::TimePoint now = ctx.clock->now();
  for (const auto& s : sources) {
    const auto imported = parse_time(s.imported_at);
    const auto newest_record = parse_time(s.newest_record);
    if (imported && now - *imported > kStaleAfter) {
      out << "warning: " << s.name << " is stale: imported " << age_text(*imported, now)
          << " ago; re-import it (`fleetpatch feed import PATH...`)\n";
    } else if (newest_record && now - *newest_record > kStaleAfter) {
      out << "warning: " << s.name << " may be stale: its newest record is "
          << age_text(*newest_record, now) << " old\n";
    }
  }
  return kExitOk;
}

}  // namespace

void add_feed_command(CLI::App& app, Context& ctx, int* exit_code) {
  auto* feed = app.add_subcommand("feed", "Import advisory feeds into the index and show them");
  feed->require_subcommand(1);

  struct ImportArgs {
    std::vector<std::string> paths;
    bool skip_bad_records = false;
  };
  auto args = std::make_shared<ImportArgs>();
  auto* import = feed->add_subcommand(
      "import",
      "Read OSV files, directories, zips (osv.dev all.zip) or bundles and the CISA KEV catalog, "
      "and rebuild the advisory index: the releases and the KEV catalog they bring replace "
      "what the index held for them, the rest is kept");
  import->add_option("PATH", args->paths, "feed file or directory")->required();
  import->add_flag("--skip-bad-records", args->skip_bad_records,
                   "import the good records even when some records are bad (default: any bad "
                   "record leaves the index unchanged)");
  import->callback([&ctx, exit_code, args] {
    *exit_code = run_import(ctx, args->paths, args->skip_bad_records);
});

feed->add_subcommand("status", "Show each imported source, its date and record count")
    ->callback([&ctx, exit_code] { *exit_code = run_status(ctx); });

feed->add_subcommand("update", "Download the feeds (not available yet)")
    ->callback([&ctx, exit_code] {
      *ctx.err << "fleetpatch feed update: downloading feeds is not available yet. Fetch the "
                  "OSV archives (e.g. https://osv-vulnerabilities.storage.googleapis.com/"
                  "AlmaLinux/all.zip) and the CISA KEV catalog (known_exploited_"
                  "vulnerabilities.json) yourself and run `fleetpatch feed import FILE...`\n";
      *exit_code = kExitError;
    });
}  // namespace fleetpatch::cli

}  // namespace fleetpatch::cli
