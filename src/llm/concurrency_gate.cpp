#include "llm/concurrency_gate.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace companion::llm::detail {

namespace asio = boost::asio;

ConcurrencyGate::ConcurrencyGate(std::size_t max_active, std::size_t max_waiting)
    : max_active_(std::max<std::size_t>(max_active, 1)), max_waiting_(max_waiting) {}

asio::awaitable<ConcurrencyGate::Outcome> ConcurrencyGate::acquire(Clock::time_point deadline) {
    const auto executor = co_await asio::this_coro::executor;
    std::shared_ptr<Waiter> waiter;
    {
        std::lock_guard lock(mutex_);
        if (active_ < max_active_ && waiters_.empty()) {
            ++active_;
            co_return Outcome::admitted;
        }
        if (waiters_.size() >= max_waiting_) co_return Outcome::queue_full;
        waiter = std::make_shared<Waiter>(executor);
        waiter->timer.expires_at(deadline);
        waiters_.push_back(waiter);
    }
    // release() cancels the timer through this executor, so never before the wait has begun.
    auto [error] = co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    std::lock_guard lock(mutex_);
    if (waiter->granted) co_return Outcome::admitted;
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), waiter));
    co_return error == asio::error::operation_aborted ? Outcome::cancelled : Outcome::timed_out;
}

void ConcurrencyGate::release() {
    std::shared_ptr<Waiter> next;
    {
        std::lock_guard lock(mutex_);
        if (waiters_.empty()) {
            --active_;
            return;
        }
        next = std::move(waiters_.front());
        waiters_.pop_front();
        next->granted = true;
    }
    // The slot passes to the waiter as it is: active_ stays the same.
    asio::post(next->timer.get_executor(), [next] { next->timer.cancel(); });
}

std::size_t ConcurrencyGate::active() const {
    std::lock_guard lock(mutex_);
    return active_;
}

std::size_t ConcurrencyGate::waiting() const {
    std::lock_guard lock(mutex_);
    return waiters_.size();
}

}  // namespace companion::llm::detail
