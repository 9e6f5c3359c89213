// The Redis rate limiter when Redis cannot be reached (nothing listens on port 1): it fails open
// for a while, then limits per replica. Recovery is in tests/integration/rate_limiter_redis_test.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "cache/rate_limiter.hpp"
#include "cache/redis_client.hpp"

#include "fake_clock.hpp"

namespace companion::cache {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using test_support::run;

class RateLimiterFailoverTest : public ::testing::Test {
protected:
    asio::io_context io_;
    RedisClient unreachable_{io_.get_executor(), "redis://127.0.0.1:1/0"};
};

TEST_F(RateLimiterFailoverTest, FailsOpenWhileTheOutageIsYoung) {
    auto limiter = make_redis_rate_limiter(unreachable_, 60s);
    EXPECT_FALSE(limiter->degraded());
    for (int i = 0; i < 5; ++i) {
        const auto decision = run(io_, limiter->check("user:1", 1));
        EXPECT_TRUE(decision.allowed) << i;
        EXPECT_EQ(decision.limit, 1);
    }
    EXPECT_TRUE(limiter->degraded());
}

TEST_F(RateLimiterFailoverTest, LimitsPerReplicaOnceTheFailOpenTimeHasPassed) {
    auto limiter = make_redis_rate_limiter(unreachable_, 0s);
    EXPECT_TRUE(run(io_, limiter->check("user:1", 2)).allowed);
    EXPECT_TRUE(run(io_, limiter->check("user:1", 2)).allowed);
    const auto denied = run(io_, limiter->check("user:1", 2));
    EXPECT_FALSE(denied.allowed);
    EXPECT_GT(denied.retry_after, 29s);  // 30 s less the time since the first request
    EXPECT_LE(denied.retry_after, 30s);
    EXPECT_TRUE(run(io_, limiter->check("user:2", 2)).allowed);
    EXPECT_TRUE(limiter->degraded());
}

TEST_F(RateLimiterFailoverTest, InvalidLimitThrowsWithoutCountingAsAnOutage) {
    auto limiter = make_redis_rate_limiter(unreachable_, 60s);
    EXPECT_THROW(run(io_, limiter->check("user:1", 0)), std::invalid_argument);
    EXPECT_FALSE(limiter->degraded());
}

}  // namespace
}  // namespace companion::cache
