#include "cache/redis_subscriber.hpp"

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cache/redis_subscriber_core.hpp"
#include "cache/redis_url.hpp"

namespace companion::cache {
namespace {

namespace asio = boost::asio;

}  // namespace

RedisSubscriber::RedisSubscriber(asio::any_io_executor executor, std::string_view url,
                                 RedisOptions options)
    : core_(std::make_shared<detail::SubscriberCore>(std::move(executor), parse_redis_url(url),
                                                     options)) {}

RedisSubscriber::~RedisSubscriber() {
    if (!core_) return;
    core_->stop_delivery();
    asio::post(core_->strand(), [core = core_] { core->close(); });
}

asio::awaitable<void> RedisSubscriber::subscribe(std::string channel, MessageHandler handler) {
    auto core = core_;
    co_await asio::co_spawn(core->strand(), core->subscribe(std::move(channel), std::move(handler)),
                            asio::use_awaitable);
}

void RedisSubscriber::set_state_handler(StateHandler handler) {
    // Before the first subscribe() nothing runs on the strand yet.
    core_->set_state_handler(std::move(handler));
}

asio::awaitable<void> RedisSubscriber::unsubscribe(std::string channel) {
    auto core = core_;
    co_await asio::co_spawn(core->strand(), core->unsubscribe(std::move(channel)),
                            asio::use_awaitable);
}

asio::awaitable<bool> RedisSubscriber::connected() {
    auto core = core_;
    co_return co_await asio::co_spawn(core->strand(), core->connected(), asio::use_awaitable);
}

}  // namespace companion::cache
