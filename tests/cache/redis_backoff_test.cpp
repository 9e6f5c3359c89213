#include "cache/redis_backoff.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

namespace companion::cache::detail {
namespace {

using std::chrono::milliseconds;

TEST(RedisBackoff, DoublesFromTheInitialDelayUpToTheMaximumWithJitter) {
    Backoff backoff(milliseconds(50), milliseconds(2000));
    milliseconds::rep full = 50;
    for (int attempt = 0; attempt < 12; ++attempt) {
        const auto delay = backoff.next().count();
        EXPECT_GE(delay, (full + 1) / 2) << attempt;
        EXPECT_LE(delay, full) << attempt;
        full = std::min(full * 2, milliseconds::rep{2000});
    }
}

TEST(RedisBackoff, ResetStartsAgainFromTheInitialDelay) {
    Backoff backoff(milliseconds(50), milliseconds(2000));
    for (int attempt = 0; attempt < 8; ++attempt) backoff.next();
    EXPECT_GT(backoff.next().count(), 50);
    backoff.reset();
    EXPECT_LE(backoff.next().count(), 50);
}

TEST(RedisBackoff, JitterSpreadsTheDelays) {
    Backoff backoff(milliseconds(1000), milliseconds(1000));
    milliseconds::rep smallest = 1000;
    milliseconds::rep largest = 0;
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto delay = backoff.next().count();
        smallest = std::min(smallest, delay);
        largest = std::max(largest, delay);
    }
    EXPECT_LT(smallest, 700);
    EXPECT_GT(largest, 800);
}

}  // namespace
}  // namespace companion::cache::detail
