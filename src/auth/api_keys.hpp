// API keys: "ck_" + 43 base64url characters (32 random bytes). Only the SHA-256 of a key is
// stored; the key itself is shown once, at creation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace companion::auth {

inline constexpr std::string_view kApiKeyMarker = "ck_";
inline constexpr std::size_t kApiKeyRandomBytes = 32;
inline constexpr std::size_t kApiKeyLength = 46;        // "ck_" + 43 characters
inline constexpr std::size_t kApiKeyPrefixLength = 12;  // shown in lists to tell keys apart

struct NewApiKey {
    std::string key;     // given to the user once, never stored
    std::string prefix;  // the first 12 characters of the key, stored for display
    std::string hash;    // hash_api_key(key), stored for lookup
};

// A fresh key from OpenSSL's RAND_bytes. Throws std::runtime_error when no randomness is
// available.
NewApiKey generate_api_key();

// Lower-case hex SHA-256 of the whole key (64 characters). The key holds 256 random bits, so a
// fast unsalted hash is enough to store it.
std::string hash_api_key(std::string_view key);

// A cheap shape check so that authentication can tell an API key from a JWT: "ck_", the right
// length and only base64url characters. Says nothing about whether the key exists.
bool looks_like_api_key(std::string_view token);

}  // namespace companion::auth
