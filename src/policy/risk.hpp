// The risk score: one explainable number in [0, 100] per finding, used to sort reports and the
// fix-first list. Formula (docs/policy.md "Risk score"):
//
//   raw   = base x kev x epss x exposure x tier
//   score = min(100, 100 x raw / 60)             60 = 10 x 2 x 2 x 1.5 (tier 1)
//
//   base      CVSS base score when known, else by severity: critical 9.0, high 7.5, medium 5.0,
//             low 2.5, unknown 5.0
//   kev       2.0 when a CVE is in CISA's KEV catalog, else 1.0
//   epss      1 + EPSS probability of its most likely CVE (1.0 without EPSS data)
//   exposure  network 1.5, local 1.2, none 1.0
//   tier      the largest risk_factor of the policy tiers matching it (1.0 when none)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.hpp"

namespace fleetpatch::policy {

/// EPSS probability and percentile of one CVE (FIRST's EPSS CSV).
struct EpssScore {
  double epss = 0;        // probability of exploitation in the next 30 days, [0, 1]
  double percentile = 0;  // [0, 1]
};

/// EPSS scores by CVE id. Built once, then read-only (safe to share between threads). Keyed by
/// the CVE's numbers ("CVE-2024-6387" -> 2024, 6387), so lookups allocate nothing: a fleet report
/// looks up every CVE of every finding.
class EpssScores {
 public:
  EpssScores() = default;
  void add(std::string_view cve, EpssScore score);
  /// The score of `cve`, or nullptr.
  const EpssScore* find(std::string_view cve) const;
  /// The highest EPSS among `cves` with its CVE, or nullopt when none is known.
  std::optional<std::pair<std::string_view, EpssScore>> highest(
      const std::vector<std::string>& cves) const;
  std::size_t size() const { return size_; }
  /// "CVE-YYYY-N..." as one number (year x 10^10 + sequence), or 0 when it is not a CVE id.
  static std::uint64_t cve_key(std::string_view cve);
  std::string model_version;  // "v2023.03.01" when the CSV says so
  std::string score_date;     // RFC 3339 date of the scores when the CSV says so

 private:
  // Open addressing with linear probing over cve_key values (0 = empty): one cache line per
  // lookup, where a node-based map costs a pointer chase. Load factor <= 1/2.
  struct Slot {
    std::uint64_t key = 0;
    EpssScore score;
  };
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

/// Every factor of one finding's score, so that `--explain` and reports can show it.
struct RiskBreakdown {
  double base = 0;
  std::string base_source;  // "cvss 7.5" or "severity high"
  double kev = 1;
  double epss = 1;
  std::optional<double> epss_probability;  // the EPSS used, when known
  std::string epss_cve;                    // the CVE it belongs to
  double exposure = 1;
  double tier = 1;
  std::string tier_source;  // "tag:prod" when a tier raised it
  double raw = 0;
  double score = 0;  // [0, 100], rounded to 0.1

  /// "cvss 7.5 x kev 2 x epss 1.91 (CVE-2024-1 0.91) x exposure network 1.5 x tier 1 = 41.0 ->
  /// 68.4".
  std::string explain() const;
  friend bool operator==(const RiskBreakdown&, const RiskBreakdown&) = default;
};

/// Constants of the formula, named so the docs and tests read the same numbers.
inline constexpr double kRiskKevFactor = 2.0;
inline constexpr double kRiskExposureNetwork = 1.5;
inline constexpr double kRiskExposureLocal = 1.2;
inline constexpr double kRiskNormaliser = 60.0;

/// Base score for a severity without CVSS.
double severity_base(core::Severity severity);

/// The score of `finding` given the tier factor already chosen by the caller (see evaluate.hpp).
/// With `with_text` false the *_source and epss_cve texts are left empty (fleet summaries).
RiskBreakdown risk_score(const core::Finding& finding, const EpssScores* epss, double tier_factor,
                         std::string_view tier_source, bool with_text = true);

/// Scores every finding with `risk_score` (tier factor 1: tiers belong to a policy, which a scan
/// does not have) and reorders `findings` by score, highest first. Equal scores keep their given
/// order, so the result is as deterministic as the input. Returns the breakdowns, parallel to the
/// reordered findings. `scan` orders each host's findings with it (docs/scan-result.md "Order").
std::vector<RiskBreakdown> sort_by_risk(std::vector<core::Finding>& findings,
                                        const EpssScores* epss);

}  // namespace fleetpatch::policy
