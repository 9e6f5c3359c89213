#include "cache/redis_subscriber_core.hpp"

#include <exception>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cache/redis_errors.hpp"
#include "cache/redis_protocol.hpp"
#include "util/log.hpp"

namespace companion::cache::detail {
namespace {

namespace asio = boost::asio;

}  // namespace

SubscriberCore::SubscriberCore(asio::any_io_executor executor, RedisUrl url, RedisOptions options)
    : strand_(asio::make_strand(std::move(executor))),
      url_(std::move(url)),
      options_(options),
      retry_timer_(strand_),
      backoff_(options.reconnect_initial_delay, options.reconnect_max_delay) {}

asio::awaitable<void> SubscriberCore::subscribe(std::string channel,
                                                RedisSubscriber::MessageHandler handler) {
    if (closed_) throw RedisUnavailable("Redis subscriber is closed");
    const bool first = !handlers_.contains(channel);
    handlers_[channel].push_back(std::move(handler));
    if (subscribed_.contains(channel)) co_return;

    const auto timeout = options_.command_timeout;
    auto pending = std::make_shared<Pending>(strand_, 1, Clock::now() + timeout, "SUBSCRIBE");
    unconfirmed_[channel].push_back(pending);
    if (first && is_connected()) send({"SUBSCRIBE", channel});
    if (!running_) {
        running_ = true;
        asio::co_spawn(strand_, run(shared_from_this()), asio::detached);
    }
    co_await wait(*pending);
    if (!pending->done) {
        pending->abandoned = true;
        const auto why = last_error_.empty() ? std::string() : " (" + last_error_ + ")";
        throw RedisUnavailable("Redis SUBSCRIBE " + channel + " was not confirmed within " +
                               std::to_string(timeout.count()) + " ms" + why +
                               "; it stays registered and is made once Redis is reachable");
    }
    if (pending->error) std::rethrow_exception(pending->error);
}

asio::awaitable<void> SubscriberCore::unsubscribe(std::string channel) {
    if (handlers_.erase(channel) == 0) co_return;
    subscribed_.erase(channel);
    if (auto waiting = unconfirmed_.extract(channel)) {
        for (const auto& pending : waiting.mapped()) {
            if (!pending->abandoned) pending->complete();
        }
    }
    if (is_connected()) send({"UNSUBSCRIBE", channel});
}

asio::awaitable<bool> SubscriberCore::connected() {
    co_return is_connected();
}

void SubscriberCore::close() {
    closed_ = true;
    handlers_.clear();
    subscribed_.clear();
    const auto error = std::make_exception_ptr(RedisUnavailable("Redis subscriber is closed"));
    for (auto& [channel, waiting] : unconfirmed_) {
        for (const auto& pending : waiting) {
            if (!pending->abandoned) pending->complete(error);
        }
    }
    unconfirmed_.clear();
    retry_timer_.cancel();
    if (connection_) connection_->fail("Redis subscriber is closed");
    if (opening_) opening_->fail("Redis subscriber is closed");
}

asio::awaitable<void> SubscriberCore::run(std::shared_ptr<SubscriberCore> self) {
    const std::weak_ptr<SubscriberCore> weak = self;
    while (!closed_) {
        opening_ = std::make_shared<Connection>(strand_);
        opening_->set_push_handler([weak](Reply reply) {
            if (auto core = weak.lock()) core->on_push(reply);
        });
        auto connection = opening_;
        const std::string error = co_await connection->open(url_, options_.connect_timeout);
        opening_.reset();
        if (closed_) break;
        if (error.empty()) {
            if (!last_error_.empty()) log::info("Redis subscriber reconnected");
            last_error_.clear();
            backoff_.reset();
            connection_ = connection;
            std::vector<std::string> all{"SUBSCRIBE"};
            for (const auto& [channel, handlers] : handlers_) all.push_back(channel);
            if (all.size() > 1) send(all);
            co_await connection->wait_closed();
            connection_.reset();
            subscribed_.clear();
            if (closed_) break;
            notify_state(false);
            log::warn("Redis subscriber connection lost", {{"reason", connection->failure()}});
            last_error_ = connection->failure();
        } else {
            if (last_error_.empty()) {
                log::warn("Redis subscriber cannot connect", {{"reason", error}});
            }
            last_error_ = error;
        }
        retry_timer_.expires_after(backoff_.next());
        co_await retry_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    running_ = false;
}

void SubscriberCore::send(const std::vector<std::string>& command) {
    std::string encoded;
    append_command(encoded, command);
    connection_->send_untracked(encoded);
}

// RESP2 pub/sub frames: [message, channel, payload], [subscribe, channel, count], ...
void SubscriberCore::on_push(const Reply& reply) {
    if (reply.is_error()) {
        log::warn("Redis subscriber got an error reply", {{"error", reply.text}});
        const auto error = std::make_exception_ptr(RedisError(reply.text));
        for (auto& [channel, waiting] : unconfirmed_) {
            for (const auto& pending : waiting) {
                if (!pending->abandoned) pending->complete(error);
            }
        }
        unconfirmed_.clear();
        return;
    }
    if (!reply.is_array() || reply.elements.size() != 3) return;
    const auto& kind = reply.elements[0].text;
    const auto& channel = reply.elements[1].text;
    if (kind == "message") deliver(channel, reply.elements[2].text);
    if (kind == "subscribe") confirmed(channel);
}

void SubscriberCore::notify_state(bool subscribed) {
    if (!state_handler_ || !delivering_) return;
    try {
        state_handler_(subscribed);
    } catch (const std::exception& error) {
        log::warn("Redis subscriber state handler failed", {{"error", error.what()}});
    }
}

void SubscriberCore::confirmed(const std::string& channel) {
    if (!handlers_.contains(channel)) return;
    subscribed_.insert(channel);
    notify_state(true);
    if (auto waiting = unconfirmed_.extract(channel)) {
        for (const auto& pending : waiting.mapped()) {
            if (!pending->abandoned) pending->complete();
        }
    }
}

void SubscriberCore::deliver(const std::string& channel, const std::string& message) {
    const auto found = handlers_.find(channel);
    if (found == handlers_.end()) return;
    for (const auto& handler : found->second) {
        if (!delivering_) return;
        try {
            handler(channel, message);
        } catch (const std::exception& error) {
            log::warn("Redis message handler failed",
                      {{"channel", channel}, {"error", error.what()}});
        } catch (...) {
            log::warn("Redis message handler failed", {{"channel", channel}});
        }
    }
}

}  // namespace companion::cache::detail
