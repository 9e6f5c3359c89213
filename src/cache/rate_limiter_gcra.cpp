#include "cache/rate_limiter_gcra.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace companion::cache {
namespace {

std::chrono::milliseconds ceil_ms(std::chrono::microseconds value) {
    return std::chrono::ceil<std::chrono::milliseconds>(value);
}

}  // namespace

GcraResult gcra_step(std::chrono::microseconds tat, std::chrono::microseconds now,
                     std::chrono::microseconds interval, int burst) {
    const auto start = std::max(tat, now);
    const auto new_tat = start + interval;
    // The earliest time at which this request conforms: burst intervals before its new TAT.
    const auto allow_at = new_tat - interval * burst;
    if (now < allow_at) {
        return {false, tat, 0, allow_at - now, start - now};
    }
    const auto remaining = static_cast<int>((now - allow_at) / interval);
    return {true, new_tat, remaining, std::chrono::microseconds(0), new_tat - now};
}

std::chrono::microseconds emission_interval(int per_minute) {
    if (per_minute < 1) {
        throw std::invalid_argument("rate limit must be at least 1 request per minute, not " +
                                    std::to_string(per_minute));
    }
    constexpr long long minute_us = 60'000'000;
    return std::chrono::microseconds((minute_us + per_minute - 1) / per_minute);
}

RateDecision to_decision(const GcraResult& result, int limit) {
    return {result.allowed, limit, result.remaining, ceil_ms(result.retry_after),
            ceil_ms(result.reset_after)};
}

}  // namespace companion::cache
