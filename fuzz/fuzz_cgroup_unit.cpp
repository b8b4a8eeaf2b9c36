// Fuzz target for the /proc/PID/cgroup unit finder: no crash, and a unit is one path
// component ending in .service or .scope.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hoststate/processes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto unit = fleetpatch::hoststate::unit_from_cgroup(text);
  if (!unit.empty() && (unit.find('/') != std::string_view::npos ||
                        !(unit.ends_with(".service") || unit.ends_with(".scope")))) {
    std::abort();
  }
  return 0;
}
