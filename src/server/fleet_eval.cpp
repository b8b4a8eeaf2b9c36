#include "server/fleet_eval.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <span>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "match/matcher.hpp"
#include "policy/history.hpp"

namespace fleetpatch::server {
namespace {

/// The package and advisory halves of a ledger key.
std::pair<std::string_view, std::string_view> split_key(std::string_view key) {
  const auto space = key.find(' ');
  if (space == std::string_view::npos) return {key, {}};
  return {key.substr(0, space), key.substr(space + 1)};
}

/// A fixed record with what the index still says about its advisory (CVEs, severity).
store::FixedRecord fixed_record(const std::string& host_id, const store::LedgerEntry& entry,
                                core::TimePoint fixed_at, const index::Index* index) {
  store::FixedRecord r;
  r.host_id = host_id;
  r.key = entry.key;
  r.first_seen = entry.first_seen;
  r.fixed_at = fixed_at;
  const auto [package, advisory] = split_key(entry.key);
  r.package = std::string(package);
  if (index != nullptr && !advisory.empty()) {
    if (const auto view = index->find_advisory(advisory)) {
      r.severity = view->severity();
      for (std::size_t i = 0; i < view->cve_count(); ++i) r.cves.emplace_back(view->cve(i));
    }
  }
  return r;
}

store::LedgerUpdate ledger_update(const std::string& host_id,
                                  const std::vector<store::LedgerEntry>& previous,
                                  const core::HostFindings& current, core::TimePoint now,
                                  const index::Index* index) {
  std::unordered_map<std::string_view, core::TimePoint> seen;
  seen.reserve(previous.size());
  for (const auto& e : previous) seen.emplace(e.key, e.first_seen);
  std::set<store::FindingKey> keys;
  for (const auto& f : current.findings) keys.insert(finding_key(f));
  store::LedgerUpdate update;
  update.host_id = host_id;
  update.current.reserve(keys.size());
  for (const auto& key : keys) {
    const auto it = seen.find(key);
    update.current.push_back({key, it == seen.end() ? now : it->second});
  }
  for (const auto& e : previous) {
    if (!keys.contains(e.key)) update.fixed.push_back(fixed_record(host_id, e, now, index));
  }
  return update;
}

std::string host_id_of(const core::HostReport& report) {
  return report.host.id.empty() ? report.host.hostname : report.host.id;
}

/// Visits the stored fleet in batches of reports with their ledgers, by keyset pagination over
/// the host list so no store cursor is open while the caller writes.
core::Status for_each_batch(
    store::Store& store, std::size_t batch_hosts,
    const std::function<core::Status(std::vector<core::HostReport>&,
                                     std::vector<std::vector<store::LedgerEntry>>&)>& fn) {
  std::string after;
  for (;;) {
    auto hosts = store.list_hosts(after, std::max<std::size_t>(batch_hosts, 1));
    if (!hosts.ok()) return hosts.error();
    if (hosts->empty()) return {};
    std::vector<core::HostReport> reports;
    std::vector<std::vector<store::LedgerEntry>> ledgers;
    reports.reserve(hosts->size());
    ledgers.reserve(hosts->size());
    for (const auto& h : *hosts) {
      auto report = store.get_report(h.id);
      if (!report.ok()) return report.error();
      if (!report->has_value()) continue;  // deleted meanwhile
      auto ledger = store.get_ledger(h.id);
      if (!ledger.ok()) return ledger.error();
      reports.push_back(std::move(**report));
      ledgers.push_back(std::move(ledger).value());
    }
    after = hosts->back().id;
    if (auto status = fn(reports, ledgers); !status.ok()) return status;
  }
}

/// A fixed finding as the compliance builder wants it, rebuilt from the ledger record.
policy::FixedFinding fixed_finding(const store::FixedRecord& r) {
  policy::FixedFinding f;
  f.finding.package = r.package;
  f.finding.source_package = r.package;
  const auto advisory = split_key(r.key).second;
  if (!advisory.empty()) f.finding.advisories.emplace_back(advisory);
  f.finding.cves = r.cves;
  f.finding.severity = r.severity;
  f.first_seen = r.first_seen;
  f.fixed_at = r.fixed_at;
  return f;
}

}  // namespace

store::FindingKey finding_key(const core::Finding& finding) {
  std::string key = finding.package;
  key += ' ';
  if (!finding.advisories.empty()) {
    key += finding.advisories.front();
  } else if (!finding.cves.empty()) {
    key += finding.cves.front();
  } else {
    key += core::to_string(finding.state);
  }
  return key;
}

store::LedgerUpdate update_ledger(const std::string& host_id,
                                  const std::vector<store::LedgerEntry>& previous,
                                  const core::HostFindings& current, core::TimePoint now) {
  return ledger_update(host_id, previous, current, now, nullptr);
}

core::Result<store::EvaluationRun> reevaluate_fleet(store::Store& store, const index::Index& index,
                                                    const core::Clock& clock,
                                                    const ReevaluationOptions& options) {
  store::EvaluationRun run;
  run.started_at = clock.now();
  run.reason = options.reason;
  run.index_checksum = index.checksum_hex();
  match::MatchOptions match_options;
  match_options.threads = options.threads;
  match_options.as_of = run.started_at;
  const match::Matcher matcher(index, match_options);  // one cache for the whole fleet
  auto status =
      for_each_batch(store, options.batch_hosts,
                     [&](std::vector<core::HostReport>& reports,
                         std::vector<std::vector<store::LedgerEntry>>& ledgers) -> core::Status {
                       const auto findings = matcher.match_fleet(reports);
                       std::vector<store::LedgerUpdate> updates;
                       updates.reserve(reports.size());
                       for (std::size_t i = 0; i < reports.size(); ++i) {
                         auto update = ledger_update(host_id_of(reports[i]), ledgers[i],
                                                     findings[i], run.started_at, &index);
                         std::size_t added = 0;
                         for (const auto& e : update.current)
                           added += e.first_seen == run.started_at ? 1 : 0;
                         run.new_findings += static_cast<std::int64_t>(added);
                         run.fixed_findings += static_cast<std::int64_t>(update.fixed.size());
                         updates.push_back(std::move(update));
                       }
                       run.hosts += static_cast<std::int64_t>(reports.size());
                       return store.apply_ledger_updates(updates);
                     });
  if (!status.ok()) return status.error();
  run.finished_at = clock.now();
  auto id = store.record_evaluation(run);
  if (!id.ok()) return id.error();
  run.id = *id;
  return run;
}

core::Status evaluate_host(store::Store& store, const index::Index& index,
                           const core::HostReport& report, core::TimePoint now) {
  const std::string id = host_id_of(report);
  auto previous = store.get_ledger(id);
  if (!previous.ok()) return previous.error();
  match::MatchOptions options;
  options.threads = 1;
  options.as_of = now;
  const match::Matcher matcher(index, options);
  const core::HostFindings findings = matcher.match_host(report);
  return store.apply_ledger_updates({ledger_update(id, *previous, findings, now, &index)});
}

core::Result<report::ComplianceReport> fleet_compliance(store::Store& store,
                                                        const index::Index& index,
                                                        const policy::Evaluator& evaluator,
                                                        const policy::ExceptionSet* exceptions,
                                                        const report::BuildOptions& options) {
  auto fixed_all = store.fixed_records("");
  if (!fixed_all.ok()) return fixed_all.error();
  std::map<std::string, std::vector<policy::FixedFinding>, std::less<>> fixed_by_host;
  for (const auto& r : *fixed_all) {
    // A fixed record after the evaluation time did not exist yet ("as of" in the past).
    if (r.fixed_at > evaluator.now()) continue;
    fixed_by_host[r.host_id].push_back(fixed_finding(r));
  }

  match::MatchOptions match_options;
  match_options.as_of = evaluator.now();
  const match::Matcher matcher(index, match_options);
  report::ComplianceBuilder builder(evaluator, exceptions, options);
  auto status =
      for_each_batch(store, 1024,
                     [&](std::vector<core::HostReport>& reports,
                         std::vector<std::vector<store::LedgerEntry>>& ledgers) -> core::Status {
                       const auto findings = matcher.match_fleet(reports);
                       for (std::size_t i = 0; i < reports.size(); ++i) {
                         std::unordered_map<std::string_view, core::TimePoint> seen;
                         for (const auto& e : ledgers[i]) seen.emplace(e.key, e.first_seen);
                         policy::HostHistory history;
                         history.first_seen.reserve(findings[i].findings.size());
                         const auto collected = core::parse_rfc3339(reports[i].collected_at);
                         for (const auto& f : findings[i].findings) {
                           const auto it = seen.find(finding_key(f));
                           // Not in the ledger (evaluated before this index, or as of a past time):
                           // seen from this inventory on, as the CLI counts a host without history.
                           history.first_seen.push_back(it != seen.end() ? it->second
                                                        : collected.ok() ? *collected
                                                                         : evaluator.now());
                         }
                         if (const auto it = fixed_by_host.find(host_id_of(reports[i]));
                             it != fixed_by_host.end()) {
                           history.fixed = std::move(it->second);
                         }
                         builder.add_host(reports[i], findings[i], history);
                       }
                       return {};
                     });
  if (!status.ok()) return status.error();
  return builder.finish();
}

}  // namespace fleetpatch::server
