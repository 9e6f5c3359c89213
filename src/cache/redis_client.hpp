// An asynchronous Redis client: one pipelined connection shared by every caller, a deadline per
// command, reconnection with backoff. It may be used from coroutines on any thread running the
// executor's io_context: every operation runs on a strand the client owns. Destroy it before
// its io_context.
#pragma once

#include <chrono>
#include <concepts>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "cache/redis_errors.hpp"
#include "cache/redis_options.hpp"
#include "cache/redis_reply.hpp"
#include "cache/redis_url.hpp"

namespace companion::cache {

namespace detail {
class ClientCore;

template <class T>
concept CommandArgument = std::convertible_to<const T&, std::string_view> ||
    (std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char>);

template <CommandArgument T>
std::string to_argument(const T& value) {
    if constexpr (std::convertible_to<const T&, std::string_view>) {
        return std::string(std::string_view(value));
    } else {
        return std::to_string(value);
    }
}
}  // namespace detail

class RedisClient {
public:
    // Parses the URL (std::invalid_argument when it is bad) without connecting: the first
    // command, or connect(), does.
    RedisClient(boost::asio::any_io_executor executor, std::string_view url,
                RedisOptions options = {});
    // Closes the connection; commands still waiting fail with RedisUnavailable.
    ~RedisClient();
    RedisClient(RedisClient&&) noexcept = default;
    RedisClient& operator=(RedisClient&&) = delete;
    RedisClient(const RedisClient&) = delete;
    RedisClient& operator=(const RedisClient&) = delete;

    // Closes the connection now (graceful shutdown), so that the io_context can finish; commands
    // still waiting fail with RedisUnavailable.
    void close();

    // Connects now (a start-up check) or confirms the connection works; throws
    // RedisUnavailable with the reason ("Redis AUTH failed: WRONGPASS ...") when it does not.
    boost::asio::awaitable<void> connect();

    // Runs one command; arguments are binary-safe. Throws RedisError with the server's message
    // for an error reply, RedisTimeout when there is no reply within the deadline
    // (options.command_timeout unless given), and RedisUnavailable when Redis cannot be reached
    // (quickly, while reconnect attempts are backing off). A blocking command (BLPOP) holds up
    // every command behind it on the shared connection, which is reset at its deadline: give it
    // a client of its own. Pub/sub belongs to RedisSubscriber. g++ 12 rejects a braced list inside
    // a co_await expression: declare the vector first, or use the variadic form.
    boost::asio::awaitable<Reply> command(std::vector<std::string> args);
    boost::asio::awaitable<Reply> command(std::vector<std::string> args,
                                          std::chrono::milliseconds timeout);

    // co_await client.command("SET", key, value, "EX", 60): strings and integers.
    template <detail::CommandArgument... Args>
    boost::asio::awaitable<Reply> command(std::string_view name, const Args&... args) {
        return command(std::vector<std::string>{std::string(name), detail::to_argument(args)...});
    }

    // Sends the commands together; returns their replies in order, error replies in place
    // (is_error()) rather than thrown. One deadline for the whole pipeline.
    boost::asio::awaitable<std::vector<Reply>> pipeline(
        std::vector<std::vector<std::string>> commands);
    boost::asio::awaitable<std::vector<Reply>> pipeline(
        std::vector<std::vector<std::string>> commands, std::chrono::milliseconds timeout);

    // PING within options.ping_timeout: the health probe. False instead of throwing.
    boost::asio::awaitable<bool> ping();

    const RedisUrl& url() const;
    const RedisOptions& options() const;

private:
    std::shared_ptr<detail::ClientCore> core_;
};

}  // namespace companion::cache
