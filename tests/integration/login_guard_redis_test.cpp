// The Redis login guard against the real Redis 7 of scripts/services.sh: lockouts hold across
// replicas, keys expire with the window, and a Redis outage falls back to the in-process guard.
#include <gtest/gtest.h>

#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cache/login_guard.hpp"
#include "cache/redis_client.hpp"
#include "support/async.hpp"
#include "support/service_control.hpp"

namespace companion::cache {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using Clock = std::chrono::steady_clock;

// "user" + std::to_string(n) trips g++ 12's -Wstringop-overflow false positive at -O3.
std::string numbered(std::string_view prefix, int n) {
    std::string out(prefix);
    out += std::to_string(n);
    return out;
}

class LoginGuardRedisTest : public ::testing::Test {
protected:
    void SetUp() override {
        const char* url = std::getenv("COMPANION_TEST_REDIS_URL");
        ASSERT_NE(url, nullptr)
            << "COMPANION_TEST_REDIS_URL is not set: start the test services "
               "with scripts/services.sh up, then eval \"$(scripts/services.sh env)\"";
        url_ = url;
        prefix_ = "companion-test:lg:"s +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name() + ":" +
                  std::to_string(::getpid()) + ":";
        admin_ = std::make_unique<RedisClient>(loop_.executor(), url_);
        first_redis_ = std::make_unique<RedisClient>(loop_.executor(), url_);
        second_redis_ = std::make_unique<RedisClient>(loop_.executor(), url_);
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

    void fail(LoginGuard& guard, const std::string& account, const std::string& ip, int times = 1) {
        for (int i = 0; i < times; ++i) loop_.run(guard.record_failure(account, ip));
    }

    LockoutStatus check(LoginGuard& guard, const std::string& account, const std::string& ip) {
        return loop_.run(guard.check(account, ip));
    }

    testing::TestLoop loop_;
    std::string url_;
    std::string prefix_;
    std::unique_ptr<RedisClient> admin_;
    std::unique_ptr<RedisClient> first_redis_;  // two replicas
    std::unique_ptr<RedisClient> second_redis_;
};

TEST_F(LoginGuardRedisTest, AccountLockoutHoldsAcrossReplicas) {
    auto first = make_redis_login_guard(*first_redis_, {}, prefix_);
    auto second = make_redis_login_guard(*second_redis_, {}, prefix_);
    fail(*first, "Alice", "10.0.0.1", 3);
    fail(*second, "alice", "10.0.0.2", 1);
    EXPECT_FALSE(check(*first, "alice", "10.0.0.3").locked);
    fail(*second, "ALICE", "10.0.0.2", 1);
    for (LoginGuard* guard : {first.get(), second.get()}) {
        const auto status = check(*guard, "aLiCe", "10.0.0.9");
        EXPECT_TRUE(status.locked);
        EXPECT_GE(status.retry_after, 899s);
        EXPECT_LE(status.retry_after, 900s);
        EXPECT_FALSE(guard->degraded());
    }
    EXPECT_FALSE(check(*first, "bob", "10.0.0.9").locked);
}

TEST_F(LoginGuardRedisTest, IpLockoutHoldsAcrossReplicas) {
    auto first = make_redis_login_guard(*first_redis_, {}, prefix_);
    auto second = make_redis_login_guard(*second_redis_, {}, prefix_);
    for (int i = 0; i < 20; ++i) {
        fail(i % 2 == 0 ? *first : *second, numbered("user", i), "203.0.113.7");
    }
    EXPECT_TRUE(check(*first, "someone", "203.0.113.7").locked);
    EXPECT_TRUE(check(*second, "someone", "203.0.113.7").locked);
    EXPECT_FALSE(check(*second, "someone", "203.0.113.8").locked);
}

TEST_F(LoginGuardRedisTest, SuccessOnOneReplicaClearsTheAccountButNotTheIp) {
    auto first = make_redis_login_guard(*first_redis_, {}, prefix_);
    auto second = make_redis_login_guard(*second_redis_, {}, prefix_);
    fail(*first, "alice", "10.0.0.1", 4);
    for (int i = 0; i < 16; ++i) fail(*first, numbered("user", i), "10.0.0.1");
    loop_.run(second->record_success("Alice"));
    fail(*first, "alice", "10.0.0.2");
    EXPECT_FALSE(check(*first, "alice", "10.0.0.2").locked);
    EXPECT_TRUE(check(*second, "alice", "10.0.0.1").locked);  // the IP's 20 remain
}

TEST_F(LoginGuardRedisTest, KeysExpireWithTheWindowAndTheLockoutLifts) {
    const LoginGuardPolicy policy{2, 20, 1s};
    auto first = make_redis_login_guard(*first_redis_, policy, prefix_);
    auto second = make_redis_login_guard(*second_redis_, policy, prefix_);
    fail(*first, "alice", "10.0.0.1");
    fail(*second, "alice", "10.0.0.2");
    const auto status = check(*first, "alice", "10.0.0.3");
    EXPECT_TRUE(status.locked);
    EXPECT_EQ(status.retry_after, 1s);
    const auto stored = keys();
    EXPECT_EQ(stored.size(), 3u);  // the account and two IPs
    for (const auto& key : stored) {
        EXPECT_EQ(key.find("alice"), std::string::npos) << "account names are not stored";
        const auto ttl = loop_.run(admin_->command("PTTL", key)).as_integer();
        EXPECT_GT(ttl, 0) << key;
        EXPECT_LE(ttl, 1000) << key;
    }
    std::this_thread::sleep_for(1100ms);
    EXPECT_FALSE(check(*second, "alice", "10.0.0.3").locked);
    EXPECT_TRUE(keys().empty());
}

TEST_F(LoginGuardRedisTest, OutageFallsBackToThisReplicasFailuresThenRecovers) {
    testing::ServiceControl server("COMPANION_TEST_REDIS_CTL");
    auto guard = make_redis_login_guard(*first_redis_, {}, prefix_);
    fail(*guard, "alice", "10.0.0.1", 3);
    EXPECT_FALSE(guard->degraded());

    server.stop();
    EXPECT_FALSE(check(*guard, "alice", "10.0.0.1").locked);
    EXPECT_TRUE(guard->degraded());
    fail(*guard, "alice", "10.0.0.1", 2);  // with the 3 from before the outage: 5
    const auto status = check(*guard, "alice", "10.0.0.2");
    EXPECT_TRUE(status.locked);
    EXPECT_GE(status.retry_after, 899s);

    server.start();
    const auto until = Clock::now() + 10s;
    while (guard->degraded() && Clock::now() < until) {
        check(*guard, "probe", "probe");
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_FALSE(guard->degraded());
    fail(*guard, "carol", "10.0.0.5", 5);
    EXPECT_TRUE(check(*guard, "carol", "10.0.0.6").locked);
}

}  // namespace
}  // namespace companion::cache
