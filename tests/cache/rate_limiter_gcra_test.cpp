// The GCRA arithmetic that both rate limiters share: bursts, the steady rate, exact waits.
#include "cache/rate_limiter_gcra.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

namespace companion::cache {
namespace {

using namespace std::chrono_literals;
using std::chrono::microseconds;

// Requests every `step` from 0 to `until` against one key; the times of the allowed ones.
std::vector<microseconds> allowed_times(int per_minute, microseconds step, microseconds until) {
    const auto interval = emission_interval(per_minute);
    microseconds tat{0};
    std::vector<microseconds> times;
    for (microseconds now{0}; now < until; now += step) {
        const auto result = gcra_step(tat, now, interval, per_minute);
        tat = result.new_tat;
        if (result.allowed) times.push_back(now);
    }
    return times;
}

// The most allowed requests within any span [t, t + span) that starts at or after `from`.
long most_within(const std::vector<microseconds>& times, microseconds span, microseconds from) {
    long most = 0;
    for (auto first = times.begin(); first != times.end(); ++first) {
        if (*first < from) continue;
        const auto end = std::lower_bound(first, times.end(), *first + span);
        most = std::max<long>(most, end - first);
    }
    return most;
}

TEST(Gcra, EmissionIntervalIsAMinuteOverTheLimitRoundedUp) {
    EXPECT_EQ(emission_interval(60), 1s);
    EXPECT_EQ(emission_interval(1), 60s);
    EXPECT_EQ(emission_interval(7), microseconds(8'571'429));
    EXPECT_EQ(emission_interval(1'000'000), microseconds(60));
    EXPECT_THROW(emission_interval(0), std::invalid_argument);
    EXPECT_THROW(emission_interval(-5), std::invalid_argument);
}

TEST(Gcra, FreshKeyMayUseTheWholeBurstAtOnce) {
    const microseconds now = 1000s;
    microseconds tat{0};  // never seen: any TAT in the past
    for (int i = 0; i < 60; ++i) {
        const auto result = gcra_step(tat, now, 1s, 60);
        ASSERT_TRUE(result.allowed) << i;
        EXPECT_EQ(result.remaining, 59 - i);
        EXPECT_EQ(result.retry_after, 0s);
        EXPECT_EQ(result.reset_after, microseconds(1s) * (i + 1));
        tat = result.new_tat;
    }
    const auto denied = gcra_step(tat, now, 1s, 60);
    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.remaining, 0);
    EXPECT_EQ(denied.retry_after, 1s);
    EXPECT_EQ(denied.reset_after, 60s);
    EXPECT_EQ(denied.new_tat, tat);
}

TEST(Gcra, DeniedRequestsAreNotCounted) {
    microseconds tat = 60s;  // burst of 60 spent at t = 0
    for (int i = 0; i < 100; ++i) {
        const auto result = gcra_step(tat, 500ms, 1s, 60);
        EXPECT_FALSE(result.allowed);
        EXPECT_EQ(result.retry_after, 500ms);
        EXPECT_EQ(result.reset_after, 59500ms);
        tat = result.new_tat;
    }
    EXPECT_TRUE(gcra_step(tat, 1s, 1s, 60).allowed);
}

TEST(Gcra, AfterTheBurstOneRequestPerInterval) {
    // limit 6: one every 10 s once the burst of 6 is spent.
    microseconds tat{0};
    for (int i = 0; i < 6; ++i) tat = gcra_step(tat, 0s, 10s, 6).new_tat;
    EXPECT_FALSE(gcra_step(tat, 9999999us, 10s, 6).allowed);
    EXPECT_EQ(gcra_step(tat, 9999999us, 10s, 6).retry_after, 1us);
    const auto next = gcra_step(tat, 10s, 10s, 6);
    EXPECT_TRUE(next.allowed);
    EXPECT_EQ(next.remaining, 0);
    EXPECT_EQ(next.reset_after, 60s);
    EXPECT_FALSE(gcra_step(next.new_tat, 10s, 10s, 6).allowed);
}

TEST(Gcra, PartlyRefilledKeyReportsWhatIsLeft) {
    // limit 5 (12 s each), burst spent at t = 0; at t = 30 s two and a half intervals are back.
    const auto result = gcra_step(60s, 30s, 12s, 5);
    EXPECT_TRUE(result.allowed);
    EXPECT_EQ(result.remaining, 1);
    EXPECT_EQ(result.reset_after, 42s);
    const auto second = gcra_step(result.new_tat, 30s, 12s, 5);
    EXPECT_TRUE(second.allowed);
    EXPECT_EQ(second.remaining, 0);
    const auto third = gcra_step(second.new_tat, 30s, 12s, 5);
    EXPECT_FALSE(third.allowed);
    EXPECT_EQ(third.retry_after, 6s);
    EXPECT_EQ(third.reset_after, 54s);
}

TEST(Gcra, IdleKeyIsBackToItsFullBurstAtItsReset) {
    const auto spent = gcra_step(0s, 0s, 1s, 1);
    EXPECT_EQ(spent.reset_after, 1s);
    const auto later = gcra_step(spent.new_tat, 1s, 1s, 1);
    EXPECT_TRUE(later.allowed);
    EXPECT_EQ(later.remaining, 0);
}

TEST(Gcra, NoSecondBurstAtAMinuteBoundary) {
    // A fixed window would allow 60 at 59.9 s and 60 more at 60.0 s.
    microseconds tat{0};
    int allowed = 0;
    for (int i = 0; i < 120; ++i) {
        const auto now = i < 60 ? microseconds(59900ms) : microseconds(60s);
        const auto result = gcra_step(tat, now, 1s, 60);
        tat = result.new_tat;
        allowed += result.allowed ? 1 : 0;
    }
    EXPECT_EQ(allowed, 60);
}

TEST(Gcra, AnySpanGetsAtMostTheBurstPlusItsShareOfTheRate) {
    // A client hammering every 10 ms for 5 minutes at 60 per minute: the burst within 0.6 s,
    // then one at each whole second.
    const auto times = allowed_times(60, 10ms, 300s);
    EXPECT_EQ(times.size(), 60u + 299u);
    EXPECT_LE(most_within(times, 2s, 0s), 60 + 2);
    // The worst sliding minute is right after idleness: the burst plus a minute's refill.
    EXPECT_EQ(most_within(times, 60s, 0s), 2 * 60 - 1);
    // Once the burst is spent, every minute gets exactly the limit.
    EXPECT_EQ(most_within(times, 60s, 1s), 60);
}

TEST(Gcra, LongRunRateIsTheLimitForUnevenLimits) {
    // 7 per minute: 7 at once, then one every 8.571429 s; in 10 minutes 7 + 69.
    const auto times = allowed_times(7, 100ms, 600s);
    EXPECT_EQ(times.size(), 7u + 69u);
}

TEST(Gcra, DecisionRoundsWaitsUpToMilliseconds) {
    GcraResult result{false, 0us, 0, 1500us, 60000001us};
    const auto decision = to_decision(result, 60);
    EXPECT_FALSE(decision.allowed);
    EXPECT_EQ(decision.limit, 60);
    EXPECT_EQ(decision.retry_after, 2ms);
    EXPECT_EQ(decision.reset_after, 60001ms);
}

TEST(RateLimitHeaders, AllowedCarriesLimitRemainingAndReset) {
    const RateDecision decision{true, 60, 59, 0ms, 1000ms};
    using Headers = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(rate_limit_headers(decision), (Headers{{"X-RateLimit-Limit", "60"},
                                                     {"X-RateLimit-Remaining", "59"},
                                                     {"X-RateLimit-Reset", "1"}}));
}

TEST(RateLimitHeaders, DeniedAddsRetryAfterInWholeSecondsRoundedUp) {
    const RateDecision decision{false, 60, 0, 1ms, 60001ms};
    using Headers = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(rate_limit_headers(decision), (Headers{{"X-RateLimit-Limit", "60"},
                                                     {"X-RateLimit-Remaining", "0"},
                                                     {"X-RateLimit-Reset", "61"},
                                                     {"Retry-After", "1"}}));
}

}  // namespace
}  // namespace companion::cache
