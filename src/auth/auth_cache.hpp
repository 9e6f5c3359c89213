// What authentication needs to know about a user, kept in process so that an authenticated
// request costs no database read: the user row with its revoked token ids, and API keys by hash.
//
// The cache is only consulted while it is trusted, i.e. while this process is sure to hear of
// every change: always with the embedded SQLite store (one process), and with Redis while the
// invalidation channel is subscribed (every replica publishes its changes there). With PostgreSQL
// and no Redis, replicas cannot hear of each other's changes, so the cache stays off. Entries
// also expire after max_age, which bounds how long a lost invalidation message can matter.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/models.hpp"

namespace companion::auth {

struct UserSnapshot {
    store::User user;
    std::set<std::string> revoked_jtis;  // unexpired revocations of the user's tokens
};

class AuthCache {
  public:
    // A ticket taken before a load: a change that happens during the load voids it, so that a
    // snapshot read before the change is never stored after it.
    using Ticket = std::uint64_t;

    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    explicit AuthCache(bool trusted, std::chrono::seconds max_age = std::chrono::seconds(60),
                       std::size_t max_entries = 100000, Clock clock = {});

    bool trusted() const;
    // Trust given or withdrawn (the invalidation channel came up or went down); either way
    // everything cached so far is dropped, since changes may have been missed.
    void set_trusted(bool trusted);

    Ticket ticket() const;

    std::optional<UserSnapshot> user(const std::string& user_id) const;
    void put_user(UserSnapshot snapshot, Ticket ticket);

    std::optional<store::ApiKey> api_key(const std::string& key_hash) const;
    void put_api_key(store::ApiKey key, Ticket ticket);

    // The user's credentials changed (password, logout, key revoked, account deleted): drop the
    // user and every API key of the user.
    void forget_user(const std::string& user_id);

    // Whether an API key's last_used_at should be written now: at most once per `every` per key,
    // whether or not the cache is trusted (it only spares writes).
    bool should_touch(const std::string& key_id, std::chrono::seconds every);

  private:
    template <class T>
    struct Entry {
        T value;
        std::chrono::steady_clock::time_point stored_at;
    };

    bool fresh(std::chrono::steady_clock::time_point stored_at) const;

    mutable std::mutex mutex_;
    bool trusted_;
    std::chrono::seconds max_age_;
    std::size_t max_entries_;
    Clock clock_;
    Ticket generation_ = 0;
    std::unordered_map<std::string, Entry<UserSnapshot>> users_;
    std::unordered_map<std::string, Entry<store::ApiKey>> keys_;  // by key hash
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> touched_;
};

}  // namespace companion::auth
