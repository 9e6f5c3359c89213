// Internal: a Lua script run in Redis by its SHA1 (EVALSHA), sending the source (EVAL) when the
// server does not have it: after SCRIPT FLUSH, a restart or a failover. Shared by the rate
// limiter and the login guard, as is the digest that names scripts and hashes key parts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "cache/redis_client.hpp"

namespace companion::cache::detail {

enum class Digest { sha1, sha256 };

// Lower-case hex.
std::string hex_digest(Digest digest, std::string_view text);

class RedisScript {
public:
    explicit RedisScript(std::string source);

    const std::string& source() const { return source_; }
    // Lower-case hex, as SCRIPT LOAD returns it.
    const std::string& sha1() const { return sha1_; }

    // Throws what RedisClient::command throws (RedisError for an error in the script).
    boost::asio::awaitable<Reply> run(RedisClient& redis, std::vector<std::string> keys,
                                      std::vector<std::string> args) const;

private:
    std::string source_;
    std::string sha1_;
};

}  // namespace companion::cache::detail
