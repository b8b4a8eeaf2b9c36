// Matcher implementation. The work splits in two:
//  - judge(): one distinct (release, name, version, module, source) tuple against the index, giving
//  the
//    merged finding templates for it. Done once per tuple per Matcher, under the lock of the cache
//    shard the tuple hashes to, so no tuple is ever judged twice.
//  - per host: resolve the release, look every package's tuple up in the cache, and turn the
//    shared templates into the host's findings.
#include "match/matcher.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>

#include "distro/distro.hpp"
#include "match/runtime_facts.hpp"
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

struct Verdict {
  /// The findings the tuple gives, shared by every host that has it (HostMatches points into
  /// them: a Verdict is never changed once cached). Sorted by (first advisory, fixed version).
  std::vector<FindingPayload> findings;
  std::string problem;  // why the tuple could not be judged fully; "" = none
  HostSummary counts;   // what `findings` adds to a host's summary
};

/// `source` is the installed binary's source package name when the family has entries naming
/// source packages (Distro::entry_names_source) and it differs from the binary's; else "".
struct TupleView {
  std::string_view release, name, version, module, source;
  std::size_t hash;
};

/// A cached tuple's key: its five fields back to back in one string, and their lengths. A
/// lookup compares one block of bytes that Shard::prefetch_key loads ahead; five strings of
/// their own were up to five more cache misses per lookup (names and versions are often longer
/// than a string's inline buffer).
class TupleKey {
 public:
  explicit TupleKey(const TupleView& t)
      : hash(t.hash),
        lengths_{t.name.size(), t.version.size(), t.module.size(), t.source.size(),
                 t.release.size()} {
    bytes_.reserve(t.name.size() + t.version.size() + t.module.size() + t.source.size() +
                   t.release.size());
    for (const std::string_view field : {t.name, t.version, t.module, t.source, t.release}) {
      bytes_.append(field);
    }
  }

  bool equals(const TupleView& t) const {
    const std::string_view fields[] = {t.name, t.version, t.module, t.source, t.release};
    for (std::size_t i = 0; i < lengths_.size(); ++i) {
      if (fields[i].size() != lengths_[i]) return false;
    }
    const char* at = bytes_.data();
    for (const std::string_view field : fields) {
      // An empty view may hold a null pointer, which memcmp must not be given.
      if (!field.empty() && std::memcmp(at, field.data(), field.size()) != 0) return false;
      at += field.size();
    }
    return true;
  }

  const char* bytes() const { return bytes_.data(); }

  std::size_t hash;

 private:
  std::array<std::size_t, 5> lengths_;  // name, version, module, source, release
  std::string bytes_;
};

// The tuple hash, inline: std::hash<std::string_view> (libstdc++'s out-of-line murmur) was 6% of
// the server's CPU at two or three calls per package. This is wyhash's construction: the 128-bit
// product of two words, folded. Inputs are short (names, versions): up to 16 bytes take two
// (possibly overlapping) loads and one multiply.
__extension__ using Uint128 = unsigned __int128;  // GCC's and Clang's; __extension__: -Wpedantic

std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) {
  const auto product = static_cast<Uint128>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

std::uint64_t load_word(const char* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::uint64_t load_half(const char* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

constexpr std::uint64_t kHashK0 = 0xa0761d6478bd642fULL;
constexpr std::uint64_t kHashK1 = 0xe7037ed1a0b428dbULL;
constexpr std::uint64_t kHashK2 = 0x8ebc6af09c88c6e3ULL;

/// `text` folded into `seed`. Every byte and the length count; the result depends on the order
/// in which texts are folded.
std::uint64_t hash_text(std::uint64_t seed, std::string_view text) {
  const char* p = text.data();
  std::size_t n = text.size();
  seed ^= fold_multiply(n ^ kHashK0, seed ^ kHashK1);
  while (n > 16) {
    seed = fold_multiply(load_word(p) ^ kHashK1, load_word(p + 8) ^ seed);
    p += 16;
    n -= 16;
  }
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  if (n >= 8) {
    a = load_word(p);
    b = load_word(p + n - 8);
  } else if (n >= 4) {
    a = load_half(p);
    b = load_half(p + n - 4);
  } else if (n > 0) {
    const auto byte = [p](std::size_t i) {
      return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i]));
    };
    a = (byte(0) << 16) | (byte(n >> 1) << 8) | byte(n - 1);
  }
  return fold_multiply(a ^ kHashK1, b ^ seed);
}

std::size_t hash_tuple(std::size_t release_hash, std::string_view name, std::string_view version,
                       std::string_view module, std::string_view source) {
  std::uint64_t seed = release_hash;
  for (const std::string_view part : {name, version, module, source}) seed = hash_text(seed, part);
  // Shard::find masks the low bits and shard_of takes bits 20..25: mixed once more so both see
  // every input bit.
  return fold_multiply(seed ^ kHashK2, kHashK0);
}

/// The hash of a release key, the seed of its tuples' hashes.
std::size_t hash_release(std::string_view release) { return hash_text(kHashK2, release); }

constexpr std::size_t kShards = 64;

struct CachedVerdict {
  TupleKey key;
  Verdict verdict;
};

/// One shard of the shared cache: open addressing over a power-of-two table of (hash, entry)
/// slots. std::unordered_map's lookup divided by a prime bucket count for every node of a chain
/// it walked, and that was most of a fleet server's matching time (~560 lookups a report).
///
/// Lookups take no lock. An entry never changes once it is in a table, and nothing a lookup can
/// reach is freed while the shard lives: entries live in a deque (stable addresses), and a table
/// replaced by a larger one is kept (the tables of a shard add up to less than twice its last).
/// A slot is written once, its hash before its entry pointer (release); a lookup reads the entry
/// pointer (acquire), then the hash. A lookup on a table being replaced, or racing an insertion,
/// may miss an entry: the caller then takes the mutex and looks again before it inserts, so a
/// tuple is still judged once. With no lock per lookup, a host's ~560 lookups can also load
/// their slots, entries and key bytes ahead (prefetch_slot, prefetch_entry, prefetch_key): each
/// is a cache miss in a table shared by the whole fleet.
class Shard {
 public:
  std::mutex mutex;  // held by insert(), and by callers around find-then-insert

  const CachedVerdict* find(const TupleView& tuple) const {
    const Table* table = table_.load(std::memory_order_acquire);
    if (table == nullptr) return nullptr;
    for (std::size_t i = slot_of(tuple.hash, table->mask);; i = (i + 1) & table->mask) {
      const Slot& slot = table->slots[i];
      const CachedVerdict* entry = slot.entry.load(std::memory_order_acquire);
      if (entry == nullptr) return nullptr;
      if (slot.hash == tuple.hash && entry->key.equals(tuple)) return entry;
    }
  }

  /// Starts loading the slot find(hash) looks at first.
  void prefetch_slot(std::size_t hash) const {
    const Table* table = table_.load(std::memory_order_acquire);
    if (table != nullptr) __builtin_prefetch(&table->slots[slot_of(hash, table->mask)]);
  }

  /// Starts loading the entry of that slot (its key and verdict: 256 bytes from its start), if
  /// it has one. A few lookups after prefetch_slot(hash), when the slot has arrived.
  void prefetch_entry(std::size_t hash) const {
    const Table* table = table_.load(std::memory_order_acquire);
    if (table == nullptr) return;
    const CachedVerdict* entry =
        table->slots[slot_of(hash, table->mask)].entry.load(std::memory_order_relaxed);
    if (entry == nullptr) return;
    const char* bytes = reinterpret_cast<const char*>(entry);
    for (std::size_t offset = 0; offset < 256; offset += 64) __builtin_prefetch(bytes + offset);
  }

  /// Starts loading that entry's key bytes, a few lookups after prefetch_entry(hash).
  void prefetch_key(std::size_t hash) const {
    const Table* table = table_.load(std::memory_order_acquire);
    if (table == nullptr) return;
    const CachedVerdict* entry =
        table->slots[slot_of(hash, table->mask)].entry.load(std::memory_order_acquire);
    if (entry != nullptr) __builtin_prefetch(entry->key.bytes());
  }

  /// Adds a tuple that find() did not find. The caller holds `mutex`.
  const CachedVerdict& insert(TupleKey key, Verdict verdict) {
    if ((entries_.size() + 1) * 10 > capacity_ * 7) grow();
    const CachedVerdict& entry =
        entries_.emplace_back(CachedVerdict{std::move(key), std::move(verdict)});
    place(*tables_.back(), &entry);
    return entry;
  }

 private:
  struct Slot {
    std::size_t hash = 0;  // written before `entry`, read after it
    std::atomic<const CachedVerdict*> entry{nullptr};
  };
  struct Table {
    explicit Table(std::size_t size) : mask(size - 1), slots(new Slot[size]) {}
    std::size_t mask;
    std::unique_ptr<Slot[]> slots;
  };

  static std::size_t slot_of(std::size_t hash, std::size_t mask) {
    return (hash ^ (hash >> 29)) & mask;  // the shard was chosen by bits 20 and up
  }

  static void place(Table& table, const CachedVerdict* entry) {
    std::size_t i = slot_of(entry->key.hash, table.mask);
    while (table.slots[i].entry.load(std::memory_order_relaxed) != nullptr) {
      i = (i + 1) & table.mask;
    }
    table.slots[i].hash = entry->key.hash;
    table.slots[i].entry.store(entry, std::memory_order_release);
  }

  void grow() {
    capacity_ = std::max<std::size_t>(64, capacity_ * 2);
    auto table = std::make_unique<Table>(capacity_);
    for (const auto& entry : entries_) place(*table, &entry);
    table_.store(table.get(), std::memory_order_release);
    tables_.push_back(std::move(table));  // the previous ones stay: lookups may be reading them
  }

  std::atomic<const Table*> table_{nullptr};    // the current table, tables_.back()
  std::vector<std::unique_ptr<Table>> tables_;  // every table this shard has had
  std::size_t capacity_ = 0;
  std::deque<CachedVerdict> entries_;
};

/// The shared cache. Owned through a shared_ptr: the HostMatches of match_stream point into its
/// verdicts and keep it alive (HostMatches::payload_owners).
struct VerdictStore {
  Shard shards[kShards];
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

/// Adds one finding to a summary.
void count(HostSummary& summary, FindingState state, core::Severity severity, bool kev) {
  ++summary.findings;
  ++summary.by_severity[static_cast<std::size_t>(severity)];
  ++summary.by_state[static_cast<std::size_t>(state)];
  if (state == FindingState::kUnfixed || state == FindingState::kWillNotFix) ++summary.unfixed;
  if (kev) ++summary.kev;
}

/// One finding of the advisories `group` (index order = id order) with one state and fixed
/// version: their CVEs merged, the most severe advisory leading (see matcher.hpp, "Merging").
FindingPayload make_template(const index::Index& index, FindingState state,
                             std::string fixed_version, std::span<const std::uint32_t> group) {
  FindingPayload t;
  t.state = state;
  t.fixed_version = std::move(fixed_version);
  bool have_lead = false;
  std::optional<double> lead_cvss;
  for (const std::uint32_t advisory : group) {
    const index::AdvisoryView a = index.advisory(advisory);
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
    if (state != FindingState::kUnfixed && state != FindingState::kWillNotFix &&
        !a.published().empty() &&
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
  return t;
}

/// The entries that judge a tuple, grouped by advisory in index order: those under the binary's
/// name, merged with those under its source name that name the source
/// (Distro::entry_names_source; Red Hat's CSAF-VEX "known affected" SRPMs).
std::vector<index::EntryView> entries_for(const index::Index& index, const distro::Distro& distro,
                                          const TupleView& tuple) {
  const index::EntryRange by_name = index.lookup(tuple.release, tuple.name);
  std::vector<index::EntryView> entries(by_name.begin(), by_name.end());
  if (tuple.source.empty()) return entries;
  std::vector<index::EntryView> by_source;
  for (const index::EntryView entry : index.lookup(tuple.release, tuple.source)) {
    if (distro.entry_names_source(entry.origin(), entry.state())) by_source.push_back(entry);
  }
  if (by_source.empty()) return entries;
  std::vector<index::EntryView> merged;
  merged.reserve(entries.size() + by_source.size());
  std::merge(entries.begin(), entries.end(), by_source.begin(), by_source.end(),
             std::back_inserter(merged), [](const index::EntryView& a, const index::EntryView& b) {
               return a.advisory_index() < b.advisory_index();
             });
  return merged;
}

Verdict judge(const index::Index& index, const MatchOptions& options, const distro::Distro& distro,
              core::PackageFormat format, const TupleView& tuple) {
  Verdict verdict;
  const std::vector<index::EntryView> entries = entries_for(index, distro, tuple);
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
  std::vector<std::uint32_t> group;
  for (std::size_t i = 0; i < hits.size();) {
    std::size_t end = i;
    group.clear();
    while (end < hits.size() && hits[end].state == hits[i].state &&
           hits[end].fixed_version == hits[i].fixed_version) {
      group.push_back(hits[end].advisory);
      ++end;
    }
    verdict.findings.push_back(
        make_template(index, hits[i].state, std::string(hits[i].fixed_version), group));
    i = end;
  }
  std::sort(verdict.findings.begin(), verdict.findings.end(),
            [](const FindingPayload& a, const FindingPayload& b) {
              return std::tie(a.advisories.front(), a.fixed_version) <
                     std::tie(b.advisories.front(), b.fixed_version);
            });
  for (const FindingPayload& t : verdict.findings)
    count(verdict.counts, t.state, t.severity, t.kev_due_date.has_value());
  return verdict;
}

/// For a package that is fixed on disk while a process still maps its replaced code: the
/// advisories of the newest fix the installed version contains, which the old copy presumably
/// lacks (matcher.hpp, "Restart pending"). nullopt when the installed version contains no fix.
std::optional<FindingPayload> judge_restart(const index::Index& index, const MatchOptions& options,
                                            const distro::Distro& distro,
                                            core::PackageFormat format, const TupleView& tuple) {
  const std::vector<index::EntryView> entries = entries_for(index, distro, tuple);
  if (entries.empty()) return std::nullopt;
  std::string error;
  const auto installed = AnyVersion::parse(format, tuple.version, &error);
  if (!installed) return std::nullopt;
  struct Fix {
    std::uint32_t advisory;
    std::string_view text;
    AnyVersion version;
  };
  std::vector<Fix> fixes;
  for (std::size_t i = 0; i < entries.size();) {
    const std::uint32_t advisory_index = entries[i].advisory_index();
    std::size_t end = i;
    while (end < entries.size() && entries[end].advisory_index() == advisory_index) ++end;
    const index::AdvisoryView advisory = index.advisory(advisory_index);
    const bool wanted = advisory.kind() == core::AdvisoryKind::kSecurity &&
                        severity_allowed(options, advisory.severity());
    bool skip = !wanted;
    std::optional<Fix> newest;
    for (std::size_t j = i; j < end && !skip; ++j) {
      const index::EntryView entry = entries[j];
      if (!distro::module_applies(entry.module(), tuple.module)) continue;
      std::string problem;
      if (entry.state() == FixState::kNotAffected ||
          evaluate(entry, *installed, format, &problem)) {
        skip = true;  // suppressed, or still affected: then it is an open finding, not this
        break;
      }
      for (std::size_t e = 0; e < entry.event_count(); ++e) {
        const index::EventView ev = entry.event(e);
        if (ev.type != VersionEvent::Type::kFixed) continue;
        auto v = AnyVersion::parse(format, ev.version, &error);
        if (!v || installed->compare(*v) < 0) continue;
        if (!newest || v->compare(newest->version) > 0) {
          newest.emplace(Fix{advisory_index, ev.version, std::move(*v)});
        }
      }
    }
    i = end;
    if (!skip && newest) fixes.push_back(std::move(*newest));
  }
  if (fixes.empty()) return std::nullopt;
  const Fix* top = &fixes.front();
  for (const Fix& fix : fixes) {
    if (fix.version.compare(top->version) > 0) top = &fix;
  }
  std::vector<std::uint32_t> group;
  for (const Fix& fix : fixes) {
    if (fix.version.compare(top->version) == 0) group.push_back(fix.advisory);
  }
  return make_template(index, FindingState::kFixedPendingRestart, std::string(top->text), group);
}

// ---- per host --------------------------------------------------------------------------------

/// The end-of-life finding's severity (matcher.hpp, "End of life").
constexpr core::Severity kEndOfLifeSeverity = core::Severity::kHigh;

std::string format_day(std::chrono::year_month_day day) {
  return core::format_rfc3339(core::TimePoint{std::chrono::sys_days{day}}).substr(0, 10);
}

/// The host's end-of-life finding at options.as_of, when its release is past its vendor's support
/// (matcher.hpp, "End of life").
std::optional<core::Finding> end_of_life_finding(const core::HostReport& host,
                                                 const distro::Release& release,
                                                 const MatchOptions& options) {
  if (!options.as_of || !severity_allowed(options, kEndOfLifeSeverity)) return std::nullopt;
  const auto dates = release.distro->lifecycle(release.key);
  if (!dates || !dates->past_end_of_life(*options.as_of)) return std::nullopt;
  core::Finding f;
  f.installed_version = host.os.version_id;
  f.state = FindingState::kEndOfLife;
  f.advisories.push_back("EOL:" + release.key);
  f.severity = kEndOfLifeSeverity;
  core::EndOfLife& eol = f.end_of_life.emplace();
  eol.release = release.key;
  eol.last_supported_day = format_day(dates->last_supported_day());
  eol.since = core::format_rfc3339(dates->end_of_life());
  eol.source = dates->source;
  if (dates->paid_end) {
    eol.paid_program = dates->paid_program;
    eol.paid_until = format_day(*dates->paid_end);
  }
  return f;
}

/// One installed package that has findings, with the shared verdict of its tuple.
struct PendingPackage {
  const core::Package* package;
  std::string_view source_name;
  const Verdict* verdict;
  /// Taken over by the runtime rules: its findings are dropped (an installed kernel that is not
  /// running) or rewritten (the running kernel's), see Impl::apply_runtime.
  bool runtime = false;
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
          slot.module_length == tuple.module.size() && slot.source_length == tuple.source.size() &&
          key_equals(slot, tuple)) {
        return slot.verdict;
      }
    }
  }

  void insert(const TupleView& tuple, const Verdict* verdict) {
    if ((size_ + 1) * 10 > slots_.size() * 7) grow();
    Slot slot;
    slot.hash = tuple.hash;
    slot.verdict = verdict;
    const std::size_t length =
        tuple.name.size() + tuple.version.size() + tuple.module.size() + tuple.source.size();
    if (tuple.name.size() > 0xffff || tuple.version.size() > 0xffff ||
        tuple.module.size() > 0xffff || tuple.source.size() > 0xffff) {
      return;  // absurd lengths: not cached locally, the shared cache still answers
    }
    slot.name_length = static_cast<std::uint16_t>(tuple.name.size());
    slot.version_length = static_cast<std::uint16_t>(tuple.version.size());
    slot.module_length = static_cast<std::uint16_t>(tuple.module.size());
    slot.source_length = static_cast<std::uint16_t>(tuple.source.size());
    char* out = slot.key;
    if (length > sizeof slot.key) {
      overflow_.emplace_back(length, '\0');
      out = overflow_.back().data();
      slot.overflow = out;
    }
    std::memcpy(out, tuple.name.data(), tuple.name.size());
    std::memcpy(out + tuple.name.size(), tuple.version.data(), tuple.version.size());
    out += tuple.name.size() + tuple.version.size();
    std::memcpy(out, tuple.module.data(), tuple.module.size());
    // An empty view may hold a null pointer, which memcpy must not be given.
    if (!tuple.source.empty()) {
      std::memcpy(out + tuple.module.size(), tuple.source.data(), tuple.source.size());
    }
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
    std::uint16_t source_length = 0;
    char key[32];  // name, version, module, source, back to back
  };
  static_assert(sizeof(Slot) == 64);

  static bool key_equals(const Slot& slot, const TupleView& tuple) {
    const char* key = slot.overflow != nullptr ? slot.overflow : slot.key;
    const char* module = key + tuple.name.size() + tuple.version.size();
    return std::memcmp(key, tuple.name.data(), tuple.name.size()) == 0 &&
           std::memcmp(key + tuple.name.size(), tuple.version.data(), tuple.version.size()) == 0 &&
           std::memcmp(module, tuple.module.data(), tuple.module.size()) == 0 &&
           (tuple.source.empty() || std::memcmp(module + tuple.module.size(), tuple.source.data(),
                                                tuple.source.size()) == 0);
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

/// What collect() resolved about a host, for the lookups the runtime rules make.
struct HostContext {
  const distro::Distro* distro = nullptr;
  core::PackageFormat format = core::PackageFormat::kUnknown;
  bool by_source = false;
  /// Binary-matched, with entries naming source packages (Distro::some_entries_name_source).
  bool source_entries = false;
  std::string_view release;  // into the resolved release key, alive as long as `key`
  std::string key;
  std::size_t release_hash = 0;
  LocalCache* cache = nullptr;
  /// The host's end-of-life finding, when it has one; set even when collect() returns false.
  std::optional<core::Finding> end_of_life;
};

/// The source name a binary-matched package is also judged by (TupleView::source), or "".
std::string_view source_lookup_name(const HostContext& ctx, const core::Package& p) {
  if (!ctx.source_entries || p.source_name.empty() || p.source_name == p.name) return {};
  return p.source_name;
}

/// The cache key of a lookup.
TupleView tuple_of(const HostContext& ctx, std::string_view name, std::string_view version,
                   std::string_view module, std::string_view source) {
  return {ctx.release, name,   version,
          module,      source, hash_tuple(ctx.release_hash, name, version, module, source)};
}

/// The name and version a package is matched by (source or binary, per the family).
std::pair<std::string_view, std::string_view> match_name_version(const HostContext& ctx,
                                                                 const core::Package& p) {
  if (ctx.by_source && !p.source_name.empty()) {
    return {p.source_name, p.source_version.empty() ? std::string_view(p.version)
                                                    : std::string_view(p.source_version)};
  }
  return {p.name, p.version};
}

void fill(core::Finding& f, std::string_view name, std::string_view source_name,
          std::string_view version, const FindingPayload& t) {
  f.package = name;
  f.source_package = source_name;
  f.installed_version = version;
  f.fixed_version = t.fixed_version;
  f.state = t.state;
  f.advisories = t.advisories;
  f.cves = t.cves;
  f.severity = t.severity;
  f.vendor_severity = t.vendor_severity;
  f.cvss_score = t.cvss_score;
  f.fix_available_since = t.fix_available_since;
  f.kev_due_date = t.kev_due_date;
}

/// Whether any advisory of `t` is among the (sorted) ids `open`.
bool shares_advisory(const FindingPayload& t, const std::vector<std::string_view>& open) {
  return std::any_of(t.advisories.begin(), t.advisories.end(), [&open](const std::string& id) {
    return std::binary_search(open.begin(), open.end(), std::string_view(id));
  });
}

/// The advisory ids of a verdict's findings, sorted.
std::vector<std::string_view> open_advisories(const Verdict& verdict) {
  std::vector<std::string_view> ids;
  for (const FindingPayload& t : verdict.findings) {
    for (const auto& id : t.advisories) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

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
  std::shared_ptr<VerdictStore> store = std::make_shared<VerdictStore>();
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

  Shard& shard_of(std::size_t hash) const { return store->shards[(hash >> 20) % kShards]; }

  const Verdict& verdict_for(Worker& worker, LocalCache& cache, const distro::Distro& distro,
                             core::PackageFormat format, const TupleView& tuple) {
    ++worker.lookups;
    if (worker.use_local_cache) {
      if (const Verdict* local = cache.find(tuple)) return *local;
    }
    Shard& shard = shard_of(tuple.hash);
    const CachedVerdict* cached = shard.find(tuple);
    if (cached == nullptr) {
      // Not found without the lock; under it, look again (another thread may have just added
      // it) before judging, so that no tuple is judged twice.
      std::lock_guard lock(shard.mutex);
      cached = shard.find(tuple);
      if (cached == nullptr) {
        misses.fetch_add(1, std::memory_order_relaxed);
        cached = &shard.insert(TupleKey(tuple), judge(index, options, distro, format, tuple));
      }
    }
    if (worker.use_local_cache) cache.insert(tuple, &cached->verdict);
    return cached->verdict;
  }

  /// Resolves the host and collects its packages that have findings, sorted by (name, version,
  /// source) and without duplicates. Returns false (with notes) when the host cannot be matched.
  bool collect(Worker& worker, const core::HostReport& host, core::HostFindings& out,
               HostContext& ctx, std::vector<PendingPackage>& pending) {
    ++worker.hosts;
    auto release = distro::resolve_os(host.os);
    if (!release) {
      std::string what =
          host.os.name.empty() ? host.os.id + " " + host.os.version_id : host.os.name;
      if (host.os.id.empty() && host.os.name.empty()) what = "(no os-release)";
      out.notes.push_back("unknown or unsupported operating system \"" + what +
                          "\": no advisories can apply; packages not matched");
      return false;
    }
    out.release = release->key;
    ctx.end_of_life = end_of_life_finding(host, *release, options);
    if (!index.has_release(release->key)) {
      out.notes.push_back("no advisories imported for " + release->key +
                          ": run `fleetpatch feed import PATH...` with its feed; packages not "
                          "matched");
      return false;
    }
    ctx.distro = release->distro;
    ctx.key = std::move(release->key);
    ctx.release = ctx.key;
    const distro::Distro& distro = *ctx.distro;
    ctx.format = distro.package_format();
    ctx.by_source = distro.matches_source_names();
    ctx.source_entries = !ctx.by_source && distro.some_entries_name_source();
    ctx.release_hash = hash_release(ctx.release);
    for (auto& [key, c] : worker.caches) {
      if (key == ctx.key) ctx.cache = &c;
    }
    if (ctx.cache == nullptr) ctx.cache = &worker.caches.emplace_back(ctx.key, LocalCache{}).second;
    std::size_t problems = 0;
    worker.packages += host.packages.size();
    // Every package's lookup key first, so that the shared cache's slots and then entries can
    // be fetched a few lookups ahead (Shard::prefetch_slot, prefetch_entry, prefetch_key); the
    // local cache (match_stream) is small and needs none.
    thread_local std::vector<TupleView> tuples;
    thread_local std::vector<std::string> modules;  // reserved: views into them stay valid
    tuples.clear();
    modules.clear();
    modules.reserve(host.packages.size());
    for (const core::Package& p : host.packages) {
      const auto [name, version] = match_name_version(ctx, p);
      // Distro::module_of is "" for a package from no module; skipping the call for those
      // keeps a string out of the per-package path. (No module is "", not a null view: the
      // local cache memcpy()s and memcmp()s it.)
      const std::string_view module =
          p.module ? modules.emplace_back(distro.module_of(p)) : std::string_view("");
      tuples.push_back(tuple_of(ctx, name, version, module, source_lookup_name(ctx, p)));
    }
    constexpr std::size_t kKeyAhead = 4;    // the key bytes this many lookups ahead,
    constexpr std::size_t kEntryAhead = 8;  // the entry this many,
    constexpr std::size_t kSlotAhead = 12;  // its slot this many
    const bool prefetch = !worker.use_local_cache;
    for (std::size_t i = 0; i < host.packages.size(); ++i) {
      const core::Package& p = host.packages[i];
      if (prefetch) {
        if (i + kSlotAhead < tuples.size()) {
          shard_of(tuples[i + kSlotAhead].hash).prefetch_slot(tuples[i + kSlotAhead].hash);
        }
        if (i + kEntryAhead < tuples.size()) {
          shard_of(tuples[i + kEntryAhead].hash).prefetch_entry(tuples[i + kEntryAhead].hash);
        }
        if (i + kKeyAhead < tuples.size()) {
          shard_of(tuples[i + kKeyAhead].hash).prefetch_key(tuples[i + kKeyAhead].hash);
        }
      }
      const Verdict& verdict = verdict_for(worker, *ctx.cache, distro, ctx.format, tuples[i]);
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

  /// The shared verdict of `package` judged at `version` (a kernel's other build, a livepatch's
  /// effective kernel) instead of its installed one.
  const Verdict& verdict_at(Worker& worker, const HostContext& ctx, const core::Package& package,
                            std::string_view version) {
    const std::string module = package.module ? ctx.distro->module_of(package) : std::string();
    const std::string_view name = match_name_version(ctx, package).first;
    const TupleView tuple = tuple_of(ctx, name, version, module, source_lookup_name(ctx, package));
    return verdict_for(worker, *ctx.cache, *ctx.distro, ctx.format, tuple);
  }

  /// The runtime rules (matcher.hpp, "Runtime rules"): marks the pending packages whose findings
  /// they replace (`runtime`) and appends the replacing findings, and the pending-restart ones,
  /// to `findings`. Touches only kernel packages and the packages of pending restarts. `notes`
  /// is null when the caller discards them (summaries), which skips the work of writing them.
  void apply_runtime(Worker& worker, const core::HostReport& host, const HostContext& ctx,
                     const RuntimeFacts& facts, std::vector<PendingPackage>& pending,
                     std::vector<core::Finding>& findings, std::vector<std::string>* notes) {
    if (!host.kernel.running.empty()) {
      apply_kernel_rules(worker, host, ctx, facts, pending, findings, notes);
    }
    if (!host.pending_restart.empty()) apply_restart_rule(host, ctx, facts, findings);
  }

  void apply_kernel_rules(Worker& worker, const core::HostReport& host, const HostContext& ctx,
                          const RuntimeFacts& facts, std::vector<PendingPackage>& pending,
                          std::vector<core::Finding>& findings, std::vector<std::string>* notes) {
    const std::string& running = host.kernel.running;
    std::vector<PendingPackage*> running_kernel;
    // Releases of installed, not running kernels whose findings are left out, and how many.
    std::vector<std::pair<std::string, std::size_t>> inactive;
    for (PendingPackage& p : pending) {
      auto kernel = ctx.distro->kernel_package(*p.package);
      if (!kernel) continue;
      if (kernel->release == running) {
        running_kernel.push_back(&p);
        continue;
      }
      if (options.report_inactive_kernels) continue;
      p.runtime = true;
      if (notes == nullptr) continue;
      auto it = std::find_if(inactive.begin(), inactive.end(),
                             [&](const auto& entry) { return entry.first == kernel->release; });
      if (it == inactive.end()) it = inactive.insert(inactive.end(), {kernel->release, 0});
      it->second += p.verdict->findings.size();
    }
    if (notes != nullptr) {
      std::sort(inactive.begin(), inactive.end());
      for (const auto& [release, n] : inactive) {
        std::string note = "kernel ";
        note += release;
        note += " is installed but not running: its ";
        note += std::to_string(n);
        note += n == 1 ? " finding is" : " findings are";
        note += " not reported (kernel advisories are judged against the running kernel ";
        note += running;
        note += ")";
        notes->push_back(std::move(note));
      }
      if (running_kernel.empty() && !inactive.empty() && facts.running_kernel_packages().empty()) {
        notes->push_back("the running kernel " + running +
                         " has no installed package: its advisories cannot be judged");
      }
    }
    if (running_kernel.empty()) return;
    const std::vector<const core::Livepatch*>& in_force = facts.livepatches_in_force();
    const core::Livepatch* effective = facts.effective_kernel_patch();
    // Another build can be installed only if the report's own list says so, or has none.
    const bool other_builds =
        host.kernel.installed.empty() ||
        std::any_of(host.kernel.installed.begin(), host.kernel.installed.end(),
                    [&](const std::string& r) { return r != running; });
    if (in_force.empty() && !other_builds) return;  // nothing can change: the common case

    for (PendingPackage* p : running_kernel) {
      // What changes per template, worked out before any finding is built: most running
      // kernels of a fleet have no livepatch and no other build, and then nothing is copied.
      const std::vector<FindingPayload>& templates = p->verdict->findings;
      const std::size_t n = templates.size();
      std::vector<std::uint8_t> by_effective(n, 0);
      std::vector<const core::Package*> reboot_into(n, nullptr);
      bool changed = false;

      // KernelCare: judged at the effective kernel, what it no longer has is mitigated.
      if (effective != nullptr) {
        const auto version =
            ctx.distro->kernel_package_version(effective->effective_kernel, *p->package);
        if (version) {
          const auto open = open_advisories(verdict_at(worker, ctx, *p->package, *version));
          for (std::size_t i = 0; i < n; ++i) {
            if (shares_advisory(templates[i], open)) continue;
            by_effective[i] = 1;
            changed = true;
          }
        } else if (notes != nullptr) {
          notes->push_back("livepatch " + effective->name + " reports the effective kernel " +
                           effective->effective_kernel + ", which names no version of " +
                           p->package->name + ": judged at its installed version");
        }
      }

      // A fixed build installed but not booted: fixed-pending-reboot, naming that build.
      if (other_builds && !facts.kernels_not_running().empty()) {
        const auto [name, version] = match_name_version(ctx, *p->package);
        std::string error;
        const auto running_version = AnyVersion::parse(ctx.format, version, &error);
        std::vector<std::pair<AnyVersion, const core::Package*>> newer;
        for (const core::Package* q : facts.kernels_not_running()) {
          const auto [q_name, q_version] = match_name_version(ctx, *q);
          if (q_name != name || !running_version) continue;
          auto parsed = AnyVersion::parse(ctx.format, q_version, &error);
          if (parsed && parsed->compare(*running_version) > 0) {
            newer.emplace_back(std::move(*parsed), q);
          }
        }
        std::stable_sort(newer.begin(), newer.end(),
                         [](const auto& a, const auto& b) { return a.first.compare(b.first) > 0; });
        for (const auto& [parsed, q] : newer) {  // newest first
          const auto open =
              open_advisories(verdict_at(worker, ctx, *q, match_name_version(ctx, *q).second));
          for (std::size_t i = 0; i < n; ++i) {
            if (reboot_into[i] != nullptr || by_effective[i] != 0 ||
                templates[i].state != FindingState::kFixed || shares_advisory(templates[i], open)) {
              continue;
            }
            reboot_into[i] = q;
            changed = true;
          }
        }
      }

      // CVEs named by livepatches in force: all covered is mitigated; some covered is listed.
      std::vector<std::vector<core::LivepatchCover>> covers;
      if (!in_force.empty()) {
        covers.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
          for (const core::Livepatch* lp : in_force) {
            std::vector<std::string> cves;
            for (const auto& cve : templates[i].cves) {
              if (std::find(lp->cves.begin(), lp->cves.end(), cve) != lp->cves.end()) {
                cves.push_back(cve);
              }
            }
            if (cves.empty()) continue;
            covers[i].push_back({lp->name, lp->tool, std::move(cves)});
            changed = true;
          }
        }
      }
      if (!changed) continue;

      p->runtime = true;
      for (std::size_t i = 0; i < n; ++i) {
        core::Finding& f = findings.emplace_back();
        fill(f, p->package->name, p->source_name, p->package->version, templates[i]);
        if (reboot_into[i] != nullptr) {
          f.state = FindingState::kFixedPendingReboot;
          f.fixed_version = reboot_into[i]->version;
        }
        if (by_effective[i] != 0) {
          f.state = FindingState::kMitigated;
          f.mitigated_by.push_back({effective->name, effective->tool, templates[i].cves});
        }
        if (covers.empty() || covers[i].empty()) continue;
        std::vector<std::string> covered;
        for (auto& cover : covers[i]) {
          covered.insert(covered.end(), cover.cves.begin(), cover.cves.end());
          // The effective-kernel patch, when listed already, names every CVE of the finding.
          const bool listed =
              std::any_of(f.mitigated_by.begin(), f.mitigated_by.end(),
                          [&](const auto& m) { return m.livepatch == cover.livepatch; });
          if (!listed) f.mitigated_by.push_back(std::move(cover));
        }
        std::sort(covered.begin(), covered.end());
        covered.erase(std::unique(covered.begin(), covered.end()), covered.end());
        if (!f.cves.empty() && covered.size() == f.cves.size()) f.state = FindingState::kMitigated;
        std::sort(f.mitigated_by.begin(), f.mitigated_by.end(),
                  [](const auto& a, const auto& b) { return a.livepatch < b.livepatch; });
      }
    }
  }

  void apply_restart_rule(const core::HostReport& host, const HostContext& ctx,
                          const RuntimeFacts& facts, std::vector<core::Finding>& findings) {
    std::vector<std::string_view> names;
    for (const auto& restart : host.pending_restart) {
      for (const auto& name : restart.packages) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::string module;
    const std::size_t first = findings.size();
    for (const core::Package& p : host.packages) {
      if (!std::binary_search(names.begin(), names.end(), std::string_view(p.name))) continue;
      const bool seen =
          std::any_of(findings.begin() + static_cast<std::ptrdiff_t>(first), findings.end(),
                      [&](const core::Finding& f) {
                        return f.package == p.name && f.installed_version == p.version;
                      });
      if (seen) continue;  // the same package for two architectures
      const auto [name, version] = match_name_version(ctx, p);
      module = p.module ? ctx.distro->module_of(p) : std::string();
      const TupleView tuple = tuple_of(ctx, name, version, module, source_lookup_name(ctx, p));
      const auto t = judge_restart(index, options, *ctx.distro, ctx.format, tuple);
      if (!t) continue;
      core::Finding& f = findings.emplace_back();
      fill(f, p.name, p.source_name.empty() ? p.name : p.source_name, p.version, *t);
      for (const core::PendingRestart* restart : facts.pending_restarts(p.name)) {
        f.pending_restart.push_back({restart->pid, restart->exe, restart->unit});
      }
      std::sort(f.pending_restart.begin(), f.pending_restart.end(),
                [](const auto& a, const auto& b) { return a.pid < b.pid; });
      f.pending_restart.erase(
          std::unique(f.pending_restart.begin(), f.pending_restart.end(),
                      [](const auto& a, const auto& b) { return a.pid == b.pid; }),
          f.pending_restart.end());
    }
  }

  /// A host's findings, sharing the cached payloads: what match_host gives, as references.
  HostMatches match_shared(Worker& worker, const core::HostReport& host) {
    HostMatches out;
    match_shared_into(worker, host, out);
    return out;
  }

  /// match_shared into `out`, every member overwritten; its strings and vectors keep their
  /// capacity (the server matches every report it accepts into one HostMatches per thread: a
  /// fresh one allocated ~3 strings per package with findings).
  void match_shared_into(Worker& worker, const core::HostReport& host, HostMatches& out) {
    out.host = host.host;
    out.os = host.os;
    out.findings.clear();
    out.details.clear();
    out.payload_owners.clear();
    std::size_t packages_used = 0;
    // The next package of `out`, reusing an element (and its strings' buffers) when there is one.
    // A host with fewer packages than the last one leaves the rest in spare_packages, buffers
    // and all: destroyed, they were ~1% of the server's CPU in free() and malloc() again.
    auto next_package = [&out, &packages_used]() -> MatchedPackage& {
      if (packages_used == out.packages.size()) {
        if (out.spare_packages.empty()) {
          out.packages.emplace_back();
        } else {
          out.packages.push_back(std::move(out.spare_packages.back()));
          out.spare_packages.pop_back();
        }
      }
      return out.packages[packages_used++];
    };
    auto drop_unused_packages = [&out, &packages_used] {
      for (std::size_t i = packages_used; i < out.packages.size(); ++i) {
        out.spare_packages.push_back(std::move(out.packages[i]));
      }
      out.packages.resize(packages_used);
    };
    core::HostFindings head;  // collect's notes and release
    HostContext ctx;
    std::vector<PendingPackage> pending;
    const bool matched = collect(worker, host, head, ctx, pending);
    // The host's own findings: end of life (it names no package, so it sorts first in the
    // findings' order, matcher.hpp), then those of the runtime rules.
    std::vector<core::Finding> own;
    if (ctx.end_of_life) own.push_back(std::move(*ctx.end_of_life));
    std::optional<RuntimeFacts> facts;
    if (matched) {
      facts.emplace(host, ctx.distro);
      apply_runtime(worker, host, ctx, *facts, pending, own, &head.notes);
    }
    out.release = std::move(head.release);
    out.notes = std::move(head.notes);
    const std::size_t eol = ctx.end_of_life ? 1 : 0;

    std::size_t count = own.size();
    std::size_t package_count = own.size();
    for (const PendingPackage& p : pending) {
      if (p.runtime) continue;
      count += p.verdict->findings.size();
      ++package_count;
    }
    out.findings.reserve(count);
    out.packages.reserve(package_count);
    auto add_own = [&out, &packages_used, &next_package](core::Finding& f) {
      auto payload = std::make_shared<FindingPayload>();
      payload->state = f.state;
      payload->fixed_version = std::move(f.fixed_version);
      payload->advisories = std::move(f.advisories);
      payload->cves = std::move(f.cves);
      payload->severity = f.severity;
      payload->vendor_severity = std::move(f.vendor_severity);
      payload->cvss_score = f.cvss_score;
      payload->fix_available_since = std::move(f.fix_available_since);
      payload->kev_due_date = std::move(f.kev_due_date);
      FindingRef& ref = out.findings.emplace_back();
      ref.payload = payload.get();
      ref.package = static_cast<std::uint32_t>(packages_used);
      MatchedPackage& package = next_package();
      package.name = std::move(f.package);
      package.source_name = std::move(f.source_package);
      package.version = std::move(f.installed_version);
      if (!f.mitigated_by.empty() || !f.pending_restart.empty() || f.end_of_life) {
        ref.details = static_cast<std::uint32_t>(out.details.size());
        out.details.push_back(
            {std::move(f.mitigated_by), std::move(f.pending_restart), std::move(f.end_of_life)});
      }
      out.payload_owners.push_back(std::move(payload));
    };
    if (eol != 0) add_own(own.front());
    if (!pending.empty()) out.payload_owners.push_back(store);
    for (const PendingPackage& p : pending) {
      if (p.runtime) continue;
      const auto package = static_cast<std::uint32_t>(packages_used);
      MatchedPackage& matched_package = next_package();
      matched_package.name = p.package->name;
      matched_package.source_name = p.source_name;
      matched_package.version = p.package->version;
      for (const FindingPayload& t : p.verdict->findings) {
        FindingRef& ref = out.findings.emplace_back();
        ref.payload = &t;
        ref.package = package;
      }
    }
    if (own.size() > eol) {
      for (std::size_t i = eol; i < own.size(); ++i) add_own(own[i]);
      drop_unused_packages();  // before the sort, which reads them
      // The findings' order (matcher.hpp): runtime findings take their place among the others.
      std::stable_sort(out.findings.begin(), out.findings.end(),
                       [&out](const FindingRef& a, const FindingRef& b) {
                         const MatchedPackage& pa = out.packages[a.package];
                         const MatchedPackage& pb = out.packages[b.package];
                         return std::tie(pa.name, pa.version, pa.source_name,
                                         a.payload->advisories.front(), a.payload->fixed_version) <
                                std::tie(pb.name, pb.version, pb.source_name,
                                         b.payload->advisories.front(), b.payload->fixed_version);
                       });
    }
    // Exposure: the widest listener running the package's code. Findings of one package are
    // adjacent, so each package is looked up once.
    if (facts && !host.listening.empty()) {
      const FindingRef* previous = nullptr;
      for (FindingRef& ref : out.findings) {
        const std::string& name = out.packages[ref.package].name;
        ref.exposure = previous != nullptr && out.packages[previous->package].name == name
                           ? previous->exposure
                           : facts->exposure(name);
        previous = &ref;
      }
    }
    drop_unused_packages();  // elements left from an earlier, larger host
  }

  core::HostFindings match_host(Worker& worker, const core::HostReport& host) {
    return match_shared(worker, host).to_host_findings();
  }

  HostSummary summarize_host(Worker& worker, const core::HostReport& host) {
    HostSummary summary;
    core::HostFindings ignored;
    HostContext ctx;
    std::vector<PendingPackage> pending;
    const bool matched = collect(worker, host, ignored, ctx, pending);
    if (ctx.end_of_life) count(summary, FindingState::kEndOfLife, ctx.end_of_life->severity, false);
    if (!matched) return summary;
    const RuntimeFacts facts(host, ctx.distro);
    std::vector<core::Finding> runtime;
    apply_runtime(worker, host, ctx, facts, pending, runtime, nullptr);
    for (const PendingPackage& p : pending) {
      if (p.runtime) continue;
      const HostSummary& c = p.verdict->counts;
      summary.findings += c.findings;
      for (std::size_t s = 0; s < std::size(c.by_severity); ++s) {
        summary.by_severity[s] += c.by_severity[s];
      }
      for (std::size_t s = 0; s < std::size(c.by_state); ++s) summary.by_state[s] += c.by_state[s];
      summary.unfixed += c.unfixed;
      summary.kev += c.kev;
    }
    for (const core::Finding& f : runtime) {
      count(summary, f.state, f.severity, f.kev_due_date.has_value());
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

core::Finding HostMatches::finding(std::size_t i) const {
  const FindingRef& ref = findings[i];
  const MatchedPackage& package = packages[ref.package];
  const FindingPayload& t = *ref.payload;
  core::Finding f;
  fill(f, package.name, package.source_name, package.version, t);
  f.exposure = ref.exposure;
  if (ref.details != FindingRef::kNoDetails) {
    const FindingDetails& d = details[ref.details];
    f.mitigated_by = d.mitigated_by;
    f.pending_restart = d.pending_restart;
    f.end_of_life = d.end_of_life;
  }
  return f;
}

core::HostFindings HostMatches::to_host_findings() const& {
  core::HostFindings out;
  out.host = host;
  out.os = os;
  out.release = release;
  out.notes = notes;
  out.findings.reserve(findings.size());
  for (std::size_t i = 0; i < findings.size(); ++i) out.findings.push_back(finding(i));
  return out;
}

core::HostFindings HostMatches::to_host_findings() && {
  core::HostFindings out;
  out.host = std::move(host);
  out.os = std::move(os);
  out.release = std::move(release);
  out.notes = std::move(notes);
  out.findings.reserve(findings.size());
  for (std::size_t i = 0; i < findings.size(); ++i) out.findings.push_back(finding(i));
  return out;
}

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

void Matcher::match_host_shared_into(const core::HostReport& host, HostMatches& out) const {
  Worker worker;
  worker.use_local_cache = false;
  impl_->match_shared_into(worker, host, out);
  impl_->flush(worker);
}

HostMatches Matcher::match_host_shared(const core::HostReport& host) const {
  Worker worker;
  worker.use_local_cache = false;
  HostMatches out = impl_->match_shared(worker, host);
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

void Matcher::match_stream(std::size_t count,
                           const std::function<void(std::size_t, core::HostReport&)>& produce,
                           const std::function<void(std::size_t, HostMatches&&)>& consume) const {
  std::vector<core::HostReport> buffers(impl_->thread_count(count));
  impl_->parallel_for(count, [&](Worker& worker, unsigned id, std::size_t i) {
    core::HostReport& report = buffers[id];
    produce(i, report);
    consume(i, impl_->match_shared(worker, report));
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
