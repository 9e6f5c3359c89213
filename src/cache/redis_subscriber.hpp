// Redis pub/sub on a connection of its own: handlers per channel, re-subscribed after every
// reconnect. Like RedisClient it may be used from any thread of its io_context; destroy it
// before the io_context.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "cache/redis_errors.hpp"
#include "cache/redis_options.hpp"

namespace companion::cache {

namespace detail {
class SubscriberCore;
}

class RedisSubscriber {
public:
    // Called on the subscriber's strand, one message at a time, in the order Redis sent them; it
    // must not block (co_spawn longer work). Exceptions it throws are logged and dropped.
    using MessageHandler = std::function<void(std::string_view channel, std::string_view message)>;
    // Called on the subscriber's strand with true each time Redis confirms a subscription (also
    // after a reconnect), and with false when the connection is lost: messages published while
    // it was down were missed.
    using StateHandler = std::function<void(bool subscribed)>;

    // Parses the URL (std::invalid_argument when it is bad); connects on the first subscribe().
    RedisSubscriber(boost::asio::any_io_executor executor, std::string_view url,
                    RedisOptions options = {});
    // Closes the connection. No handler starts once it has returned (one already running on
    // another thread may still finish).
    ~RedisSubscriber();
    RedisSubscriber(RedisSubscriber&&) noexcept = default;
    RedisSubscriber& operator=(RedisSubscriber&&) = delete;
    RedisSubscriber(const RedisSubscriber&) = delete;
    RedisSubscriber& operator=(const RedisSubscriber&) = delete;

    // Adds a handler for the channel's messages and returns once Redis has confirmed the
    // subscription. When that takes longer than options.command_timeout (Redis is down) it
    // throws RedisUnavailable, yet the handler stays registered: the subscription is made as
    // soon as Redis is reachable, and again after every reconnect.
    boost::asio::awaitable<void> subscribe(std::string channel, MessageHandler handler);
    // Set before the first subscribe(); replaces any earlier one.
    void set_state_handler(StateHandler handler);
    // Drops the channel's handlers.
    boost::asio::awaitable<void> unsubscribe(std::string channel);
    // Whether the subscriber's connection is up.
    boost::asio::awaitable<bool> connected();

private:
    std::shared_ptr<detail::SubscriberCore> core_;
};

}  // namespace companion::cache
