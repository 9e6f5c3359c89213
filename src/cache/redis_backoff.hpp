// Internal: exponential reconnect delays with jitter, so that many clients do not retry in step.
#pragma once

#include <chrono>
#include <random>

namespace companion::cache::detail {

class Backoff {
public:
    Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);

    // The delay before the next attempt: uniform in [d/2, d], where d starts at `initial` and
    // doubles after every call up to `max`.
    std::chrono::milliseconds next();
    // After a success: the next delay starts from `initial` again.
    void reset() { current_ = initial_; }

private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds max_;
    std::chrono::milliseconds current_;
    std::minstd_rand random_;
};

}  // namespace companion::cache::detail
