// Brute-force protection of logins: after `per_account` failed logins for one account, or
// `per_ip` from one client IP, within `window`, further attempts are refused (429 with
// Retry-After) until enough of those failures have left the window, even with the right
// password. In-process, or shared by every replica through Redis.
//
// The caller's protocol: check() before verifying the password and refuse when locked (so that
// attempts during a lockout neither reveal the password nor extend the lockout); then
// record_failure() or record_success(). Account names are case-insensitive (ASCII).
// record_success() forgets the account's failures, so that a user who mistyped a few times does
// not stay one typo away from a lockout; it keeps the IP's, so that an attacker cannot reset an
// IP's count by logging into an account of their own.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

namespace companion::cache {

class RedisClient;

struct LoginGuardPolicy {
    int per_account = 5;
    int per_ip = 20;
    std::chrono::seconds window = std::chrono::minutes(15);
};

struct LockoutStatus {
    bool locked = false;
    // When locked: until enough failures have left the window (rounded up); else zero.
    std::chrono::seconds retry_after{0};
};

class LoginGuard {
public:
    virtual ~LoginGuard() = default;
    // Locked when the account or the IP has reached its threshold within the window; the longer
    // wait of the two.
    virtual boost::asio::awaitable<LockoutStatus> check(std::string account, std::string ip) = 0;
    virtual boost::asio::awaitable<void> record_failure(std::string account, std::string ip) = 0;
    virtual boost::asio::awaitable<void> record_success(std::string account) = 0;
    // True while the guard cannot do its job as configured (Redis unreachable).
    virtual bool degraded() const { return false; }
};

// The time source of the in-process guard; tests inject a fake one.
using LoginGuardClock = std::function<std::chrono::steady_clock::time_point()>;

// In-process: per replica. Memory is bounded: at most the newest threshold failures per key,
// keys whose failures have all left the window are dropped, and beyond max_keys the least
// recently used key is forgotten. std::invalid_argument for a policy with a threshold < 1 or
// a window < 1 s.
std::unique_ptr<LoginGuard> make_local_login_guard(LoginGuardPolicy policy = {},
                                                   std::size_t max_keys = 100000,
                                                   LoginGuardClock clock = {});

// Shared by every replica: a sorted set of failure times per account and per IP, updated and
// read by Lua scripts on the server's clock, expiring with the window. Failures are also kept
// in-process, and when Redis cannot be reached the in-process guard decides (logged once per
// outage; degraded() meanwhile), so that an outage does not lift a lockout on this replica.
std::unique_ptr<LoginGuard> make_redis_login_guard(RedisClient& redis, LoginGuardPolicy policy = {},
                                                   std::string key_prefix = "companion:lg:");

}  // namespace companion::cache
