// The Redis client against the real Redis 7 that scripts/services.sh runs: round-trips, errors,
// pipelining, AUTH and SELECT.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include "cache/redis_client.hpp"
#include "support/async.hpp"

namespace companion::cache {
namespace {

namespace asio = boost::asio;
using namespace std::string_literals;

// INCRs the key `times` times; how many replies were the expected next value.
asio::awaitable<int> count_up(RedisClient& redis, std::string key, int times) {
    int correct = 0;
    for (int i = 1; i <= times; ++i) {
        const auto value = co_await redis.command("INCR", key);
        correct += value.as_integer() == i ? 1 : 0;
    }
    co_return correct;
}

class RedisClientTest : public ::testing::Test {
protected:
    void SetUp() override {
        const char* url = std::getenv("COMPANION_TEST_REDIS_URL");
        ASSERT_NE(url, nullptr)
            << "COMPANION_TEST_REDIS_URL is not set: start the test services "
               "with scripts/services.sh up, then eval \"$(scripts/services.sh env)\"";
        url_ = url;
        const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
        prefix_ = "companion-test:"s + test->name() + ":" + std::to_string(::getpid()) + ":";
    }

    void TearDown() override {
        if (url_.empty()) return;
        delete_keys(url_);
        delete_keys(url_in_db(1));
    }

    // The test URL with another database number.
    std::string url_in_db(int db) const {
        return url_.substr(0, url_.rfind('/') + 1) + std::to_string(db);
    }

    std::string key(const std::string& name) const { return prefix_ + name; }

    void delete_keys(const std::string& url) {
        RedisClient client(loop_.executor(), url);
        loop_.run([](RedisClient& redis, std::string pattern) -> asio::awaitable<void> {
            std::string cursor = "0";
            do {
                const auto page =
                    co_await redis.command("SCAN", cursor, "MATCH", pattern, "COUNT", 1000);
                cursor = page.as_array().at(0).as_string();
                std::vector<std::string> del{"DEL"};
                for (const auto& found : page.as_array().at(1).as_array())
                    del.push_back(found.as_string());
                if (del.size() > 1) co_await redis.command(std::move(del));
            } while (cursor != "0");
        }(client, prefix_ + "*"));
    }

    testing::TestLoop loop_;
    std::string url_;
    std::string prefix_;
};

TEST_F(RedisClientTest, SetGetDelRoundTripBinaryValues) {
    RedisClient redis(loop_.executor(), url_);
    const auto value = "line\r\nnul\0byte\xff\r\n"s;
    const auto k = key("binary");
    loop_.run([&]() -> asio::awaitable<void> {
        const auto set = co_await redis.command("SET", k, value);
        const auto got = co_await redis.command("GET", k);
        const auto length = co_await redis.command("STRLEN", k);
        const auto deleted = co_await redis.command("DEL", k);
        const auto gone = co_await redis.command("GET", k);
        EXPECT_EQ(set, Reply::from_status("OK"));
        EXPECT_EQ(got, Reply::from_string(value));
        EXPECT_EQ(length.as_integer(), static_cast<long long>(value.size()));
        EXPECT_EQ(deleted.as_integer(), 1);
        EXPECT_TRUE(gone.is_nil());
    }());
}

TEST_F(RedisClientTest, IncrAndExpireWork) {
    RedisClient redis(loop_.executor(), url_);
    const auto k = key("counter");
    loop_.run([&]() -> asio::awaitable<void> {
        const auto first = co_await redis.command("INCR", k);
        const auto added = co_await redis.command("INCRBY", k, 41);
        const auto read = co_await redis.command("GET", k);
        const auto expire = co_await redis.command("EXPIRE", k, 60);
        const auto ttl = co_await redis.command("TTL", k);
        EXPECT_EQ(first.as_integer(), 1);
        EXPECT_EQ(added.as_integer(), 42);
        EXPECT_EQ(read.as_integer(), 42);
        EXPECT_EQ(expire.as_integer(), 1);
        EXPECT_GT(ttl.as_integer(), 0);
        EXPECT_LE(ttl.as_integer(), 60);
    }());
}

TEST_F(RedisClientTest, ListCommandsPushRangeAndTrim) {
    RedisClient redis(loop_.executor(), url_);
    const auto k = key("list");
    loop_.run([&]() -> asio::awaitable<void> {
        const auto pushed = co_await redis.command("LPUSH", k, "a", "b", "c");
        const auto all = co_await redis.command("LRANGE", k, 0, -1);
        const auto trimmed = co_await redis.command("LTRIM", k, 0, 1);
        const auto kept = co_await redis.command("LRANGE", k, 0, -1);
        const auto none = co_await redis.command("LRANGE", key("missing"), 0, -1);
        EXPECT_EQ(pushed.as_integer(), 3);
        EXPECT_EQ(all, Reply::from_array({Reply::from_string("c"), Reply::from_string("b"),
                                          Reply::from_string("a")}));
        EXPECT_EQ(trimmed.as_string(), "OK");
        EXPECT_EQ(kept, Reply::from_array({Reply::from_string("c"), Reply::from_string("b")}));
        EXPECT_TRUE(none.as_array().empty());
    }());
}

TEST_F(RedisClientTest, EvalRunsALuaScript) {
    RedisClient redis(loop_.executor(), url_);
    const auto k = key("lua");
    loop_.run([&]() -> asio::awaitable<void> {
        const auto script =
            "redis.call('SET', KEYS[1], ARGV[1]) "
            "return {redis.call('INCRBY', KEYS[1], ARGV[2]), 'done', false}";
        const auto reply = co_await redis.command("EVAL", script, 1, k, 10, 5);
        const auto stored = co_await redis.command("GET", k);
        // Lua false becomes a nil reply.
        EXPECT_EQ(reply, Reply::from_array(
                             {Reply::from_integer(15), Reply::from_string("done"), Reply{}}));
        EXPECT_EQ(stored.as_integer(), 15);
    }());
}

TEST_F(RedisClientTest, MissingValuesAreNilReplies) {
    RedisClient redis(loop_.executor(), url_);
    loop_.run([&]() -> asio::awaitable<void> {
        const auto missing = co_await redis.command("GET", key("nothing"));
        const auto field = co_await redis.command("HGET", key("nothing"), "field");
        EXPECT_TRUE(missing.is_nil());
        EXPECT_EQ(missing.as_optional_string(), std::nullopt);
        EXPECT_TRUE(field.is_nil());
    }());
}

TEST_F(RedisClientTest, ErrorRepliesThrowRedisErrorWithTheServerMessage) {
    RedisClient redis(loop_.executor(), url_);
    const auto k = key("string");
    loop_.run([&]() -> asio::awaitable<void> {
        co_await redis.command("SET", k, "x");
        std::string message;
        try {
            co_await redis.command("LPUSH", k, "y");
        } catch (const RedisError& error) {
            message = error.what();
        }
        EXPECT_TRUE(message.starts_with("WRONGTYPE")) << message;
        message.clear();
        try {
            co_await redis.command("NOSUCHCOMMAND", "arg");
        } catch (const RedisError& error) {
            message = error.what();
        }
        EXPECT_TRUE(message.starts_with("ERR unknown command")) << message;
        const auto still_usable = co_await redis.command("GET", k);
        EXPECT_EQ(still_usable.as_string(), "x");
    }());
}

TEST_F(RedisClientTest, EmptyCommandIsRejected) {
    RedisClient redis(loop_.executor(), url_);
    EXPECT_THROW(loop_.run(redis.command(std::vector<std::string>{})), std::invalid_argument);
}

TEST_F(RedisClientTest, ThousandConcurrentCommandsFromHundredCoroutinesShareOneConnection) {
    RedisClient redis(loop_.executor(), url_);
    const auto connection_id = loop_.run(redis.command("CLIENT", "ID")).as_integer();
    std::vector<std::future<int>> workers;
    for (int worker = 0; worker < 100; ++worker) {
        workers.push_back(
            loop_.start(count_up(redis, key("pipelined:" + std::to_string(worker)), 10)));
    }
    for (auto& worker : workers) EXPECT_EQ(worker.get(), 10);
    EXPECT_EQ(loop_.run(redis.command("CLIENT", "ID")).as_integer(), connection_id);
}

TEST_F(RedisClientTest, CommandsFromSeveralThreadsAreSafeAndClosingEndsAllItsWork) {
    asio::thread_pool threads(4);
    {
        RedisClient redis(threads.get_executor(), url_);
        std::vector<std::future<int>> workers;
        for (int worker = 0; worker < 16; ++worker) {
            const auto k = key("threads:" + std::to_string(worker));
            workers.push_back(asio::co_spawn(threads, count_up(redis, k, 50), asio::use_future));
        }
        for (auto& worker : workers) EXPECT_EQ(worker.get(), 50);
    }
    threads.join();  // returns only once the closed client has no socket or timer left
}

TEST_F(RedisClientTest, PipelineReturnsRepliesInOrderWithErrorsInPlace) {
    RedisClient redis(loop_.executor(), url_);
    const auto k = key("pipeline");
    std::vector<std::vector<std::string>> commands{
        {"SET", k, "1"}, {"INCR", k}, {"LPUSH", k, "x"}, {"GET", k}, {"GET", key("none")}};
    const auto replies = loop_.run(redis.pipeline(commands));
    ASSERT_EQ(replies.size(), 5u);
    EXPECT_EQ(replies[0], Reply::from_status("OK"));
    EXPECT_EQ(replies[1], Reply::from_integer(2));
    EXPECT_TRUE(replies[2].is_error());
    EXPECT_TRUE(replies[2].text.starts_with("WRONGTYPE")) << replies[2].text;
    EXPECT_EQ(replies[3].as_string(), "2");
    EXPECT_TRUE(replies[4].is_nil());
    EXPECT_TRUE(loop_.run(redis.pipeline({})).empty());
}

TEST_F(RedisClientTest, WrongPasswordGivesAClearAuthErrorWithoutThePassword) {
    const auto endpoint = parse_redis_url(url_).endpoint();
    RedisClient redis(loop_.executor(), "redis://:not-the-password-42@" + endpoint + "/0");
    std::string message;
    try {
        loop_.run(redis.connect());
    } catch (const RedisUnavailable& error) {
        message = error.what();
    }
    EXPECT_TRUE(message.starts_with("Redis AUTH failed: WRONGPASS")) << message;
    EXPECT_EQ(message.find("not-the-password-42"), std::string::npos) << message;
    EXPECT_THROW(loop_.run(redis.command("GET", key("x"))), RedisUnavailable);
}

TEST_F(RedisClientTest, MissingPasswordGivesNoauth) {
    const auto endpoint = parse_redis_url(url_).endpoint();
    RedisClient redis(loop_.executor(), "redis://" + endpoint + "/0");
    std::string message;
    try {
        loop_.run(redis.command("GET", key("x")));
    } catch (const RedisUnavailable& error) {
        message = error.what();
    }
    EXPECT_TRUE(message.starts_with("Redis AUTH failed: NOAUTH")) << message;
}

TEST_F(RedisClientTest, SelectedDatabaseIsHonoured) {
    RedisClient db0(loop_.executor(), url_);
    RedisClient db1(loop_.executor(), url_in_db(1));
    const auto k = key("db");
    loop_.run(db1.command("SET", k, "in-db-1"));
    EXPECT_EQ(loop_.run(db1.command("GET", k)).as_string(), "in-db-1");
    EXPECT_TRUE(loop_.run(db0.command("GET", k)).is_nil());
}

TEST_F(RedisClientTest, TlsUrlIsRejectedAtConstruction) {
    EXPECT_THROW(RedisClient(loop_.executor(), "rediss://:pw@127.0.0.1:6380/0"),
                 std::invalid_argument);
}

}  // namespace
}  // namespace companion::cache
