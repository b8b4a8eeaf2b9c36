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
#include "policy/evaluate.hpp"
#include "policy/exceptions.hpp"
#include "policy/policy.hpp"
#include "report/compliance_report.hpp"
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
  std::size_t batch_hosts = 2048;  // hosts per ledger transaction
  std::string reason = "manual";
};

/// Re-matches every stored host against `index` (each distinct (release, package, version)
/// once, through match::Matcher), updates every ledger and records the run.
core::Result<store::EvaluationRun> reevaluate_fleet(store::Store& store, const index::Index& index,
                                                    const core::Clock& clock,
                                                    const ReevaluationOptions& options = {});

/// Evaluates one host (after a changed report) and updates its ledger.
core::Status evaluate_host(store::Store& store, const index::Index& index,
                           const core::HostReport& report, core::TimePoint now);

/// The compliance report of the stored fleet under `policy` at the evaluator's time: the same
/// builder the CLI's `report` uses, with first-seen times and fixed findings from the ledger.
core::Result<report::ComplianceReport> fleet_compliance(store::Store& store,
                                                        const index::Index& index,
                                                        const policy::Evaluator& evaluator,
                                                        const policy::ExceptionSet* exceptions,
                                                        const report::BuildOptions& options = {});

}  // namespace fleetpatch::server
