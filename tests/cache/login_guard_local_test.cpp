// The in-process login guard on a fake clock: thresholds, the sliding window, exact waits,
// bounded memory.
#include "cache/login_guard_local.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
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

class LocalLoginGuardTest : public ::testing::Test {
protected:
    void fail(const std::string& account, const std::string& ip, int times = 1) {
        for (int i = 0; i < times; ++i) guard_.record_failure_now(account, ip);
    }

    FakeClock clock_;
    LocalLoginGuard guard_{LoginGuardPolicy{}, 100000, clock_.function()};
};

TEST_F(LocalLoginGuardTest, FiveFailuresLockTheAccountFromAnyIpForTheWindow) {
    fail("alice", "10.0.0.1", 4);
    EXPECT_FALSE(guard_.check_now("alice", "10.0.0.1").locked);
    clock_.advance(10s);
    fail("alice", "10.0.0.1");
    auto status = guard_.check_now("alice", "192.168.1.9");
    EXPECT_TRUE(status.locked);
    EXPECT_EQ(status.retry_after, 890s);  // until the first failure is 15 minutes old

    clock_.advance(889s);
    status = guard_.check_now("alice", "10.0.0.1");
    EXPECT_TRUE(status.locked);
    EXPECT_EQ(status.retry_after, 1s);
    clock_.advance(999ms);
    EXPECT_EQ(guard_.check_now("alice", "10.0.0.1").retry_after, 1s);  // rounded up
    clock_.advance(1ms);
    status = guard_.check_now("alice", "10.0.0.1");
    EXPECT_FALSE(status.locked);
    EXPECT_EQ(status.retry_after, 0s);
    EXPECT_FALSE(guard_.check_now("bob", "10.0.0.1").locked);
}

TEST_F(LocalLoginGuardTest, TheWindowSlides) {
    for (int i = 0; i < 5; ++i) {
        fail("alice", "10.0.0.1");
        clock_.advance(100s);
    }
    // Failures at 0, 100, ..., 400 s; now 500 s.
    EXPECT_EQ(guard_.check_now("alice", "x").retry_after, 400s);
    clock_.advance(400s);  // the first has left: four remain
    EXPECT_FALSE(guard_.check_now("alice", "x").locked);
    fail("alice", "10.0.0.1");  // five again: locked until the one at 100 s leaves
    EXPECT_EQ(guard_.check_now("alice", "x").retry_after, 100s);
}

TEST_F(LocalLoginGuardTest, MoreFailuresThanTheThresholdLockUntilBelowIt) {
    for (int i = 0; i < 7; ++i) {
        fail("alice", "10.0.0.1");
        clock_.advance(10s);
    }
    // Failures at 0..60 s; unlocked once three have left, i.e. when the one at 20 s does.
    EXPECT_EQ(guard_.check_now("alice", "x").retry_after, 920s - 70s);
}

TEST_F(LocalLoginGuardTest, AccountNamesAreCaseInsensitive) {
    fail("Alice@Example.com", "10.0.0.1", 3);
    fail("ALICE@example.COM", "10.0.0.2", 2);
    EXPECT_TRUE(guard_.check_now("alice@example.com", "10.0.0.3").locked);
    EXPECT_FALSE(guard_.check_now("alice@example.org", "10.0.0.3").locked);
}

TEST_F(LocalLoginGuardTest, TwentyFailuresFromOneIpLockThatIpForEveryAccount) {
    for (int i = 0; i < 19; ++i) fail(numbered("user", i), "203.0.113.7");
    EXPECT_FALSE(guard_.check_now("someone", "203.0.113.7").locked);
    fail("user19", "203.0.113.7");
    const auto status = guard_.check_now("someone", "203.0.113.7");
    EXPECT_TRUE(status.locked);
    EXPECT_EQ(status.retry_after, 900s);
    EXPECT_FALSE(guard_.check_now("someone", "203.0.113.8").locked);
}

TEST_F(LocalLoginGuardTest, LockedIsTheLongerOfTheTwoWaits) {
    for (int i = 0; i < 15; ++i) fail(numbered("user", i), "203.0.113.7");
    clock_.advance(100s);
    fail("alice", "203.0.113.7", 5);  // the IP's 20th failure; the account's 5th
    EXPECT_EQ(guard_.check_now("alice", "203.0.113.7").retry_after, 900s);  // the account's
    EXPECT_EQ(guard_.check_now("bob", "203.0.113.7").retry_after, 800s);    // the IP's
    EXPECT_EQ(guard_.check_now("alice", "203.0.113.9").retry_after, 900s);
}

TEST_F(LocalLoginGuardTest, SuccessClearsTheAccountButNotTheIp) {
    for (int i = 0; i < 20; ++i) fail(i < 4 ? "alice" : numbered("user", i), "10.0.0.1");
    EXPECT_FALSE(guard_.check_now("alice", "10.0.0.2").locked);
    EXPECT_TRUE(guard_.check_now("alice", "10.0.0.1").locked);
    guard_.record_success_now("ALICE");
    fail("alice", "10.0.0.2");  // one failure after the success, not five
    EXPECT_FALSE(guard_.check_now("alice", "10.0.0.2").locked);
    EXPECT_TRUE(guard_.check_now("bob", "10.0.0.1").locked);
}

TEST_F(LocalLoginGuardTest, KeysWhoseFailuresHaveLeftTheWindowAreDropped) {
    for (int i = 0; i < 10; ++i) fail(numbered("user", i), numbered("10.0.0.", i));
    EXPECT_EQ(guard_.size(), 20u);
    clock_.advance(900s);
    EXPECT_FALSE(guard_.check_now("user0", "10.0.0.0").locked);
    EXPECT_EQ(guard_.size(), 0u);
}

TEST(LocalLoginGuard, MemoryStaysBoundedUnderManyKeys) {
    FakeClock clock;
    LocalLoginGuard guard(LoginGuardPolicy{}, 1000, clock.function());
    for (int i = 0; i < 10000; ++i) {
        for (int k = 0; k < 10; ++k) guard.record_failure_now(numbered("user", i), "ip");
    }
    EXPECT_EQ(guard.size(), 1000u);
    EXPECT_TRUE(guard.check_now("user9999", "elsewhere").locked);
    EXPECT_TRUE(guard.check_now("anyone", "ip").locked);
}

TEST(LocalLoginGuard, PolicyIsChecked) {
    EXPECT_THROW(LocalLoginGuard(LoginGuardPolicy{0, 20, 900s}), std::invalid_argument);
    EXPECT_THROW(LocalLoginGuard(LoginGuardPolicy{5, 0, 900s}), std::invalid_argument);
    EXPECT_THROW(LocalLoginGuard(LoginGuardPolicy{5, 20, 0s}), std::invalid_argument);
}

TEST(LocalLoginGuard, ThreadsRecordingTogetherLoseNoFailure) {
    FakeClock clock;
    LocalLoginGuard guard(LoginGuardPolicy{400, 100000, 900s}, 100000, clock.function());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&guard, t] {
            for (int i = 0; i < 100; ++i) {
                guard.record_failure_now("shared", numbered("10.0.0.", t));
                guard.check_now("shared", numbered("10.0.1.", i));
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_TRUE(guard.check_now("shared", "x").locked);
    guard.record_success_now("shared");
    EXPECT_FALSE(guard.check_now("shared", "x").locked);
}

TEST(LocalLoginGuard, FactoryGivesTheInterfaceAsCoroutines) {
    FakeClock clock;
    auto guard = make_local_login_guard(LoginGuardPolicy{1, 20, 60s}, 100, clock.function());
    asio::io_context io;
    auto recorded = asio::co_spawn(io, guard->record_failure("alice", "ip"), asio::use_future);
    io.run();
    recorded.get();
    io.restart();
    auto status = asio::co_spawn(io, guard->check("Alice", "other"), asio::use_future);
    io.run();
    const auto locked = status.get();
    EXPECT_TRUE(locked.locked);
    EXPECT_EQ(locked.retry_after, 60s);
    io.restart();
    auto cleared = asio::co_spawn(io, guard->record_success("alice"), asio::use_future);
    io.run();
    cleared.get();
    EXPECT_FALSE(guard->degraded());
}

}  // namespace
}  // namespace companion::cache
