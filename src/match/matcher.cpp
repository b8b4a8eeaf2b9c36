// Matcher implementation. The work splits in two:
//  - judge(): one distinct (release, name, version, module) tuple against the index, giving the
//    merged finding templates for it. Done once per tuple per Matcher, under the lock of the cache
//    shard the tuple hashes to, so no tuple is ever judged twice.
//  - per host: resolve the release, look every package's tuple up in the cache, and turn the
//    shared templates into the host's findings.
#include "match/matcher.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>

#include "distro/distro.hpp"
#include "version/apk_version.hpp"
#include "version/deb_version.hpp"
#include "version/rpm_version.hpp"

namespace fleetpatch::match {
namespace {

using core::FindingState;
using core::FixState;
using core::VersionEvent;

// ---- versions --------------------------------------------------------------------------------

/// A parsed version of one package format; compares only with versions of the same format.
class AnyVersion {
 public:
  static std::optional<AnyVersion> parse(core::PackageFormat format, std::string_view text,
                                         std::string* error) {
    switch (format) {
      case core::PackageFormat::kDpkg:
        return wrap(version::DebVersion::parse(text), error);
      case core::PackageFormat::kRpm:
        return wrap(version::RpmEvr::parse(text), error);
      case core::PackageFormat::kApk:
        return wrap(version::ApkVersion::parse(text), error);
      case core::PackageFormat::kUnknown:
        break;
    }
    *error = "unknown package format";
    return std::nullopt;
  }

  int compare(const AnyVersion& other) const {
    return std::visit(
        [&other](const auto& a) -> int {
          using T = std::decay_t<decltype(a)>;
          return a.compare(std::get<T>(other.value_));
        },
        value_);
  }

 private:
  using Value = std::variant<version::DebVersion, version::RpmEvr, version::ApkVersion>;
  explicit AnyVersion(Value value) : value_(std::move(value)) {}

  template <typename T>
  static std::optional<AnyVersion> wrap(core::Result<T> parsed, std::string* error) {
    if (!parsed.ok()) {
      *error = parsed.error().message;
      return std::nullopt;
    }
    return AnyVersion(Value(std::move(parsed).value()));
  }

  Value value_;
};

// ---- the cache -------------------------------------------------------------------------------

/// One finding a tuple gives, shared by every host that has the tuple.
struct Template {
  FindingState state = FindingState::kFixed;
  std::string fixed_version;
  std::vector<std::string> advisories;  // sorted
  std::vector<std::string> cves;        // sorted, unique
  core::Severity severity = core::Severity::kUnknown;
  std::string vendor_severity;
  std::optional<double> cvss_score;
  std::string fix_available_since;
  std::optional<std::string> kev_due_date;
};

struct Verdict {
  std::vector<Template> findings;  // sorted by (first advisory, fixed version)
  std::string problem;             // why the tuple could not be judged fully; "" = none
  HostSummary counts;              // what `findings` adds to a host's summary
};

struct TupleView {
  std::string_view release, name, version, module;
  std::size_t hash;
};

struct TupleKey {
  std::string release, name, version, module;
  std::size_t hash;
};

std::size_t hash_tuple(std::size_t release_hash, std::string_view name, std::string_view version,
                       std::string_view module) {
  const std::hash<std::string_view> h;
  std::size_t seed = release_hash;
  for (const std::size_t part : {h(name), h(version), h(module)}) {
    seed ^= part + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  }
  return seed;
}

struct TupleHash {
  using is_transparent = void;
  std::size_t operator()(const TupleKey& k) const { return k.hash; }
  std::size_t operator()(const TupleView& k) const { return k.hash; }
};

struct TupleEq {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return a.hash == b.hash && a.name == b.name && a.version == b.version && a.module == b.module &&
           a.release == b.release;
  }
};

constexpr std::size_t kShards = 64;

struct Shard {
  std::mutex mutex;
  // Node-based: references to values stay valid while other tuples are inserted.
  std::unordered_map<TupleKey, Verdict, TupleHash, TupleEq> verdicts;
};

// ---- judging one tuple -----------------------------------------------------------------------

struct Hit {
  FindingState state;
  std::string_view fixed_version;  // into the index; "" unless kFixed
  std::optional<AnyVersion> fixed_parsed;
};

/// Whether `installed` is affected according to one entry, and how.
std::optional<Hit> evaluate(const index::EntryView& entry, const AnyVersion& installed,
                            core::PackageFormat format, std::string* problem) {
  const FindingState no_fix =
      entry.state() == FixState::kWillNotFix ? FindingState::kWillNotFix : FindingState::kUnfixed;
  if (entry.event_count() == 0) {
    // No ranges: the vendor's word covers every version.
    if (entry.state() == FixState::kUnfixed || entry.state() == FixState::kWillNotFix) {
      return Hit{no_fix, {}, std::nullopt};
    }
    return std::nullopt;
  }
  auto parse = [&](std::string_view text) -> std::optional<AnyVersion> {
    std::string error;
    auto v = AnyVersion::parse(format, text, &error);
    if (!v && problem->empty()) {
      *problem = "advisory " + std::string(entry.advisory().id()) +
                 ": ignored unparsable version \"" + std::string(text) + "\" (" + error + ")";
    }
    return v;
  };
  // Pair events in order: introduced opens an interval, fixed / last_affected closes it. A close
  // without an open interval starts at the beginning ("0").
  bool open = false;
  bool open_affects = false;  // installed >= the interval's introduced
  for (std::size_t i = 0; i < entry.event_count(); ++i) {
    const index::EventView ev = entry.event(i);
    if (ev.type == VersionEvent::Type::kIntroduced) {
      if (open) continue;  // a second introduced inside an open interval changes nothing
      open = true;
      if (ev.version == "0" || ev.version.empty()) {
        open_affects = true;
      } else {
        auto v = parse(ev.version);
        if (!v) return std::nullopt;
        open_affects = installed.compare(*v) >= 0;
      }
      continue;
    }
    if (!open) open_affects = true;
    open = false;
    if (!open_affects) continue;
    auto v = parse(ev.version);
    if (!v) return std::nullopt;
    const int cmp = installed.compare(*v);
    if (ev.type == VersionEvent::Type::kFixed) {
      if (cmp < 0) return Hit{FindingState::kFixed, ev.version, std::move(v)};
    } else if (cmp <= 0) {  // last_affected
      return Hit{no_fix, {}, std::nullopt};
    }
  }
  if (open && open_affects) return Hit{no_fix, {}, std::nullopt};
  return std::nullopt;
}

bool severity_allowed(const MatchOptions& options, core::Severity severity) {
  return options.severities.empty() ||
         std::find(options.severities.begin(), options.severities.end(), severity) !=
             options.severities.end();
}

Verdict judge(const index::Index& index, const MatchOptions& options, core::PackageFormat format,
              const TupleView& tuple) {
  Verdict verdict;
  const index::EntryRange entries = index.lookup(tuple.release, tuple.name);
  if (entries.empty()) return verdict;
  std::string error;
  const auto installed = AnyVersion::parse(format, tuple.version, &error);
  if (!installed) {
    verdict.problem = "package " + std::string(tuple.name) + ": cannot compare version \"" +
                      std::string(tuple.version) + "\" (" + error + ")";
    return verdict;
  }

  struct AdvisoryHit {
    std::uint32_t advisory;
    FindingState state;
    std::string_view fixed_version;
  };
  std::vector<AdvisoryHit> hits;
  // Entries are grouped by advisory (index order = advisory id order).
  for (std::size_t i = 0; i < entries.size();) {
    const std::uint32_t advisory_index = entries[i].advisory_index();
    std::size_t end = i;
    while (end < entries.size() && entries[end].advisory_index() == advisory_index) ++end;
    const index::AdvisoryView advisory = index.advisory(advisory_index);
    if (advisory.kind() != core::AdvisoryKind::kSecurity ||
        !severity_allowed(options, advisory.severity())) {
      i = end;
      continue;
    }
    bool suppressed = false;
    std::optional<Hit> best;
    for (std::size_t j = i; j < end; ++j) {
      const index::EntryView entry = entries[j];
      if (!distro::module_applies(entry.module(), tuple.module)) continue;
      if (entry.state() == FixState::kNotAffected) {
        suppressed = true;
        continue;
      }
      auto hit = evaluate(entry, *installed, format, &verdict.problem);
      if (!hit) continue;
      // Several entries of one advisory for one package: a fix beats no fix, and the highest
      // fixed version is the one that closes them all.
      if (!best || (hit->state == FindingState::kFixed &&
                    (best->state != FindingState::kFixed ||
                     hit->fixed_parsed->compare(*best->fixed_parsed) > 0))) {
        best = std::move(hit);
      }
    }
    i = end;
    if (suppressed || !best) continue;
    if (options.ignore_unfixed && best->state != FindingState::kFixed) continue;
    hits.push_back({advisory_index, best->state, best->fixed_version});
  }

  // Merge by (state, fixed version); advisories stay in id order inside each group.
  std::stable_sort(hits.begin(), hits.end(), [](const AdvisoryHit& a, const AdvisoryHit& b) {
    return std::tie(a.state, a.fixed_version) < std::tie(b.state, b.fixed_version);
  });
  for (std::size_t i = 0; i < hits.size();) {
    std::size_t end = i;
    while (end < hits.size() && hits[end].state == hits[i].state &&
           hits[end].fixed_version == hits[i].fixed_version) {
      ++end;
    }
    Template t;
    t.state = hits[i].state;
    t.fixed_version = hits[i].fixed_version;
    bool have_lead = false;
    std::optional<double> lead_cvss;
    for (std::size_t j = i; j < end; ++j) {
      const index::AdvisoryView a = index.advisory(hits[j].advisory);
      t.advisories.emplace_back(a.id());
      for (std::size_t c = 0; c < a.cve_count(); ++c) t.cves.emplace_back(a.cve(c));
      const bool more_severe =
          !have_lead || a.severity() > t.severity ||
          (a.severity() == t.severity && a.cvss_score().value_or(-1) > lead_cvss.value_or(-1));
      if (more_severe) {
        have_lead = true;
        t.severity = a.severity();
        t.vendor_severity = a.vendor_severity();
        lead_cvss = a.cvss_score();
      }
      if (t.state == FindingState::kFixed && !a.published().empty() &&
          (t.fix_available_since.empty() || a.published() < t.fix_available_since)) {
        t.fix_available_since = a.published();
      }
    }
    t.cvss_score = lead_cvss;
    std::sort(t.cves.begin(), t.cves.end());
    t.cves.erase(std::unique(t.cves.begin(), t.cves.end()), t.cves.end());
    for (const auto& cve : t.cves) {
      if (auto due = index.kev_due_date(cve); due && (!t.kev_due_date || *due < *t.kev_due_date)) {
        t.kev_due_date = std::string(*due);
      }
    }
    verdict.findings.push_back(std::move(t));
    i = end;
  }
  std::sort(verdict.findings.begin(), verdict.findings.end(),
            [](const Template& a, const Template& b) {
              return std::tie(a.advisories.front(), a.fixed_version) <
                     std::tie(b.advisories.front(), b.fixed_version);
            });
  for (const Template& t : verdict.findings) {
    ++verdict.counts.findings;
    ++verdict.counts.by_severity[static_cast<std::size_t>(t.severity)];
    if (t.state != FindingState::kFixed) ++verdict.counts.unfixed;
    if (t.kev_due_date) ++verdict.counts.kev;
  }
  return verdict;
}

// ---- per host --------------------------------------------------------------------------------

/// One installed package that has findings, with the shared verdict of its tuple.
struct PendingPackage {
  const core::Package* package;
  std::string_view source_name;
  const Verdict* verdict;
};

bool pending_less(const PendingPackage& a, const PendingPackage& b) {
  if (int c = a.package->name.compare(b.package->name); c != 0) return c < 0;
  if (int c = a.package->version.compare(b.package->version); c != 0) return c < 0;
  return a.source_name < b.source_name;
}

bool pending_same(const PendingPackage& a, const PendingPackage& b) {
  return a.verdict == b.verdict && a.package->name == b.package->name &&
         a.package->version == b.package->version && a.source_name == b.source_name;
}

constexpr std::size_t kMaxProblemNotes = 10;

/// A worker's private, lock-free front to the shared cache: open addressing over the tuples the
/// worker has already seen. A slot is one cache line holding the hash, the verdict and (for all
/// but unusually long names) the key itself, so that a hit touches one line and never the shared
/// nodes; profiling showed the lookups otherwise bound by cache misses. The release is not part
/// of the slot key: a worker keeps one table per release.
class LocalCache {
 public:
  const Verdict* find(const TupleView& tuple) const {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = tuple.hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.verdict == nullptr) return nullptr;
      if (slot.hash == tuple.hash && slot.name_length == tuple.name.size() &&
          slot.version_length == tuple.version.size() &&
          slot.module_length == tuple.module.size() && key_equals(slot, tuple)) {
        return slot.verdict;
      }
    }
  }

  void insert(const TupleView& tuple, const Verdict* verdict) {
    if ((size_ + 1) * 10 > slots_.size() * 7) grow();
    Slot slot;
    slot.hash = tuple.hash;
    slot.verdict = verdict;
    const std::size_t length = tuple.name.size() + tuple.version.size() + tuple.module.size();
    if (tuple.name.size() > 0xffff || tuple.version.size() > 0xffff ||
        tuple.module.size() > 0xffff) {
      return;  // absurd lengths: not cached locally, the shared cache still answers
    }
    slot.name_length = static_cast<std::uint16_t>(tuple.name.size());
    slot.version_length = static_cast<std::uint16_t>(tuple.version.size());
    slot.module_length = static_cast<std::uint16_t>(tuple.module.size());
    char* out = slot.key;
    if (length > sizeof slot.key) {
      overflow_.emplace_back(length, '\0');
      out = overflow_.back().data();
      slot.overflow = out;
    }
    std::memcpy(out, tuple.name.data(), tuple.name.size());
    std::memcpy(out + tuple.name.size(), tuple.version.data(), tuple.version.size());
    std::memcpy(out + tuple.name.size() + tuple.version.size(), tuple.module.data(),
                tuple.module.size());
    place(slot);
  }

 private:
  struct alignas(64) Slot {
    std::size_t hash = 0;
    const Verdict* verdict = nullptr;
    const char* overflow = nullptr;  // the key, when it does not fit in `key`
    std::uint16_t name_length = 0;
    std::uint16_t version_length = 0;
    std::uint16_t module_length = 0;
    char key[34];  // name, version, module, back to back
  };
  static_assert(sizeof(Slot) == 64);

  static bool key_equals(const Slot& slot, const TupleView& tuple) {
    const char* key = slot.overflow != nullptr ? slot.overflow : slot.key;
    return std::memcmp(key, tuple.name.data(), tuple.name.size()) == 0 &&
           std::memcmp(key + tuple.name.size(), tuple.version.data(), tuple.version.size()) == 0 &&
           std::memcmp(key + tuple.name.size() + tuple.version.size(), tuple.module.data(),
                       tuple.module.size()) == 0;
  }

  void place(const Slot& slot) {
    std::size_t i = slot.hash & mask_;
    while (slots_[i].verdict != nullptr) i = (i + 1) & mask_;
    slots_[i] = slot;
    ++size_;
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.verdict != nullptr) place(slot);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::deque<std::string> overflow_;  // stable storage for long keys
};

/// Per-thread state: the local cache and counters merged into the Matcher's once per call.
struct Worker {
  /// One local cache per release key, few per worker: a short list beats a map.
  std::deque<std::pair<std::string, LocalCache>> caches;  // deque: slots point into its items
  /// False for a one-off call (match_host): filling a local cache for a single host costs more
  /// than it saves.
  bool use_local_cache = true;
  std::size_t hosts = 0;
  std::size_t packages = 0;
  std::size_t lookups = 0;
};

}  // namespace

struct Matcher::Impl {
  const index::Index& index;
  MatchOptions options;
  Shard shards[kShards];
  std::atomic<std::size_t> hosts{0};
  std::atomic<std::size_t> packages{0};
  std::atomic<std::size_t> lookups{0};
  std::atomic<std::size_t> misses{0};

  Impl(const index::Index& idx, MatchOptions opts) : index(idx), options(std::move(opts)) {}

  void flush(Worker& worker) {
    hosts.fetch_add(worker.hosts, std::memory_order_relaxed);
    packages.fetch_add(worker.packages, std::memory_order_relaxed);
    lookups.fetch_add(worker.lookups, std::memory_order_relaxed);
    worker.hosts = worker.packages = worker.lookups = 0;
  }

  const Verdict& verdict_for(Worker& worker, LocalCache& cache, core::PackageFormat format,
                             const TupleView& tuple) {
    ++worker.lookups;
    if (worker.use_local_cache) {
      if (const Verdict* local = cache.find(tuple)) return *local;
    }
    Shard& shard = shards[(tuple.hash >> 20) % kShards];
    std::lock_guard lock(shard.mutex);
    auto it = shard.verdicts.find(tuple);
    if (it == shard.verdicts.end()) {
      misses.fetch_add(1, std::memory_order_relaxed);
      Verdict verdict = judge(index, options, format, tuple);
      it = shard.verdicts
               .emplace(TupleKey{std::string(tuple.release), std::string(tuple.name),
                                 std::string(tuple.version), std::string(tuple.module), tuple.hash},
                        std::move(verdict))
               .first;
    }
    if (worker.use_local_cache) cache.insert(tuple, &it->second);
    return it->second;
  }

  /// Resolves the host and collects its packages that have findings, sorted by (name, version,
  /// source) and without duplicates. Returns false (with notes) when the host cannot be matched.
  bool collect(Worker& worker, const core::HostReport& host, core::HostFindings& out,
               std::vector<PendingPackage>& pending) {
    ++worker.hosts;
    const auto release = distro::resolve_os(host.os);
    if (!release) {
      std::string what =
          host.os.name.empty() ? host.os.id + " " + host.os.version_id : host.os.name;
      if (host.os.id.empty() && host.os.name.empty()) what = "(no os-release)";
      out.notes.push_back("unknown or unsupported operating system \"" + what +
                          "\": no advisories can apply; packages not matched");
      return false;
    }
    out.release = release->key;
    if (!index.has_release(release->key)) {
      out.notes.push_back("no advisories imported for " + release->key +
                          ": run `fleetpatch feed import PATH...` with its feed; packages not "
                          "matched");
      return false;
    }
    const distro::Distro& distro = *release->distro;
    const core::PackageFormat format = distro.package_format();
    const bool by_source = distro.matches_source_names();
    const std::size_t release_hash = std::hash<std::string_view>{}(release->key);
    LocalCache* cache = nullptr;
    for (auto& [key, c] : worker.caches) {
      if (key == release->key) cache = &c;
    }
    if (cache == nullptr) cache = &worker.caches.emplace_back(release->key, LocalCache{}).second;
    std::size_t problems = 0;
    std::string module;
    worker.packages += host.packages.size();
    for (const core::Package& p : host.packages) {
      std::string_view name = p.name;
      std::string_view version = p.version;
      if (by_source && !p.source_name.empty()) {
        name = p.source_name;
        if (!p.source_version.empty()) version = p.source_version;
      }
      // Distro::module_of is "" for a package from no module; skipping the call for those
      // keeps a string assignment out of the per-package path.
      if (p.module) {
        module = distro.module_of(p);
      } else {
        module.clear();
      }
      const TupleView tuple{release->key, name, version, module,
                            hash_tuple(release_hash, name, version, module)};
      const Verdict& verdict = verdict_for(worker, *cache, format, tuple);
      if (!verdict.problem.empty()) {
        if (problems < kMaxProblemNotes) out.notes.push_back(verdict.problem);
        ++problems;
      }
      if (verdict.findings.empty()) continue;
      const std::string_view source = p.source_name.empty() ? p.name : p.source_name;
      pending.push_back({&p, source, &verdict});
    }
    if (problems > kMaxProblemNotes) {
      out.notes.push_back("... and " + std::to_string(problems - kMaxProblemNotes) +
                          " more version problems");
    }
    // Inventories usually list packages sorted already; sort only when they are not.
    if (!std::is_sorted(pending.begin(), pending.end(), pending_less)) {
      std::sort(pending.begin(), pending.end(), pending_less);
    }
    // The same package, version and verdict twice (two architectures): reported once.
    pending.erase(std::unique(pending.begin(), pending.end(), pending_same), pending.end());
    return true;
  }

  core::HostFindings match_host(Worker& worker, const core::HostReport& host) {
    core::HostFindings out;
    out.host = host.host;
    out.os = host.os;
    std::vector<PendingPackage> pending;
    if (!collect(worker, host, out, pending)) return out;
    // Exposure of a package: the widest of the sockets its processes listen on.
    std::unordered_map<std::string_view, core::Exposure> exposure;
    for (const auto& socket : host.listening) {
      if (socket.package.empty()) continue;
      auto& e = exposure[socket.package];
      e = std::max(e, socket.exposure);
    }
    std::size_t count = 0;
    for (const PendingPackage& p : pending) count += p.verdict->findings.size();
    out.findings.reserve(count);
    for (const PendingPackage& p : pending) {
      core::Exposure package_exposure = core::Exposure::kNone;
      if (!exposure.empty()) {
        if (auto it = exposure.find(p.package->name); it != exposure.end()) {
          package_exposure = it->second;
        }
      }
      for (const Template& t : p.verdict->findings) {
        core::Finding& f = out.findings.emplace_back();
        f.package = p.package->name;
        f.source_package = p.source_name;
        f.installed_version = p.package->version;
        f.fixed_version = t.fixed_version;
        f.state = t.state;
        f.advisories = t.advisories;
        f.cves = t.cves;
        f.severity = t.severity;
        f.vendor_severity = t.vendor_severity;
        f.cvss_score = t.cvss_score;
        f.fix_available_since = t.fix_available_since;
        f.kev_due_date = t.kev_due_date;
        f.exposure = package_exposure;
      }
    }
    return out;
  }

  HostSummary summarize_host(Worker& worker, const core::HostReport& host) {
    HostSummary summary;
    core::HostFindings ignored;
    std::vector<PendingPackage> pending;
    if (!collect(worker, host, ignored, pending)) return summary;
    for (const PendingPackage& p : pending) {
      const HostSummary& c = p.verdict->counts;
      summary.findings += c.findings;
      for (std::size_t s = 0; s < std::size(c.by_severity); ++s) {
        summary.by_severity[s] += c.by_severity[s];
      }
      summary.unfixed += c.unfixed;
      summary.kev += c.kev;
    }
    return summary;
  }

  unsigned thread_count(std::size_t count) const {
    unsigned threads = options.threads != 0 ? options.threads : std::thread::hardware_concurrency();
    if (threads == 0) threads = 1;
    return static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(count, 1)));
  }

  /// Runs `work(worker, i)` for i in [0, count) on thread_count(count) threads, each with its
  /// own Worker.
  template <typename Work>
  void parallel_for(std::size_t count, const Work& work) {
    const unsigned threads = thread_count(count);
    std::vector<Worker> workers(threads);
    std::atomic<std::size_t> next{0};
    constexpr std::size_t kChunk = 16;
    auto run = [&](unsigned id) {
      for (;;) {
        const std::size_t begin = next.fetch_add(kChunk, std::memory_order_relaxed);
        if (begin >= count) break;
        const std::size_t end = std::min(count, begin + kChunk);
        for (std::size_t i = begin; i < end; ++i) work(workers[id], id, i);
      }
      flush(workers[id]);
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(run, t);
    run(0);
    for (auto& thread : pool) thread.join();
  }
};

Matcher::Matcher(const index::Index& index, MatchOptions options)
    : impl_(std::make_unique<Impl>(index, std::move(options))) {}

Matcher::~Matcher() = default;

core::HostFindings Matcher::match_host(const core::HostReport& host) const {
  Worker worker;
  worker.use_local_cache = false;
  core::HostFindings out = impl_->match_host(worker, host);
  impl_->flush(worker);
  return out;
}

std::vector<core::HostFindings> Matcher::match_fleet(
    std::span<const core::HostReport> hosts) const {
  std::vector<core::HostFindings> out(hosts.size());
  impl_->parallel_for(hosts.size(), [&](Worker& worker, unsigned, std::size_t i) {
    out[i] = impl_->match_host(worker, hosts[i]);
  });
  return out;
}

void Matcher::match_stream(
    std::size_t count, const std::function<void(std::size_t, core::HostReport&)>& produce,
    const std::function<void(std::size_t, core::HostFindings&&)>& consume) const {
  std::vector<core::HostReport> buffers(impl_->thread_count(count));
  impl_->parallel_for(count, [&](Worker& worker, unsigned id, std::size_t i) {
    core::HostReport& report = buffers[id];
    produce(i, report);
    consume(i, impl_->match_host(worker, report));
  });
}

HostSummary Matcher::summarize_host(const core::HostReport& host) const {
  Worker worker;
  worker.use_local_cache = false;
  const HostSummary summary = impl_->summarize_host(worker, host);
  impl_->flush(worker);
  return summary;
}

void Matcher::summarize_stream(
    std::size_t count, const std::function<void(std::size_t, core::HostReport&)>& produce,
    const std::function<void(std::size_t, const HostSummary&)>& consume) const {
  std::vector<core::HostReport> buffers(impl_->thread_count(count));
  impl_->parallel_for(count, [&](Worker& worker, unsigned id, std::size_t i) {
    core::HostReport& report = buffers[id];
    produce(i, report);
    consume(i, impl_->summarize_host(worker, report));
  });
}

MatchStats Matcher::stats() const {
  MatchStats s;
  s.hosts = impl_->hosts.load();
  s.packages = impl_->packages.load();
  s.distinct_tuples = impl_->misses.load();
  const std::size_t lookups = impl_->lookups.load();
  s.shared_hits = lookups > s.distinct_tuples ? lookups - s.distinct_tuples : 0;
  return s;
}

std::vector<core::HostFindings> match(const index::Index& index,
                                      std::span<const core::HostReport> hosts,
                                      const MatchOptions& options) {
  return Matcher(index, options).match_fleet(hosts);
}

}  // namespace fleetpatch::match
