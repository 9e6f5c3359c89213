// Runs coroutines to completion from plain test code: an io_context on background threads,
// stopped and joined however the test ends.
#pragma once

#include <chrono>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace companion::testing {

class TestLoop {
public:
    explicit TestLoop(int threads = 1) : io_(threads), guard_(io_.get_executor()) {
        for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
    }
    ~TestLoop() {
        guard_.reset();
        io_.stop();
        for (auto& thread : threads_) thread.join();
    }
    TestLoop(const TestLoop&) = delete;
    TestLoop& operator=(const TestLoop&) = delete;

    boost::asio::io_context& io() { return io_; }
    boost::asio::any_io_executor executor() { return io_.get_executor(); }

    // Runs the coroutine on the loop and waits for its result (exceptions are rethrown here).
    template <class T>
    T run(boost::asio::awaitable<T> task) {
        return boost::asio::co_spawn(io_, std::move(task), boost::asio::use_future).get();
    }

    // Starts the coroutine without waiting; get() the future later.
    template <class T>
    std::future<T> start(boost::asio::awaitable<T> task) {
        return boost::asio::co_spawn(io_, std::move(task), boost::asio::use_future);
    }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::vector<std::thread> threads_;
};

// Polls `predicate` every 20 ms until it holds or `within` has passed; its last answer.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
        if (predicate()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return predicate();
}

}  // namespace companion::testing
