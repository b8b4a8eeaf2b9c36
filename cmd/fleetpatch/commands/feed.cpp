// `fleetpatch feed import PATH... | feed status | feed update`: build the compiled advisory index
// in <data-dir>/index/advisories.fpi from feed files, and report what it holds
// (docs/index-format.md).
#include "feed/feed.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "commands/commands.hpp"
#include "core/time.hpp"
#include "epss_store.hpp"
#include "feed/apt_changelog/curl_fetcher.hpp"
#include "feed/sources.hpp"
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

/// Turns a feed batch into the index update: every source it brings — a feed kind for a
/// release, "osv:almalinux:9" — replaces what that same source brought before, and the KEV
/// catalog when it carries one. Other feeds for the same release are kept.
index::IndexUpdate make_update(feed::FeedBatch batch, const std::string& now) {
  index::IndexUpdate update;
  std::map<std::string, std::vector<std::string>> origins_per_format;
  std::vector<std::string> kev_origins;
  std::string kev_date;
  for (const auto& source : batch.sources) {
    if (source.format == "kev") {
      kev_origins.push_back(source.path);
      if (source.date > kev_date) kev_date = source.date;
    } else {
      origins_per_format[source.format].push_back(source.path);
    }
  }
  std::vector<std::string> all_origins;
  for (const auto& [format, paths] : origins_per_format) {
    all_origins.insert(all_origins.end(), paths.begin(), paths.end());
  }
  struct PerSource {
    std::size_t count = 0;
    std::vector<std::string_view> dates;
  };
  std::map<std::string, PerSource> per_source;
  for (const auto& advisory : batch.advisories) {
    std::set<std::string> keys;
    for (const auto& p : advisory.affected) keys.insert(index::source_key(p.origin, p.release));
    for (const std::string& key : keys) {
      auto& s = per_source[key];
      ++s.count;
      s.dates.push_back(advisory.published);
      s.dates.push_back(advisory.modified);
    }
  }
  for (auto& [key, s] : per_source) {
    update.replaced_sources.push_back(key);
    update.sources.push_back({key, now, s.count, newest(s.dates), join(all_origins, ", ")});
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

/// How run_import reads and reports.
struct ImportOptions {
  bool skip_bad_records = false;
  /// The command named in messages.
  std::string_view command = "fleetpatch feed import";
  /// What to call an input path in messages and in the index's source records: `feed update`
  /// names the URL a downloaded file came from, not the file it was downloaded to.
  std::map<std::string, std::string> labels;
  /// The caller already holds the ImportLock (flock would block on a second one).
  bool locked = false;
  /// What to do about bad records, said when they stop the import.
  std::string_view bad_records_hint =
      "fix the input, or pass --skip-bad-records to import the rest";
};

/// `text` with each labelled path replaced by its label.
std::string labelled(std::string text, const std::map<std::string, std::string>& labels) {
  for (const auto& [path, label] : labels) {
    for (auto at = text.find(path); at != std::string::npos;
         at = text.find(path, at + label.size())) {
      text.replace(at, path.size(), label);
    }
  }
  return text;
}

/// Imports `paths`, or `given` (advisories built without files: the apt mirror) when set.
int run_import(Context& ctx, const std::vector<std::string>& paths, const ImportOptions& options,
               std::optional<core::Result<feed::FeedBatch>> given = std::nullopt) {
  std::ostream& err = *ctx.err;
  const std::string_view command = options.command;
  const bool skip_bad_records = options.skip_bad_records;
  const std::string path = index_path(ctx);
  const std::string dir = fs::path(path).parent_path().string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    err << command << ": cannot create " << dir << ": " << ec.message() << "\n";
    return kExitError;
  }
  std::optional<ImportLock> lock;
  if (!options.locked) {
    lock.emplace(dir);
    if (!lock->ok()) {
      err << command << ": cannot lock " << dir << "/.lock\n";
      return kExitError;
    }
  }

  core::Diagnostics diagnostics;
  auto batch = given ? std::move(*given) : feed::read_paths(paths, diagnostics);
  for (const auto& d : diagnostics.items()) {
    err << (skip_bad_records ? "warning: skipped bad record: " : "error: ")
        << labelled(d.to_string(), options.labels) << "\n";
  }
  if (!batch.ok()) {
    err << command << ": " << labelled(batch.error().message, options.labels)
        << "\nthe advisory index was not changed\n";
    return kExitError;
  }
  if (!diagnostics.empty() && !skip_bad_records) {
    err << command << ": " << diagnostics.size()
        << " bad record(s) above; the advisory index was not changed (" << options.bad_records_hint
        << ")\n";
    return kExitError;
  }
  if (batch->advisories.empty() && batch->kev.empty()) {
    err << command << ": no advisory of a supported distribution and no KEV entry in "
        << labelled(join(paths, ", "), options.labels) << "; the advisory index was not changed\n";
    return kExitError;
  }
  for (auto& source : batch->sources) source.path = labelled(source.path, options.labels);
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
    err << command << ": " << status.error().message
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

// ---- feed update -------------------------------------------------------------------------

/// What the last download of a URL said, for conditional requests: <data-dir>/feeds/state
/// holds one line per URL, "URL<TAB>ETAG<TAB>LAST-MODIFIED".
struct UrlState {
  std::string etag;
  std::string last_modified;
};

std::map<std::string, UrlState> read_url_state(const fs::path& path) {
  std::map<std::string, UrlState> state;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto a = line.find('\t');
    const auto b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) continue;
    state[line.substr(0, a)] = {line.substr(a + 1, b - a - 1), line.substr(b + 1)};
  }
  return state;
}

bool write_url_state(const fs::path& path, const std::map<std::string, UrlState>& state) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [url, s] : state)
      out << url << '\t' << s.etag << '\t' << s.last_modified << '\n';
    if (!out.flush()) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

/// Called with bytes done and the total (0 = unknown) while a download runs.
using ProgressFn =
    std::function<void(const std::string& url, std::uint64_t done, std::uint64_t total)>;

enum class FetchOutcome { kFetched, kNotModified };

struct FetchError {
  std::string message;
  bool offline = false;    // no route to the server at all
  bool retryable = false;  // a network error or a 5xx
};

struct CurlWrite {
  std::FILE* file = nullptr;
  UrlState* state = nullptr;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  return std::fwrite(data, size, n, static_cast<CurlWrite*>(user)->file) * size;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  const std::string_view line(data, size * n);
  auto value_of = [&line](std::string_view name) -> std::optional<std::string> {
    if (line.size() <= name.size() ||
        !std::equal(name.begin(), name.end(), line.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return std::nullopt;
    }
    std::string v(line.substr(name.size()));
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
    while (!v.empty() && v.front() == ' ') v.erase(v.begin());
    return v;
  };
  auto* w = static_cast<CurlWrite*>(user);
  if (auto v = value_of("etag:")) w->state->etag = *v;
  if (auto v = value_of("last-modified:")) w->state->last_modified = *v;
  return size * n;
}

struct ProgressCtx {
  const ProgressFn* fn;
  const std::string* url;
};

int on_progress(void* user, curl_off_t total, curl_off_t done, curl_off_t, curl_off_t) {
  auto* p = static_cast<ProgressCtx*>(user);
  if (*p->fn)
    (*p->fn)(*p->url, static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(total));
  return 0;
}

/// One GET of `url` into `file`, conditional on `state` (updated from the response headers).
std::variant<FetchOutcome, FetchError> fetch_once(const std::string& url, const fs::path& file,
                                                  UrlState& state, const ProgressFn& progress) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return FetchError{"cannot start libcurl"};
  std::FILE* out = std::fopen(file.c_str(), "wb");
  if (out == nullptr) {
    curl_easy_cleanup(curl);
    return FetchError{"cannot write " + file.string()};
  }
  UrlState received;
  CurlWrite write{out, &received};
  ProgressCtx pctx{&progress, &url};
  curl_slist* headers = nullptr;
  if (!state.etag.empty())
    headers = curl_slist_append(headers, ("If-None-Match: " + state.etag).c_str());
  if (!state.last_modified.empty()) {
    headers = curl_slist_append(headers, ("If-Modified-Since: " + state.last_modified).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 20L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "fleetpatch/" FLEETPATCH_VERSION);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &write);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &write);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &pctx);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  const bool flushed = std::fclose(out) == 0;
  if (rc != CURLE_OK) {
    const bool offline = rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
                         rc == CURLE_COULDNT_RESOLVE_PROXY;
    return FetchError{url + ": " + curl_easy_strerror(rc), offline, true};
  }
  if (status == 304) return FetchOutcome::kNotModified;
  if (status < 200 || status >= 300) {
    return FetchError{url + ": HTTP " + std::to_string(status), false, status >= 500};
  }
  if (!flushed) return FetchError{"cannot write " + file.string()};
  state = received;
  return FetchOutcome::kFetched;
}

/// fetch_once with retries: up to 4 attempts, waiting 1, 2, 4 s between them.
std::variant<FetchOutcome, FetchError> fetch_with_retries(const std::string& url,
                                                          const fs::path& file, UrlState& state,
                                                          const ProgressFn& progress,
                                                          std::ostream& err) {
  std::variant<FetchOutcome, FetchError> result = FetchError{};
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::seconds(1 << (attempt - 1)));
    result = fetch_once(url, file, state, progress);
    const auto* error = std::get_if<FetchError>(&result);
    if (error == nullptr || !error->retryable || error->offline) break;
    err << "warning: " << error->message << "; retrying\n";
  }
  return result;
}

/// The official URL with its scheme and host replaced by `mirror` (path kept), when set.
std::string mirrored(const std::string& url, const std::string& mirror) {
  if (mirror.empty()) return url;
  const auto scheme = url.find("://");
  const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  std::string base = mirror;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + (path == std::string::npos ? "/" : url.substr(path));
}

constexpr std::string_view kOsvBucket = "https://osv-vulnerabilities.storage.googleapis.com/";
constexpr std::string_view kKevUrl =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";

/// The URLs of one --source word: "kev", "osv:<osv.dev ecosystem>", or a name of the sources
/// table (feed/sources.hpp) with ":<release>" for per-release sources.
core::Result<std::vector<std::string>> urls_of(const std::string& word) {
  if (word == "kev") return std::vector<std::string>{std::string(kKevUrl)};
  if (word.starts_with("osv:") && word.size() > 4) {
    std::string ecosystem;
    for (char c : word.substr(4)) ecosystem += c == ' ' ? std::string("%20") : std::string(1, c);
    return std::vector<std::string>{std::string(kOsvBucket) + ecosystem + "/all.zip"};
  }
  const auto colon = word.find(':');
  const std::string name = word.substr(0, colon);
  const std::string release = colon == std::string::npos ? "" : word.substr(colon + 1);
  const feed::FeedSource* source = feed::find_source(name);
  if (source == nullptr) {
    return core::Error{core::ErrorCode::kInvalidArgument,
                       "unknown source \"" + word +
                           "\" (use kev, apt, osv:ECOSYSTEM or a name "
                           "from docs/feeds.md)"};
  }
  if (source->locator == feed::Locator::kLatestIndex ||
      source->locator == feed::Locator::kHostMirror) {
    return core::Error{core::ErrorCode::kUnsupported,
                       "source \"" + word +
                           "\" is not downloadable by `feed update` yet; "
                           "download it and run `fleetpatch feed import FILE`"};
  }
  return feed::source_urls(*source, release);
}

std::string cache_name(const std::string& url) {
  std::string name;
  for (char c : url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3)) {
    name += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
  }
  return name;
}

struct UpdateArgs {
  std::vector<std::string> sources;
  std::string mirror;
  std::string root = "/";
  bool skip_bad_records = false;
};

int run_update(Context& ctx, const UpdateArgs& args) {
  std::ostream& err = *ctx.err;
  std::vector<std::string> words = args.sources;
  if (words.empty()) words = {"osv:AlmaLinux", "kev"};
  std::string mirror = args.mirror;
  if (const char* env = std::getenv("FLEETPATCH_FEED_MIRROR"); mirror.empty() && env != nullptr) {
    mirror = env;
  }
  const fs::path feeds = fs::path(ctx.data_dir()) / "feeds";
  const fs::path cache = feeds / "cache";
  std::error_code ec;
  fs::create_directories(cache, ec);
  if (ec) {
    err << "fleetpatch feed update: cannot create " << cache.string() << ": " << ec.message()
        << "\n";
    return kExitError;
  }

  bool apt = false;
  std::vector<std::string> urls;
  for (const std::string& word : words) {
    if (word == "apt") {
      apt = true;
      continue;
    }
    auto found = urls_of(word);
    if (!found.ok()) {
      err << "fleetpatch feed update: " << found.error().message << "\n";
      return kExitUsage;
    }
    for (const auto& u : *found) urls.push_back(mirrored(u, mirror));
  }

  const bool tty = ::isatty(STDERR_FILENO) == 1;
  ProgressFn progress;
  if (tty) {
    progress = [&err](const std::string& url, std::uint64_t done, std::uint64_t total) {
      const std::string name = url.substr(url.find_last_of('/', url.size() - 9) + 1);
      err << "\r" << name << "  " << std::fixed << std::setprecision(1) << done / 1e6 << " MB";
      if (total > 0) err << " / " << total / 1e6 << " MB (" << (100 * done / total) << "%)";
      err << "   " << std::flush;
    };
  }

  // One update at a time per data directory: two would share the .part files and the state.
  const fs::path index_dir = fs::path(index_path(ctx)).parent_path();
  fs::create_directories(index_dir, ec);
  ImportLock lock(index_dir.string());
  if (!lock.ok()) {
    err << "fleetpatch feed update: cannot lock " << index_dir.string() << "/.lock\n";
    return kExitError;
  }

  // Every download lands in a .part file, and the import reads the .part files (and the cached
  // copies of what was not modified). Only when the import succeeded do they replace the
  // cached copies and does the state record their ETag and date: a failure anywhere — a
  // download, a corrupt file — leaves cache, state and index as they were, so the next update
  // asks for the files again instead of trusting a bad copy on a 304.
  const fs::path state_path = feeds / "state";
  std::map<std::string, UrlState> state = read_url_state(state_path);
  std::map<std::string, UrlState> next_state = state;
  struct Download {
    std::string url;
    fs::path part;
    fs::path file;
  };
  std::vector<Download> fetched;
  std::vector<std::string> import_paths;
  // A damaged download shows as bad records too (a truncated archive's last members); trying
  // again comes first, since --skip-bad-records would import a source with records missing.
  ImportOptions import_options{
      .skip_bad_records = args.skip_bad_records,
      .command = "fleetpatch feed update",
      .locked = true,
      .bad_records_hint =
          "a download may be damaged: run the update again; if the publisher's "
          "file itself is bad, --skip-bad-records imports the rest of it"};
  auto discard = [&fetched, &ec] {
    for (const auto& d : fetched) fs::remove(d.part, ec);
  };
  for (const std::string& url : urls) {
    const fs::path file = cache / cache_name(url);
    const fs::path part = file.string() + ".part";
    UrlState s = fs::exists(file) ? state[url] : UrlState{};
    auto result = fetch_with_retries(url, part, s, progress, err);
    if (tty) err << "\n";
    if (const auto* error = std::get_if<FetchError>(&result)) {
      discard();
      fs::remove(part, ec);
      err << "fleetpatch feed update: " << error->message << "\n";
      if (error->offline) {
        err << "no network: on a machine that has one, download the feeds (" << kKevUrl << ", "
            << kOsvBucket
            << "ECOSYSTEM/all.zip) or an offline bundle, copy them here and run "
               "`fleetpatch feed import FILE...`\n";
      }
      err << "the advisory index was not changed\n";
      return kExitError;
    }
    if (std::get<FetchOutcome>(result) == FetchOutcome::kNotModified) {
      fs::remove(part, ec);
      err << "not modified: " << url << "\n";
      import_paths.push_back(file.string());
      import_options.labels[file.string()] = url;
    } else {
      fetched.push_back({url, part, file});
      next_state[url] = s;
      import_paths.push_back(part.string());
      import_options.labels[part.string()] = url;
    }
  }
  // No publisher of these files gives a checksum next to them (osv.dev's bucket, CISA); they
  // are verified by parsing: the import fails on an archive or a document that does not read.
  int code = kExitOk;
  if (!import_paths.empty()) code = run_import(ctx, import_paths, import_options);
  if (code != kExitOk) {
    discard();
    return code;
  }
  for (const auto& d : fetched) {
    fs::rename(d.part, d.file, ec);
    if (ec) {
      // The index has the new data; this file is asked for in full next time.
      err << "warning: cannot replace " << d.file.string() << ": " << ec.message() << "\n";
      fs::remove(d.part, ec);
      next_state.erase(d.url);
    }
  }
  if (!write_url_state(state_path, next_state)) {
    err << "warning: cannot write " << state_path.string() << "; the next update downloads again\n";
  }
  if (!apt) return code;

  feed::apt_changelog::CurlFetcher fetcher;
  core::Diagnostics diags;
  auto batch = feed::apt_changelog::build_advisories(args.root, ctx.data_dir(), fetcher, diags);
  for (const auto& d : diags.items()) err << "warning: " << d.to_string() << "\n";
  if (batch.ok()) {
    for (auto& advisory : batch->advisories) {
      for (auto& p : advisory.affected) p.origin = "apt";
    }
  }
  // Per-package problems of the mirror were reported above; they do not block the import.
  return run_import(ctx, {"apt mirror of " + args.root},
                    {.skip_bad_records = true, .command = "fleetpatch feed update", .locked = true},
                    std::move(batch));
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
    // EPSS score files go to their own store (epss_store.hpp), the rest into the index.
    std::vector<std::string> advisory_paths;
  *exit_code = import_epss_files(ctx, args->paths, advisory_paths);
  if (*exit_code != kExitOk || advisory_paths.empty()) return;
  *exit_code = run_import(ctx, advisory_paths, {.skip_bad_records = args->skip_bad_records});
});

feed->add_subcommand("status", "Show each imported source, its date and record count")
    ->callback([&ctx, exit_code] { *exit_code = run_status(ctx); });

auto update_args = std::make_shared<UpdateArgs>();
auto* update = feed->add_subcommand(
    "update",
    "Download feeds (conditional requests, retries) and import them like `feed import`; an "
    "interrupted or failed update leaves the index unchanged");
update->add_option("--source", update_args->sources,
                   "kev, apt, osv:ECOSYSTEM (osv.dev, e.g. osv:AlmaLinux, \"osv:Rocky Linux\") or "
                   "a name of docs/feeds.md (NAME:RELEASE for per-release ones); repeatable; "
                   "default: osv:AlmaLinux and kev");
update->add_option("--mirror", update_args->mirror,
                   "base URL replacing the scheme and host of every official URL, path kept "
                   "(default: $FLEETPATCH_FEED_MIRROR)");
update->add_option("--root", update_args->root, "root of the host for --source apt (default /)");
update->add_flag("--skip-bad-records", update_args->skip_bad_records,
                 "import the good records even when some records are bad");
update->callback([&ctx, exit_code, update_args] { *exit_code = run_update(ctx, *update_args); });
}  // namespace fleetpatch::cli

}  // namespace fleetpatch::cli
