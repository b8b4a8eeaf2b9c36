// Fuzzes the tracker's DSA/DLA/DTSA list reader (plain text lines).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "feed/debian_tracker/advisory_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diags;
  auto advisories = fleetpatch::feed::debian_tracker::parse_advisory_list(input, "fuzz", diags);
  (void)advisories;
  (void)fleetpatch::feed::debian_tracker::looks_like_advisory_list(input);
  return 0;
}
