// The arithmetic of the rate limiter (GCRA), as a pure function: the in-process limiter calls it
// and the Redis limiter's Lua script mirrors it line by line. All times are microseconds on one
// clock; the state of a key is its theoretical arrival time (TAT): the time at which the key
// would be back to its full burst. A key never seen has a TAT at or before now.
#pragma once

#include <chrono>

#include "cache/rate_limiter.hpp"

namespace companion::cache {

struct GcraResult {
    bool allowed = false;
    // The key's TAT after this request (unchanged when denied).
    std::chrono::microseconds new_tat{0};
    int remaining = 0;
    std::chrono::microseconds retry_after{0};
    std::chrono::microseconds reset_after{0};
};

// One request at `now`: allowed while at most `burst` emission intervals are outstanding.
// Requires interval > 0 and burst >= 1.
GcraResult gcra_step(std::chrono::microseconds tat, std::chrono::microseconds now,
                     std::chrono::microseconds interval, int burst);

// 60 s / per_minute, rounded up to a whole microsecond so that the configured rate is never
// exceeded. std::invalid_argument when per_minute < 1.
std::chrono::microseconds emission_interval(int per_minute);

// The decision as callers see it; durations rounded up to milliseconds.
RateDecision to_decision(const GcraResult& result, int limit);

}  // namespace companion::cache
