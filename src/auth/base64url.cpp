#include "auth/base64url.hpp"

#include <algorithm>
#include <climits>
#include <cstddef>
#include <stdexcept>

#include <openssl/evp.h>

namespace companion::auth {
namespace {

bool is_base64url_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

const unsigned char* as_bytes(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX / 4 * 3)) {
        throw std::length_error("base64url_encode: input too large");
    }
    std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // +1: EVP_EncodeBlock adds a NUL
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                                        as_bytes(bytes), static_cast<int>(bytes.size()));
    text.resize(static_cast<std::size_t>(written));
    while (!text.empty() && text.back() == '=') text.pop_back();
    std::replace(text.begin(), text.end(), '+', '-');
    std::replace(text.begin(), text.end(), '/', '_');
    return text;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.empty()) return std::string{};
    if (text.size() % 4 == 1 || text.size() > static_cast<std::size_t>(INT_MAX - 3)) {
        return std::nullopt;
    }
    if (!std::all_of(text.begin(), text.end(), is_base64url_char)) return std::nullopt;
    std::string padded(text);
    std::replace(padded.begin(), padded.end(), '-', '+');
    std::replace(padded.begin(), padded.end(), '_', '/');
    padded.append((4 - padded.size() % 4) % 4, '=');
    std::string bytes(padded.size() / 4 * 3, '\0');
    const int decoded = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                        as_bytes(padded), static_cast<int>(padded.size()));
    if (decoded < 0) return std::nullopt;
    bytes.resize(text.size() * 3 / 4);  // EVP_DecodeBlock counts the padding as zero bytes
    // Re-encoding catches non-zero unused trailing bits ("QR" and "QQ" would both decode to "A").
    if (base64url_encode(bytes) != text) return std::nullopt;
    return bytes;
}

}  // namespace companion::auth
