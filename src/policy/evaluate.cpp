#include "policy/evaluate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

namespace fleetpatch::policy {
namespace {

constexpr std::chrono::seconds kDay{86400};

std::string date_of(core::TimePoint t) { return core::format_rfc3339(t).substr(0, 10); }

}  // namespace

std::string_view to_string(Status status) {
  switch (status) {
    case Status::kOpen:
      return "open";
    case Status::kDueSoon:
      return "due-soon";
    case Status::kOverdue:
      return "overdue";
    case Status::kMitigated:
      return "mitigated";
    case Status::kExcepted:
      return "excepted";
    case Status::kFixed:
      return "fixed";
  }
  return "open";
}

bool tier_matches(const TierMatch& match, const core::HostIdentity& host,
                  const core::Finding& finding) {
  if (match.kind == TierMatch::Kind::kTag) {
    return std::find(host.tags.begin(), host.tags.end(), match.tag) != host.tags.end();
  }
  // "exposure:local" covers everything reachable at least locally, network included.
  return static_cast<int>(finding.exposure) >= static_cast<int>(match.exposure) &&
         finding.exposure != core::Exposure::kNone;
}

Evaluator::Evaluator(const Policy& policy, const ExceptionSet* exceptions, const EpssScores* epss,
                     const core::Clock& clock)
    : policy_(policy), exceptions_(exceptions), epss_(epss), now_(clock.now()) {}

Deadline Evaluator::deadline(const core::HostIdentity& host, const core::Finding& finding,
                             std::optional<core::TimePoint> first_seen) const {
  Deadline d;
  d.basis = policy_.clock_start;
  std::string basis_note;
  if (policy_.clock_start == ClockStart::kFixAvailable) {
    if (auto t = core::parse_rfc3339(finding.fix_available_since); t.ok()) {
      d.clock_start = *t;
    } else {
      d.basis = ClockStart::kFirstSeen;
      basis_note = " (no fix-available date)";
    }
  }
  if (!d.clock_start) d.clock_start = first_seen ? *first_seen : now_;

  const auto sev = static_cast<std::size_t>(finding.severity);
  std::optional<int> days = policy_.days[sev];
  for (const Tier& tier : policy_.tiers) {
    if (!tier_matches(tier.match, host, finding)) continue;
    std::optional<int> candidate = tier.days[sev];
    if (!candidate && tier.factor && policy_.days[sev]) {
      candidate = std::max(1, static_cast<int>(std::floor(*policy_.days[sev] * *tier.factor)));
    }
    if (candidate && (!days || *candidate < *days)) {
      days = candidate;
      d.tier = tier.match.to_string();
    }
  }

  const std::string severity(core::to_string(finding.severity));
  std::string base_reason;
  if (days) {
    d.days = days;
    d.deadline = *d.clock_start + *days * kDay;
    base_reason = severity + " within " + std::to_string(*days) + " days of " +
                  std::string(to_string(d.basis)) + basis_note;
    if (!d.tier.empty()) base_reason += " (tier " + d.tier + ")";
  } else {
    base_reason = "no deadline for " + severity;
  }
  d.reason = policy_.name + ": " + base_reason;

  if (finding.kev_due_date && policy_.kev != KevRule::kIgnore) {
    if (auto kev = core::parse_rfc3339(*finding.kev_due_date); kev.ok()) {
      const std::string kev_text = "KEV due date " + date_of(*kev);
      if (policy_.kev == KevRule::kDueDate) {
        d.deadline = *kev;
        d.kev_applied = true;
        d.reason = policy_.name + ": " + kev_text;
      } else if (!d.deadline || *kev < *d.deadline) {
        d.deadline = *kev;
        d.kev_applied = true;
        d.reason = policy_.name + ": " + kev_text + " (earlier than " + base_reason + ")";
      }
    }
  }
  return d;
}

std::pair<double, std::string> Evaluator::tier_risk(const core::HostIdentity& host,
                                                    const core::Finding& finding) const {
  std::pair<double, std::string> best{1.0, ""};
  for (const Tier& tier : policy_.tiers) {
    if (tier.risk_factor > best.first && tier_matches(tier.match, host, finding)) {
      best = {tier.risk_factor, tier.match.to_string()};
    }
  }
  return best;
}

FindingEvaluation Evaluator::evaluate(const core::HostIdentity& host, const core::Finding& finding,
                                      std::optional<core::TimePoint> first_seen) const {
  FindingEvaluation e;
  e.first_seen = first_seen;
  e.deadline = deadline(host, finding, first_seen);
  const auto [tier_factor, tier_source] = tier_risk(host, finding);
  e.risk = risk_score(finding, epss_, tier_factor, tier_source);

  // Records: an active mitigation wins over an active exception (the risk is reduced, not just
  // accepted); expired ones are remembered so the report can say they stopped counting.
  std::optional<std::size_t> mitigation;
  std::optional<std::size_t> exception;
  if (exceptions_ != nullptr) {
    for (std::size_t i = 0; i < exceptions_->records.size(); ++i) {
      const ExceptionRecord& rec = exceptions_->records[i];
      if (!rec.selects(host, finding)) continue;
      if (rec.active_at(now_)) {
        auto& slot = rec.kind == ExceptionKind::kMitigation ? mitigation : exception;
        if (!slot) slot = i;
      } else if (rec.expires && now_ >= *rec.expires) {
        e.expired_exceptions.push_back(i);
      }
    }
  }
  for (const std::size_t i : e.expired_exceptions) {
    const ExceptionRecord& rec = exceptions_->records[i];
    if (!e.note.empty()) e.note += "; ";
    e.note += std::string(to_string(rec.kind)) + " " + rec.id + " expired " +
              core::format_rfc3339(*rec.expires) + " and no longer counts";
  }

  if (finding.state == core::FindingState::kMitigated) {
    e.status = Status::kMitigated;
  } else if (mitigation) {
    e.status = Status::kMitigated;
    e.exception = mitigation;
  } else if (exception) {
    e.status = Status::kExcepted;
    e.exception = exception;
  } else if (e.deadline.deadline && now_ >= *e.deadline.deadline) {
    e.status = Status::kOverdue;
  } else if (e.deadline.deadline && *e.deadline.deadline - now_ <= policy_.due_soon_days * kDay) {
    e.status = Status::kDueSoon;
  } else {
    e.status = Status::kOpen;
  }
  return e;
}

FindingEvaluation Evaluator::evaluate_fixed(const core::HostIdentity& host,
                                            const core::Finding& finding,
                                            std::optional<core::TimePoint> first_seen,
                                            core::TimePoint fixed_at) const {
  FindingEvaluation e;
  e.status = Status::kFixed;
  e.first_seen = first_seen;
  e.fixed_at = fixed_at;
  e.deadline = deadline(host, finding, first_seen);
  const auto [tier_factor, tier_source] = tier_risk(host, finding);
  e.risk = risk_score(finding, epss_, tier_factor, tier_source);
  if (e.deadline.clock_start) {
    const auto seconds = (fixed_at - *e.deadline.clock_start).count();
    // Fixed before the clock started (a first-seen clock, or a backported fix): zero days.
    e.days_to_fix = std::max(0.0, static_cast<double>(seconds) / 86400.0);
  }
  return e;
}

}  // namespace fleetpatch::policy
