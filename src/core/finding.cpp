#include "core/finding.hpp"

namespace fleetpatch::core {

std::string_view to_string(FindingState state) {
  switch (state) {
    case FindingState::kFixed:
      return "fixed";
    case FindingState::kUnfixed:
      return "unfixed";
    case FindingState::kWillNotFix:
      return "will-not-fix";
    case FindingState::kFixedPendingReboot:
      return "fixed-pending-reboot";
    case FindingState::kFixedPendingRestart:
      return "fixed-pending-restart";
    case FindingState::kMitigated:
      return "mitigated";
    case FindingState::kEndOfLife:
      return "end-of-life";
  }
  return "unknown";
}

}  // namespace fleetpatch::core
