// Fuzzes the CISA KEV catalog parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "feed/kev/kev.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diags;
  auto catalog = fleetpatch::feed::kev::parse_catalog(input, "fuzz", diags);
  (void)catalog;
  (void)fleetpatch::feed::kev::looks_like_kev(input);
  return 0;
}
