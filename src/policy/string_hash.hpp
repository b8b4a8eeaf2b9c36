// A fast hash for the short strings fleet reports look up millions of times (package names,
// versions, CVE and advisory ids), inline so no call per lookup. Not collision-resistant against
// crafted input: use only for in-memory tables whose worst case is a slower report.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace fleetpatch::policy {

inline std::uint64_t fast_hash(std::string_view s) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
  }
  std::uint64_t w = 0;
  std::memcpy(&w, s.data() + i, s.size() - i);
  h = (h ^ w) * 0x94d049bb133111ebULL;
  return h ^ (h >> 32);
}

/// Transparent hasher: std::unordered_map<std::string, T, StringHash, std::equal_to<>> finds by
/// std::string_view without building a string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return fast_hash(s); }
};

}  // namespace fleetpatch::policy
