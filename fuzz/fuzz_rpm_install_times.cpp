// Fuzz target for the rpm install-times reader and the /proc/stat boot time: no crash, and
// times are only ever attached to packages, never invented for unlisted ones.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "hoststate/kernel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<fleetpatch::core::Package> packages(1);
  packages[0].name = "glibc";
  packages[0].version = "2.34-28.el9_0";
  packages[0].arch = "x86_64";
  fleetpatch::core::Diagnostics diagnostics;
  fleetpatch::hoststate::attach_rpm_install_times(text, "fuzz", packages, diagnostics);
  if (packages.size() != 1) std::abort();
  if (const auto boot = fleetpatch::hoststate::parse_boot_time(text); boot && *boot <= 0) {
    std::abort();
  }
  (void)fleetpatch::hoststate::parse_reboot_required_pkgs(text);
  return 0;
}
