// The compliance report model: everything `fleetpatch report` shows, computed once from the
// hosts' findings under a policy, so that every format (JSON, CSV, SARIF, CycloneDX VEX, HTML)
// renders the same numbers. Renderers only format; they compute nothing new.
//
// Building: ComplianceBuilder takes hosts one at a time (with their history), evaluates each
// finding (policy/evaluate.hpp) and folds it into the aggregates, then finish() sorts and returns
// the report. With keep_findings = false it keeps only aggregates and the fix-first list, which is
// how fleets of 100,000+ hosts are summarised in bounded memory.
//
// JSON: "fleetpatch.report/1" (docs/compliance-report.md); CSV: one row per finding.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/finding.hpp"
#include "core/host_report.hpp"
#include "core/time.hpp"
#include "policy/evaluate.hpp"
#include "policy/exceptions.hpp"
#include "policy/history.hpp"
#include "policy/policy.hpp"
#include "policy/risk.hpp"

namespace fleetpatch::report {

inline constexpr std::string_view kComplianceSchema = "fleetpatch.report/1";

/// One finding of one host with its compliance evaluation (a row of the report).
struct ComplianceFinding {
  std::string host;  // host id
  std::string hostname;
  std::string package;
  std::string source_package;
  std::string installed_version;
  std::string fixed_version;
  core::FindingState state = core::FindingState::kFixed;
  std::vector<std::string> cves;
  std::vector<std::string> advisories;
  core::Severity severity = core::Severity::kUnknown;
  std::optional<double> cvss;
  std::optional<std::string> kev_due_date;  // YYYY-MM-DD
  core::Exposure exposure = core::Exposure::kNone;
  policy::Status status = policy::Status::kOpen;
  policy::Deadline deadline;  // clock_start, deadline, reason, basis
  std::optional<core::TimePoint> first_seen;
  std::optional<core::TimePoint> fixed_at;
  std::optional<double> days_to_fix;
  std::string exception_id;  // the active record that mitigated/excepted it
  std::string note;          // e.g. an expired exception that no longer counts
  policy::RiskBreakdown risk;
  /// Whole days until the deadline at as_of (negative = overdue by); nullopt = no deadline.
  std::optional<long> days_left;
};

/// Counts by status. `findings` counts every finding still present (all statuses but fixed).
struct StatusCounts {
  std::size_t findings = 0;
  std::size_t open = 0;
  std::size_t due_soon = 0;
  std::size_t overdue = 0;
  std::size_t mitigated = 0;
  std::size_t excepted = 0;
  std::size_t fixed = 0;
  void add(policy::Status status);
};

/// ARCHITECTURE.md's summary, plus open and fixed.
struct ComplianceSummary {
  std::size_t hosts = 0;
  std::size_t hosts_compliant = 0;  // hosts with no overdue finding
  StatusCounts counts;
};

struct SeverityRow {
  core::Severity severity = core::Severity::kUnknown;
  StatusCounts counts;
};

struct HostRow {
  std::string id;
  std::string hostname;
  std::vector<std::string> tags;
  std::string os;  // os-release PRETTY_NAME, else "id version_id"
  std::optional<core::TimePoint> collected_at;
  bool compliant = true;
  StatusCounts counts;
  double max_risk = 0;
  /// The earliest deadline of an open or due-soon finding: the next one still ahead (overdue
  /// findings are counted in counts.overdue, their deadlines have passed). nullopt when none.
  std::optional<core::TimePoint> next_deadline;
};

struct CveRow {
  std::string cve;
  core::Severity severity = core::Severity::kUnknown;  // highest seen
  std::optional<std::string> kev_due_date;
  std::optional<double> epss;
  std::size_t hosts = 0;  // distinct hosts with a present finding naming it
  StatusCounts counts;
  double max_risk = 0;
  std::optional<core::TimePoint> earliest_deadline;  // among present, not mitigated/excepted
};

/// An exception or mitigation record and its state at as_of.
struct ExceptionRow {
  policy::ExceptionRecord record;
  enum class State : std::uint8_t { kActive = 1, kExpired = 2, kNotYetValid = 3 };
  State state = State::kActive;
  std::optional<long> days_to_expiry;  // whole days from as_of; nullopt = never expires
  std::size_t findings = 0;  // present findings it currently covers (or would, if expired)
};
/// "active", "expired", "not-yet-valid".
std::string_view to_string(ExceptionRow::State state);

struct TimeToFix {
  std::size_t fixed = 0;
  double mean_days = 0;
  double p90_days = 0;  // nearest-rank 90th percentile
};

/// The same package in several versions across the fleet.
struct SprawlVersion {
  std::string version;
  std::size_t host_count = 0;      // every host with this version installed
  std::vector<std::string> hosts;  // host ids, sorted; at most BuildOptions::sprawl_max_hosts
};
struct SprawlRow {
  std::string package;
  std::vector<SprawlVersion> versions;  // by descending host count, then version
  std::size_t hosts = 0;
};

/// Fleet-wide counts at one past moment (burn-down chart), from history: each host counts the
/// findings of its latest snapshot at or before `at`.
struct BurndownPoint {
  core::TimePoint at{};
  std::size_t findings = 0;
  std::size_t overdue = 0;  // of those, past their deadline at `at`
};

/// Findings by age against their deadline (HTML chart), over present findings with a deadline
/// that are neither mitigated nor excepted: the fraction of the allowed time used.
struct AgeBucket {
  /// "no deadline", "<50%", "50-100%", "overdue <30d", "overdue 30-90d", "overdue >90d"
  std::string label;
  std::size_t findings = 0;
};

struct ComplianceReport {
  std::string policy;  // policy name
  std::string policy_description;
  std::string policy_source;
  core::TimePoint as_of{};
  ComplianceSummary summary;
  std::vector<SeverityRow> by_severity;           // critical, high, medium, low, unknown
  std::vector<ComplianceFinding> findings;        // present + fixed; risk desc, host, package
  std::vector<ComplianceFinding> fix_first;       // top N present, actionable, by risk desc
  std::vector<HostRow> per_host;                  // worst first: overdue desc, max_risk desc, id
  std::vector<CveRow> per_cve;                    // max_risk desc, cve
  std::vector<ExceptionRow> exceptions;           // every record, file order
  std::vector<ExceptionRow> exceptions_expiring;  // active, expiring within 30 days, soonest first
  std::optional<TimeToFix> time_to_fix;           // when history shows fixes
  std::vector<SprawlRow> version_sprawl;          // most versions first
  std::vector<BurndownPoint> burndown;            // oldest first; empty without history
  std::vector<AgeBucket> age;
  std::size_t history_snapshots = 0;  // earlier inventories read
  bool findings_included = true;      // false when built with keep_findings = false
  std::string epss_model;             // EPSS model version / date used, "" = none
  std::vector<std::string> notes;     // per-host matcher notes, prefixed by host
};

struct BuildOptions {
  std::size_t fix_first = 20;            // length of the fix-first list
  std::size_t expiring_days = 30;        // exceptions_expiring window
  std::size_t sprawl_min_versions = 3;   // a package is sprawl from this many versions up
  std::size_t sprawl_max_packages = 50;  // longest sprawl list
  std::size_t sprawl_max_hosts = 100;    // host ids listed per version (the count is exact)
  bool keep_findings = true;             // keep every finding row (false: aggregates only)
};

/// Accumulates hosts into a ComplianceReport. Not thread-safe: one builder per thread.
class ComplianceBuilder {
 public:
  /// `evaluator` (and what it references) must outlive the builder.
  ComplianceBuilder(const policy::Evaluator& evaluator, const policy::ExceptionSet* exceptions,
                    BuildOptions options = {});
  ~ComplianceBuilder();
  ComplianceBuilder(const ComplianceBuilder&) = delete;
  ComplianceBuilder& operator=(const ComplianceBuilder&) = delete;

  /// One host: its current inventory, its current findings, and earlier snapshots of it (may be
  /// empty; they need not be sorted and must not include the current one).
  void add_host(const core::HostReport& current, const core::HostFindings& findings,
                std::span<const policy::Snapshot> history = {});

  /// One host whose history is already known (the fleet store's findings ledger): first-seen
  /// times parallel to `findings.findings` and the findings fixed since. No burn-down history.
  void add_host(const core::HostReport& current, const core::HostFindings& findings,
                const policy::HostHistory& history);

  /// Folds in what another builder (over other hosts, same evaluator and options) collected,
  /// so a fleet can be built on several threads, one builder each. `other` is left empty.
  void merge(ComplianceBuilder&& other);

  /// Sorts, trims and returns the report. Call once.
  ComplianceReport finish();

 private:
  void add_host_with_history(
      const core::HostReport& current, const core::HostFindings& findings,
      const policy::HostHistory& hist,
      std::vector<std::pair<core::TimePoint, const core::HostFindings*>> snaps);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One host for build_compliance_report: its current inventory and findings and earlier
/// snapshots of it (see ComplianceBuilder::add_host). The pointed-to data must outlive the call.
struct HostInput {
  const core::HostReport* current = nullptr;
  const core::HostFindings* findings = nullptr;
  std::span<const policy::Snapshot> history;
};

/// The report of `hosts` built on up to `threads` builders (0 = the hardware's cores), each over
/// a contiguous range of hosts, merged in host order: the same report as one builder adding the
/// hosts in order (the per-version host lists keep the first hosts in input order), whatever the
/// thread count.
ComplianceReport build_compliance_report(const policy::Evaluator& evaluator,
                                         const policy::ExceptionSet* exceptions,
                                         const BuildOptions& options,
                                         std::span<const HostInput> hosts, unsigned threads = 0);

struct ComplianceJsonOptions {
  bool pretty = true;
  bool include_findings = true;  // false: the summary sections only ("JSON summary")
  bool explain = false;          // add each finding's risk breakdown
};

/// Writes the "fleetpatch.report/1" document (docs/compliance-report.md).
void write_compliance_json(std::ostream& out, const ComplianceReport& report,
                           const ComplianceJsonOptions& options = {});

/// One CSV row per finding (RFC 4180 quoting), with a header row; list fields joined by ' '.
void write_compliance_csv(std::ostream& out, const ComplianceReport& report);

}  // namespace fleetpatch::report
