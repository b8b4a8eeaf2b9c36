#include "server/auth.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace fleetpatch::server {
namespace {

TEST(Token, GeneratedTokensAreWellFormedUniqueAndHashed) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto t = generate_token();
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(t->token.starts_with("fpt_" + t->id + "_")) << t->token;
    EXPECT_EQ(token_id(t->token), t->id);
    EXPECT_EQ(t->hash, sha256_hex(t->token));
    EXPECT_EQ(t->hash.size(), 64u);
    EXPECT_TRUE(seen.insert(t->token).second);
  }
}

TEST(Token, Sha256KnownAnswer) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Token, MalformedTokensHaveNoId) {
  const auto good = generate_token();
  ASSERT_TRUE(good.ok());
  const std::string t = good->token;
  const struct {
    std::string token;
    const char* why;
  } cases[] = {
      {"", "empty"},
      {"fpt_", "prefix only"},
      {t.substr(0, t.size() - 1), "secret one short"},
      {t + "A", "secret one long"},
      {"xpt" + t.substr(3), "wrong prefix"},
      {"fpt_ABCDEF012345" + t.substr(16), "upper-case id"},
      {t.substr(0, 16) + "-" + t.substr(17), "no separator"},
      {t.substr(0, t.size() - 1) + "=", "padding in the secret"},
  };
  for (const auto& c : cases) EXPECT_FALSE(token_id(c.token)) << c.why << ": " << c.token;
}

TEST(Secrets, EqualOnlyWhenIdentical) {
  EXPECT_TRUE(secrets_equal("s3cret", "s3cret"));
  EXPECT_FALSE(secrets_equal("s3cret", "s3creT"));
  EXPECT_FALSE(secrets_equal("s3cret", "s3cret "));
  EXPECT_FALSE(secrets_equal("", "x"));
}

TEST(Bearer, ParsesTheSchemeCaseInsensitively) {
  const struct {
    const char* header;
    std::optional<std::string> token;
  } cases[] = {
      {"Bearer abc", "abc"}, {"bearer abc", "abc"}, {"BEARER  abc ", "abc"}, {"Basic abc", {}},
      {"Bearer", {}},        {"Bearer   ", {}},     {"Bearerabc", {}},
  };
  for (const auto& c : cases) {
    const auto got = bearer_token(c.header);
    EXPECT_EQ(got ? std::optional<std::string>(std::string(*got)) : std::nullopt, c.token)
        << c.header;
  }
}

}  // namespace
}  // namespace fleetpatch::server
