// The in-process rate limiter: GCRA state per key in a few independently locked shards, each an
// LRU list bounded to its share of max_keys. Exposed for tests (size()); callers use
// make_local_rate_limiter().
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cache/rate_limiter.hpp"

namespace companion::cache {

class LocalRateLimiter final : public RateLimiter {
public:
    // One shard per 1024 keys of max_keys, at most 16: small limiters keep one exact LRU order.
    explicit LocalRateLimiter(std::size_t max_keys = 100000, RateLimiterClock clock = {});

    boost::asio::awaitable<RateDecision> check(std::string key, int per_minute) override;
    // The same step without a coroutine.
    RateDecision check_now(const std::string& key, int per_minute);

    // Keys currently held, across shards.
    std::size_t size() const;

private:
    struct Entry {
        std::string key;
        std::chrono::microseconds tat;
    };
    struct Shard {
        mutable std::mutex mutex;
        std::list<Entry> lru;  // most recently used first
        std::unordered_map<std::string, std::list<Entry>::iterator> index;
    };

    std::chrono::microseconds now() const;
    Shard& shard_of(const std::string& key);

    RateLimiterClock clock_;
    std::size_t keys_per_shard_;
    std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace companion::cache
