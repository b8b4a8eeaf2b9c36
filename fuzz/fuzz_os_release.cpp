// Fuzz target for the os-release parser: no crash, diagnostics point at real lines.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hoststate/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diagnostics;
  const auto os = fleetpatch::hoststate::parse_os_release(text, "fuzz", diagnostics);
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& d : diagnostics.items()) {
    if (d.line == 0 || d.line > lines) std::abort();
  }
  for (const auto& like : os.id_like) {
    if (like.empty()) std::abort();
  }
  return 0;
}
