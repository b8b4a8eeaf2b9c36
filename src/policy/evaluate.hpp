// Compliance status of one finding under a policy at the Clock's "now": its clock start,
// deadline and the reason for it, the status (open, due-soon, overdue, mitigated, excepted,
// fixed), the exception or mitigation that applies, and the risk score. Pure; time only through
// the Clock.
//
// Deadline (docs/policy.md "Deadlines"):
//   clock start  fix-available: Finding::fix_available_since (falls back to first-seen when the
//                advisories carry no date); first-seen: the first snapshot showing the finding
//                (history.hpp), else the Clock's now.
//   days         the policy's days for the severity, shortened by every matching tier (the
//                shortest wins); none = no deadline.
//   KEV          earliest-of: min(deadline, KEV due date); due-date: the KEV due date replaces it;
//                ignore: unchanged. A "YYYY-MM-DD" due date is that day at 00:00:00Z, like
//                every date here, so a finding due that day is overdue during it (conservative).
// Status, first rule that holds: fixed (history says so), mitigated (finding state mitigated or
// an active mitigation record), excepted (an active exception record), overdue (now >=
// deadline), due-soon (deadline - now <= due_soon_days), open.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.hpp"
#include "core/host_report.hpp"
#include "core/time.hpp"
#include "policy/exceptions.hpp"
#include "policy/policy.hpp"
#include "policy/risk.hpp"

namespace fleetpatch::policy {

/// Persisted in reports by name; the values only order them (worst first after fixed).
enum class Status : std::uint8_t {
  kOpen = 1,
  kDueSoon = 2,
  kOverdue = 3,
  kMitigated = 4,
  kExcepted = 5,
  kFixed = 6,
};
/// "open", "due-soon", "overdue", "mitigated", "excepted", "fixed".
std::string_view to_string(Status status);
inline constexpr Status kAllStatuses[] = {Status::kOpen,      Status::kDueSoon,  Status::kOverdue,
                                          Status::kMitigated, Status::kExcepted, Status::kFixed};

/// A finding's deadline under a policy, independent of "now".
struct Deadline {
  ClockStart basis = ClockStart::kFixAvailable;  // what clock_start actually is
  std::optional<core::TimePoint> clock_start;
  std::optional<core::TimePoint> deadline;  // none = no deadline for this severity
  std::string reason;                       // "soc2: high within 30 days of fix-available"
  std::optional<int> days;   // the days applied (after tiers), when the policy gave some
  std::string tier;          // "exposure:network" when a tier shortened it
  bool kev_applied = false;  // the KEV due date set the deadline
  friend bool operator==(const Deadline&, const Deadline&) = default;
};

struct FindingEvaluation {
  Status status = Status::kOpen;
  Deadline deadline;
  std::optional<core::TimePoint> first_seen;
  std::optional<core::TimePoint> fixed_at;  // kFixed only
  std::optional<double> days_to_fix;        // fixed_at - clock_start, in days
  /// Index into ExceptionSet::records of the active record that made it mitigated/excepted.
  std::optional<std::size_t> exception;
  /// Records that select this finding but have expired (the report says they stopped counting).
  std::vector<std::size_t> expired_exceptions;
  std::string note;  // "exception EX-1 expired 2026-10-01T00:00:00Z: no longer counts"
  RiskBreakdown risk;
};

/// How much of an evaluation to build. kStatus leaves out every text (deadline reason, note,
/// risk sources) and is several times cheaper: fleet summaries evaluate millions of findings and
/// show the texts of a few.
enum class Detail : std::uint8_t { kFull, kStatus };

/// Evaluates findings. Holds references: the policy, exceptions, EPSS scores and clock must
/// outlive it. Const members are thread-safe.
class Evaluator {
 public:
  Evaluator(const Policy& policy, const ExceptionSet* exceptions, const EpssScores* epss,
            const core::Clock& clock);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  const Policy& policy() const { return policy_; }
  core::TimePoint now() const { return now_; }
  const EpssScores* epss() const { return epss_; }
  const ExceptionSet* exceptions() const { return exceptions_; }

  /// Deadline of `finding` on `host`, given when it was first seen (nullopt = unknown).
  Deadline deadline(const core::HostIdentity& host, const core::Finding& finding,
                    std::optional<core::TimePoint> first_seen, Detail detail = Detail::kFull) const;

  /// Evaluation of a finding present in the host's current inventory.
  FindingEvaluation evaluate(const core::HostIdentity& host, const core::Finding& finding,
                             std::optional<core::TimePoint> first_seen,
                             Detail detail = Detail::kFull) const;

  /// Evaluation of a finding that history shows fixed at `fixed_at` (status kFixed).
  FindingEvaluation evaluate_fixed(const core::HostIdentity& host, const core::Finding& finding,
                                   std::optional<core::TimePoint> first_seen,
                                   core::TimePoint fixed_at, Detail detail = Detail::kFull) const;

  /// The risk tier factor for a finding: the largest risk_factor of the matching tiers, and
  /// that tier (nullptr when none raises it above 1).
  std::pair<double, const Tier*> tier_risk(const core::HostIdentity& host,
                                           const core::Finding& finding) const;

 private:
  /// Indices of the exception records that may select `finding`, ascending.
  void candidate_records(const core::Finding& finding, std::vector<std::size_t>& out) const;

  const Policy& policy_;
  const ExceptionSet* exceptions_;
  const EpssScores* epss_;
  core::TimePoint now_;
  struct RecordIndex;
  std::unique_ptr<RecordIndex> records_;  // exception records by CVE and package
};

/// True when `tier` applies to `finding` on `host`.
bool tier_matches(const TierMatch& match, const core::HostIdentity& host,
                  const core::Finding& finding);

}  // namespace fleetpatch::policy
