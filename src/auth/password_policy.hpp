// What a new password must satisfy before it is hashed and stored.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace companion::auth {

inline constexpr std::size_t kMinPasswordCodePoints = 12;
// Bounds the work of hashing (argon2 reads the whole password); checked before anything else.
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// Why `password` is not acceptable for `username`, as a sentence that names the rule, or nullopt
// when it is acceptable. Rules, in the order checked: at most 1024 bytes; valid UTF-8; at least
// 12 characters counted in code points; not one character repeated; not a pattern of 2 to 4
// characters repeated; not the username (ASCII case and surrounding whitespace ignored); not a
// common password.
std::optional<std::string> password_policy_problem(std::string_view username,
                                                   std::string_view password);

// True when the password, ASCII case and surrounding whitespace ignored, is in the built-in list
// or is a common stem (or list entry) repeated, possibly cut short: "passwordpass".
bool is_common_password(std::string_view password);

// The built-in lists, lower case and sorted (common_passwords.cpp). The first holds passwords of
// 12 or more characters; the second short classics, which are common when repeated to length.
std::span<const std::string_view> common_passwords();
std::span<const std::string_view> common_password_stems();

}  // namespace companion::auth
