// Redis connection URLs: redis://[[user]:password@]host[:port][/db].
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace companion::cache {

struct RedisUrl {
    std::string host;
    std::uint16_t port = 6379;
    int db = 0;
    std::string username;  // empty: AUTH with the password only
    std::string password;  // percent-decoded; empty (and no username): no AUTH

    bool needs_auth() const { return !username.empty() || !password.empty(); }
    // host:port, an IPv6 host in brackets: for messages.
    std::string endpoint() const;
    // The URL with the password shown as ***: for logs and messages.
    std::string redacted() const;
};

// Throws std::invalid_argument naming what is wrong; messages never contain the password. The
// TLS scheme rediss:// is recognised and rejected: this build has no TLS to Redis.
RedisUrl parse_redis_url(std::string_view url);

}  // namespace companion::cache
