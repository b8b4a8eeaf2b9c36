// Fuzzes both Alpine secdb readers: the same bytes as JSON and as the older YAML shape.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "feed/alpine_secdb/secdb.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diags;
  auto json = fleetpatch::feed::alpine_secdb::parse_secdb_json(input, "fuzz", diags);
  auto yaml = fleetpatch::feed::alpine_secdb::parse_secdb_yaml(input, "fuzz", diags);
  (void)json;
  (void)yaml;
  (void)fleetpatch::feed::alpine_secdb::looks_like_secdb_json(input);
  (void)fleetpatch::feed::alpine_secdb::looks_like_secdb_yaml(input);
  return 0;
}
