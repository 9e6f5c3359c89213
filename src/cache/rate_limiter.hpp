// Request rate limiting: RATE_LIMIT_REQUESTS_PER_MINUTE per key (the authenticated user, or the
// client IP when anonymous), in-process or shared by every replica through Redis.
//
// The limiter is GCRA (the generic cell rate algorithm) with burst = limit: a key that has been
// idle may spend the whole minute's allowance at once, and after that gets one request every
// 60 s / limit as the allowance refills smoothly. Unlike a fixed window there is no boundary at
// which the allowance is handed out again in one piece: in any span of d seconds a key gets at
// most limit + d * limit / 60 requests (a fixed window allows 2 * limit within a second around
// its boundary), and over the long run exactly limit per minute. The worst case over one sliding
// minute is 2 * limit - 1, and only right after a full minute of idleness.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace companion::cache {

class RedisClient;

struct RateDecision {
    bool allowed = false;
    int limit = 0;
    // How many more requests would be allowed right now.
    int remaining = 0;
    // When denied: how long until one request is allowed again; zero when allowed.
    std::chrono::milliseconds retry_after{0};
    // How long until the key is back to its full burst (idle as if never seen).
    std::chrono::milliseconds reset_after{0};
};

class RateLimiter {
public:
    virtual ~RateLimiter() = default;
    // Counts one request for `key` against `per_minute` (>= 1, else std::invalid_argument) and
    // says whether it may proceed. A denied request is not counted.
    virtual boost::asio::awaitable<RateDecision> check(std::string key, int per_minute) = 0;
    // True while the limiter cannot do its job as configured (Redis unreachable): /health
    // reports degraded.
    virtual bool degraded() const { return false; }
};

// The time source of the in-process limiter; tests inject a fake one.
using RateLimiterClock = std::function<std::chrono::steady_clock::time_point()>;

// In-process: per replica. Memory is bounded: keys whose state has run out (back to full burst)
// are dropped, and beyond max_keys the least recently used key is forgotten (it starts afresh).
std::unique_ptr<RateLimiter> make_local_rate_limiter(std::size_t max_keys = 100000,
                                                     RateLimiterClock clock = {});

// Shared by every replica: one Lua script in Redis does the whole step atomically on the server's
// clock (replicas with skewed clocks agree), and the key expires when its state runs out. When
// Redis cannot be reached, requests are allowed for at most `fail_open_for` from the start of
// the outage, then limited per replica by an in-process limiter until Redis answers again; both
// are logged, and degraded() is true meanwhile.
std::unique_ptr<RateLimiter> make_redis_rate_limiter(
    RedisClient& redis, std::chrono::seconds fail_open_for = std::chrono::seconds(60),
    std::string key_prefix = "companion:rl:");

// The response headers of a decision: X-RateLimit-Limit, X-RateLimit-Remaining,
// X-RateLimit-Reset (seconds until the full burst is back), and Retry-After (seconds) when
// denied. Seconds are rounded up, so that a client that waits that long is allowed.
std::vector<std::pair<std::string, std::string>> rate_limit_headers(const RateDecision& decision);

}  // namespace companion::cache
