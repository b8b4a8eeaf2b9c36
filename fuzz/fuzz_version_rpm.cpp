// Fuzzes RpmEvr: parsing never crashes, and the order is antisymmetric and reflexive.
// Input: the first byte picks where the rest splits into the two version strings, so both may
// hold any bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "version/rpm_version.hpp"

namespace {

int sign(int c) { return (c > 0) - (c < 0); }

void check_pair(int ab, int ba) {
  if (sign(ab) != -sign(ba)) std::abort();
}

void check_parsed(const fleetpatch::core::Result<fleetpatch::version::RpmEvr>& v,
                  std::string_view text) {
  if (v.ok()) {
    if (v->str() != text) std::abort();
    if (v->compare(*v) != 0) std::abort();
  } else if (v.error().message.empty()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = static_cast<std::size_t>(data[0]) * rest.size() / 255;
  const std::string_view a = rest.substr(0, split);
  const std::string_view b = rest.substr(split);

  // rpmvercmp takes any bytes, valid or not.
  check_pair(fleetpatch::version::rpm_vercmp(a, b), fleetpatch::version::rpm_vercmp(b, a));
  if (fleetpatch::version::rpm_vercmp(a, a) != 0) std::abort();
  const auto va = fleetpatch::version::RpmEvr::parse(a);
  const auto vb = fleetpatch::version::RpmEvr::parse(b);
  check_parsed(va, a);
  check_parsed(vb, b);
  if (va.ok() && vb.ok()) {
    const int ab = va->compare(*vb);
    check_pair(ab, vb->compare(*va));
    if ((ab == 0) != (*va == *vb)) std::abort();
  }
  return 0;
}
