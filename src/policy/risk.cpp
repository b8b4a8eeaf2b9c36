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

std::uint64_t EpssScores::cve_key(std::string_view cve) {
  // "CVE-" 4 digits "-" 4 to 10 digits.
  if (cve.size() < 13 || cve.size() > 19 || cve.substr(0, 4) != "CVE-" || cve[8] != '-') return 0;
  std::uint64_t year = 0;
  for (std::size_t i = 4; i < 8; ++i) {
    if (cve[i] < '0' || cve[i] > '9') return 0;
    year = year * 10 + static_cast<std::uint64_t>(cve[i] - '0');
  }
  std::uint64_t sequence = 0;
  for (std::size_t i = 9; i < cve.size(); ++i) {
    if (cve[i] < '0' || cve[i] > '9') return 0;
    sequence = sequence * 10 + static_cast<std::uint64_t>(cve[i] - '0');
  }
  return year * 10'000'000'000ULL + sequence;
}

namespace {

std::size_t slot_of(std::uint64_t key, std::size_t mask) {
  return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

}  // namespace

void EpssScores::add(std::string_view cve, EpssScore score) {
  const std::uint64_t key = cve_key(cve);
  if (key == 0) return;
  if (2 * (size_ + 1) > slots_.size()) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(64, old.size() * 2), Slot{});
    size_ = 0;
    for (const Slot& s : old) {
      if (s.key == 0) continue;
      std::size_t i = slot_of(s.key, slots_.size() - 1);
      while (slots_[i].key != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = s;
      ++size_;
    }
  }
  std::size_t i = slot_of(key, slots_.size() - 1);
  while (slots_[i].key != 0 && slots_[i].key != key) i = (i + 1) & (slots_.size() - 1);
  if (slots_[i].key == 0) ++size_;
  slots_[i] = {key, score};
}

const EpssScore* EpssScores::find(std::string_view cve) const {
  if (size_ == 0) return nullptr;
  const std::uint64_t key = cve_key(cve);
  if (key == 0) return nullptr;
  std::size_t i = slot_of(key, slots_.size() - 1);
  while (slots_[i].key != 0) {
    if (slots_[i].key == key) return &slots_[i].score;
    i = (i + 1) & (slots_.size() - 1);
  }
  return nullptr;
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
                         std::string_view tier_source, bool with_text) {
  RiskBreakdown r;
  if (finding.cvss_score && *finding.cvss_score > 0 && *finding.cvss_score <= 10) {
    r.base = *finding.cvss_score;
    if (with_text) r.base_source = "cvss " + shortest(r.base);
  } else {
    r.base = severity_base(finding.severity);
    if (with_text) r.base_source = "severity " + std::string(core::to_string(finding.severity));
  }
  r.kev = finding.kev_due_date ? kRiskKevFactor : 1.0;
  if (epss != nullptr) {
    if (const auto best = epss->highest(finding.cves)) {
      const double p = std::clamp(best->second.epss, 0.0, 1.0);
      r.epss_probability = p;
      if (with_text) r.epss_cve = std::string(best->first);
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
  if (r.tier > 1.0 && with_text) r.tier_source = std::string(tier_source);
  r.raw = r.base * r.kev * r.epss * r.exposure * r.tier;
  const double score = std::min(100.0, 100.0 * r.raw / kRiskNormaliser);
  r.score = std::round(score * 10.0) / 10.0;
  return r;
}

std::vector<RiskBreakdown> sort_by_risk(std::vector<core::Finding>& findings,
                                        const EpssScores* epss) {
  std::vector<RiskBreakdown> scores;
  scores.reserve(findings.size());
  for (const auto& f : findings) scores.push_back(risk_score(f, epss, 1.0, {}));
  std::vector<std::size_t> order(findings.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&scores](std::size_t a, std::size_t b) {
    return scores[a].score > scores[b].score;
  });
  std::vector<core::Finding> sorted_findings;
  std::vector<RiskBreakdown> sorted_scores;
  sorted_findings.reserve(findings.size());
  sorted_scores.reserve(findings.size());
  for (const std::size_t i : order) {
    sorted_findings.push_back(std::move(findings[i]));
    sorted_scores.push_back(std::move(scores[i]));
  }
  findings = std::move(sorted_findings);
  return sorted_scores;
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
