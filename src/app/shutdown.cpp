#include "app/shutdown.hpp"

#include <atomic>
#include <csignal>
#include <memory>
#include <cstdlib>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "health/readiness.hpp"
#include "http/server.hpp"
#include "util/log.hpp"

namespace companion::app {

namespace asio = boost::asio;

void ShutdownWatchdog::arm(std::chrono::seconds limit) {
    thread_ = std::thread([this, limit] {
        std::unique_lock lock(mutex_);
        if (!done_cv_.wait_for(lock, limit, [this] { return done_; })) {
            log::error("shutdown did not finish in time, exiting");
            log::shutdown();  // flush only: other threads may still log
            std::_Exit(0);
        }
    });
}

ShutdownWatchdog::~ShutdownWatchdog() {
    {
        std::lock_guard lock(mutex_);
        done_ = true;
    }
    done_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

asio::awaitable<void> drain_on_signal(asio::signal_set& signals, http::Server& server,
                                      health::Readiness& readiness, DrainPlan plan,
                                      ShutdownWatchdog& watchdog) {
    const auto [wait_error, signal] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
    if (wait_error) co_return;
    watchdog.arm(plan.grace + std::chrono::seconds(5));
    readiness.set(health::Readiness::State::draining);
    log::info("shutting down", {{"signal", signal},
                                {"in_flight", server.requests_in_flight()},
                                {"grace_seconds", static_cast<std::int64_t>(plan.grace.count())}});
    server.begin_drain();
    // Shared with a handler that may run on another I/O thread.
    auto second_signal = std::make_shared<std::atomic<bool>>(false);
    signals.async_wait([second_signal](const boost::system::error_code& error, int) {
        if (!error) *second_signal = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + plan.grace;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (server.requests_in_flight() > 0 && !*second_signal &&
           std::chrono::steady_clock::now() < deadline) {
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::use_awaitable);
    }
    signals.cancel();
    if (server.requests_in_flight() > 0) {
        log::warn(*second_signal ? "second signal, closing requests still in flight"
                                : "grace period over, closing requests still in flight",
                  {{"in_flight", server.requests_in_flight()}});
    } else {
        log::info("all requests finished");
    }
    server.close_all_connections();
    if (plan.stop_background) plan.stop_background();
}

}  // namespace companion::app
