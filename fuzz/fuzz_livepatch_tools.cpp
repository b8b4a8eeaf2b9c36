// Fuzz target for the livepatch tool parsers (kpatch list, kpatch-patch changelog, Canonical
// Livepatch JSON, kcarectl, klp) and their merge: no crash, no exception, CVE ids well formed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hoststate/livepatch.hpp"

namespace {

void check_cves(const std::vector<std::string>& cves) {
  for (const auto& cve : cves) {
    if (!cve.starts_with("CVE-") || cve.size() < 13) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fleetpatch::hoststate;
  const std::string text(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diagnostics;
  for (const auto& m : parse_kpatch_list(text, "fuzz", diagnostics)) {
    if (m.name.empty()) std::abort();
  }
  for (const auto& [package, cves] : parse_kpatch_changelog(text)) check_cves(cves);
  if (const auto status = parse_canonical_livepatch_status(text, "fuzz"); status.ok()) {
    check_cves(status->cves);
  }
  check_cves(parse_kernelcare(text, text).cves);
  for (const auto& lp : parse_klp_patches(text, "fuzz", diagnostics)) check_cves(lp.cves);
  LivepatchToolOutputs tools;
  tools.kpatch_list = text;
  tools.kpatch_changelog = text;
  tools.canonical_status = text;
  tools.kcarectl_info = text;
  tools.klp_patches = text;
  for (const auto& lp : merge_livepatches({}, tools, diagnostics)) check_cves(lp.cves);
  return 0;
}
