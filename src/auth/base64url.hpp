// base64url without padding (RFC 4648 §5, as JOSE uses it), on top of OpenSSL's base64 codec.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace companion::auth {

// Any bytes to the URL-safe alphabet (A-Z a-z 0-9 - _), no '=' padding.
std::string base64url_encode(std::string_view bytes);

// The bytes of a canonical unpadded base64url text, or nullopt when the text has padding, a
// character outside the alphabet, an impossible length (4n+1) or non-zero unused trailing bits,
// so that every byte string has exactly one accepted spelling.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace companion::auth
