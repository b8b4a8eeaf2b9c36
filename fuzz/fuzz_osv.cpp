// Fuzzes the OSV record parser and the bundle reader (both take untrusted feed bytes).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "feed/osv/bundle.hpp"
#include "feed/osv/osv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  fleetpatch::core::Diagnostics diags;
  fleetpatch::feed::FeedBatch batch;
  fleetpatch::feed::osv::RecordParser parser;
  parser.parse(input, "fuzz", 0, batch, diags);
  // The same bytes as a (usually corrupt) zstd bundle.
  fleetpatch::feed::FeedBatch bundle =
      fleetpatch::feed::osv::read_bundle_bytes(input, "fuzz.jsonl.zst", diags);
  (void)bundle;
  return 0;
}
