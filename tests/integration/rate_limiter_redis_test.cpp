// The Redis rate limiter against the real Redis 7 of scripts/services.sh: replicas share one
// budget, the script survives SCRIPT FLUSH, keys expire, and a Redis outage fails open, then
// limits per replica, then recovers.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cache/rate_limiter.hpp"
#include "cache/rate_limiter_script.hpp"
#include "cache/redis_client.hpp"
#include "support/async.hpp"
#include "support/service_control.hpp"

namespace companion::cache {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using Clock = std::chrono::steady_clock;

class RateLimiterRedisTest : public ::testing::Test {
protected:
    void SetUp() override {
        const char* url = std::getenv("COMPANION_TEST_REDIS_URL");
        ASSERT_NE(url, nullptr)
            << "COMPANION_TEST_REDIS_URL is not set: start the test services "
               "with scripts/services.sh up, then eval \"$(scripts/services.sh env)\"";
        url_ = url;
        prefix_ = "companion-test:rl:"s +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name() + ":" +
                  std::to_string(::getpid()) + ":";
        admin_ = std::make_unique<RedisClient>(loop_.executor(), url_);
    }

    void TearDown() override {
        if (!admin_) return;
        try {
            for (const auto& key : keys()) loop_.run(admin_->command("DEL", key));
        } catch (const RedisException&) {
        }
    }

    std::vector<std::string> keys() {
        const auto reply = loop_.run(admin_->command("KEYS", prefix_ + "*"));
        std::vector<std::string> found;
        for (const auto& key : reply.as_array()) found.push_back(key.as_string());
        return found;
    }

    long long pttl(const std::string& key) {
        return loop_.run(admin_->command("PTTL", prefix_ + key)).as_integer();
    }

    // Checks until the limiter reaches Redis again (degraded() false) or `limit` passes.
    bool wait_until_recovered(RateLimiter& limiter, std::chrono::milliseconds limit) {
        const auto until = Clock::now() + limit;
        while (Clock::now() < until) {
            loop_.run(limiter.check("probe", 1000000));
            if (!limiter.degraded()) return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    testing::TestLoop loop_{2};
    std::string url_;
    std::string prefix_;
    std::unique_ptr<RedisClient> admin_;
};

TEST_F(RateLimiterRedisTest, TwoReplicasSharingAKeyTogetherAllowExactlyTheLimit) {
    RedisClient first_redis(loop_.executor(), url_);
    RedisClient second_redis(loop_.executor(), url_);
    auto first = make_redis_rate_limiter(first_redis, 60s, prefix_);
    auto second = make_redis_rate_limiter(second_redis, 60s, prefix_);

    std::vector<std::future<RateDecision>> pending;
    for (int i = 0; i < 30; ++i) {
        pending.push_back(loop_.start(first->check("user:42", 10)));
        pending.push_back(loop_.start(second->check("user:42", 10)));
    }
    int allowed = 0;
    std::multiset<int> remaining;
    for (auto& decision : pending) {
        const auto result = decision.get();
        EXPECT_EQ(result.limit, 10);
        if (result.allowed) {
            ++allowed;
            remaining.insert(result.remaining);
        } else {
            EXPECT_GT(result.retry_after, 0ms);
            EXPECT_LE(result.retry_after, 6000ms);
        }
    }
    EXPECT_EQ(allowed, 10);
    EXPECT_EQ(remaining, (std::multiset<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_FALSE(first->degraded());
    EXPECT_FALSE(second->degraded());
}

TEST_F(RateLimiterRedisTest, DecisionsCarryTheGcraValues) {
    RedisClient redis(loop_.executor(), url_);
    auto limiter = make_redis_rate_limiter(redis, 60s, prefix_);
    const auto fresh = loop_.run(limiter->check("ip:203.0.113.7", 10));
    EXPECT_TRUE(fresh.allowed);
    EXPECT_EQ(fresh.remaining, 9);
    EXPECT_EQ(fresh.retry_after, 0ms);
    EXPECT_EQ(fresh.reset_after, 6000ms);
    for (int i = 0; i < 9; ++i) loop_.run(limiter->check("ip:203.0.113.7", 10));
    const auto denied = loop_.run(limiter->check("ip:203.0.113.7", 10));
    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.remaining, 0);
    EXPECT_GT(denied.retry_after, 5000ms);
    EXPECT_LE(denied.retry_after, 6000ms);
    EXPECT_GT(denied.reset_after, 59000ms);
    EXPECT_LE(denied.reset_after, 60000ms);
}

TEST_F(RateLimiterRedisTest, KeysExpireWhenTheirStateRunsOut) {
    RedisClient redis(loop_.executor(), url_);
    auto limiter = make_redis_rate_limiter(redis, 60s, prefix_);
    for (int i = 0; i < 10; ++i) loop_.run(limiter->check("full", 10));
    EXPECT_GT(pttl("full"), 59000);
    EXPECT_LE(pttl("full"), 60000);

    loop_.run(limiter->check("short", 600));  // one interval: 100 ms
    const auto ttl = pttl("short");
    EXPECT_GT(ttl, 0);
    EXPECT_LE(ttl, 100);
    std::this_thread::sleep_for(150ms);
    EXPECT_EQ(pttl("short"), -2);  // gone
}

TEST_F(RateLimiterRedisTest, ScriptIsSentAgainAfterScriptFlush) {
    RedisClient redis(loop_.executor(), url_);
    auto limiter = make_redis_rate_limiter(redis, 60s, prefix_);
    EXPECT_EQ(loop_.run(limiter->check("k", 10)).remaining, 9);
    loop_.run(admin_->command("SCRIPT", "FLUSH"));
    const auto after = loop_.run(limiter->check("k", 10));
    EXPECT_FALSE(limiter->degraded());  // NOSCRIPT did not count as an outage
    EXPECT_TRUE(after.allowed);
    EXPECT_EQ(after.remaining, 8);
    EXPECT_EQ(loop_.run(limiter->check("k", 10)).remaining, 7);
}

TEST_F(RateLimiterRedisTest, RedisScriptFallsBackToEvalAndCachesTheScript) {
    RedisClient redis(loop_.executor(), url_);
    const detail::RedisScript script("return {KEYS[1], ARGV[1] + 1, '" + prefix_ + "'}");
    loop_.run(admin_->command("SCRIPT", "FLUSH"));
    const auto exists_before = loop_.run(admin_->command("SCRIPT", "EXISTS", script.sha1()));
    EXPECT_EQ(exists_before.as_array().at(0).as_integer(), 0);
    const auto reply = loop_.run(script.run(redis, {"key"}, {"41"}));
    EXPECT_EQ(reply.as_array().at(0).as_string(), "key");
    EXPECT_EQ(reply.as_array().at(1).as_integer(), 42);
    const auto exists_after = loop_.run(admin_->command("SCRIPT", "EXISTS", script.sha1()));
    EXPECT_EQ(exists_after.as_array().at(0).as_integer(), 1);
    EXPECT_EQ(loop_.run(script.run(redis, {"again"}, {"1"})).as_array().at(1).as_integer(), 2);
}

TEST_F(RateLimiterRedisTest, OutageFailsOpenThenLimitsPerReplicaThenRecovers) {
    testing::ServiceControl server("COMPANION_TEST_REDIS_CTL");
    RedisClient redis(loop_.executor(), url_);
    auto limiter = make_redis_rate_limiter(redis, 1s, prefix_);
    EXPECT_TRUE(loop_.run(limiter->check("before", 2)).allowed);
    EXPECT_FALSE(limiter->degraded());

    server.stop();
    const auto stopped = Clock::now();
    for (int i = 0; i < 5; ++i) {
        const auto started = Clock::now();
        EXPECT_TRUE(loop_.run(limiter->check("open", 2)).allowed) << i;
        EXPECT_LT(Clock::now() - started, 500ms) << "an outage must not stall requests";
    }
    EXPECT_TRUE(limiter->degraded());
    ASSERT_LT(Clock::now() - stopped, 1s) << "too slow to observe the fail-open period";

    std::this_thread::sleep_for(1s - (Clock::now() - stopped) + 100ms);
    EXPECT_TRUE(loop_.run(limiter->check("local", 2)).allowed);
    EXPECT_TRUE(loop_.run(limiter->check("local", 2)).allowed);
    EXPECT_FALSE(loop_.run(limiter->check("local", 2)).allowed);
    EXPECT_TRUE(limiter->degraded());

    server.start();
    ASSERT_TRUE(wait_until_recovered(*limiter, 10s));
    // Redis decides again, and it never saw "local".
    const auto shared = loop_.run(limiter->check("local", 2));
    EXPECT_TRUE(shared.allowed);
    EXPECT_EQ(shared.remaining, 1);
    EXPECT_GT(pttl("local"), 0);
}

}  // namespace
}  // namespace companion::cache
