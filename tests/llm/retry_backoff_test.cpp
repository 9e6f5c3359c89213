#include "llm/retry_backoff.hpp"

#include <gtest/gtest.h>

#include <set>

namespace companion::llm {
namespace {

using std::chrono::milliseconds;

TEST(RetryBackoff, CeilingDoublesUpToTheMaximum) {
    const RetryBackoff backoff(milliseconds(100), milliseconds(1000));
    EXPECT_EQ(backoff.ceiling(0), milliseconds(100));
    EXPECT_EQ(backoff.ceiling(1), milliseconds(200));
    EXPECT_EQ(backoff.ceiling(2), milliseconds(400));
    EXPECT_EQ(backoff.ceiling(3), milliseconds(800));
    EXPECT_EQ(backoff.ceiling(4), milliseconds(1000));
    EXPECT_EQ(backoff.ceiling(60), milliseconds(1000));
}

TEST(RetryBackoff, FullJitterSpansZeroToTheCeiling) {
    const RetryBackoff backoff(milliseconds(100), milliseconds(1000));
    EXPECT_EQ(backoff.delay(2, 0.0), milliseconds(0));
    EXPECT_EQ(backoff.delay(2, 0.5), milliseconds(200));
    EXPECT_EQ(backoff.delay(2, 0.999999), milliseconds(400));
    EXPECT_EQ(backoff.delay(2, 1.0), milliseconds(400));
    EXPECT_EQ(backoff.delay(2, -3.0), milliseconds(0));
}

TEST(RetryBackoff, RandomDelaysStayWithinBoundsAndVary) {
    const RetryBackoff backoff(milliseconds(50), milliseconds(300));
    for (int retry = 0; retry < 6; ++retry) {
        std::set<long long> seen;
        for (int i = 0; i < 500; ++i) {
            const auto delay = backoff.delay(retry);
            EXPECT_GE(delay.count(), 0);
            EXPECT_LE(delay, backoff.ceiling(retry));
            seen.insert(delay.count());
        }
        EXPECT_GT(seen.size(), 10u) << "retry " << retry;
    }
}

TEST(RetryBackoff, ZeroBaseMeansNoWait) {
    const RetryBackoff backoff(milliseconds(0), milliseconds(0));
    EXPECT_EQ(backoff.delay(3), milliseconds(0));
}

}  // namespace
}  // namespace companion::llm
