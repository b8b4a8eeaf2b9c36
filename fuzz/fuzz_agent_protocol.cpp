// Fuzzes what the agent reads from outside: the server's replies (acknowledgement, enrollment,
// error bodies) and the user's duration and server URL flags.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/protocol.hpp"
#include "agent/schedule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)fleetpatch::agent::parse_ack(input);
  (void)fleetpatch::agent::parse_enroll_reply(input);
  (void)fleetpatch::agent::error_summary(input);
  if (auto duration = fleetpatch::agent::parse_duration(input); duration.ok()) {
    (void)fleetpatch::agent::format_duration(*duration);
  }
  if (auto url = fleetpatch::agent::normalize_server_url(input); url.ok()) {
    // Normalising is idempotent.
    if (*fleetpatch::agent::normalize_server_url(*url) != *url) __builtin_trap();
  }
  (void)fleetpatch::agent::encode_path_segment(input);
  return 0;
}
