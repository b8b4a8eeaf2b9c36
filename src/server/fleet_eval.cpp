#include "server/fleet_eval.hpp"

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string_view>
#include <thread>
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

/// Decodes a batch of stored rows (reports and ledgers) on `threads` threads.
core::Status decode_rows(std::vector<store::StoredReportRow>& rows, unsigned threads,
                         std::vector<core::HostReport>& reports,
                         std::vector<std::vector<store::LedgerEntry>>& ledgers) {
  reports.assign(rows.size(), {});
  ledgers.assign(rows.size(), {});
  std::vector<core::Status> status(rows.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < rows.size(); i = next++) {
      const auto& row = rows[i];
      auto report = store::codec::decode_report(row.report_body, row.collected_at);
      if (!report.ok()) {
        status[i] =
            core::Error{report.error().code, "host " + row.host_id + ": " + report.error().message};
        continue;
      }
      reports[i] = std::move(*report);
      auto ledger = store::codec::decode_ledger(row.ledger_body);
      if (!ledger.ok()) {
        status[i] =
            core::Error{ledger.error().code, "host " + row.host_id + ": " + ledger.error().message};
        continue;
      }
      ledgers[i] = std::move(*ledger);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::max(threads, 1U); ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (auto& s : status) {
    if (!s.ok()) return s;
  }
  return {};
}

/// Visits the stored fleet in batches of decoded reports with their ledgers, in host id order.
core::Status for_each_batch(
    store::Store& store, std::size_t batch_hosts,
    const std::function<core::Status(std::vector<core::HostReport>&,
                                     std::vector<std::vector<store::LedgerEntry>>&)>& fn) {
  core::Status result;
  std::vector<core::HostReport> reports;
  std::vector<std::vector<store::LedgerEntry>> ledgers;
  const unsigned threads = std::max(1U, std::thread::hardware_concurrency());
  auto status =
      store.for_each_report_raw(batch_hosts, true, [&](std::vector<store::StoredReportRow>& rows) {
        result = decode_rows(rows, threads, reports, ledgers);
        if (result.ok()) result = fn(reports, ledgers);
        return result.ok();
      });
  if (!status.ok()) return status;
  return result;
}

/// Per-thread scratch of diff_ledger: re-evaluation calls it for every host.
struct DiffScratch {
  std::string keys;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
  std::vector<std::string_view> sorted;
  std::vector<store::codec::LedgerItem> merged;
  std::vector<std::uint32_t> order;  // previous entries in key order (normally stored order)
};

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

namespace {

/// The current keys, "PACKAGE FIRST-ADVISORY" as finding_key makes them, in one buffer
/// (sc.keys), as views sorted and unique (sc.sorted).
void current_keys(const match::HostMatches& current, DiffScratch& sc) {
  sc.keys.clear();
  sc.spans.clear();
  // The payloads live in the matcher's shared cache, spread over its memory: reading their
  // first advisory was a cache miss or two per finding (most of this function's time, perf
  // annotate). Fetched a few findings ahead, the misses overlap instead of queueing.
  const auto& findings = current.findings;
  constexpr std::size_t kAhead = 8;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    if (i + kAhead < findings.size()) __builtin_prefetch(&findings[i + kAhead].payload->advisories);
    if (i + kAhead / 2 < findings.size()) {
      const auto& ahead = findings[i + kAhead / 2].payload->advisories;
      if (!ahead.empty()) __builtin_prefetch(ahead.data());
    }
    const match::FindingRef& f = findings[i];
    const match::FindingPayload& p = *f.payload;
    const std::string_view second = !p.advisories.empty() ? std::string_view(p.advisories.front())
                                    : !p.cves.empty()     ? std::string_view(p.cves.front())
                                                          : core::to_string(p.state);
    const auto offset = static_cast<std::uint32_t>(sc.keys.size());
    sc.keys += current.packages[f.package].name;
    sc.keys += ' ';
    sc.keys += second;
    sc.spans.emplace_back(offset, static_cast<std::uint32_t>(sc.keys.size()) - offset);
  }
  sc.sorted.clear();
  sc.sorted.reserve(sc.spans.size());
  for (const auto& [offset, size] : sc.spans) {
    sc.sorted.push_back(std::string_view(sc.keys).substr(offset, size));
  }
  // Findings come package by package, so the keys are often in order already.
  if (!std::is_sorted(sc.sorted.begin(), sc.sorted.end())) {
    std::sort(sc.sorted.begin(), sc.sorted.end());
  }
  sc.sorted.erase(std::unique(sc.sorted.begin(), sc.sorted.end()), sc.sorted.end());
}

/// The ledger diff of the current keys (current_keys in `sc`) against the stored ledger;
/// `rewrite`: write the ledger even when nothing in it changed.
LedgerDiff merge_ledger(const std::string& host_id, const store::codec::LedgerView& previous,
                        DiffScratch& sc, core::TimePoint now, const index::Index* index,
                        bool rewrite) {
  // The stored order is the key order (codec::encode_ledger sorts); sort only if it is not.
  sc.order.resize(previous.entries.size());
  for (std::uint32_t i = 0; i < sc.order.size(); ++i) sc.order[i] = i;
  bool sorted = true;
  for (std::size_t i = 1; i < sc.order.size() && sorted; ++i) {
    sorted = previous.key(i - 1) < previous.key(i);
  }
  if (!sorted) {
    std::stable_sort(sc.order.begin(), sc.order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return previous.key(a) < previous.key(b);
    });
  }

  LedgerDiff diff;
  sc.merged.clear();
  sc.merged.reserve(sc.sorted.size());
  std::size_t j = 0;
  // The stored entry at j, advancing past it; a key stored more than once counts once, from its
  // earliest time (as encode_ledger keeps it).
  auto take = [&]() -> store::codec::LedgerItem {
    const std::string_view key = previous.key(sc.order[j]);
    core::TimePoint first = previous.entries[sc.order[j]].first_seen;
    for (++j; j < sc.order.size() && previous.key(sc.order[j]) == key; ++j) {
      first = std::min(first, previous.entries[sc.order[j]].first_seen);
    }
    return {key, first};
  };
  auto fixed = [&](const store::codec::LedgerItem& item) {
    const store::LedgerEntry entry{std::string(item.key), item.first_seen};
    diff.update.fixed.push_back(fixed_record(host_id, entry, now, index));
  };
  for (const std::string_view key : sc.sorted) {
    while (j < sc.order.size() && previous.key(sc.order[j]) < key) fixed(take());
    if (j < sc.order.size() && previous.key(sc.order[j]) == key) {
      sc.merged.push_back({key, take().first_seen});
    } else {
      sc.merged.push_back({key, now});
      ++diff.added;
    }
  }
  while (j < sc.order.size()) fixed(take());

  diff.open = sc.merged.size();
  diff.changed = diff.added > 0 || !diff.update.fixed.empty() || !sorted ||
                 (rewrite && !previous.entries.empty());
  if (diff.changed) {
    diff.update.host_id = host_id;
    if (!sc.merged.empty())
      diff.update.current_encoded = store::codec::encode_sorted_ledger(sc.merged);
  }
  return diff;
}

DiffScratch& diff_scratch() {
  thread_local DiffScratch scratch;
  return scratch;
}

}  // namespace

LedgerDiff diff_ledger(const std::string& host_id, const store::codec::LedgerView& previous,
                       const match::HostMatches& current, core::TimePoint now,
                       const index::Index* index) {
  DiffScratch& sc = diff_scratch();
  current_keys(current, sc);
  return merge_ledger(host_id, previous, sc, now, index, /*rewrite=*/false);
}

core::Result<LedgerDiff> diff_stored_ledger(const std::string& host_id, std::string_view stored,
                                            const match::HostMatches& current, core::TimePoint now,
                                            const index::Index* index) {
  DiffScratch& sc = diff_scratch();
  current_keys(current, sc);
  // The same keys as stored: nothing changes (first-seen times stay, nothing is fixed), and the
  // stored ledger need not be decompressed.
  if (const auto digest = store::codec::stored_keys_digest(stored);
      digest && *digest == store::codec::keys_digest(sc.sorted)) {
    LedgerDiff diff;
    diff.open = sc.sorted.size();
    return diff;
  }
  thread_local store::codec::LedgerView previous;  // reused: called for every evaluated host
  if (auto status = store::codec::decode_ledger_into(stored, previous); !status.ok()) {
    return core::Error{status.error().code, "host " + host_id + ": " + status.error().message};
  }
  // A version 1 ledger (written before the digest) is rewritten once, unchanged or not, so that
  // the host's next evaluations can take the shortcut above.
  const bool version_1 = !stored.empty() && !store::codec::stored_keys_digest(stored);
  return merge_ledger(host_id, previous, sc, now, index, /*rewrite=*/version_1);
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

  // A pipeline over batches of stored rows: while the store reads batch k+1 (this thread), the
  // matcher's workers decode, match and diff batch k, and the ledger writes of batch k-1 commit.
  // Decoding, matching and diffing a host all happen on one worker, on its own thread's memory.
  struct Batch {
    std::vector<store::StoredReportRow> rows;
    std::vector<store::LedgerUpdate> updates;
    core::Status status;
    std::int64_t added = 0;
    std::int64_t fixed = 0;
  };
  auto evaluate = [&](std::shared_ptr<Batch> batch) -> std::shared_ptr<Batch> {
    std::mutex mutex;
    std::vector<LedgerDiff> diffs(batch->rows.size());
    matcher.match_stream(
        batch->rows.size(),
        [&](std::size_t i, core::HostReport& report) {
          const auto& row = batch->rows[i];
          if (auto status =
                  store::codec::decode_report_into(row.report_body, row.collected_at, report);
              !status.ok()) {
            std::lock_guard lock(mutex);
            if (batch->status.ok()) {
              batch->status = core::Error{status.error().code,
                                          "host " + row.host_id + ": " + status.error().message};
            }
            report = core::HostReport{};
          }
        },
        [&](std::size_t i, match::HostMatches&& matches) {
          const auto& row = batch->rows[i];
          auto diff =
              diff_stored_ledger(row.host_id, row.ledger_body, matches, run.started_at, &index);
          if (!diff.ok()) {
            std::lock_guard lock(mutex);
            if (batch->status.ok()) batch->status = diff.error();
            return;
          }
          diffs[i] = std::move(*diff);
        });
    if (!batch->status.ok()) return batch;
    for (auto& d : diffs) {
      batch->added += static_cast<std::int64_t>(d.added);
      batch->fixed += static_cast<std::int64_t>(d.update.fixed.size());
      if (d.changed) batch->updates.push_back(std::move(d.update));
    }
    batch->rows.clear();
    return batch;
  };

  std::future<std::shared_ptr<Batch>> evaluating;
  std::future<core::Status> writing;
  core::Status failed;
  // Takes the evaluated batch, waits for the previous write, starts this one's.
  auto hand_over = [&]() -> bool {
    if (!evaluating.valid()) return true;
    auto done = evaluating.get();
    if (!done->status.ok()) {
      failed = done->status;
      return false;
    }
    if (writing.valid()) {
      if (auto status = writing.get(); !status.ok()) {
        failed = status;
        return false;
      }
    }
    run.new_findings += done->added;
    run.fixed_findings += done->fixed;
    writing = std::async(std::launch::async, [&store, done] {
      return done->updates.empty() ? core::Status{} : store.apply_ledger_updates(done->updates);
    });
    return true;
  };
  auto status = store.for_each_report_raw(
      std::max<std::size_t>(options.batch_hosts, 1), true,
      [&](std::vector<store::StoredReportRow>& rows) {
        if (!hand_over()) return false;
        auto batch = std::make_shared<Batch>();
        batch->rows = std::move(rows);
        run.hosts += static_cast<std::int64_t>(batch->rows.size());
        evaluating = std::async(std::launch::async, evaluate, std::move(batch));
        return true;
      });
  // Drain the pipeline on every path (the futures refer to this frame).
  if (failed.ok()) hand_over();
  if (evaluating.valid()) evaluating.wait();
  if (writing.valid()) {
    auto written = writing.get();
    if (failed.ok() && !written.ok()) failed = written;
  }
  if (!status.ok()) return status.error();
  if (!failed.ok()) return failed.error();
  run.finished_at = clock.now();
  auto id = store.record_evaluation(run);
  if (!id.ok()) return id.error();
  run.id = *id;
  return run;
}

core::Result<LedgerDiff> diff_host(store::Store& store, const match::Matcher& matcher,
                                   const index::Index& index, const core::HostReport& report,
                                   core::TimePoint now) {
  const std::string id = host_id_of(report);
  auto previous = store.get_ledger_encoded(id);
  if (!previous.ok()) return previous.error();
  // One per thread, reused: the server matches every report it accepts.
  thread_local match::HostMatches matches;
  matcher.match_host_shared_into(report, matches);
  auto diff = diff_stored_ledger(id, *previous, matches, now, &index);
  matches.payload_owners.clear();  // not keep a replaced index's verdicts alive until reuse
  return diff;
}

core::Status evaluate_host(store::Store& store, const match::Matcher& matcher,
                           const index::Index& index, const core::HostReport& report,
                           core::TimePoint now) {
  auto diff = diff_host(store, matcher, index, report, now);
  if (!diff.ok()) return diff.error();
  if (!diff->changed) return {};
  return store.apply_ledger_updates({std::move(diff->update)});
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
