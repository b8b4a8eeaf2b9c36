// Fuzzes the exceptions/mitigations file parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/exceptions.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleetpatch;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto set = policy::parse_exceptions(input, "fuzz");
  if (!set.ok()) return 0;
  const core::HostIdentity host{"h", "h", {"prod"}};
  core::Finding finding;
  finding.package = "openssl";
  finding.cves = {"CVE-2024-1"};
  for (const auto& record : set->records) {
    (void)record.selects(host, finding);
    (void)record.selector_text();
  }
  return 0;
}
