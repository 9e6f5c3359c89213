// The in-process rate limiter on a fake clock: exact decisions, bounded memory, many threads.
#include "cache/rate_limiter_local.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "fake_clock.hpp"

namespace companion::cache {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using test_support::FakeClock;
using test_support::numbered;

int allowed_of(LocalRateLimiter& limiter, const std::string& key, int per_minute, int requests) {
    int allowed = 0;
    for (int i = 0; i < requests; ++i) allowed += limiter.check_now(key, per_minute).allowed;
    return allowed;
}

TEST(LocalRateLimiter, BurstThenOnePerIntervalWithExactWaits) {
    FakeClock clock;
    LocalRateLimiter limiter(1000, clock.function());
    for (int i = 0; i < 10; ++i) {
        const auto decision = limiter.check_now("user:1", 10);
        ASSERT_TRUE(decision.allowed) << i;
        EXPECT_EQ(decision.limit, 10);
        EXPECT_EQ(decision.remaining, 9 - i);
        EXPECT_EQ(decision.reset_after, 6s * (i + 1));
    }
    auto denied = limiter.check_now("user:1", 10);
    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.remaining, 0);
    EXPECT_EQ(denied.retry_after, 6s);
    EXPECT_EQ(denied.reset_after, 60s);

    clock.advance(5999ms);
    denied = limiter.check_now("user:1", 10);
    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.retry_after, 1ms);
    clock.advance(1ms);
    const auto next = limiter.check_now("user:1", 10);
    EXPECT_TRUE(next.allowed);
    EXPECT_EQ(next.remaining, 0);
    EXPECT_EQ(next.reset_after, 60s);
    EXPECT_FALSE(limiter.check_now("user:1", 10).allowed);
}

TEST(LocalRateLimiter, KeysAreIndependent) {
    FakeClock clock;
    LocalRateLimiter limiter(1000, clock.function());
    EXPECT_EQ(allowed_of(limiter, "ip:10.0.0.1", 3, 10), 3);
    EXPECT_EQ(allowed_of(limiter, "ip:10.0.0.2", 3, 10), 3);
    EXPECT_EQ(allowed_of(limiter, "user:1", 5, 10), 5);
}

TEST(LocalRateLimiter, NoSecondBurstAtAMinuteBoundary) {
    FakeClock clock;
    LocalRateLimiter limiter(1000, clock.function());
    clock.advance(59900ms);
    EXPECT_EQ(allowed_of(limiter, "k", 60, 100), 60);
    clock.advance(100ms);
    EXPECT_EQ(allowed_of(limiter, "k", 60, 100), 0);
    clock.advance(1s);
    EXPECT_EQ(allowed_of(limiter, "k", 60, 100), 1);
}

TEST(LocalRateLimiter, InvalidLimitThrows) {
    LocalRateLimiter limiter;
    EXPECT_THROW(limiter.check_now("k", 0), std::invalid_argument);
}

TEST(LocalRateLimiter, KeysBackToTheirFullBurstAreDropped) {
    FakeClock clock;
    LocalRateLimiter limiter(1000, clock.function());
    for (int i = 0; i < 50; ++i) limiter.check_now(numbered("k", i), 60);
    EXPECT_EQ(limiter.size(), 50u);
    clock.advance(1s);  // one request at 60/min is forgotten after one interval
    limiter.check_now("other", 60);
    EXPECT_EQ(limiter.size(), 1u);
}

TEST(LocalRateLimiter, LeastRecentlyUsedKeyIsForgottenBeyondMaxKeys) {
    FakeClock clock;
    LocalRateLimiter limiter(3, clock.function());
    EXPECT_EQ(allowed_of(limiter, "a", 2, 2), 2);
    EXPECT_EQ(allowed_of(limiter, "b", 2, 2), 2);
    EXPECT_EQ(allowed_of(limiter, "c", 2, 2), 2);
    EXPECT_FALSE(limiter.check_now("a", 2).allowed);  // denied, still the most recent
    limiter.check_now("d", 2);
    EXPECT_EQ(limiter.size(), 3u);
    EXPECT_FALSE(limiter.check_now("a", 2).allowed);
    EXPECT_FALSE(limiter.check_now("c", 2).allowed);
    EXPECT_TRUE(limiter.check_now("b", 2).allowed);  // forgotten: a fresh burst
}

TEST(LocalRateLimiter, MemoryStaysBoundedUnderManyKeys) {
    FakeClock clock;
    LocalRateLimiter limiter(5000, clock.function());
    for (int i = 0; i < 50000; ++i) limiter.check_now(numbered("ip:", i), 60);
    EXPECT_LE(limiter.size(), 5000u);
    EXPECT_GE(limiter.size(), 4900u);
}

TEST(LocalRateLimiter, ThreadsSharingKeysTogetherGetExactlyTheLimit) {
    FakeClock clock;  // frozen: nothing refills while the threads run
    LocalRateLimiter limiter(100000, clock.function());
    constexpr int keys = 8;
    constexpr int limit = 500;
    std::vector<std::atomic<int>> allowed(keys);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 2000; ++i) {
                const int key = i % keys;
                if (limiter.check_now(numbered("shared:", key), limit).allowed) ++allowed[key];
                limiter.check_now(numbered("own:", i), limit);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (int key = 0; key < keys; ++key) EXPECT_EQ(allowed[key].load(), limit) << key;
}

TEST(LocalRateLimiter, FactoryGivesTheInterfaceAsACoroutine) {
    FakeClock clock;
    auto limiter = make_local_rate_limiter(100, clock.function());
    asio::io_context io;
    auto first = asio::co_spawn(io, limiter->check("k", 1), asio::use_future);
    auto second = asio::co_spawn(io, limiter->check("k", 1), asio::use_future);
    io.run();
    EXPECT_TRUE(first.get().allowed);
    const auto denied = second.get();
    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.retry_after, 60s);
    EXPECT_FALSE(limiter->degraded());
}

}  // namespace
}  // namespace companion::cache
