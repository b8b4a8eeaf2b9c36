// Tokens and secrets of the fleet server. A token reads "fpt_<id>_<secret>": the id (12 lowercase
// hex) is public and names the token in listings and the audit log; the secret is 32 random bytes
// in base64url. The store keeps only the hex SHA-256 of the whole token and finds a token by that
// hash, so a leaked database holds nothing that authenticates.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fleetpatch::server {

/// A freshly generated token: `token` is shown once, `hash` goes to the store.
struct NewToken {
  std::string id;
  std::string token;
  std::string hash;
};

/// Generates a token from the kernel's CSPRNG; an Error only when randomness is unavailable.
core::Result<NewToken> generate_token();

/// Hex SHA-256 of `text` (what the store keeps of a token).
std::string sha256_hex(std::string_view text);

/// The id part of a well-formed token ("fpt_<12 hex>_<43 base64url>"), else nullopt.
std::optional<std::string> token_id(std::string_view token);

/// Compares two secrets in time independent of where they differ (and of their lengths beyond
/// the fact that they differ): both are hashed first, then compared with CRYPTO_memcmp.
bool secrets_equal(std::string_view a, std::string_view b);

/// The token of an "Authorization: Bearer <token>" header value; nullopt when the scheme is not
/// Bearer or the value is empty.
std::optional<std::string_view> bearer_token(std::string_view authorization);

}  // namespace fleetpatch::server
