#include "memory/memory_events_redis.hpp"

#include <stdexcept>
#include <string_view>

#include "cache/redis_client.hpp"
#include "cache/redis_subscriber.hpp"
#include "memory/matrix_cache.hpp"
#include "util/log.hpp"
#include "util/uuid.hpp"

namespace companion::memory {

RedisMemoryEvents::RedisMemoryEvents(cache::RedisClient& client, cache::RedisSubscriber* subscriber,
                                     MatrixCache* cache)
    : client_(client), subscriber_(subscriber), cache_(cache), replica_id_(util::new_uuid_v7()) {}

boost::asio::awaitable<void> RedisMemoryEvents::start() {
    if (subscriber_ == nullptr || cache_ == nullptr) {
        throw std::logic_error("RedisMemoryEvents::start needs a subscriber and a cache");
    }
    cache_->set_trusted(false);
    auto* cache = cache_;
    subscriber_->set_state_handler([cache](bool subscribed) {
        if (cache->trusted() == subscribed) return;
        cache->set_trusted(subscribed);
        if (subscribed) {
            log::info("memory index on: subscribed to memory changes");
        } else {
            log::warn("memory index off until Redis is back: changes may have been missed");
        }
    });
    const std::string self = replica_id_;
    auto on_message = [cache, self](std::string_view, std::string_view message) {
        const auto space = message.find(' ');
        if (space == std::string_view::npos) return;
        if (message.substr(0, space) == self) return;  // applied in place already
        cache->invalidate(std::string(message.substr(space + 1)));
    };
    bool unavailable = false;
    try {
        co_await subscriber_->subscribe(kChannel, std::move(on_message));
    } catch (const cache::RedisUnavailable&) {
        unavailable = true;
    }
    if (unavailable) log::warn("memory index off: Redis is not reachable yet");
}

boost::asio::awaitable<void> RedisMemoryEvents::memories_changed(std::string user_id) {
    std::string failure;
    try {
        co_await client_.command("PUBLISH", kChannel, replica_id_ + " " + user_id);
    } catch (const std::exception& error) {
        failure = error.what();
    }
    if (!failure.empty()) {
        log::error("could not tell the other replicas of a memory change",
                   {{"user_id", std::string_view(user_id)}, {"error", std::string_view(failure)}});
    }
}

}  // namespace companion::memory
