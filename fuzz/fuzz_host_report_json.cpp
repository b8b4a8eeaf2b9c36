// Fuzz target for the host report JSON reader: it must never crash or throw, and whatever it
// accepts must survive to_json -> host_report_from_json unchanged (the round trip that agents,
// imports and the server rely on). Parsing into a report reused across inputs, as the server
// does, must give the same result and the same error as a fresh parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hoststate/host_report_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto report = fleetpatch::hoststate::host_report_from_json(text, "fuzz");
  static fleetpatch::core::HostReport reused;  // holds whatever the previous input left
  const auto status = fleetpatch::hoststate::host_report_from_json_into(text, "fuzz", reused);
  if (status.ok() != report.ok()) std::abort();
  if (!report.ok()) {
    if (status.error().message != report.error().message) std::abort();
    return 0;
  }
  if (!(reused == *report)) std::abort();
  for (const bool pretty : {false, true}) {
    const auto again = fleetpatch::hoststate::host_report_from_json(
        fleetpatch::hoststate::to_json(*report, pretty), "fuzz-roundtrip");
    if (!again.ok() || !(*again == *report)) std::abort();
  }
  return 0;
}
