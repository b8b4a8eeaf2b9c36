// Fuzz target for the apk installed-database parser: it must never crash, and every package it
// returns must be whole (name, version and source filled, no whitespace in versions), whatever the
// input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hoststate/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diagnostics;
  const auto packages = fleetpatch::hoststate::parse_apk_installed(text, "fuzz", diagnostics);
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& p : packages) {
    if (p.name.empty() || p.version.empty() || p.source_name.empty() || p.source_version.empty() ||
        p.version.find_first_of(" \t\n") != std::string::npos) {
      std::abort();
    }
  }
  for (const auto& d : diagnostics.items()) {
    if (d.line == 0 || d.line > lines || d.source != "fuzz") std::abort();
  }
  return 0;
}
