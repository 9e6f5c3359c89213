// The Redis client when Redis is slow, unreachable or goes away: deadlines, resets, and the test
// Redis of scripts/services.sh stopped and started again (COMPANION_TEST_REDIS_CTL).
#include <gtest/gtest.h>

#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include "cache/redis_client.hpp"
#include "support/async.hpp"
#include "support/service_control.hpp"

namespace companion::cache {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* missing_services =
    "is not set: start the test services with scripts/services.sh up, then eval "
    "\"$(scripts/services.sh env)\"";

class RedisReconnectTest : public ::testing::Test {
protected:
    void SetUp() override {
        const char* url = std::getenv("COMPANION_TEST_REDIS_URL");
        const char* ctl = std::getenv("COMPANION_TEST_REDIS_CTL");
        ASSERT_NE(url, nullptr) << "COMPANION_TEST_REDIS_URL " << missing_services;
        ASSERT_NE(ctl, nullptr) << "COMPANION_TEST_REDIS_CTL " << missing_services;
        url_ = url;
        ctl_ = ctl;
        prefix_ = "companion-test:"s +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name() + ":" +
                  std::to_string(::getpid()) + ":";
    }

    // Runs PING until it answers (true) or `limit` has passed (false).
    bool wait_until_answering(RedisClient& redis, std::chrono::milliseconds limit) {
        const auto until = Clock::now() + limit;
        while (Clock::now() < until) {
            try {
                if (loop_.run(redis.command("PING")).as_string() == "PONG") return true;
            } catch (const RedisUnavailable&) {
            }
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }

    testing::TestLoop loop_;
    std::string url_;
    std::string ctl_;
    std::string prefix_;
};

TEST_F(RedisReconnectTest, BlockedCommandTimesOutWithinItsDeadline) {
    RedisClient redis(loop_.executor(), url_);
    loop_.run(redis.connect());
    const auto started = Clock::now();
    std::string message;
    try {
        loop_.run(redis.command({"BLPOP", prefix_ + "empty", "2"}, 300ms));
    } catch (const RedisTimeout& error) {
        message = error.what();
    }
    const auto elapsed = Clock::now() - started;
    EXPECT_EQ(message,
              "Redis BLPOP timed out: no reply from " + redis.url().endpoint() + " within 300 ms");
    EXPECT_GE(elapsed, 290ms);
    EXPECT_LT(elapsed, 1000ms);
    EXPECT_EQ(loop_.run(redis.command("PING")).as_string(), "PONG");  // a fresh connection
}

TEST_F(RedisReconnectTest, OverdueReplyResetsTheConnectionAndFailsCommandsBehindIt) {
    RedisClient redis(loop_.executor(), url_);
    loop_.run(redis.connect());
    const auto started = Clock::now();
    auto blocked = loop_.start(redis.command({"BLPOP", prefix_ + "empty", "5"}, 300ms));
    auto behind = loop_.start(redis.command("GET", prefix_ + "x"));
    EXPECT_THROW(blocked.get(), RedisTimeout);
    std::string message;
    try {
        behind.get();
    } catch (const RedisUnavailable& error) {
        message = error.what();
    }
    EXPECT_LT(Clock::now() - started, 1000ms);
    EXPECT_NE(message.find("was reset: the reply to BLPOP was overdue"), std::string::npos)
        << message;
    EXPECT_TRUE(loop_.run(redis.command("GET", prefix_ + "x")).is_nil());
}

TEST_F(RedisReconnectTest, PingReportsHealthWithoutThrowing) {
    RedisClient redis(loop_.executor(), url_);
    EXPECT_TRUE(loop_.run(redis.ping()));
    RedisClient nowhere(loop_.executor(), "redis://127.0.0.1:1/0");
    const auto started = Clock::now();
    EXPECT_FALSE(loop_.run(nowhere.ping()));
    EXPECT_LT(Clock::now() - started, 600ms);
}

TEST_F(RedisReconnectTest, UnreachableServerFailsFastAndBacksOff) {
    RedisClient redis(loop_.executor(), "redis://127.0.0.1:1/0");  // constructing never connects
    const auto started = Clock::now();
    std::string first;
    std::string second;
    try {
        loop_.run(redis.command("PING"));
    } catch (const RedisUnavailable& error) {
        first = error.what();
    }
    try {
        loop_.run(redis.command("PING"));
    } catch (const RedisUnavailable& error) {
        second = error.what();
    }
    EXPECT_LT(Clock::now() - started, 500ms);
    EXPECT_TRUE(first.starts_with("Redis at 127.0.0.1:1 is unreachable: ")) << first;
    EXPECT_NE(second.find("(next attempt in "), std::string::npos) << second;
}

TEST_F(RedisReconnectTest, ServerShutdownFailsCommandsFastThenTheSameClientRecovers) {
    testing::ServiceControl server("COMPANION_TEST_REDIS_CTL");
    RedisClient redis(loop_.executor(), url_);
    loop_.run(redis.connect());
    // Blocks on the server until it goes away; its own deadline is far off.
    auto blocked = loop_.start(redis.command({"BLPOP", prefix_ + "never", "0"}, 60s));
    std::this_thread::sleep_for(100ms);

    server.stop();
    ASSERT_EQ(blocked.wait_for(1s), std::future_status::ready) << "the pending command hangs";
    std::string message;
    try {
        blocked.get();
    } catch (const RedisTimeout& error) {
        message = "timeout: "s + error.what();
    } catch (const RedisUnavailable& error) {
        message = error.what();
    }
    EXPECT_NE(message.find("closed the connection"), std::string::npos) << message;

    for (int attempt = 0; attempt < 10; ++attempt) {
        const auto started = Clock::now();
        EXPECT_THROW(loop_.run(redis.command("PING")), RedisUnavailable);
        EXPECT_LT(Clock::now() - started, 500ms) << attempt;
        std::this_thread::sleep_for(50ms);
    }

    server.start();
    const auto restarted = Clock::now();
    EXPECT_TRUE(wait_until_answering(redis, 10s));
    // Reconnect attempts back off to at most 2 s apart.
    EXPECT_LT(Clock::now() - restarted, 3s);
    const auto k = prefix_ + "after-restart";
    EXPECT_EQ(loop_.run(redis.command("SET", k, "v")).as_string(), "OK");
    EXPECT_EQ(loop_.run(redis.command("DEL", k)).as_integer(), 1);
}

TEST_F(RedisReconnectTest, KilledConnectionIsReplacedOnTheNextCommand) {
    RedisClient redis(loop_.executor(), url_);
    RedisClient admin(loop_.executor(), url_);
    const auto id = loop_.run(redis.command("CLIENT", "ID")).as_integer();
    EXPECT_EQ(loop_.run(admin.command("CLIENT", "KILL", "ID", id)).as_integer(), 1);
    ASSERT_TRUE(wait_until_answering(redis, 2s));
    EXPECT_NE(loop_.run(redis.command("CLIENT", "ID")).as_integer(), id);
}

TEST_F(RedisReconnectTest, ClosingTheClientFailsItsPendingCommands) {
    auto redis = std::make_unique<RedisClient>(loop_.executor(), url_);
    loop_.run(redis->connect());
    auto blocked = loop_.start(redis->command({"BLPOP", prefix_ + "never", "0"}, 60s));
    std::this_thread::sleep_for(100ms);
    redis.reset();
    ASSERT_EQ(blocked.wait_for(1s), std::future_status::ready);
    EXPECT_THROW(blocked.get(), RedisUnavailable);
}

}  // namespace
}  // namespace companion::cache
