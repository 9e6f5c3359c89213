#include "memory/memory_events_redis.hpp"

#include <optional>
#include <stdexcept>
#include <vector>
#include <string_view>

#include "cache/redis_client.hpp"
#include "cache/redis_subscriber.hpp"
#include "memory/matrix_cache.hpp"
#include "util/log.hpp"
#include "util/uuid.hpp"

namespace companion::memory {

namespace {

constexpr const char* kVersionKey = "companion:memories:version:";
// A user's version key outlives any cached matrix by far (matrices are reloaded every 10 min).
constexpr int kVersionTtlSeconds = 7 * 24 * 3600;
// Beyond this many users the versions are forgotten, and with them every cached matrix.
constexpr std::size_t kMaxKnownVersions = 100000;

}  // namespace

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
    const std::string key = kVersionKey + user_id;
    std::vector<std::vector<std::string>> commands;
    commands.push_back({"INCR", key});
    commands.push_back({"EXPIRE", key, std::to_string(kVersionTtlSeconds)});
    commands.push_back({"PUBLISH", kChannel, replica_id_ + " " + user_id});
    std::string failure;
    std::optional<long long> version;
    try {
        const auto replies = co_await client_.pipeline(std::move(commands));
        if (replies.at(0).is_integer()) version = replies[0].integer;
        for (const auto& reply : replies) {
            if (reply.is_error()) failure = reply.as_string();
        }
    } catch (const std::exception& error) {
        failure = error.what();
    }
    if (cache_ != nullptr) {
        if (version) {
            // This replica's matrix took the change in place: it is current if it was current.
            settle(user_id, *version, *version - 1);
        } else {
            cache_->invalidate(user_id);
        }
    }
    if (!failure.empty()) {
        log::error("could not tell the other replicas of a memory change",
                   {{"user_id", std::string_view(user_id)}, {"error", std::string_view(failure)}});
    }
}

boost::asio::awaitable<void> RedisMemoryEvents::before_search(const std::string& user_id) {
    if (cache_ == nullptr || !cache_->trusted()) co_return;  // the store answers anyway
    std::optional<long long> version;
    try {
        const auto reply = co_await client_.command("GET", kVersionKey + user_id);
        if (reply.is_nil()) {
            version = 0;
        } else if (reply.is_string()) {
            version = std::stoll(reply.as_string());
        }
    } catch (const std::exception&) {
        version.reset();  // unknown: the matrix is dropped below
    }
    if (!version) {
        cache_->invalidate(user_id);
        co_return;
    }
    settle(user_id, *version, *version);
}

void RedisMemoryEvents::settle(const std::string& user_id, long long version, long long expected) {
    std::lock_guard lock(mutex_);
    if (known_versions_.size() >= kMaxKnownVersions && !known_versions_.contains(user_id)) {
        known_versions_.clear();
        cache_->set_trusted(cache_->trusted());  // drops every matrix
    }
    auto [known, inserted] = known_versions_.try_emplace(user_id, version);
    if (inserted || known->second != expected) cache_->invalidate(user_id);
    known->second = version;
}

}  // namespace companion::memory
