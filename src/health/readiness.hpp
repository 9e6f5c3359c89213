// Whether the service takes traffic: starting, ready, or draining for shutdown.
#pragma once

#include <atomic>
#include <string_view>

namespace companion::health {

class Readiness {
public:
    enum class State { starting, ready, draining };

    void set(State state) noexcept { state_.store(state, std::memory_order_release); }
    // Moves to `to` only from `from` (e.g. starting -> ready, never draining -> ready).
    bool advance(State from, State to) noexcept {
        return state_.compare_exchange_strong(from, to, std::memory_order_acq_rel);
    }
    State state() const noexcept { return state_.load(std::memory_order_acquire); }
    bool ready() const noexcept { return state() == State::ready; }

private:
    std::atomic<State> state_{State::starting};
};

std::string_view to_string(Readiness::State state);

}  // namespace companion::health
