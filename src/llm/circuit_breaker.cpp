#include "llm/circuit_breaker.hpp"

#include <algorithm>

namespace companion::llm {

CircuitBreaker::CircuitBreaker(int failures_to_open, std::chrono::milliseconds open_for)
    : failures_to_open_(failures_to_open), open_for_(open_for) {}

CircuitBreaker::Admission CircuitBreaker::admit(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (!open_) return Admission::pass;
    if (now - opened_at_ < open_for_ || trial_in_flight_) return Admission::rejected;
    trial_in_flight_ = true;
    return Admission::trial;
}

void CircuitBreaker::succeeded(Admission admission) {
    std::lock_guard lock(mutex_);
    consecutive_failures_ = 0;
    // A call admitted before the circuit opened proves the server answers again, as a trial does.
    if (admission != Admission::rejected) open_ = false;
    if (admission == Admission::trial) trial_in_flight_ = false;
}

void CircuitBreaker::failed(Admission admission, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (admission == Admission::rejected) return;
    if (admission == Admission::trial) {
        trial_in_flight_ = false;
        opened_at_ = now;
        return;
    }
    ++consecutive_failures_;
    if (!open_ && failures_to_open_ > 0 && consecutive_failures_ >= failures_to_open_) {
        open_ = true;
        opened_at_ = now;
    }
}

void CircuitBreaker::neutral(Admission admission) {
    std::lock_guard lock(mutex_);
    if (admission == Admission::trial) trial_in_flight_ = false;
}

CircuitBreaker::State CircuitBreaker::state(Clock::time_point now) const {
    std::lock_guard lock(mutex_);
    if (!open_) return State::closed;
    if (now - opened_at_ < open_for_) return State::open;
    return State::half_open;
}

std::chrono::milliseconds CircuitBreaker::remaining_open(Clock::time_point now) const {
    std::lock_guard lock(mutex_);
    if (!open_) return std::chrono::milliseconds(0);
    const auto left =
        open_for_ - std::chrono::duration_cast<std::chrono::milliseconds>(now - opened_at_);
    return std::max(left, std::chrono::milliseconds(0));
}

}  // namespace companion::llm
