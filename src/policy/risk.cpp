#include "policy/risk.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fleetpatch::policy {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

/// Short form: "2", "1.5", "1.91".
std::string shortest(double v) {
  std::string s = fixed(v, 2);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

void EpssScores::add(std::string cve, EpssScore score) {
  scores_.insert_or_assign(std::move(cve), score);
}

const EpssScore* EpssScores::find(std::string_view cve) const {
  const auto it = scores_.find(std::string(cve));
  return it == scores_.end() ? nullptr : &it->second;
}

std::optional<std::pair<std::string_view, EpssScore>> EpssScores::highest(
    const std::vector<std::string>& cves) const {
  std::optional<std::pair<std::string_view, EpssScore>> best;
  for (const auto& cve : cves) {
    const EpssScore* s = find(cve);
    if (s != nullptr && (!best || s->epss > best->second.epss)) best.emplace(cve, *s);
  }
  return best;
}

double severity_base(core::Severity severity) {
  switch (severity) {
    case core::Severity::kCritical:
      return 9.0;
    case core::Severity::kHigh:
      return 7.5;
    case core::Severity::kMedium:
      return 5.0;
    case core::Severity::kLow:
      return 2.5;
    case core::Severity::kUnknown:
      return 5.0;
  }
  return 5.0;
}

RiskBreakdown risk_score(const core::Finding& finding, const EpssScores* epss, double tier_factor,
                         std::string_view tier_source) {
  RiskBreakdown r;
  if (finding.cvss_score && *finding.cvss_score > 0 && *finding.cvss_score <= 10) {
    r.base = *finding.cvss_score;
    r.base_source = "cvss " + shortest(r.base);
  } else {
    r.base = severity_base(finding.severity);
    r.base_source = "severity " + std::string(core::to_string(finding.severity));
  }
  r.kev = finding.kev_due_date ? kRiskKevFactor : 1.0;
  if (epss != nullptr) {
    if (const auto best = epss->highest(finding.cves)) {
      const double p = std::clamp(best->second.epss, 0.0, 1.0);
      r.epss_probability = p;
      r.epss_cve = std::string(best->first);
      r.epss = 1.0 + p;
    }
  }
  switch (finding.exposure) {
    case core::Exposure::kNetwork:
      r.exposure = kRiskExposureNetwork;
      break;
    case core::Exposure::kLocal:
      r.exposure = kRiskExposureLocal;
      break;
    case core::Exposure::kNone:
      r.exposure = 1.0;
      break;
  }
  r.tier = std::max(1.0, tier_factor);
  if (r.tier > 1.0) r.tier_source = std::string(tier_source);
  r.raw = r.base * r.kev * r.epss * r.exposure * r.tier;
  const double score = std::min(100.0, 100.0 * r.raw / kRiskNormaliser);
  r.score = std::round(score * 10.0) / 10.0;
  return r;
}

std::string RiskBreakdown::explain() const {
  std::string out = base_source;
  out += " x kev " + shortest(kev);
  out += " x epss " + shortest(epss);
  if (epss_probability) out += " (" + epss_cve + " " + fixed(*epss_probability, 3) + ")";
  out += " x exposure " + shortest(exposure);
  out += " x tier " + shortest(tier);
  if (!tier_source.empty()) out += " (" + tier_source + ")";
  out += " = " + fixed(raw, 2) + " -> " + fixed(score, 1) + "/100";
  return out;
}

}  // namespace fleetpatch::policy
