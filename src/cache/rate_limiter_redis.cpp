// The rate limiter shared by every replica: GCRA state in Redis, stepped by one Lua script.
#include <atomic>
#include <mutex>
#include <string_view>
#include <utility>

#include "cache/rate_limiter.hpp"
#include "cache/rate_limiter_gcra.hpp"
#include "cache/rate_limiter_local.hpp"
#include "cache/rate_limiter_script.hpp"
#include "cache/redis_client.hpp"
#include "util/log.hpp"

namespace companion::cache {
namespace {

using Clock = std::chrono::steady_clock;

// gcra_step() on the server's clock, in microseconds. Lua numbers are doubles: exact for integers
// up to 2^53 (285 years of microseconds); string.format('%d') keeps every digit when storing.
// KEYS[1]: the key. ARGV[1]: emission interval. ARGV[2]: burst.
// Returns {allowed, remaining, retry_after, reset_after}.
constexpr std::string_view gcra_script = R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
local start = math.max(tat, now)
local new_tat = start + interval
local allow_at = new_tat - interval * burst
if now < allow_at then
  return {0, 0, allow_at - now, start - now}
end
local ttl_ms = math.ceil((new_tat - now) / 1000)
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', string.format('%d', ttl_ms))
return {1, math.floor((now - allow_at) / interval), 0, new_tat - now}
)lua";

RateDecision parse_decision(const Reply& reply, int limit) {
    const auto& values = reply.as_array();
    if (values.size() != 4)
        throw RedisTypeError("rate limit script returned " + std::to_string(values.size()) +
                             " values");
    GcraResult result;
    result.allowed = values[0].as_integer() == 1;
    result.remaining = static_cast<int>(values[1].as_integer());
    result.retry_after = std::chrono::microseconds(values[2].as_integer());
    result.reset_after = std::chrono::microseconds(values[3].as_integer());
    return to_decision(result, limit);
}

long long seconds_since(Clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - since).count();
}

class RedisRateLimiter final : public RateLimiter {
public:
    RedisRateLimiter(RedisClient& redis, std::chrono::seconds fail_open_for, std::string prefix)
        : redis_(redis),
          fail_open_for_(fail_open_for),
          prefix_(std::move(prefix)),
          script_(std::string(gcra_script)) {}

    boost::asio::awaitable<RateDecision> check(std::string key, int per_minute) override {
        const auto interval = emission_interval(per_minute);
        std::vector<std::string> keys{prefix_ + key};
        std::vector<std::string> args{std::to_string(interval.count()), std::to_string(per_minute)};
        RateDecision decision;
        bool failed = false;
        std::string error;
        try {
            const Reply reply = co_await script_.run(redis_, std::move(keys), std::move(args));
            decision = parse_decision(reply, per_minute);
        } catch (const RedisException& failure) {
            failed = true;
            error = failure.what();
        }
        if (!failed) {
            on_success();
            co_return decision;
        }
        if (fail_open(error)) co_return RateDecision{true, per_minute, per_minute, {}, {}};
        co_return local_.check_now(key, per_minute);
    }

    bool degraded() const override { return degraded_.load(std::memory_order_relaxed); }

private:
    // Whether to allow the request unlimited; false once the outage has lasted fail_open_for,
    // from when on the in-process limiter decides.
    bool fail_open(std::string_view error) {
        std::lock_guard lock(mutex_);
        if (!degraded_.load(std::memory_order_relaxed)) {
            outage_since_ = Clock::now();
            limiting_locally_ = false;
            degraded_.store(true, std::memory_order_relaxed);
            log::warn("rate limiter: Redis is unavailable, allowing requests without a limit",
                      {{"error", error},
                       {"fail_open_seconds", static_cast<std::int64_t>(fail_open_for_.count())}});
        }
        if (Clock::now() - outage_since_ < fail_open_for_) return true;
        if (!limiting_locally_) {
            limiting_locally_ = true;
            log::warn(
                "rate limiter: Redis is still unavailable, limiting per replica",
                {{"error", error},
                 {"outage_seconds", static_cast<std::int64_t>(seconds_since(outage_since_))}});
        }
        return false;
    }

    void on_success() {
        if (!degraded_.load(std::memory_order_relaxed)) return;
        std::lock_guard lock(mutex_);
        if (!degraded_.load(std::memory_order_relaxed)) return;
        degraded_.store(false, std::memory_order_relaxed);
        log::info("rate limiter: Redis is available again, limiting across replicas",
                  {{"outage_seconds", static_cast<std::int64_t>(seconds_since(outage_since_))}});
    }

    RedisClient& redis_;
    std::chrono::seconds fail_open_for_;
    std::string prefix_;
    detail::RedisScript script_;
    LocalRateLimiter local_;
    std::atomic<bool> degraded_{false};
    std::mutex mutex_;
    Clock::time_point outage_since_;
    bool limiting_locally_ = false;
};

}  // namespace

std::unique_ptr<RateLimiter> make_redis_rate_limiter(RedisClient& redis,
                                                     std::chrono::seconds fail_open_for,
                                                     std::string key_prefix) {
    return std::make_unique<RedisRateLimiter>(redis, fail_open_for, std::move(key_prefix));
}

}  // namespace companion::cache
