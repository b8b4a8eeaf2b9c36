// Fuzzes the advisory index loader: any bytes must give a clean error or a readable index.
// Each input is tried twice: as given (exercises header and checksum checks) and with the
// payload checksum recomputed, so that structural validation behind the checksum is reached too.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "index/index.hpp"

namespace {

void exercise(const std::string& bytes) {
  using namespace fleetpatch;
  auto index = index::Index::from_bytes(bytes);
  if (!index.ok()) return;
  for (const auto& release : index->releases()) {
    for (const auto entry : index->lookup(release.key, "openssl")) {
      (void)entry.advisory().id();
      for (std::size_t i = 0; i < entry.event_count(); ++i) (void)entry.event(i).version;
    }
  }
  (void)index->decode_advisories();
  (void)index->decode_kev();
  (void)index->sources();
  (void)index->kev_due_date("CVE-2022-1292");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using fleetpatch::index::format::Header;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  exercise(bytes);
  if (bytes.size() >= sizeof(Header)) {
    const std::uint64_t sum = fleetpatch::index::format::xxh64(bytes.data() + sizeof(Header),
                                                               bytes.size() - sizeof(Header));
    std::memcpy(bytes.data() + offsetof(Header, payload_checksum), &sum, sizeof sum);
    exercise(bytes);
  }
  return 0;
}
