#include "core/advisory.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace fleetpatch::core {

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "critical";
    case Severity::kHigh:
      return "high";
    case Severity::kMedium:
      return "medium";
    case Severity::kLow:
      return "low";
    case Severity::kUnknown:
      break;
  }
  return "unknown";
}

Severity severity_from_vendor(std::string_view word) {
  std::string w(word);
  std::transform(w.begin(), w.end(), w.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (w == "critical") return Severity::kCritical;
  if (w == "high" || w == "important") return Severity::kHigh;
  if (w == "medium" || w == "moderate") return Severity::kMedium;
  if (w == "low" || w == "negligible" || w == "unimportant") return Severity::kLow;
  return Severity::kUnknown;
}

}  // namespace fleetpatch::core
