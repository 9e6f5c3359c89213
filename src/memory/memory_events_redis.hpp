// MemoryEvents over Redis, for N replicas. Each change increments the user's shared version
// (companion:memories:version:<user>) and is PUBLISHed as "<replica> <user>"; every other
// replica drops that user's matrix when the message arrives. Because a message may arrive after
// the writer has already answered its client, each search first reads the shared version: a
// matrix read before the latest change is dropped, so the next request after a write never sees
// the old memories (one GET per search). The cache is trusted only while the subscription is up;
// when it drops, the cache is emptied and bypassed (the store answers) until Redis confirms the
// subscription again. The same pattern as cache::RedisCredentialEvents.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "memory/memory_events.hpp"

namespace companion::cache {
class RedisClient;
class RedisSubscriber;
}  // namespace companion::cache

namespace companion::memory {

class MatrixCache;

class RedisMemoryEvents final : public MemoryEvents {
  public:
    static constexpr const char* kChannel = "companion:memories:changed";

    // `cache` may be null for a process that only publishes (the `memory reembed` command).
    // The subscriber must be this object's own: start() sets its (single) state handler, which
    // would replace the credential events' one on a shared subscriber.
    RedisMemoryEvents(cache::RedisClient& client, cache::RedisSubscriber* subscriber,
                      MatrixCache* cache);

    // Subscribes (needs the subscriber and the cache). Returns when Redis has confirmed, or at
    // once when Redis cannot be reached (the subscription is made as soon as it can be; until
    // then the cache is not trusted).
    boost::asio::awaitable<void> start();

    boost::asio::awaitable<void> memories_changed(std::string user_id) override;
    boost::asio::awaitable<void> before_search(const std::string& user_id) override;

    // This process's name on the channel (random per process).
    const std::string& replica_id() const { return replica_id_; }

  private:
    cache::RedisClient& client_;
    cache::RedisSubscriber* subscriber_;
    MatrixCache* cache_;
    std::string replica_id_;
    // The shared version each cached user's matrix is known to be at least as new as.
    std::mutex mutex_;
    std::unordered_map<std::string, long long> known_versions_;

    // Records `version` for the user; drops the matrix unless it was known at `expected`.
    void settle(const std::string& user_id, long long version, long long expected);
};

}  // namespace companion::memory
