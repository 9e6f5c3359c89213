// Short-term memory: the last SHORT_TERM_MEMORY_SIZE messages of each conversation, oldest first,
// held where the next turn finds them without a database read. The store stays the source of
// truth: a miss is answered from it and fills the window again.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "store/models.hpp"

namespace companion::cache {

class RedisClient;

class ShortTermMemory {
public:
    virtual ~ShortTermMemory() = default;
    // The held window, oldest first; nullopt when none is held (read the store, then fill()).
    // Never throws: a backend failure is a miss.
    virtual boost::asio::awaitable<std::optional<std::vector<store::Message>>> window(
        std::string conversation_id) = 0;
    // The held window before `message` (as window()) and appends the message to it (as
    // append()), in one step: one Redis round trip. nullopt when none is held, and nothing is
    // held after (read the store, then fill()). Never throws.
    virtual boost::asio::awaitable<std::optional<std::vector<store::Message>>> window_then_append(
        std::string conversation_id, store::Message message) = 0;
    // Holds exactly these messages (the last `size` of them) as the window.
    virtual boost::asio::awaitable<void> fill(std::string conversation_id,
                                              std::vector<store::Message> messages) = 0;
    // Appends to a held window, keeping the last `size`; nothing when no window is held (the
    // next turn reads the store).
    virtual boost::asio::awaitable<void> append(std::string conversation_id,
                                                std::vector<store::Message> messages) = 0;
    virtual boost::asio::awaitable<void> forget(std::string conversation_id) = 0;
    virtual std::size_t size() const = 0;
};

// In this process, for one process only (the embedded SQLite store): least recently used
// conversations are dropped beyond max_bytes of message text.
std::unique_ptr<ShortTermMemory> make_local_short_term_memory(std::size_t size,
                                                              std::size_t max_bytes);

// No window at all: every turn reads the store (PostgreSQL replicas without Redis, which could not
// keep per-replica windows in step).
std::unique_ptr<ShortTermMemory> make_no_short_term_memory(std::size_t size);

// One Redis list per conversation ("companion:stm:<id>", JSON per message), trimmed to `size`
// and expiring after `ttl` without turns; every replica sees the same window. Redis failures are
// logged and act as misses.
std::unique_ptr<ShortTermMemory> make_redis_short_term_memory(
    RedisClient& redis, std::size_t size, std::chrono::seconds ttl = std::chrono::hours(1));

}  // namespace companion::cache
