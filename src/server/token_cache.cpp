#include "server/token_cache.hpp"

#include <functional>

namespace fleetpatch::server {

TokenCache::Shard& TokenCache::shard_of(std::string_view hash) const {
  return shards_[std::hash<std::string_view>{}(hash) % kShards];
}

std::optional<store::TokenRecord> TokenCache::find(std::string_view hash,
                                                   Clock::time_point now) const {
  if (!enabled()) return std::nullopt;
  Shard& shard = shard_of(hash);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.entries.find(std::string(hash));
  if (it == shard.entries.end() || it->second.expires <= now) return std::nullopt;
  return it->second.record;
}

void TokenCache::put(const store::TokenRecord& record, Clock::time_point now,
                     std::uint64_t generation) {
  if (!enabled() || record.revoked_at) return;
  Shard& shard = shard_of(record.hash);
  std::lock_guard lock(shard.mutex);
  // clear() bumps the generation before it takes the shard locks: either it is seen here, or
  // clear() takes this lock after us and removes the entry.
  if (generation_.load(std::memory_order_acquire) != generation) return;
  // A full shard starts over rather than tracking recency: entries are cheap to look up again.
  if (shard.entries.size() >= max_per_shard_ && !shard.entries.contains(record.hash)) {
    shard.entries.clear();
  }
  shard.entries.insert_or_assign(record.hash, Entry{record, now + ttl_});
}

void TokenCache::clear() {
  generation_.fetch_add(1, std::memory_order_acq_rel);
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    shard.entries.clear();
  }
}

}  // namespace fleetpatch::server
