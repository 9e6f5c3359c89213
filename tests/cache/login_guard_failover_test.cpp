// The Redis login guard when Redis cannot be reached (nothing listens on port 1): the in-process
// guard decides. Across replicas and recovery: tests/integration/login_guard_redis_test.
#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "cache/login_guard.hpp"
#include "cache/redis_client.hpp"

#include "fake_clock.hpp"

namespace companion::cache {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using test_support::run;

TEST(LoginGuardFailover, UnreachableRedisFallsBackToTheInProcessGuard) {
    asio::io_context io;
    RedisClient unreachable(io.get_executor(), "redis://127.0.0.1:1/0");
    auto guard = make_redis_login_guard(unreachable);
    for (int i = 0; i < 4; ++i) run(io, guard->record_failure("Alice", "10.0.0.1"));
    EXPECT_TRUE(guard->degraded());
    EXPECT_FALSE(run(io, guard->check("alice", "10.0.0.2")).locked);
    run(io, guard->record_failure("alice", "10.0.0.2"));
    const auto status = run(io, guard->check("ALICE", "10.0.0.3"));
    EXPECT_TRUE(status.locked);
    EXPECT_GE(status.retry_after, 899s);
    EXPECT_LE(status.retry_after, 900s);
    run(io, guard->record_success("alice"));
    EXPECT_FALSE(run(io, guard->check("alice", "10.0.0.3")).locked);
}

}  // namespace
}  // namespace companion::cache
