// Fuzzes the FIRST EPSS CSV reader (and the gzip path in front of it).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "feed/epss/epss.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleetpatch;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  core::Diagnostics diags;
  auto text = feed::epss::maybe_gunzip(input, "fuzz");
  if (text.ok()) {
    auto parsed = feed::epss::parse_csv(*text, "fuzz", diags);
    if (parsed.ok()) (void)feed::epss::write_csv(*parsed);
  }
  (void)feed::epss::looks_like_epss(input);
  return 0;
}
