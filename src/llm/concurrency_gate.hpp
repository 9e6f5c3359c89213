// Internal to llm/: at most `max_active` calls at once; up to `max_waiting` more wait in arrival
// order, each until its deadline; beyond that a call is refused at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace companion::llm::detail {

class ConcurrencyGate {
  public:
    using Clock = std::chrono::steady_clock;
    enum class Outcome { admitted, queue_full, timed_out, cancelled };

    ConcurrencyGate(std::size_t max_active, std::size_t max_waiting);

    // Waits on the calling coroutine's executor, which must be a strand (or single-threaded).
    // After `admitted` the caller must release() exactly once.
    boost::asio::awaitable<Outcome> acquire(Clock::time_point deadline);
    // Hands the slot to the longest waiting call, if any. Any thread.
    void release();

    std::size_t active() const;
    std::size_t waiting() const;

  private:
    struct Waiter {
        explicit Waiter(const boost::asio::any_io_executor& executor) : timer(executor) {}
        boost::asio::steady_timer timer;
        bool granted = false;
    };

    const std::size_t max_active_;
    const std::size_t max_waiting_;
    mutable std::mutex mutex_;
    std::size_t active_ = 0;
    std::deque<std::shared_ptr<Waiter>> waiters_;
};

// Releases an admitted slot when it goes out of scope.
class GateSlot {
  public:
    explicit GateSlot(ConcurrencyGate& gate) : gate_(&gate) {}
    ~GateSlot() {
        if (gate_ != nullptr) gate_->release();
    }
    GateSlot(const GateSlot&) = delete;
    GateSlot& operator=(const GateSlot&) = delete;

  private:
    ConcurrencyGate* gate_;
};

}  // namespace companion::llm::detail
