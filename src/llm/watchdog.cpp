#include "llm/watchdog.hpp"

#include <utility>

namespace companion::llm::detail {

Watchdog::Watchdog(const boost::asio::any_io_executor& executor)
    : timer_(executor), state_(std::make_shared<State>()) {}

Watchdog::~Watchdog() {
    disarm();
}

void Watchdog::arm(Clock::time_point deadline, std::function<void()> on_fire) {
    state_->on_fire = std::move(on_fire);
    rearm(deadline);
}

void Watchdog::rearm(Clock::time_point deadline) {
    deadline_ = deadline;
    const unsigned generation = ++state_->generation;
    state_->armed = !state_->fired;  // once fired, it stays fired
    timer_.expires_at(deadline);
    timer_.async_wait([state = state_, generation](boost::system::error_code error) {
        // A handler of an earlier arming (already queued when it was replaced) does nothing.
        if (error || state->generation != generation || !state->armed) return;
        state->armed = false;
        state->fired = true;
        if (state->on_fire) state->on_fire();
    });
}

void Watchdog::disarm() {
    ++state_->generation;
    state_->armed = false;
    state_->on_fire = nullptr;
    timer_.cancel();
}

}  // namespace companion::llm::detail
