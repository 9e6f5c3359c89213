#include "llm/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace companion::llm {
namespace {

using Admission = CircuitBreaker::Admission;
using State = CircuitBreaker::State;
using std::chrono::milliseconds;

const auto t0 = CircuitBreaker::Clock::time_point() + std::chrono::hours(1);

void fail_times(CircuitBreaker& breaker, int times, CircuitBreaker::Clock::time_point now) {
    for (int i = 0; i < times; ++i) breaker.failed(breaker.admit(now), now);
}

TEST(CircuitBreaker, StaysClosedBelowTheThreshold) {
    CircuitBreaker breaker(3, milliseconds(1000));
    fail_times(breaker, 2, t0);
    EXPECT_EQ(breaker.state(t0), State::closed);
    EXPECT_EQ(breaker.admit(t0), Admission::pass);
}

TEST(CircuitBreaker, ASuccessResetsTheConsecutiveCount) {
    CircuitBreaker breaker(3, milliseconds(1000));
    fail_times(breaker, 2, t0);
    breaker.succeeded(breaker.admit(t0));
    fail_times(breaker, 2, t0);
    EXPECT_EQ(breaker.state(t0), State::closed);
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresAndRejects) {
    CircuitBreaker breaker(3, milliseconds(1000));
    fail_times(breaker, 3, t0);
    EXPECT_EQ(breaker.state(t0), State::open);
    EXPECT_EQ(breaker.admit(t0 + milliseconds(999)), Admission::rejected);
    EXPECT_EQ(breaker.remaining_open(t0 + milliseconds(400)), milliseconds(600));
}

TEST(CircuitBreaker, HalfOpenLetsExactlyOneTrialThrough) {
    CircuitBreaker breaker(2, milliseconds(1000));
    fail_times(breaker, 2, t0);
    const auto later = t0 + milliseconds(1000);
    EXPECT_EQ(breaker.state(later), State::half_open);
    EXPECT_EQ(breaker.admit(later), Admission::trial);
    EXPECT_EQ(breaker.admit(later), Admission::rejected);
    EXPECT_EQ(breaker.admit(later + milliseconds(5000)), Admission::rejected);
}

TEST(CircuitBreaker, ASuccessfulTrialClosesTheCircuit) {
    CircuitBreaker breaker(2, milliseconds(1000));
    fail_times(breaker, 2, t0);
    const auto later = t0 + milliseconds(1500);
    breaker.succeeded(breaker.admit(later));
    EXPECT_EQ(breaker.state(later), State::closed);
    EXPECT_EQ(breaker.admit(later), Admission::pass);
    fail_times(breaker, 1, later);
    EXPECT_EQ(breaker.state(later), State::closed);
}

TEST(CircuitBreaker, AFailedTrialOpensItForAnotherPeriod) {
    CircuitBreaker breaker(2, milliseconds(1000));
    fail_times(breaker, 2, t0);
    const auto trial_at = t0 + milliseconds(1200);
    breaker.failed(breaker.admit(trial_at), trial_at);
    EXPECT_EQ(breaker.state(trial_at + milliseconds(999)), State::open);
    EXPECT_EQ(breaker.admit(trial_at + milliseconds(999)), Admission::rejected);
    EXPECT_EQ(breaker.admit(trial_at + milliseconds(1000)), Admission::trial);
}

TEST(CircuitBreaker, ANeutralTrialGivesTheTrialSlotBack) {
    CircuitBreaker breaker(1, milliseconds(100));
    fail_times(breaker, 1, t0);
    const auto later = t0 + milliseconds(100);
    breaker.neutral(breaker.admit(later));
    EXPECT_EQ(breaker.state(later), State::half_open);
    EXPECT_EQ(breaker.admit(later), Admission::trial);
}

TEST(CircuitBreaker, RejectedCallsDoNotCount) {
    CircuitBreaker breaker(1, milliseconds(100));
    fail_times(breaker, 1, t0);
    breaker.failed(Admission::rejected, t0 + milliseconds(90));
    EXPECT_EQ(breaker.admit(t0 + milliseconds(100)), Admission::trial);
}

TEST(CircuitBreaker, ZeroThresholdNeverOpens) {
    CircuitBreaker breaker(0, milliseconds(100));
    fail_times(breaker, 100, t0);
    EXPECT_EQ(breaker.state(t0), State::closed);
}

}  // namespace
}  // namespace companion::llm
