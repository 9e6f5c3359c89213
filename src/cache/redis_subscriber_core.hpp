// Internal: the state behind RedisSubscriber, touched only on its strand. A loop keeps one
// connection open (reconnecting with backoff) while the subscriber lives.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cache/redis_backoff.hpp"
#include "cache/redis_connection.hpp"
#include "cache/redis_options.hpp"
#include "cache/redis_subscriber.hpp"
#include "cache/redis_url.hpp"

namespace companion::cache::detail {

class SubscriberCore : public std::enable_shared_from_this<SubscriberCore> {
public:
    SubscriberCore(boost::asio::any_io_executor executor, RedisUrl url, RedisOptions options);

    // On the strand, like everything here.
    boost::asio::awaitable<void> subscribe(std::string channel,
                                           RedisSubscriber::MessageHandler handler);
    boost::asio::awaitable<void> unsubscribe(std::string channel);
    boost::asio::awaitable<bool> connected();
    void close();
    void set_state_handler(RedisSubscriber::StateHandler handler) {
        state_handler_ = std::move(handler);
    }
    // Any thread: no handler is started from now on (close() follows on the strand).
    void stop_delivery() { delivering_ = false; }

    const Strand& strand() const { return strand_; }

private:
    boost::asio::awaitable<void> run(std::shared_ptr<SubscriberCore> self);
    void on_push(const Reply& reply);
    void deliver(const std::string& channel, const std::string& message);
    void confirmed(const std::string& channel);
    void send(const std::vector<std::string>& command);
    void notify_state(bool subscribed);
    bool is_connected() const { return connection_ && connection_->ready(); }

    Strand strand_;
    const RedisUrl url_;
    const RedisOptions options_;
    std::map<std::string, std::vector<RedisSubscriber::MessageHandler>> handlers_;
    RedisSubscriber::StateHandler state_handler_;
    std::map<std::string, std::vector<std::shared_ptr<Pending>>> unconfirmed_;
    std::set<std::string> subscribed_;  // confirmed on the current connection
    std::shared_ptr<Connection> connection_;
    std::shared_ptr<Connection> opening_;
    boost::asio::steady_timer retry_timer_;
    Backoff backoff_;
    std::string last_error_;
    std::atomic<bool> delivering_{true};
    bool running_ = false;
    bool closed_ = false;
};

}  // namespace companion::cache::detail
