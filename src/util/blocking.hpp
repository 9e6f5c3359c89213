// Runs blocking work (SQLite, argon2, bulk embedding) on a worker pool and resumes the awaiting
// coroutine on its own executor: I/O threads never block. Include only from .cpp files.
// g++ 12 frees a capturing lambda written inside the co_await expression twice: name the job
// first (`auto job = [...] {...}; co_await run_blocking(pool, std::move(job));`).
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace companion::util {

template <class Work>
auto run_blocking(boost::asio::thread_pool& pool, Work work)
    -> boost::asio::awaitable<std::invoke_result_t<Work&>> {
    namespace asio = boost::asio;
    using Result = std::invoke_result_t<Work&>;
    if constexpr (std::is_void_v<Result>) {
        co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
            [&pool](auto handler, Work job) {
                asio::post(pool, [handler = std::move(handler), job = std::move(job)]() mutable {
                    std::exception_ptr error;
                    try {
                        job();
                    } catch (...) {
                        error = std::current_exception();
                    }
                    auto executor = asio::get_associated_executor(handler);
                    asio::dispatch(executor, [handler = std::move(handler), error]() mutable {
                        std::move(handler)(error);
                    });
                });
            },
            asio::use_awaitable, std::move(work));
    } else {
        auto result = co_await asio::async_initiate<decltype(asio::use_awaitable),
                                                    void(std::exception_ptr, std::optional<Result>)>(
            [&pool](auto handler, Work job) {
                asio::post(pool, [handler = std::move(handler), job = std::move(job)]() mutable {
                    std::exception_ptr error;
                    std::optional<Result> value;
                    try {
                        value.emplace(job());
                    } catch (...) {
                        error = std::current_exception();
                    }
                    auto executor = asio::get_associated_executor(handler);
                    asio::dispatch(executor, [handler = std::move(handler), error,
                                              value = std::move(value)]() mutable {
                        std::move(handler)(error, std::move(value));
                    });
                });
            },
            asio::use_awaitable, std::move(work));
        co_return std::move(*result);
    }
}

}  // namespace companion::util
