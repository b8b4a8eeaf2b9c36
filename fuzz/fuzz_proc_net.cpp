// Fuzz target for the /proc/net/{tcp,tcp6,udp,udp6} parser: no crash, every row a printable
// address of the table's family, and diagnostics only on lines that exist.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hoststate/sockets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the table, the rest is its text.
  static constexpr std::string_view kProtos[] = {"tcp", "tcp6", "udp", "udp6"};
  const std::string_view proto = kProtos[data[0] % 4];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  fleetpatch::core::Diagnostics diagnostics;
  const auto rows = fleetpatch::hoststate::parse_proc_net(text, proto, "fuzz", diagnostics);
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& r : rows) {
    if (r.proto != proto || r.address.empty()) std::abort();
    const bool v6 = r.address.find(':') != std::string_view::npos;
    if (v6 != proto.ends_with('6')) std::abort();
    (void)fleetpatch::hoststate::exposure_for_address(r.address);
  }
  for (const auto& d : diagnostics.items()) {
    if (d.line < 2 || d.line > lines) std::abort();
  }
  return 0;
}
