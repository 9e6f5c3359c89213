// The in-process login guard: the newest failure times per account and per IP in one LRU list
// bounded to max_keys. Exposed for tests and for the Redis guard's fallback; callers use
// make_local_login_guard().
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cache/login_guard.hpp"

namespace companion::cache {

class LocalLoginGuard final : public LoginGuard {
public:
    explicit LocalLoginGuard(LoginGuardPolicy policy = {}, std::size_t max_keys = 100000,
                             LoginGuardClock clock = {});

    boost::asio::awaitable<LockoutStatus> check(std::string account, std::string ip) override;
    boost::asio::awaitable<void> record_failure(std::string account, std::string ip) override;
    boost::asio::awaitable<void> record_success(std::string account) override;

    // The same operations without a coroutine.
    LockoutStatus check_now(std::string_view account, std::string_view ip);
    void record_failure_now(std::string_view account, std::string_view ip);
    void record_success_now(std::string_view account);

    // Keys (accounts and IPs) currently held.
    std::size_t size() const;

private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Entry {
        std::string key;
        std::deque<TimePoint> failures;  // oldest first, at most the key's threshold
    };

    // How long until the key has fewer than `threshold` failures in the window; zero if it has.
    std::chrono::steady_clock::duration wait(const std::string& key, int threshold, TimePoint now);
    void add(const std::string& key, int threshold, TimePoint now);
    void drop_expired(TimePoint now);
    void prune(Entry& entry, TimePoint now) const;

    LoginGuardPolicy policy_;
    std::size_t max_keys_;
    LoginGuardClock clock_;
    mutable std::mutex mutex_;
    std::list<Entry> lru_;  // most recently used first
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace companion::cache
