// Redis pub/sub through RedisSubscriber against the test Redis of scripts/services.sh, including
// a server restart (COMPANION_TEST_REDIS_CTL).
#include <gtest/gtest.h>

#include <unistd.h>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cache/redis_client.hpp"
#include "cache/redis_subscriber.hpp"
#include "support/async.hpp"

namespace companion::cache {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using Clock = std::chrono::steady_clock;
using Message = std::pair<std::string, std::string>;

constexpr const char* missing_services =
    "is not set: start the test services with scripts/services.sh up, then eval "
    "\"$(scripts/services.sh env)\"";

// Collects what handlers receive, for the test thread to wait on.
class Inbox {
public:
    RedisSubscriber::MessageHandler handler() {
        return [this](std::string_view channel, std::string_view message) {
            const std::lock_guard lock(mutex_);
            messages_.emplace_back(channel, message);
            arrived_.notify_all();
        };
    }

    // The messages once there are at least `count`, or what came within the time limit.
    std::vector<Message> wait_for(std::size_t count, std::chrono::milliseconds limit = 2s) {
        std::unique_lock lock(mutex_);
        arrived_.wait_for(lock, limit, [&] { return messages_.size() >= count; });
        return messages_;
    }

private:
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<Message> messages_;
};

class RedisPubSubTest : public ::testing::Test {
protected:
    void SetUp() override {
        const char* url = std::getenv("COMPANION_TEST_REDIS_URL");
        ASSERT_NE(url, nullptr) << "COMPANION_TEST_REDIS_URL " << missing_services;
        url_ = url;
        prefix_ = "companion-test:"s +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name() + ":" +
                  std::to_string(::getpid()) + ":";
    }

    long long publish(RedisClient& redis, const std::string& channel, const std::string& text) {
        return loop_.run(redis.command("PUBLISH", channel, text)).as_integer();
    }

    testing::TestLoop loop_;
    std::string url_;
    std::string prefix_;
};

TEST_F(RedisPubSubTest, DeliversPublishedMessagesInOrderWithBinaryPayloads) {
    RedisClient redis(loop_.executor(), url_);
    Inbox inbox;  // outlives the subscriber that calls it
    RedisSubscriber subscriber(loop_.executor(), url_);
    const auto channel = prefix_ + "events";
    loop_.run(subscriber.subscribe(channel, inbox.handler()));
    EXPECT_TRUE(loop_.run(subscriber.connected()));

    const auto binary = "a\0b\r\nc"s;
    EXPECT_EQ(publish(redis, channel, "first"), 1);
    EXPECT_EQ(publish(redis, channel, binary), 1);
    EXPECT_EQ(publish(redis, prefix_ + "elsewhere", "not for us"), 0);
    EXPECT_EQ(inbox.wait_for(2), (std::vector<Message>{{channel, "first"}, {channel, binary}}));
}

TEST_F(RedisPubSubTest, SeveralHandlersAndChannelsOnOneConnection) {
    RedisClient redis(loop_.executor(), url_);
    Inbox first;
    Inbox second;
    RedisSubscriber subscriber(loop_.executor(), url_);
    const auto a = prefix_ + "a";
    const auto b = prefix_ + "b";
    loop_.run(subscriber.subscribe(a, first.handler()));
    loop_.run(subscriber.subscribe(a, second.handler()));
    loop_.run(subscriber.subscribe(b, second.handler()));
    EXPECT_EQ(publish(redis, a, "to a"), 1);  // one subscribed connection
    EXPECT_EQ(publish(redis, b, "to b"), 1);
    EXPECT_EQ(first.wait_for(1), (std::vector<Message>{{a, "to a"}}));
    EXPECT_EQ(second.wait_for(2), (std::vector<Message>{{a, "to a"}, {b, "to b"}}));
}

TEST_F(RedisPubSubTest, UnsubscribeStopsDelivery) {
    RedisClient redis(loop_.executor(), url_);
    Inbox inbox;  // outlives the subscriber that calls it
    RedisSubscriber subscriber(loop_.executor(), url_);
    const auto channel = prefix_ + "quiet";
    loop_.run(subscriber.subscribe(channel, inbox.handler()));
    loop_.run(subscriber.unsubscribe(channel));
    const auto until = Clock::now() + 2s;
    while (publish(redis, channel, "anyone?") != 0 && Clock::now() < until) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(publish(redis, channel, "anyone?"), 0);
    EXPECT_TRUE(inbox.wait_for(1, 200ms).empty());
}

TEST_F(RedisPubSubTest, ThrowingHandlerDoesNotStopDelivery) {
    RedisClient redis(loop_.executor(), url_);
    Inbox inbox;  // outlives the subscriber that calls it
    RedisSubscriber subscriber(loop_.executor(), url_);
    const auto channel = prefix_ + "faulty";
    loop_.run(subscriber.subscribe(
        channel, [](std::string_view, std::string_view) { throw std::runtime_error("boom"); }));
    loop_.run(subscriber.subscribe(channel, inbox.handler()));
    publish(redis, channel, "one");
    publish(redis, channel, "two");
    EXPECT_EQ(inbox.wait_for(2).size(), 2u);
}

TEST_F(RedisPubSubTest, SubscriptionsSurviveAServerRestart) {
    const char* ctl = std::getenv("COMPANION_TEST_REDIS_CTL");
    ASSERT_NE(ctl, nullptr) << "COMPANION_TEST_REDIS_CTL " << missing_services;
    RedisClient redis(loop_.executor(), url_);
    Inbox inbox;  // outlives the subscriber that calls it
    RedisSubscriber subscriber(loop_.executor(), url_);
    const auto channel = prefix_ + "durable";
    loop_.run(subscriber.subscribe(channel, inbox.handler()));
    EXPECT_EQ(publish(redis, channel, "before"), 1);
    ASSERT_EQ(inbox.wait_for(1).size(), 1u);

    ASSERT_EQ(std::system((std::string(ctl) + " restart >/dev/null 2>&1").c_str()), 0);
    // Publish until the subscriber has reconnected and subscribed again (PUBLISH counts it).
    const auto until = Clock::now() + 10s;
    long long receivers = 0;
    while (receivers == 0 && Clock::now() < until) {
        try {
            receivers = publish(redis, channel, "after");
        } catch (const RedisUnavailable&) {
        }
        if (receivers == 0) std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(receivers, 1);
    const auto messages = inbox.wait_for(2);
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[1], (Message{channel, "after"}));
    EXPECT_TRUE(loop_.run(subscriber.connected()));
}

TEST_F(RedisPubSubTest, SubscribingWhileRedisIsUnreachableTimesOutButStaysRegistered) {
    RedisOptions options;
    options.command_timeout = 300ms;
    Inbox inbox;
    RedisSubscriber subscriber(loop_.executor(), "redis://127.0.0.1:1/0", options);
    const auto started = Clock::now();
    std::string message;
    try {
        loop_.run(subscriber.subscribe(prefix_ + "x", inbox.handler()));
    } catch (const RedisUnavailable& error) {
        message = error.what();
    }
    EXPECT_LT(Clock::now() - started, 1s);
    EXPECT_NE(message.find("was not confirmed within 300 ms"), std::string::npos) << message;
    EXPECT_NE(message.find("unreachable"), std::string::npos) << message;
    EXPECT_FALSE(loop_.run(subscriber.connected()));
}

}  // namespace
}  // namespace companion::cache
