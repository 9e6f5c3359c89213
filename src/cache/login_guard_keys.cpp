#include "cache/login_guard_keys.hpp"

#include <stdexcept>

#include "cache/rate_limiter_script.hpp"

namespace companion::cache::detail {

std::string account_id(std::string_view account) {
    std::string lower(account);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return hex_digest(Digest::sha256, lower);
}

std::string ip_id(std::string_view ip) {
    return std::string(ip.substr(0, 64));
}

void validate(const LoginGuardPolicy& policy) {
    if (policy.per_account < 1)
        throw std::invalid_argument("login guard: per_account must be >= 1");
    if (policy.per_ip < 1) throw std::invalid_argument("login guard: per_ip must be >= 1");
    if (policy.window < std::chrono::seconds(1)) {
        throw std::invalid_argument("login guard: window must be at least 1 second");
    }
}

}  // namespace companion::cache::detail
