// Fuzzes the policy parser (and the TOML subset under it); a parsed policy is also evaluated
// once, so deadline arithmetic on odd day counts and tiers is exercised too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/evaluate.hpp"
#include "policy/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleetpatch;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto policy = policy::parse_policy(input, "fuzz");
  if (!policy.ok()) return 0;
  const core::FixedClock clock(core::TimePoint(std::chrono::seconds(1'790'000'000)));
  const policy::Evaluator evaluator(*policy, nullptr, nullptr, clock);
  core::Finding finding;
  finding.severity = core::Severity::kHigh;
  finding.fix_available_since = "2026-01-01T00:00:00Z";
  finding.kev_due_date = "2026-02-01";
  finding.exposure = core::Exposure::kNetwork;
  const core::HostIdentity host{"h", "h", {"prod"}};
  (void)evaluator.evaluate(host, finding, std::nullopt);
  return 0;
}
