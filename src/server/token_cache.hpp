// Recently verified API tokens, so that an agent's report does not cost a store read to look its
// token up again: the lookup was a PostgreSQL round trip per request and a large part of the
// database's CPU at fleet report rates.
//
// Only tokens found valid are cached, for `ttl` after the lookup; an unknown or revoked token is
// looked up every time (a token created a moment ago works at once). A revocation through this
// server's API clears the cache, so it takes effect at once here; a revocation elsewhere (the
// `token revoke` command, another replica) takes effect when the entry expires, within `ttl`.
// ttl 0 disables the cache.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.hpp"

namespace fleetpatch::server {

class TokenCache {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TokenCache(std::chrono::milliseconds ttl, std::size_t max_entries = 1u << 20)
      : ttl_(ttl), max_per_shard_(std::max<std::size_t>(1, max_entries / kShards)) {}

  bool enabled() const { return ttl_.count() > 0; }

  /// The cached record of the token whose hash is `hash`, unless absent or expired.
  std::optional<store::TokenRecord> find(std::string_view hash, Clock::time_point now) const;
  /// Read before looking a token up in the store; pass it to put().
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  /// Remembers a record found valid at `now`, unless clear() ran since `generation` was read (a
  /// lookup that raced a revocation must not bring the revoked token back).
  void put(const store::TokenRecord& record, Clock::time_point now, std::uint64_t generation);
  /// Forgets every entry (a token was revoked or replaced).
  void clear();

 private:
  static constexpr std::size_t kShards = 16;
  struct Entry {
    store::TokenRecord record;
    Clock::time_point expires;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Entry> entries;
  };
  Shard& shard_of(std::string_view hash) const;

  std::chrono::milliseconds ttl_;
  std::atomic<std::uint64_t> generation_{0};
  std::size_t max_per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace fleetpatch::server
