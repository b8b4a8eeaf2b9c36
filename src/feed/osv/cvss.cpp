#include "feed/osv/cvss.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace fleetpatch::feed::osv {
namespace {

/// "AV:N/AC:L/..." -> {"AV":"N", ...}; nullopt on a part without ':' or a repeated metric.
std::optional<std::map<std::string_view, std::string_view>> split_metrics(std::string_view text) {
  std::map<std::string_view, std::string_view> metrics;
  while (!text.empty()) {
    std::size_t slash = text.find('/');
    std::string_view part = text.substr(0, slash);
    text = slash == std::string_view::npos ? std::string_view{} : text.substr(slash + 1);
    std::size_t colon = part.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    if (!metrics.emplace(part.substr(0, colon), part.substr(colon + 1)).second) {
      return std::nullopt;
    }
  }
  return metrics;
}

std::optional<double> lookup(const std::map<std::string_view, std::string_view>& metrics,
                             std::string_view metric,
                             std::initializer_list<std::pair<std::string_view, double>> values) {
  auto it = metrics.find(metric);
  if (it == metrics.end()) return std::nullopt;
  for (const auto& [name, value] : values) {
    if (it->second == name) return value;
  }
  return std::nullopt;
}

/// CVSS v3.1 Roundup: the smallest number with one decimal that is >= x, computed on integers
/// to avoid floating-point surprises (specification, Appendix A).
double roundup(double x) {
  long long scaled = std::llround(x * 100000.0);
  if (scaled % 10000 == 0) return static_cast<double>(scaled) / 100000.0;
  return (std::floor(static_cast<double>(scaled) / 10000.0) + 1.0) / 10.0;
}

}  // namespace

std::optional<double> cvss3_base_score(std::string_view vector) {
  constexpr std::string_view kPrefix30 = "CVSS:3.0/";
  constexpr std::string_view kPrefix31 = "CVSS:3.1/";
  if (vector.substr(0, kPrefix30.size()) == kPrefix30 ||
      vector.substr(0, kPrefix31.size()) == kPrefix31) {
    vector.remove_prefix(kPrefix31.size());
  } else {
    return std::nullopt;
  }
  auto metrics = split_metrics(vector);
  if (!metrics) return std::nullopt;
  auto scope = metrics->find("S");
  if (scope == metrics->end() || (scope->second != "U" && scope->second != "C")) {
    return std::nullopt;
  }
  const bool changed = scope->second == "C";
  auto av = lookup(*metrics, "AV", {{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}});
  auto ac = lookup(*metrics, "AC", {{"L", 0.77}, {"H", 0.44}});
  auto pr = lookup(*metrics, "PR",
                   {{"N", 0.85}, {"L", changed ? 0.68 : 0.62}, {"H", changed ? 0.5 : 0.27}});
  auto ui = lookup(*metrics, "UI", {{"N", 0.85}, {"R", 0.62}});
  auto c = lookup(*metrics, "C", {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}});
  auto i = lookup(*metrics, "I", {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}});
  auto a = lookup(*metrics, "A", {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}});
  if (!av || !ac || !pr || !ui || !c || !i || !a) return std::nullopt;
  const double iss = 1.0 - (1.0 - *c) * (1.0 - *i) * (1.0 - *a);
  const double impact =
      changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  const double exploitability = 8.22 * *av * *ac * *pr * *ui;
  if (impact <= 0) return 0.0;
  if (changed) return roundup(std::min(1.08 * (impact + exploitability), 10.0));
  return roundup(std::min(impact + exploitability, 10.0));
}

std::optional<double> cvss2_base_score(std::string_view vector) {
  if (!vector.empty() && vector.front() == '(' && vector.back() == ')') {
    vector = vector.substr(1, vector.size() - 2);
  }
  constexpr std::string_view kPrefix = "CVSS:2.0/";
  if (vector.substr(0, kPrefix.size()) == kPrefix) vector.remove_prefix(kPrefix.size());
  auto metrics = split_metrics(vector);
  if (!metrics) return std::nullopt;
  auto av = lookup(*metrics, "AV", {{"L", 0.395}, {"A", 0.646}, {"N", 1.0}});
  auto ac = lookup(*metrics, "AC", {{"H", 0.35}, {"M", 0.61}, {"L", 0.71}});
  auto au = lookup(*metrics, "Au", {{"M", 0.45}, {"S", 0.56}, {"N", 0.704}});
  auto c = lookup(*metrics, "C", {{"N", 0.0}, {"P", 0.275}, {"C", 0.660}});
  auto i = lookup(*metrics, "I", {{"N", 0.0}, {"P", 0.275}, {"C", 0.660}});
  auto a = lookup(*metrics, "A", {{"N", 0.0}, {"P", 0.275}, {"C", 0.660}});
  if (!av || !ac || !au || !c || !i || !a) return std::nullopt;
  const double impact = 10.41 * (1.0 - (1.0 - *c) * (1.0 - *i) * (1.0 - *a));
  const double exploitability = 20.0 * *av * *ac * *au;
  const double f = impact == 0.0 ? 0.0 : 1.176;
  const double score = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f;
  return std::round(score * 10.0) / 10.0;
}

}  // namespace fleetpatch::feed::osv
