// Internal: how the login guards name what they count, and the checks of a policy.
#pragma once

#include <string>
#include <string_view>

#include "cache/login_guard.hpp"

namespace companion::cache::detail {

// SHA-256 (hex) of the ASCII-lower-cased account name: one key for "Alice" and "alice", a
// bounded length whatever a client sends, and no login names in Redis.
std::string account_id(std::string_view account);

// The IP as given, cut to 64 bytes (an IPv6 address is at most 45 characters of text).
std::string ip_id(std::string_view ip);

// std::invalid_argument naming the bad field.
void validate(const LoginGuardPolicy& policy);

}  // namespace companion::cache::detail
