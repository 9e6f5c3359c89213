// The login guard shared by every replica: a sorted set of failure times (milliseconds on the
// Redis server's clock) per account and per IP, written and read by Lua scripts.
#include <atomic>
#include <cstdint>
#include <random>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "cache/login_guard.hpp"
#include "cache/login_guard_keys.hpp"
#include "cache/login_guard_local.hpp"
#include "cache/rate_limiter_script.hpp"
#include "cache/redis_client.hpp"
#include "util/log.hpp"

namespace companion::cache {
namespace {

// KEYS: the account's set, the IP's set. ARGV[1]: the window (ms). ARGV[2], ARGV[3]: how many
// failures each key keeps (its threshold: older ones can no longer matter). ARGV[4]: a member
// unique to this failure.
constexpr std::string_view record_failure_script = R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], string.format('%d', now), ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', string.format('%d', now - window))
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, string.format('%d', -(tonumber(ARGV[i + 1]) + 1)))
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return 0
)lua";

// KEYS: the account's set, the IP's set. ARGV[1]: the window (ms). ARGV[2], ARGV[3]: the
// thresholds. Returns how many ms until both keys are below their threshold (0: not locked).
constexpr std::string_view check_script = R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
local since = '(' .. string.format('%d', now - window)
local wait = 0
for i = 1, 2 do
  local threshold = tonumber(ARGV[i + 1])
  local count = redis.call('ZCOUNT', KEYS[i], since, '+inf')
  if count >= threshold then
    local unlocking = redis.call('ZRANGEBYSCORE', KEYS[i], since, '+inf', 'WITHSCORES',
                                 'LIMIT', string.format('%d', count - threshold), 1)
    wait = math.max(wait, tonumber(unlocking[2]) + window - now)
  end
end
return wait
)lua";

// Makes the members of one replica's failures distinct from every other replica's.
std::string random_hex() {
    std::random_device device;
    const auto value = (std::uint64_t{device()} << 32) | device();
    return fmt::format("{:016x}", value);
}

class RedisLoginGuard final : public LoginGuard {
public:
    RedisLoginGuard(RedisClient& redis, LoginGuardPolicy policy, std::string prefix)
        : redis_(redis),
          policy_(policy),
          prefix_(std::move(prefix)),
          local_(policy),
          record_failure_(std::string(record_failure_script)),
          check_(std::string(check_script)),
          nonce_prefix_(random_hex() + "-") {}

    boost::asio::awaitable<LockoutStatus> check(std::string account, std::string ip) override {
        std::vector<std::string> keys{account_key(account), ip_key(ip)};
        std::vector<std::string> args{window_ms(), std::to_string(policy_.per_account),
                                      std::to_string(policy_.per_ip)};
        long long wait_ms = 0;
        bool failed = false;
        std::string error;
        try {
            const Reply reply = co_await check_.run(redis_, std::move(keys), std::move(args));
            wait_ms = reply.as_integer();
        } catch (const RedisException& failure) {
            failed = true;
            error = failure.what();
        }
        if (failed) {
            on_failure(error);
            co_return local_.check_now(account, ip);
        }
        on_success();
        if (wait_ms <= 0) co_return LockoutStatus{};
        co_return LockoutStatus{
            true, std::chrono::ceil<std::chrono::seconds>(std::chrono::milliseconds(wait_ms))};
    }

    boost::asio::awaitable<void> record_failure(std::string account, std::string ip) override {
        local_.record_failure_now(account, ip);
        std::vector<std::string> keys{account_key(account), ip_key(ip)};
        std::vector<std::string> args{window_ms(), std::to_string(policy_.per_account),
                                      std::to_string(policy_.per_ip), next_nonce()};
        co_await attempt(record_failure_.run(redis_, std::move(keys), std::move(args)));
    }

    boost::asio::awaitable<void> record_success(std::string account) override {
        local_.record_success_now(account);
        std::vector<std::string> del{"DEL", account_key(account)};
        co_await attempt(redis_.command(std::move(del)));
    }

    bool degraded() const override { return degraded_.load(std::memory_order_relaxed); }

private:
    // Runs a write whose reply does not matter; a Redis failure is logged (the local guard
    // already has the change).
    boost::asio::awaitable<void> attempt(boost::asio::awaitable<Reply> operation) {
        bool failed = false;
        std::string error;
        try {
            co_await std::move(operation);
        } catch (const RedisException& failure) {
            failed = true;
            error = failure.what();
        }
        if (failed) {
            on_failure(error);
        } else {
            on_success();
        }
    }

    std::string account_key(std::string_view account) const {
        return prefix_ + "a:" + detail::account_id(account);
    }
    std::string ip_key(std::string_view ip) const { return prefix_ + "ip:" + detail::ip_id(ip); }
    std::string window_ms() const {
        return std::to_string(std::chrono::milliseconds(policy_.window).count());
    }
    std::string next_nonce() {
        return nonce_prefix_ + std::to_string(counter_.fetch_add(1, std::memory_order_relaxed));
    }

    void on_failure(std::string_view error) {
        if (degraded_.exchange(true, std::memory_order_relaxed)) return;
        log::warn("login guard: Redis is unavailable, counting failed logins per replica",
                  {{"error", error}});
    }

    void on_success() {
        if (!degraded_.load(std::memory_order_relaxed)) return;
        if (!degraded_.exchange(false, std::memory_order_relaxed)) return;
        log::info("login guard: Redis is available again, counting failed logins across replicas");
    }

    RedisClient& redis_;
    LoginGuardPolicy policy_;
    std::string prefix_;
    LocalLoginGuard local_;
    detail::RedisScript record_failure_;
    detail::RedisScript check_;
    std::string nonce_prefix_;
    std::atomic<std::uint64_t> counter_{0};
    std::atomic<bool> degraded_{false};
};

}  // namespace

std::unique_ptr<LoginGuard> make_redis_login_guard(RedisClient& redis, LoginGuardPolicy policy,
                                                   std::string key_prefix) {
    return std::make_unique<RedisLoginGuard>(redis, policy, std::move(key_prefix));
}

}  // namespace companion::cache
