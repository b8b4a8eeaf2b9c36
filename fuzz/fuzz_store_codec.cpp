// Fuzzes the store's decoders of stored bytes (report bodies and findings ledgers): a corrupt or
// hostile database row must be an error, never a crash or a huge allocation. The input is
// compressed first (zstd, as ledgers and older report bodies are; LZ4, as report bodies are now)
// so that the fuzzer reaches the canonical decoders behind the frame; the raw bytes are also
// tried as a frame.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace codec = fleetpatch::store::codec;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string framed = codec::compress(input, 1);
  (void)codec::decode_report(framed, "2026-11-26T03:00:00Z");
  (void)codec::decode_ledger(framed);
  (void)codec::decode_report(codec::compress_lz4(input), "2026-11-26T03:00:00Z");
  (void)codec::decode_report(input, "");
  (void)codec::decode_ledger(input);
  (void)codec::decode_string_list(input);
  return 0;
}
