#include "server/token_cache.hpp"

#include <gtest/gtest.h>

namespace fleetpatch::server {
namespace {

using namespace std::chrono_literals;

store::TokenRecord token(const std::string& hash, store::Role role = store::Role::kAgent) {
  store::TokenRecord r;
  r.id = "id-" + hash;
  r.hash = hash;
  r.name = "host:" + hash;
  r.role = role;
  r.host_id = hash;
  return r;
}

TEST(TokenCache, RemembersAValidTokenForItsTtlOnly) {
  TokenCache cache(5000ms);
  const auto t0 = TokenCache::Clock::now();
  EXPECT_FALSE(cache.find("a", t0));
  cache.put(token("a", store::Role::kOperator), t0, cache.generation());
  auto hit = cache.find("a", t0 + 4999ms);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->role, store::Role::kOperator);
  EXPECT_EQ(hit->host_id, "a");
  EXPECT_FALSE(cache.find("a", t0 + 5000ms)) << "expired: looked up in the store again";
  EXPECT_FALSE(cache.find("b", t0));
}

TEST(TokenCache, NeverKeepsARevokedToken) {
  TokenCache cache(5000ms);
  auto revoked = token("a");
  revoked.revoked_at = core::TimePoint{};
  const auto t0 = TokenCache::Clock::now();
  cache.put(revoked, t0, cache.generation());
  EXPECT_FALSE(cache.find("a", t0));
}

TEST(TokenCache, ClearForgetsEverythingAndRefusesLookupsThatRacedIt) {
  TokenCache cache(5000ms);
  const auto t0 = TokenCache::Clock::now();
  cache.put(token("a"), t0, cache.generation());
  cache.put(token("b"), t0, cache.generation());
  // A lookup started before a revocation and finishes after it: its result is stale.
  const auto before = cache.generation();
  cache.clear();
  EXPECT_FALSE(cache.find("a", t0));
  EXPECT_FALSE(cache.find("b", t0));
  cache.put(token("a"), t0, before);
  EXPECT_FALSE(cache.find("a", t0)) << "a lookup that raced clear() is not kept";
  cache.put(token("a"), t0, cache.generation());
  EXPECT_TRUE(cache.find("a", t0));
}

TEST(TokenCache, ZeroTtlDisablesIt) {
  TokenCache cache(0ms);
  const auto t0 = TokenCache::Clock::now();
  cache.put(token("a"), t0, cache.generation());
  EXPECT_FALSE(cache.find("a", t0));
  EXPECT_FALSE(cache.enabled());
}

TEST(TokenCache, StaysWithinItsSize) {
  TokenCache cache(5000ms, /*max_entries=*/32);  // 2 per shard
  const auto t0 = TokenCache::Clock::now();
  for (int i = 0; i < 1000; ++i) cache.put(token(std::to_string(i)), t0, cache.generation());
  int kept = 0;
  for (int i = 0; i < 1000; ++i) kept += cache.find(std::to_string(i), t0) ? 1 : 0;
  EXPECT_GT(kept, 0);
  EXPECT_LE(kept, 32);
}

}  // namespace
}  // namespace fleetpatch::server
