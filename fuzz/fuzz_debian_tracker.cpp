// Fuzzes the Debian security tracker JSON reader (untrusted feed bytes, a 70 MB document).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "feed/debian_tracker/tracker_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diags;
  auto advisories = fleetpatch::feed::debian_tracker::parse_tracker_json(input, "fuzz", diags);
  (void)advisories;
  (void)fleetpatch::feed::debian_tracker::looks_like_tracker_json(input);
  return 0;
}
