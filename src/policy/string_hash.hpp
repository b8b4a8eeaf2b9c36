// A fast hash for the short strings fleet reports look up millions of times (package names,
// versions, CVE and advisory ids), inline so no call per lookup. Not collision-resistant against
// crafted input: use only for in-memory tables whose worst case is a slower report.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace fleetpatch::policy {

inline std::uint64_t fast_hash(std::string_view s) {
  const std::size_t n = s.size();
  const char* p = s.data();
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
  const auto mix = [&h](std::uint64_t w) {
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
  };
  // Fixed-size loads only (a variable-length memcpy is a library call): whole 8-byte words,
  // then the tail as one overlapping word, or two overlapping 4-byte halves, or single bytes.
  std::uint64_t w = 0;
  if (n >= 8) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::memcpy(&w, p + i, 8);
      mix(w);
    }
    if (i < n) {
      std::memcpy(&w, p + n - 8, 8);
      mix(w);
    }
  } else if (n >= 4) {
    std::uint32_t a = 0, b = 0;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    mix((static_cast<std::uint64_t>(a) << 32) | b);
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      w |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    }
    mix(w);
  }
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 32);
}

/// Transparent hasher: std::unordered_map<std::string, T, StringHash, std::equal_to<>> finds by
/// std::string_view without building a string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return fast_hash(s); }
};

}  // namespace fleetpatch::policy
