// Graceful shutdown on SIGTERM/SIGINT, and a watchdog so that a stuck shutdown still ends.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include <boost/asio/awaitable.hpp>

#include <boost/asio/signal_set.hpp>

namespace companion::health {
class Readiness;
}
namespace companion::http {
class Server;
}

namespace companion::app {

// If the process has not finished within `limit` of arm(), it exits with code 0 anyway: a
// shutdown that hangs is worse than one that cuts a last straggler.
class ShutdownWatchdog {
public:
    void arm(std::chrono::seconds limit);
    ~ShutdownWatchdog();

private:
    std::mutex mutex_;
    std::condition_variable done_cv_;
    bool done_ = false;
    std::thread thread_;
};

struct DrainPlan {
    std::chrono::seconds grace;
    // Stops what keeps the io_context busy besides connections (store, cache, retry loops).
    std::function<void()> stop_background;
};

// Waits for SIGTERM/SIGINT on `signals` (created before the server starts, kept until the I/O
// threads end), then: not-ready, stop accepting, let in-flight requests finish for up to the
// grace period (a second signal cuts it short), close every connection and stop background
// work. io.run() returns once every coroutine has ended, so nothing is destroyed while in use.
boost::asio::awaitable<void> drain_on_signal(boost::asio::signal_set& signals, http::Server& server,
                                             health::Readiness& readiness, DrainPlan plan,
                                             ShutdownWatchdog& watchdog);

}  // namespace companion::app
