#include "policy/evaluate.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>

#include "policy/string_hash.hpp"

namespace fleetpatch::policy {
namespace {

constexpr std::chrono::seconds kDay{86400};

std::string date_of(core::TimePoint t) { return core::format_rfc3339(t).substr(0, 10); }

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), or
/// nullopt when the date does not exist.
std::optional<std::int64_t> days_from_civil(int y, int m, int d) {
  static constexpr int kDaysIn[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kDaysIn[m - 1]) return std::nullopt;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && d == 29 && !leap) return std::nullopt;
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/// core::parse_rfc3339 for the two forms findings carry ("YYYY-MM-DDTHH:MM:SSZ" and
/// "YYYY-MM-DD"), fast: a fleet report parses a few of them per finding, millions in all.
/// Anything else goes to the full parser.
std::optional<core::TimePoint> parse_time(std::string_view text) {
  const std::size_t n = text.size();
  if (n == 10 ||
      (n == 20 && text[10] == 'T' && text[13] == ':' && text[16] == ':' && text[19] == 'Z')) {
    // Straight-line digits, one validity check for all of them.
    const char* p = text.data();
    unsigned bad = 0;
    const auto digit = [p, &bad](std::size_t i) {
      const unsigned v = static_cast<unsigned>(p[i]) - '0';
      bad |= v > 9 ? 1u : 0u;
      return v;
    };
    const unsigned y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
    const unsigned mo = digit(5) * 10 + digit(6);
    const unsigned d = digit(8) * 10 + digit(9);
    unsigned h = 0, mi = 0, sec = 0;
    if (n == 20) {
      h = digit(11) * 10 + digit(12);
      mi = digit(14) * 10 + digit(15);
      sec = digit(17) * 10 + digit(18);
    }
    if (bad == 0 && p[4] == '-' && p[7] == '-' && h < 24 && mi < 60 && sec < 60) {
      if (const auto days =
              days_from_civil(static_cast<int>(y), static_cast<int>(mo), static_cast<int>(d))) {
        const unsigned second_of_day = h * 3600 + mi * 60 + sec;  // < 86400, checked above
        return core::TimePoint{std::chrono::seconds{*days * 86400 + second_of_day}};
      }
    }
  }
  if (text.empty()) return std::nullopt;
  auto t = core::parse_rfc3339(text);
  return t.ok() ? std::optional(*t) : std::nullopt;
}

/// parse_time through a small per-thread cache keyed by the text's bytes: a fleet's findings
/// carry few distinct dates (about one per advisory), and each is parsed for every host that has
/// the finding. A hit costs three word compares instead of a parse.
std::optional<core::TimePoint> parse_time_cached(std::string_view text) {
  const std::size_t n = text.size();
  if (n < 8 || n > 24) return parse_time(text);
  struct Entry {
    std::uint64_t w0 = 0, w1 = 0, w2 = 0;
    std::size_t size = 0;  // 0 = empty
    std::optional<core::TimePoint> value;
  };
  thread_local std::array<Entry, 2048> cache{};  // ~100 KB per thread
  // Three 8-byte loads cover every byte of 8 to 24 (the size tells the overlaps apart).
  std::uint64_t w0 = 0, w1 = 0, w2 = 0;
  std::memcpy(&w0, text.data(), 8);
  std::memcpy(&w1, text.data() + (n >= 16 ? 8 : n - 8), 8);
  std::memcpy(&w2, text.data() + n - 8, 8);
  const std::size_t slot = ((w0 * 0x9e3779b97f4a7c15ULL) ^ (w1 * 0xbf58476d1ce4e5b9ULL) ^
                            (w2 * 0x94d049bb133111ebULL) ^ n) >>
                           53;
  Entry& e = cache[slot];
  if (e.size == n && e.w0 == w0 && e.w1 == w1 && e.w2 == w2) return e.value;
  e = {w0, w1, w2, n, parse_time(text)};
  return e.value;
}

using RecordMap =
    std::unordered_map<std::string, std::vector<std::size_t>, StringHash, std::equal_to<>>;

}  // namespace

/// Exception records indexed by their most selective selector, so a finding is checked against
/// the few records that can select it, not all of them.
struct Evaluator::RecordIndex {
  RecordMap by_cve;
  RecordMap by_package;
  std::vector<std::size_t> others;  // host/tag-only records: checked for every finding
};

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
    : policy_(policy),
      exceptions_(exceptions),
      epss_(epss),
      now_(clock.now()),
      records_(std::make_unique<RecordIndex>()) {
  if (exceptions_ == nullptr) return;
  for (std::size_t i = 0; i < exceptions_->records.size(); ++i) {
    const ExceptionRecord& r = exceptions_->records[i];
    if (!r.cve.empty()) {
      records_->by_cve[r.cve].push_back(i);
    } else if (!r.package.empty()) {
      records_->by_package[r.package].push_back(i);
    } else {
      records_->others.push_back(i);
    }
  }
}

Evaluator::~Evaluator() = default;

void Evaluator::candidate_records(const core::Finding& finding,
                                  std::vector<std::size_t>& out) const {
  out = records_->others;
  const auto add = [&out](const RecordMap& map, std::string_view key) {
    if (key.empty()) return;
    if (const auto it = map.find(key); it != map.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
    }
  };
  if (!records_->by_cve.empty()) {
    for (const auto& cve : finding.cves) add(records_->by_cve, cve);
  }
  if (!records_->by_package.empty()) {
    add(records_->by_package, finding.package);
    if (finding.source_package != finding.package)
      add(records_->by_package, finding.source_package);
  }
  // File order decides which record applies when several do.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

Deadline Evaluator::deadline(const core::HostIdentity& host, const core::Finding& finding,
                             std::optional<core::TimePoint> first_seen, Detail detail) const {
  const bool text = detail == Detail::kFull;
  Deadline d;
  if (finding.state == core::FindingState::kEndOfLife) {
    // Vendors announce end of life years ahead, so there is no grace period after it: due the
    // moment support ends (docs/compliance-report.md, "End of life"). Tiers and KEV cannot
    // shorten it (no CVE; nothing is shorter than zero days).
    d.basis = ClockStart::kEndOfLife;
    d.clock_start = finding.end_of_life ? parse_time(finding.end_of_life->since) : std::nullopt;
    if (!d.clock_start) d.clock_start = first_seen ? *first_seen : now_;
    d.days = 0;
    d.deadline = d.clock_start;
    if (text) {
      const std::string release = finding.end_of_life ? finding.end_of_life->release : "release";
      d.reason = policy_.name + ": " + release + " past its vendor's support since " +
                 date_of(*d.clock_start) + ", due on its end-of-life date (no grace period)";
    }
    return d;
  }
  d.basis = policy_.clock_start;
  bool no_fix_date = false;
  if (policy_.clock_start == ClockStart::kFixAvailable) {
    d.clock_start = parse_time_cached(finding.fix_available_since);
    if (!d.clock_start) {
      d.basis = ClockStart::kFirstSeen;
      no_fix_date = true;
    }
  }
  if (!d.clock_start) d.clock_start = first_seen ? *first_seen : now_;

  const auto sev = static_cast<std::size_t>(finding.severity);
  std::optional<int> days = policy_.days[sev];
  const Tier* shortening = nullptr;
  for (const Tier& tier : policy_.tiers) {
    if (!tier_matches(tier.match, host, finding)) continue;
    std::optional<int> candidate = tier.days[sev];
    if (!candidate && tier.factor && policy_.days[sev]) {
      candidate = std::max(1, static_cast<int>(std::floor(*policy_.days[sev] * *tier.factor)));
    }
    if (candidate && (!days || *candidate < *days)) {
      days = candidate;
      shortening = &tier;
    }
  }
  if (days) {
    d.days = days;
    d.deadline = *d.clock_start + *days * kDay;
  }

  std::optional<core::TimePoint> kev;
  if (finding.kev_due_date && policy_.kev != KevRule::kIgnore) {
    kev = parse_time_cached(*finding.kev_due_date);
    if (kev && (policy_.kev == KevRule::kDueDate || !d.deadline || *kev < *d.deadline)) {
      d.deadline = *kev;
      d.kev_applied = true;
    }
  }
  if (!text) return d;

  if (shortening != nullptr) d.tier = shortening->match.to_string();
  const std::string severity(core::to_string(finding.severity));
  std::string base_reason;
  if (days) {
    base_reason = severity + " within " + std::to_string(*days) + " days of " +
                  std::string(to_string(d.basis)) + (no_fix_date ? " (no fix-available date)" : "");
    if (!d.tier.empty()) base_reason += " (tier " + d.tier + ")";
  } else {
    base_reason = "no deadline for " + severity;
  }
  if (!d.kev_applied) {
    d.reason = policy_.name + ": " + base_reason;
  } else if (policy_.kev == KevRule::kDueDate) {
    d.reason = policy_.name + ": KEV due date " + date_of(*kev);
  } else {
    d.reason =
        policy_.name + ": KEV due date " + date_of(*kev) + " (earlier than " + base_reason + ")";
  }
  return d;
}

std::pair<double, const Tier*> Evaluator::tier_risk(const core::HostIdentity& host,
                                                    const core::Finding& finding) const {
  std::pair<double, const Tier*> best{1.0, nullptr};
  for (const Tier& tier : policy_.tiers) {
    if (tier.risk_factor > best.first && tier_matches(tier.match, host, finding)) {
      best = {tier.risk_factor, &tier};
    }
  }
  return best;
}

FindingEvaluation Evaluator::evaluate(const core::HostIdentity& host, const core::Finding& finding,
                                      std::optional<core::TimePoint> first_seen,
                                      Detail detail) const {
  const bool text = detail == Detail::kFull;
  FindingEvaluation e;
  e.first_seen = first_seen;
  e.deadline = deadline(host, finding, first_seen, detail);
  const auto [tier_factor, tier] = tier_risk(host, finding);
  e.risk = risk_score(finding, epss_, tier_factor,
                      tier != nullptr && text ? tier->match.to_string() : std::string(), text);

  // Records: an active mitigation wins over an active exception (the risk is reduced, not just
  // accepted); expired ones are remembered so the report can say they stopped counting.
  std::optional<std::size_t> mitigation;
  std::optional<std::size_t> exception;
  if (exceptions_ != nullptr && !exceptions_->records.empty()) {
    thread_local std::vector<std::size_t> candidates;
    candidate_records(finding, candidates);
    for (const std::size_t i : candidates) {
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
  if (text) {
    for (const std::size_t i : e.expired_exceptions) {
      const ExceptionRecord& rec = exceptions_->records[i];
      if (!e.note.empty()) e.note += "; ";
      e.note += std::string(to_string(rec.kind)) + " " + rec.id + " expired " +
                core::format_rfc3339(*rec.expires) + " and no longer counts";
    }
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
                                            core::TimePoint fixed_at, Detail detail) const {
  const bool text = detail == Detail::kFull;
  FindingEvaluation e;
  e.status = Status::kFixed;
  e.first_seen = first_seen;
  e.fixed_at = fixed_at;
  e.deadline = deadline(host, finding, first_seen, detail);
  const auto [tier_factor, tier] = tier_risk(host, finding);
  e.risk = risk_score(finding, epss_, tier_factor,
                      tier != nullptr && text ? tier->match.to_string() : std::string(), text);
  if (e.deadline.clock_start) {
    const auto seconds = (fixed_at - *e.deadline.clock_start).count();
    // Fixed before the clock started (a first-seen clock, or a backported fix): zero days.
    e.days_to_fix = std::max(0.0, static_cast<double>(seconds) / 86400.0);
  }
  return e;
}

}  // namespace fleetpatch::policy
