// Fuzz target for the `rpm -qa --queryformat` parser and its SOURCERPM splitter: no crash,
// every package whole, and a split SOURCERPM name plus version always re-forms the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hoststate/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diagnostics;
  const auto packages = fleetpatch::hoststate::parse_rpm_qa(text, "fuzz", diagnostics);
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& p : packages) {
    if (p.name.empty() || p.version.empty() || p.source_name.empty() || p.source_version.empty() ||
        p.version.starts_with("0:")) {
      std::abort();
    }
    if (p.module && p.module->find(':') == std::string::npos) std::abort();
  }
  for (const auto& d : diagnostics.items()) {
    if (d.line == 0 || d.line > lines) std::abort();
  }

  std::string name;
  std::string version;
  if (fleetpatch::hoststate::split_source_rpm(text, name, version)) {
    const std::string prefix = name + "-" + version + ".";
    if (name.empty() || version.empty() || !text.starts_with(prefix) || !text.ends_with(".rpm")) {
      std::abort();
    }
  }
  return 0;
}
