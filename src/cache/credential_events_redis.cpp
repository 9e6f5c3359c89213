#include "cache/credential_events_redis.hpp"

#include "auth/auth_cache.hpp"
#include "cache/redis_client.hpp"
#include "cache/redis_subscriber.hpp"
#include "util/log.hpp"

namespace companion::cache {

RedisCredentialEvents::RedisCredentialEvents(RedisClient& client, RedisSubscriber& subscriber,
                                             auth::AuthCache& cache)
    : client_(client), subscriber_(subscriber), cache_(cache) {}

boost::asio::awaitable<void> RedisCredentialEvents::start() {
    cache_.set_trusted(false);
    auto& cache = cache_;
    subscriber_.set_state_handler([&cache](bool subscribed) {
        if (cache.trusted() == subscribed) return;
        cache.set_trusted(subscribed);
        if (subscribed) {
            log::info("credential cache on: subscribed to credential changes");
        } else {
            log::warn("credential cache off until Redis is back: changes may have been missed");
        }
    });
    auto on_message = [&cache](std::string_view, std::string_view user_id) {
        cache.forget_user(std::string(user_id));
    };
    bool unavailable = false;
    try {
        co_await subscriber_.subscribe(kChannel, std::move(on_message));
    } catch (const RedisUnavailable&) {
        unavailable = true;
    }
    if (unavailable) log::warn("credential cache off: Redis is not reachable yet");
}

boost::asio::awaitable<void> RedisCredentialEvents::user_changed(std::string user_id) {
    // This replica first, whatever Redis does.
    cache_.forget_user(user_id);
    std::string failure;
    try {
        co_await client_.command("PUBLISH", kChannel, user_id);
    } catch (const std::exception& error) {
        failure = error.what();
    }
    if (!failure.empty()) {
        log::error("could not tell the other replicas of a credential change",
                   {{"user_id", std::string_view(user_id)}, {"error", std::string_view(failure)}});
    }
}

}  // namespace companion::cache
