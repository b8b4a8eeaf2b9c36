// Fleet evaluation over the store: matching stored hosts against the advisory index, keeping the
// findings ledger (first seen, fixed at) and building the compliance report of the stored fleet.
// Used by the server (on each changed report, after a feed import) and by the CLI (`report` with
// no host selection reads the store), so both answer the same question the same way.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/finding.hpp"
#include "core/host_report.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "index/index.hpp"
#include "match/matcher.hpp"
#include "policy/evaluate.hpp"
#include "policy/exceptions.hpp"
#include "policy/policy.hpp"
#include "report/compliance_report.hpp"
#include "store/codec.hpp"
#include "store/store.hpp"

namespace fleetpatch::server {

/// The ledger key of a finding: "PACKAGE FIRST-ADVISORY" (policy/history.hpp's identity).
store::FindingKey finding_key(const core::Finding& finding);

/// New ledger of a host after an evaluation at `now`: findings already in `previous` keep their
/// first-seen time, new ones start at `now`; keys of `previous` no longer found become fixed
/// records at `now`. `previous_findings` (when known) supplies package/CVEs/severity of fixed
/// ones; otherwise the key alone is recorded.
store::LedgerUpdate update_ledger(const std::string& host_id,
                                  const std::vector<store::LedgerEntry>& previous,
                                  const core::HostFindings& current, core::TimePoint now);

struct ReevaluationOptions {
  unsigned threads = 0;            // matcher threads; 0 = all cores
  std::size_t batch_hosts = 1024;  // hosts read, matched and written per batch
  std::string reason = "manual";
};

/// Re-matches every stored host against `index` (each distinct (release, package, version)
/// once, through match::Matcher), updates every ledger and records the run.
core::Result<store::EvaluationRun> reevaluate_fleet(store::Store& store, const index::Index& index,
                                                    const core::Clock& clock,
                                                    const ReevaluationOptions& options = {});

/// What one evaluation of one host changes in its ledger, computed from the shared-payload
/// findings without building a string per finding (re-evaluation does this 300,000 times).
struct LedgerDiff {
  bool changed = false;   // false: the stored ledger stays as it is (nothing to write)
  std::size_t added = 0;  // findings first seen now
  std::size_t open = 0;   // open findings after the evaluation
  /// When changed: host_id, fixed records and current_encoded (empty when no finding is left,
  /// which deletes the ledger).
  store::LedgerUpdate update;
};

/// The ledger diff of `host_id` whose stored ledger is `previous` (codec::LedgerView, as
/// decoded) and whose findings are now `current`: the same result as update_ledger on
/// current.to_host_findings(). `index` names the fixed findings' CVEs and severity.
LedgerDiff diff_ledger(const std::string& host_id, const store::codec::LedgerView& previous,
                       const match::HostMatches& current, core::TimePoint now,
                       const index::Index* index);

/// diff_ledger against a stored ledger blob (codec::encode_ledger): when the blob carries the
/// digest of the current keys (version 2) nothing changed and it is not decoded.
core::Result<LedgerDiff> diff_stored_ledger(const std::string& host_id, std::string_view stored,
                                            const match::HostMatches& current, core::TimePoint now,
                                            const index::Index* index);

/// The ledger diff of one host's report against its stored ledger, with `matcher` (shared by
/// every report: each distinct tuple is matched once); nothing is written.
core::Result<LedgerDiff> diff_host(store::Store& store, const match::Matcher& matcher,
                                   const index::Index& index, const core::HostReport& report,
                                   core::TimePoint now);

/// Evaluates one host (after a changed report) with `matcher` (shared by every report: each
/// distinct tuple is matched once) and updates its ledger when it changed. The matcher's as_of
/// is the evaluation time of end-of-life findings; `now` stamps first-seen and fixed times.
core::Status evaluate_host(store::Store& store, const match::Matcher& matcher,
                           const index::Index& index, const core::HostReport& report,
                           core::TimePoint now);

/// The compliance report of the stored fleet under `policy` at the evaluator's time: the same
/// builder the CLI's `report` uses, with first-seen times and fixed findings from the ledger.
core::Result<report::ComplianceReport> fleet_compliance(store::Store& store,
                                                        const index::Index& index,
                                                        const policy::Evaluator& evaluator,
                                                        const policy::ExceptionSet* exceptions,
                                                        const report::BuildOptions& options = {});

}  // namespace fleetpatch::server
