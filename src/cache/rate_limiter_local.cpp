#include "cache/rate_limiter_local.hpp"

#include <algorithm>
#include <functional>
#include <utility>

#include "cache/rate_limiter_gcra.hpp"

namespace companion::cache {

LocalRateLimiter::LocalRateLimiter(std::size_t max_keys, RateLimiterClock clock)
    : clock_(clock ? std::move(clock) : RateLimiterClock(&std::chrono::steady_clock::now)) {
    max_keys = std::max<std::size_t>(max_keys, 1);
    const std::size_t shards = std::clamp<std::size_t>(max_keys / 1024, 1, 16);
    keys_per_shard_ = (max_keys + shards - 1) / shards;
    for (std::size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

boost::asio::awaitable<RateDecision> LocalRateLimiter::check(std::string key, int per_minute) {
    co_return check_now(key, per_minute);
}

RateDecision LocalRateLimiter::check_now(const std::string& key, int per_minute) {
    const auto interval = emission_interval(per_minute);
    const auto at = now();
    Shard& shard = shard_of(key);
    std::lock_guard lock(shard.mutex);

    // A key whose TAT has passed is back to its full burst: forgetting it changes nothing.
    while (!shard.lru.empty() && shard.lru.back().tat <= at) {
        shard.index.erase(shard.lru.back().key);
        shard.lru.pop_back();
    }

    auto found = shard.index.find(key);
    const auto tat = found == shard.index.end() ? at : found->second->tat;
    const auto result = gcra_step(tat, at, interval, per_minute);
    if (found != shard.index.end()) {
        // Denied keys move up too: evicting a key that is being hammered would refill it.
        found->second->tat = result.new_tat;
        shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
    } else {
        if (shard.lru.size() >= keys_per_shard_) {
            shard.index.erase(shard.lru.back().key);
            shard.lru.pop_back();
        }
        shard.lru.push_front(Entry{key, result.new_tat});
        shard.index.emplace(key, shard.lru.begin());
    }
    return to_decision(result, per_minute);
}

std::size_t LocalRateLimiter::size() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        total += shard->lru.size();
    }
    return total;
}

std::chrono::microseconds LocalRateLimiter::now() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock_().time_since_epoch());
}

LocalRateLimiter::Shard& LocalRateLimiter::shard_of(const std::string& key) {
    return *shards_[std::hash<std::string>{}(key) % shards_.size()];
}

std::unique_ptr<RateLimiter> make_local_rate_limiter(std::size_t max_keys, RateLimiterClock clock) {
    return std::make_unique<LocalRateLimiter>(max_keys, std::move(clock));
}

}  // namespace companion::cache
