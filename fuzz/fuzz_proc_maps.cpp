// Fuzz target for the /proc/PID/maps parser and the replaced-file filter: no crash, every
// mapping an absolute path without the " (deleted)" marker, replaced files a sorted subset.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hoststate/processes.hpp"
#include "hoststate/restart.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diagnostics;
  const auto mappings = fleetpatch::hoststate::parse_maps(text, "fuzz", diagnostics);
  for (const auto& m : mappings) {
    if (m.path.empty() || m.path.front() != '/' || m.path.ends_with(" (deleted)")) std::abort();
  }
  const auto files = fleetpatch::hoststate::replaced_files(mappings);
  if (!std::is_sorted(files.begin(), files.end())) std::abort();
  if (files.size() > mappings.size()) std::abort();
  return 0;
}
