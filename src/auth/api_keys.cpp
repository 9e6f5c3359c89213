#include "auth/api_keys.hpp"

#include "auth/base64url.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <stdexcept>

namespace companion::auth {
namespace {

bool is_base64url_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

std::string lower_hex(const unsigned char* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * size);
    for (std::size_t i = 0; i < size; ++i) {
        out += kDigits[data[i] >> 4];
        out += kDigits[data[i] & 0x0F];
    }
    return out;
}

}  // namespace

NewApiKey generate_api_key() {
    std::array<unsigned char, kApiKeyRandomBytes> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        throw std::runtime_error("no random bytes available for an API key");
    }
    NewApiKey created;
    created.key = std::string(kApiKeyMarker) +
                  base64url_encode(std::string_view(reinterpret_cast<const char*>(random.data()),
                                                    random.size()));
    created.prefix = created.key.substr(0, kApiKeyPrefixLength);
    created.hash = hash_api_key(created.key);
    return created;
}

std::string hash_api_key(std::string_view key) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(key.data(), key.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 of an API key failed");
    }
    return lower_hex(digest.data(), size);
}

bool looks_like_api_key(std::string_view token) {
    return token.size() == kApiKeyLength && token.starts_with(kApiKeyMarker) &&
           std::all_of(token.begin() + kApiKeyMarker.size(), token.end(), is_base64url_char);
}

}  // namespace companion::auth
