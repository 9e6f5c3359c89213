// A circuit breaker for the LLM server: after `failures_to_open` consecutive failures it fails
// calls fast for `open_for`; then it lets one trial call through (half-open): its success closes
// the circuit, its failure opens it again. Thread-safe; time is passed in, for tests.
#pragma once

#include <chrono>
#include <mutex>

namespace companion::llm {

class CircuitBreaker {
  public:
    using Clock = std::chrono::steady_clock;
    enum class State { closed, open, half_open };
    // What admit() decided: pass (closed), trial (the one half-open call), rejected.
    enum class Admission { pass, trial, rejected };

    // failures_to_open 0: the circuit never opens.
    CircuitBreaker(int failures_to_open, std::chrono::milliseconds open_for);

    Admission admit(Clock::time_point now);
    // The outcome of an admitted call. A call that ended neither way (cancelled by its caller,
    // refused by the server as a bad request) reports neutral: a trial slot is given back.
    void succeeded(Admission admission);
    void failed(Admission admission, Clock::time_point now);
    void neutral(Admission admission);

    State state(Clock::time_point now) const;
    // While open: how long until the trial call may go.
    std::chrono::milliseconds remaining_open(Clock::time_point now) const;

  private:
    const int failures_to_open_;
    const std::chrono::milliseconds open_for_;
    mutable std::mutex mutex_;
    int consecutive_failures_ = 0;
    bool open_ = false;
    Clock::time_point opened_at_{};
    bool trial_in_flight_ = false;
};

}  // namespace companion::llm
