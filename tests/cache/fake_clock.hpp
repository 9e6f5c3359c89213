// Test support for the cache module: a steady clock that tests move by hand (for the limiters'
// injectable clocks), and running a coroutine to completion on a private io_context.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace companion::cache::test_support {

class FakeClock {
public:
    std::chrono::steady_clock::time_point now() const {
        return std::chrono::steady_clock::time_point(std::chrono::hours(1000)) +
               std::chrono::microseconds(offset_us_.load());
    }
    void advance(std::chrono::microseconds by) { offset_us_ += by.count(); }
    std::function<std::chrono::steady_clock::time_point()> function() {
        return [this] { return now(); };
    }

private:
    std::atomic<long long> offset_us_{0};
};

// "user" + std::to_string(n) trips g++ 12's -Wstringop-overflow false positive at -O3.
inline std::string numbered(std::string_view prefix, int n) {
    std::string out(prefix);
    out += std::to_string(n);
    return out;
}

// Runs `task` on `io` until it has finished (the io_context may keep other work).
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
    auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    io.restart();
    while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready &&
           io.run_one() > 0) {
    }
    return future.get();
}

}  // namespace companion::cache::test_support
