// Internal to llm/: a deadline for the socket work of one call. When it passes, the armed action
// runs (closing the connection), so that whatever is awaited fails at once. It lives on the
// calling coroutine's executor, which must be a strand (or single-threaded): the action and the
// coroutine never run at the same time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace companion::llm::detail {

class Watchdog {
  public:
    using Clock = std::chrono::steady_clock;

    explicit Watchdog(const boost::asio::any_io_executor& executor);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    // Runs on_fire once when the deadline passes, unless re-armed or disarmed before.
    void arm(Clock::time_point deadline, std::function<void()> on_fire);
    // The same action, a new deadline.
    void rearm(Clock::time_point deadline);
    void disarm();

    bool fired() const { return state_->fired; }
    Clock::time_point deadline() const { return deadline_; }

  private:
    struct State {
        unsigned generation = 0;
        bool armed = false;
        bool fired = false;
        std::function<void()> on_fire;
    };

    boost::asio::steady_timer timer_;
    std::shared_ptr<State> state_;
    Clock::time_point deadline_{};
};

}  // namespace companion::llm::detail
