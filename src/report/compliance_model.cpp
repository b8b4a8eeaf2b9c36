// ComplianceBuilder: folds hosts into the compliance report model (compliance_report.hpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include "policy/string_hash.hpp"
#include "report/compliance_report.hpp"

namespace fleetpatch::report {
namespace {

constexpr std::int64_t kDaySeconds = 86400;

/// Whole days from `from` to `to`, rounded down (negative when `to` is earlier).
long days_between(core::TimePoint from, core::TimePoint to) {
  const std::int64_t s = (to - from).count();
  return static_cast<long>(s >= 0 ? s / kDaySeconds : -((-s + kDaySeconds - 1) / kDaySeconds));
}

bool present(policy::Status s) { return s != policy::Status::kFixed; }
/// Open or due soon: its deadline is still ahead.
bool upcoming(policy::Status s) {
  return s == policy::Status::kOpen || s == policy::Status::kDueSoon;
}
bool actionable(policy::Status s) {
  return s == policy::Status::kOpen || s == policy::Status::kDueSoon ||
         s == policy::Status::kOverdue;
}

/// Report order: present before fixed, then risk (highest first), host, package, version,
/// first advisory.
bool finding_before(const ComplianceFinding& a, const ComplianceFinding& b) {
  const bool af = a.status == policy::Status::kFixed;
  const bool bf = b.status == policy::Status::kFixed;
  if (af != bf) return bf;
  if (a.risk.score != b.risk.score) return a.risk.score > b.risk.score;
  if (a.host != b.host) return a.host < b.host;
  if (a.package != b.package) return a.package < b.package;
  if (a.installed_version != b.installed_version) return a.installed_version < b.installed_version;
  const std::string_view aa = a.advisories.empty() ? std::string_view() : a.advisories.front();
  const std::string_view ba = b.advisories.empty() ? std::string_view() : b.advisories.front();
  return aa < ba;
}

/// Fix-first order: risk, then the nearer deadline, then the report order.
bool fix_first_before(const ComplianceFinding& a, const ComplianceFinding& b) {
  if (a.risk.score != b.risk.score) return a.risk.score > b.risk.score;
  const auto ad = a.deadline.deadline.value_or(core::TimePoint::max());
  const auto bd = b.deadline.deadline.value_or(core::TimePoint::max());
  if (ad != bd) return ad < bd;
  return finding_before(a, b);
}

std::string os_name(const core::OsInfo& os) {
  if (!os.name.empty()) return os.name;
  if (os.id.empty()) return "";
  return os.version_id.empty() ? os.id : os.id + " " + os.version_id;
}

struct CveAggregate {
  CveRow row;
  std::size_t last_host = static_cast<std::size_t>(-1);  // for counting distinct hosts
};

struct SprawlVersionAggregate {
  std::string version;
  std::size_t host_count = 0;
  std::size_t last_host = static_cast<std::size_t>(-1);
  std::vector<std::string> hosts;
};

struct SprawlAggregate {
  std::vector<SprawlVersionAggregate> versions;  // few per package: a linear search is fastest
  std::size_t hosts = 0;
  std::size_t last_host = static_cast<std::size_t>(-1);
};

/// Lookups by string_view allocate nothing.
template <typename T>
using StringMap = std::unordered_map<std::string, T, policy::StringHash, std::equal_to<>>;

}  // namespace

void StatusCounts::add(policy::Status status) {
  switch (status) {
    case policy::Status::kOpen:
      ++open;
      break;
    case policy::Status::kDueSoon:
      ++due_soon;
      break;
    case policy::Status::kOverdue:
      ++overdue;
      break;
    case policy::Status::kMitigated:
      ++mitigated;
      break;
    case policy::Status::kExcepted:
      ++excepted;
      break;
    case policy::Status::kFixed:
      ++fixed;
      break;
  }
  if (present(status)) ++findings;
}

std::string_view to_string(ExceptionRow::State state) {
  switch (state) {
    case ExceptionRow::State::kActive:
      return "active";
    case ExceptionRow::State::kExpired:
      return "expired";
    case ExceptionRow::State::kNotYetValid:
      return "not-yet-valid";
  }
  return "active";
}

struct ComplianceBuilder::Impl {
  const policy::Evaluator& evaluator;
  const policy::ExceptionSet* exceptions;
  BuildOptions options;
  ComplianceReport report;
  std::size_t host_index = 0;
  std::vector<ComplianceFinding> fix_first;  // bounded heap when findings are not kept
  std::vector<std::size_t> exception_findings;
  std::vector<double> days_to_fix;
  StringMap<CveAggregate> cves;
  StringMap<SprawlAggregate> sprawl;  // node-based: the pointers below stay valid
  struct PackageSetRefs {
    std::vector<SprawlAggregate*> packages;
    std::vector<std::pair<SprawlAggregate*, std::uint32_t>> versions;  // version index
  };
  struct PairHash {
    std::size_t operator()(const std::pair<std::uint64_t, std::uint64_t>& k) const {
      return k.first ^ (k.second * 0x9e3779b97f4a7c15ULL);
    }
  };
  static constexpr std::size_t kMaxPackageSets = 20000;  // bounds the cache's memory
  std::unordered_map<std::pair<std::uint64_t, std::uint64_t>, PackageSetRefs, PairHash>
      package_sets;
  std::map<std::int64_t, std::pair<long, long>> burndown_deltas;  // day -> (findings, overdue)
  std::size_t age[6] = {};
  std::vector<std::optional<core::TimePoint>> current_deadlines;  // add_host's, reused

  Impl(const policy::Evaluator& e, const policy::ExceptionSet* x, BuildOptions o)
      : evaluator(e), exceptions(x), options(o) {
    if (exceptions != nullptr) exception_findings.assign(exceptions->records.size(), 0);
  }

  ComplianceFinding make_row(const core::HostIdentity& host, const core::Finding& f,
                             policy::FindingEvaluation&& e) const {
    ComplianceFinding row;
    row.host = host.id;
    row.hostname = host.hostname;
    row.package = f.package;
    row.source_package = f.source_package;
    row.installed_version = f.installed_version;
    row.fixed_version = f.fixed_version;
    row.state = f.state;
    row.cves = f.cves;
    row.advisories = f.advisories;
    row.severity = f.severity;
    row.cvss = f.cvss_score;
    row.kev_due_date = f.kev_due_date;
    row.exposure = f.exposure;
    row.status = e.status;
    row.first_seen = e.first_seen;
    row.fixed_at = e.fixed_at;
    row.days_to_fix = e.days_to_fix;
    if (e.exception && exceptions != nullptr)
      row.exception_id = exceptions->records[*e.exception].id;
    row.note = std::move(e.note);
    row.risk = std::move(e.risk);
    row.deadline = std::move(e.deadline);
    if (row.deadline.deadline && present(row.status)) {
      row.days_left = days_between(evaluator.now(), *row.deadline.deadline);
    }
    return row;
  }

  void count_age(policy::Status status, const policy::Deadline& d) {
    if (!present(status) || status == policy::Status::kMitigated ||
        status == policy::Status::kExcepted) {
      return;
    }
    if (!d.deadline || !d.clock_start) {
      ++age[0];
      return;
    }
    const auto now = evaluator.now();
    if (now >= *d.deadline) {
      const long late = days_between(*d.deadline, now);
      ++age[late < 30 ? 3 : late < 90 ? 4 : 5];
      return;
    }
    const double allowed = static_cast<double>((*d.deadline - *d.clock_start).count());
    const double used = static_cast<double>((now - *d.clock_start).count());
    ++age[allowed > 0 && used / allowed >= 0.5 ? 2 : 1];
  }

  /// Fix-first keeps the N best in a heap whose front is the worst kept. `full` rebuilds the
  /// evaluation with its texts: only findings that enter the list need them.
  template <typename Full>
  void offer_fix_first(const policy::FindingEvaluation& e, const Full& full) {
    if (options.fix_first == 0 || !actionable(e.status)) return;
    const auto worse = [](const ComplianceFinding& a, const ComplianceFinding& b) {
      return fix_first_before(a, b);
    };
    if (fix_first.size() >= options.fix_first) {
      // Cheap pre-check on (risk, deadline) before building a row.
      const ComplianceFinding& worst = fix_first.front();
      const auto d = e.deadline.deadline.value_or(core::TimePoint::max());
      const auto wd = worst.deadline.deadline.value_or(core::TimePoint::max());
      if (e.risk.score < worst.risk.score || (e.risk.score == worst.risk.score && d > wd)) return;
    }
    ComplianceFinding row = full();
    if (fix_first.size() < options.fix_first) {
      fix_first.push_back(std::move(row));
      std::push_heap(fix_first.begin(), fix_first.end(), worse);
    } else if (fix_first_before(row, fix_first.front())) {
      std::pop_heap(fix_first.begin(), fix_first.end(), worse);
      fix_first.back() = std::move(row);
      std::push_heap(fix_first.begin(), fix_first.end(), worse);
    }
  }

  void count_cves(const core::Finding& f, const policy::FindingEvaluation& e) {
    for (const auto& cve : f.cves) {
      auto it = cves.find(std::string_view(cve));
      if (it == cves.end()) {
        it = cves.emplace(cve, CveAggregate{}).first;
        it->second.row.cve = cve;
        if (evaluator.epss() != nullptr) {
          if (const policy::EpssScore* s = evaluator.epss()->find(cve))
            it->second.row.epss = s->epss;
        }
      }
      CveAggregate& agg = it->second;
      CveRow& c = agg.row;
      c.counts.add(e.status);
      if (!present(e.status)) continue;
      if (agg.last_host != host_index) {
        agg.last_host = host_index;
        ++c.hosts;
      }
      c.severity = std::max(c.severity, f.severity);
      if (f.kev_due_date && (!c.kev_due_date || *f.kev_due_date < *c.kev_due_date)) {
        c.kev_due_date = f.kev_due_date;
      }
      c.max_risk = std::max(c.max_risk, e.risk.score);
      if (actionable(e.status) && e.deadline.deadline &&
          (!c.earliest_deadline || *e.deadline.deadline < *c.earliest_deadline)) {
        c.earliest_deadline = e.deadline.deadline;
      }
    }
  }

  /// Version sprawl. Fleets are mostly clones: a package set seen before (same names and
  /// versions, by a 128-bit hash) replays the entries it touched instead of looking each package
  /// up again.
  void count_sprawl(const core::HostReport& host) {
    std::uint64_t h1 = 0x243f6a8885a308d3ULL, h2 = 0x13198a2e03707344ULL;
    for (const auto& p : host.packages) {
      const std::uint64_t a = policy::fast_hash(p.name), b = policy::fast_hash(p.version);
      h1 = (h1 ^ a) * 0x100000001b3ULL + b;
      h2 = ((h2 + b) ^ (a >> 7)) * 0xff51afd7ed558ccdULL;
    }
    const auto cached = package_sets.find({h1, h2});
    if (cached != package_sets.end()) {
      for (SprawlAggregate* agg : cached->second.packages) ++agg->hosts;
      for (const auto& [agg, index] : cached->second.versions) {
        SprawlVersionAggregate& v = agg->versions[index];
        ++v.host_count;
        if (v.hosts.size() < options.sprawl_max_hosts) v.hosts.push_back(host.host.id);
      }
      return;
    }
    PackageSetRefs refs;
    for (const auto& p : host.packages) {
      auto it = sprawl.find(std::string_view(p.name));
      if (it == sprawl.end()) it = sprawl.emplace(p.name, SprawlAggregate{}).first;
      SprawlAggregate& agg = it->second;
      if (agg.last_host != host_index) {
        agg.last_host = host_index;
        ++agg.hosts;
        refs.packages.push_back(&agg);
      }
      std::size_t index = 0;
      while (index < agg.versions.size() && agg.versions[index].version != p.version) ++index;
      if (index == agg.versions.size()) {
        agg.versions.push_back({p.version, 0, static_cast<std::size_t>(-1), {}});
      }
      SprawlVersionAggregate& v = agg.versions[index];
      if (v.last_host == host_index) continue;  // same version for another architecture
      v.last_host = host_index;
      ++v.host_count;
      if (v.hosts.size() < options.sprawl_max_hosts) v.hosts.push_back(host.host.id);
      refs.versions.emplace_back(&agg, static_cast<std::uint32_t>(index));
    }
    if (package_sets.size() < kMaxPackageSets)
      package_sets.emplace(std::pair{h1, h2}, std::move(refs));
  }

  /// Burn-down: each snapshot adds its counts from its day until the host's next snapshot.
  /// The current snapshot's deadlines come from its evaluations (`current`, parallel to its
  /// findings), the earlier ones' are computed here.
  void add_burndown(const core::HostIdentity& host,
                    std::vector<std::pair<core::TimePoint, const core::HostFindings*>> snaps,
                    const core::HostFindings* current_findings,
                    const std::vector<std::optional<core::TimePoint>>& current) {
    std::sort(snaps.begin(), snaps.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    long prev_findings = 0, prev_overdue = 0;
    for (const auto& [at, findings] : snaps) {
      const long count = static_cast<long>(findings->findings.size());
      long overdue = 0;
      if (findings == current_findings) {
        for (const auto& deadline : current) {
          if (deadline && at >= *deadline) ++overdue;
        }
      } else {
        for (const auto& f : findings->findings) {
          const auto d = evaluator.deadline(host, f, std::nullopt, policy::Detail::kStatus);
          if (d.deadline && at >= *d.deadline) ++overdue;
        }
      }
      const std::int64_t day = std::chrono::floor<std::chrono::days>(at).time_since_epoch().count();
      auto& delta = burndown_deltas[day];
      delta.first += count - prev_findings;
      delta.second += overdue - prev_overdue;
      prev_findings = count;
      prev_overdue = overdue;
    }
  }

  /// Folds one evaluated finding into every aggregate. `full` gives the evaluation with its
  /// texts (the same one when findings are kept, else computed again on demand).
  template <typename Full>
  void add_finding(const core::HostIdentity& host, const core::Finding& f,
                   policy::FindingEvaluation&& e, HostRow& h, const Full& full) {
    h.counts.add(e.status);
    report.summary.counts.add(e.status);
    report.by_severity[4 - static_cast<std::size_t>(f.severity)].counts.add(e.status);
    if (present(e.status)) {
      h.max_risk = std::max(h.max_risk, e.risk.score);
      // The next deadline still ahead: an overdue finding's has passed (the overdue column
      // counts those), so it would hide the date an operator has to plan for.
      if (upcoming(e.status) && e.deadline.deadline &&
          (!h.next_deadline || *e.deadline.deadline < *h.next_deadline)) {
        h.next_deadline = e.deadline.deadline;
      }
    }
    if (e.exception) ++exception_findings[*e.exception];
    for (const std::size_t x : e.expired_exceptions) ++exception_findings[x];
    if (e.days_to_fix) days_to_fix.push_back(*e.days_to_fix);
    count_age(e.status, e.deadline);
    count_cves(f, e);
    if (options.keep_findings) {
      ComplianceFinding row = make_row(host, f, std::move(e));
      offer_fix_first(evaluation_view(row), [&row] { return row; });
      report.findings.push_back(std::move(row));
    } else {
      offer_fix_first(e, [&] { return make_row(host, f, full()); });
    }
  }

  /// The parts of a row offer_fix_first looks at, as an evaluation.
  static policy::FindingEvaluation evaluation_view(const ComplianceFinding& row) {
    policy::FindingEvaluation e;
    e.status = row.status;
    e.deadline.deadline = row.deadline.deadline;
    e.risk.score = row.risk.score;
    return e;
  }
};

ComplianceBuilder::ComplianceBuilder(const policy::Evaluator& evaluator,
                                     const policy::ExceptionSet* exceptions, BuildOptions options)
    : impl_(std::make_unique<Impl>(evaluator, exceptions, options)) {
  ComplianceReport& r = impl_->report;
  const policy::Policy& p = evaluator.policy();
  r.policy = p.name;
  r.policy_description = p.description;
  r.policy_source = p.source;
  r.as_of = evaluator.now();
  r.findings_included = options.keep_findings;
  for (const auto s : {core::Severity::kCritical, core::Severity::kHigh, core::Severity::kMedium,
                       core::Severity::kLow, core::Severity::kUnknown}) {
    r.by_severity.push_back({s, {}});
  }
}

ComplianceBuilder::~ComplianceBuilder() = default;

void ComplianceBuilder::add_host(const core::HostReport& current,
                                 const core::HostFindings& findings,
                                 std::span<const policy::Snapshot> history) {
  Impl& m = *impl_;
  const auto collected = core::parse_rfc3339(current.collected_at);
  // History: the current inventory is the latest snapshot (collected_at, else as_of).
  const core::TimePoint now_at = collected.ok() ? *collected : m.evaluator.now();
  policy::HostHistory hist;
  std::vector<std::pair<core::TimePoint, const core::HostFindings*>> snaps;
  if (!history.empty()) {
    std::vector<policy::Snapshot> all(history.begin(), history.end());
    // Snapshots newer than the current one are ignored (it is the latest by definition).
    std::erase_if(all, [&](const policy::Snapshot& s) { return s.collected_at > now_at; });
    all.push_back({now_at, &findings});
    m.report.history_snapshots += all.size() - 1;
    hist = policy::track_history(all);
    for (const auto& s : all) snaps.emplace_back(s.collected_at, s.findings);
  } else {
    // Hosts without history still count from their one inventory on (finish() drops the
    // burn-down when no host has history).
    snaps.emplace_back(now_at, &findings);
  }
  add_host_with_history(current, findings, hist, std::move(snaps));
}

void ComplianceBuilder::add_host(const core::HostReport& current,
                                 const core::HostFindings& findings,
                                 const policy::HostHistory& history) {
  const auto collected = core::parse_rfc3339(current.collected_at);
  const core::TimePoint now_at = collected.ok() ? *collected : impl_->evaluator.now();
  add_host_with_history(current, findings, history, {{now_at, &findings}});
}

void ComplianceBuilder::add_host_with_history(
    const core::HostReport& current, const core::HostFindings& findings,
    const policy::HostHistory& hist,
    std::vector<std::pair<core::TimePoint, const core::HostFindings*>> snaps) {
  Impl& m = *impl_;
  const core::HostIdentity& host = findings.host.id.empty() ? current.host : findings.host;
  HostRow h;
  h.id = host.id;
  h.hostname = host.hostname;
  h.tags = host.tags;
  h.os = os_name(current.os.id.empty() ? findings.os : current.os);
  const auto collected = core::parse_rfc3339(current.collected_at);
  if (collected.ok()) h.collected_at = *collected;

  const policy::Detail detail =
      m.options.keep_findings ? policy::Detail::kFull : policy::Detail::kStatus;
  const auto first_seen_of = [&](std::size_t i) -> std::optional<core::TimePoint> {
    if (i < hist.first_seen.size()) return hist.first_seen[i];
    return collected.ok() ? std::optional(*collected) : std::nullopt;
  };
  // Each evaluation is folded in as soon as it is made (no vector of them: they carry strings);
  // the burn-down needs only the deadlines.
  std::vector<std::optional<core::TimePoint>>& deadlines = m.current_deadlines;
  deadlines.clear();
  deadlines.reserve(findings.findings.size());
  for (std::size_t i = 0; i < findings.findings.size(); ++i) {
    const core::Finding& f = findings.findings[i];
    policy::FindingEvaluation e = m.evaluator.evaluate(host, f, first_seen_of(i), detail);
    deadlines.push_back(e.deadline.deadline);
    m.add_finding(host, f, std::move(e), h,
                  [&] { return m.evaluator.evaluate(host, f, first_seen_of(i)); });
  }
  m.add_burndown(host, std::move(snaps), &findings, deadlines);
  for (const auto& fixed : hist.fixed) {
    const auto full = [&](policy::Detail d = policy::Detail::kFull) {
      return m.evaluator.evaluate_fixed(host, fixed.finding, fixed.first_seen, fixed.fixed_at, d);
    };
    m.add_finding(host, fixed.finding, full(detail), h, full);
  }
  for (const auto& note : findings.notes) {
    m.report.notes.push_back((host.hostname.empty() ? host.id : host.hostname) + ": " + note);
  }
  m.count_sprawl(current);

  h.compliant = h.counts.overdue == 0;
  ++m.report.summary.hosts;
  if (h.compliant) ++m.report.summary.hosts_compliant;
  m.report.per_host.push_back(std::move(h));
  ++m.host_index;
}

namespace {

void add_counts(StatusCounts& into, const StatusCounts& from) {
  into.findings += from.findings;
  into.open += from.open;
  into.due_soon += from.due_soon;
  into.overdue += from.overdue;
  into.mitigated += from.mitigated;
  into.excepted += from.excepted;
  into.fixed += from.fixed;
}

template <typename T>
void append(std::vector<T>& into, std::vector<T>&& from) {
  into.insert(into.end(), std::make_move_iterator(from.begin()),
              std::make_move_iterator(from.end()));
  from.clear();
}

template <typename T>
void take_min(std::optional<T>& into, const std::optional<T>& from) {
  if (from && (!into || *from < *into)) into = from;
}

}  // namespace

void ComplianceBuilder::merge(ComplianceBuilder&& other) {
  Impl& m = *impl_;
  Impl& o = *other.impl_;
  ComplianceReport& r = m.report;
  ComplianceReport& x = o.report;
  r.summary.hosts += x.summary.hosts;
  r.summary.hosts_compliant += x.summary.hosts_compliant;
  add_counts(r.summary.counts, x.summary.counts);
  for (std::size_t i = 0; i < r.by_severity.size(); ++i) {
    add_counts(r.by_severity[i].counts, x.by_severity[i].counts);
  }
  append(r.findings, std::move(x.findings));
  append(r.per_host, std::move(x.per_host));
  append(r.notes, std::move(x.notes));
  r.history_snapshots += x.history_snapshots;
  for (ComplianceFinding& f : o.fix_first) {
    const policy::FindingEvaluation view = Impl::evaluation_view(f);
    m.offer_fix_first(view, [&f] { return std::move(f); });
  }
  o.fix_first.clear();
  for (std::size_t i = 0; i < m.exception_findings.size(); ++i) {
    m.exception_findings[i] += o.exception_findings[i];
  }
  append(m.days_to_fix, std::move(o.days_to_fix));
  // Builders see disjoint hosts, so per-CVE and per-package host counts add up.
  for (auto& [cve, agg] : o.cves) {
    auto [it, inserted] = m.cves.try_emplace(cve, std::move(agg));
    if (inserted) continue;
    CveRow& into = it->second.row;
    const CveRow& from = agg.row;
    into.hosts += from.hosts;
    add_counts(into.counts, from.counts);
    into.severity = std::max(into.severity, from.severity);
    if (from.kev_due_date && (!into.kev_due_date || *from.kev_due_date < *into.kev_due_date)) {
      into.kev_due_date = from.kev_due_date;
    }
    if (!into.epss) into.epss = from.epss;
    into.max_risk = std::max(into.max_risk, from.max_risk);
    take_min(into.earliest_deadline, from.earliest_deadline);
  }
  o.cves.clear();
  for (auto& [name, agg] : o.sprawl) {
    auto [it, inserted] = m.sprawl.try_emplace(name, std::move(agg));
    if (inserted) continue;
    SprawlAggregate& into = it->second;
    into.hosts += agg.hosts;
    for (auto& v : agg.versions) {
      auto same =
          std::find_if(into.versions.begin(), into.versions.end(),
                       [&v](const SprawlVersionAggregate& w) { return w.version == v.version; });
      if (same == into.versions.end()) {
        into.versions.push_back(std::move(v));
        continue;
      }
      same->host_count += v.host_count;
      for (auto& host : v.hosts) {
        if (same->hosts.size() >= m.options.sprawl_max_hosts) break;
        same->hosts.push_back(std::move(host));
      }
    }
  }
  o.package_sets.clear();
  o.sprawl.clear();
  for (const auto& [day, delta] : o.burndown_deltas) {
    auto& into = m.burndown_deltas[day];
    into.first += delta.first;
    into.second += delta.second;
  }
  o.burndown_deltas.clear();
  for (std::size_t i = 0; i < 6; ++i) m.age[i] += o.age[i];
  // Keep host indices distinct from any the other builder handed over.
  m.host_index += o.host_index + 1;
}

ComplianceReport build_compliance_report(const policy::Evaluator& evaluator,
                                         const policy::ExceptionSet* exceptions,
                                         const BuildOptions& options,
                                         std::span<const HostInput> hosts, unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // A builder per thread only pays off with enough hosts to share out.
  constexpr std::size_t kMinHostsPerThread = 64;
  threads =
      static_cast<unsigned>(std::clamp<std::size_t>(hosts.size() / kMinHostsPerThread, 1, threads));
  std::vector<std::unique_ptr<ComplianceBuilder>> builders;
  for (unsigned t = 0; t < threads; ++t) {
    builders.push_back(std::make_unique<ComplianceBuilder>(evaluator, exceptions, options));
  }
  const auto work = [&](unsigned t) {
    const std::size_t first = hosts.size() * t / threads;
    const std::size_t last = hosts.size() * (t + 1) / threads;
    for (std::size_t i = first; i < last; ++i) {
      builders[t]->add_host(*hosts[i].current, *hosts[i].findings, hosts[i].history);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  // In host order: builder 0 holds the first range, each later one the range after.
  for (unsigned t = 1; t < threads; ++t) builders[0]->merge(std::move(*builders[t]));
  return builders[0]->finish();
}

ComplianceReport ComplianceBuilder::finish() {
  Impl& m = *impl_;
  ComplianceReport& r = m.report;
  const core::TimePoint now = m.evaluator.now();

  std::sort(r.findings.begin(), r.findings.end(), finding_before);
  std::sort(m.fix_first.begin(), m.fix_first.end(), fix_first_before);
  r.fix_first = std::move(m.fix_first);

  {
    // Sorted as indices, then moved once: a fleet has 100,000+ rows, each with strings.
    std::vector<std::size_t> order(r.per_host.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&r](std::size_t x, std::size_t y) {
      const HostRow& a = r.per_host[x];
      const HostRow& b = r.per_host[y];
      if (a.counts.overdue != b.counts.overdue) return a.counts.overdue > b.counts.overdue;
      if (a.max_risk != b.max_risk) return a.max_risk > b.max_risk;
      if (a.id != b.id) return a.id < b.id;
      return x < y;
    });
    std::vector<HostRow> sorted;
    sorted.reserve(order.size());
    for (const std::size_t i : order) sorted.push_back(std::move(r.per_host[i]));
    r.per_host = std::move(sorted);
  }

  r.per_cve.reserve(m.cves.size());
  for (auto& [cve, agg] : m.cves) r.per_cve.push_back(std::move(agg.row));
  std::sort(r.per_cve.begin(), r.per_cve.end(), [](const CveRow& a, const CveRow& b) {
    if (a.max_risk != b.max_risk) return a.max_risk > b.max_risk;
    return a.cve < b.cve;
  });

  if (m.exceptions != nullptr) {
    for (std::size_t i = 0; i < m.exceptions->records.size(); ++i) {
      const policy::ExceptionRecord& rec = m.exceptions->records[i];
      ExceptionRow row;
      row.record = rec;
      row.findings = m.exception_findings[i];
      if (rec.created > now) {
        row.state = ExceptionRow::State::kNotYetValid;
      } else if (rec.expires && now >= *rec.expires) {
        row.state = ExceptionRow::State::kExpired;
      }
      if (rec.expires) row.days_to_expiry = days_between(now, *rec.expires);
      r.exceptions.push_back(row);
      if (row.state == ExceptionRow::State::kActive && rec.expires &&
          *rec.expires - now <= std::chrono::days(m.options.expiring_days)) {
        r.exceptions_expiring.push_back(std::move(row));
      }
    }
    std::stable_sort(r.exceptions_expiring.begin(), r.exceptions_expiring.end(),
                     [](const ExceptionRow& a, const ExceptionRow& b) {
                       return *a.record.expires < *b.record.expires;
                     });
  }

  if (!m.days_to_fix.empty()) {
    std::sort(m.days_to_fix.begin(), m.days_to_fix.end());
    TimeToFix t;
    t.fixed = m.days_to_fix.size();
    double sum = 0;
    for (const double d : m.days_to_fix) sum += d;
    t.mean_days = sum / static_cast<double>(t.fixed);
    // Nearest rank: the smallest value with at least 90% of the values at or below it.
    const auto rank = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(t.fixed)));
    t.p90_days = m.days_to_fix[std::max<std::size_t>(rank, 1) - 1];
    r.time_to_fix = t;
  }

  for (auto& [name, agg] : m.sprawl) {
    if (agg.versions.size() < m.options.sprawl_min_versions) continue;
    SprawlRow row;
    row.package = name;
    row.hosts = agg.hosts;
    for (auto& v : agg.versions) {
      std::sort(v.hosts.begin(), v.hosts.end());
      row.versions.push_back({std::move(v.version), v.host_count, std::move(v.hosts)});
    }
    std::sort(row.versions.begin(), row.versions.end(),
              [](const SprawlVersion& a, const SprawlVersion& b) {
                if (a.host_count != b.host_count) return a.host_count > b.host_count;
                return a.version < b.version;
              });
    r.version_sprawl.push_back(std::move(row));
  }
  std::sort(r.version_sprawl.begin(), r.version_sprawl.end(),
            [](const SprawlRow& a, const SprawlRow& b) {
              if (a.versions.size() != b.versions.size()) {
                return a.versions.size() > b.versions.size();
              }
              if (a.hosts != b.hosts) return a.hosts > b.hosts;
              return a.package < b.package;
            });
  if (r.version_sprawl.size() > m.options.sprawl_max_packages) {
    r.version_sprawl.resize(m.options.sprawl_max_packages);
  }

  long findings = 0, overdue = 0;
  if (r.history_snapshots == 0) m.burndown_deltas.clear();
  for (const auto& [day, delta] : m.burndown_deltas) {
    findings += delta.first;
    overdue += delta.second;
    r.burndown.push_back({core::TimePoint(std::chrono::days(day)),
                          static_cast<std::size_t>(std::max(0L, findings)),
                          static_cast<std::size_t>(std::max(0L, overdue))});
  }

  static constexpr const char* kAgeLabels[] = {"no deadline",  "<50%",           "50-100%",
                                               "overdue <30d", "overdue 30-90d", "overdue >90d"};
  for (std::size_t i = 0; i < 6; ++i) r.age.push_back({kAgeLabels[i], m.age[i]});
  return std::move(r);
}

}  // namespace fleetpatch::report
