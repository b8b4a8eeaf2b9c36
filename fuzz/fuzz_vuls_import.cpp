// Fuzz target for the Vuls scan-result importer: no crash and no exception escaping (nlohmann
// throws on malformed JSON; the importer must turn that into an error), and an accepted
// result only holds whole packages.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hoststate/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diagnostics;
  const auto report = fleetpatch::hoststate::import_vuls_json(text, "fuzz", diagnostics);
  if (!report.ok()) {
    if (report.error().message.empty()) std::abort();
    return 0;
  }
  for (const auto& p : report->packages) {
    if (p.name.empty() || p.version.empty() || p.source_name.empty() || p.source_version.empty()) {
      std::abort();
    }
  }
  return 0;
}
