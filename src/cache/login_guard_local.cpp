#include "cache/login_guard_local.hpp"

#include <algorithm>
#include <utility>

#include "cache/login_guard_keys.hpp"

namespace companion::cache {
namespace {

std::string account_key(std::string_view account) {
    return "a:" + detail::account_id(account);
}
std::string ip_key(std::string_view ip) {
    return "ip:" + detail::ip_id(ip);
}

}  // namespace

LocalLoginGuard::LocalLoginGuard(LoginGuardPolicy policy, std::size_t max_keys,
                                 LoginGuardClock clock)
    : policy_(policy),
      max_keys_(std::max<std::size_t>(max_keys, 1)),
      clock_(clock ? std::move(clock) : LoginGuardClock(&std::chrono::steady_clock::now)) {
    detail::validate(policy_);
}

boost::asio::awaitable<LockoutStatus> LocalLoginGuard::check(std::string account, std::string ip) {
    co_return check_now(account, ip);
}

boost::asio::awaitable<void> LocalLoginGuard::record_failure(std::string account, std::string ip) {
    record_failure_now(account, ip);
    co_return;
}

boost::asio::awaitable<void> LocalLoginGuard::record_success(std::string account) {
    record_success_now(account);
    co_return;
}

LockoutStatus LocalLoginGuard::check_now(std::string_view account, std::string_view ip) {
    const auto by_account = account_key(account);
    const auto by_ip = ip_key(ip);
    std::lock_guard lock(mutex_);
    const auto now = clock_();
    drop_expired(now);
    const auto longest =
        std::max(wait(by_account, policy_.per_account, now), wait(by_ip, policy_.per_ip, now));
    if (longest <= std::chrono::steady_clock::duration::zero()) return {};
    return {true, std::chrono::ceil<std::chrono::seconds>(longest)};
}

void LocalLoginGuard::record_failure_now(std::string_view account, std::string_view ip) {
    const auto by_account = account_key(account);
    const auto by_ip = ip_key(ip);
    std::lock_guard lock(mutex_);
    const auto now = clock_();
    drop_expired(now);
    add(by_account, policy_.per_account, now);
    add(by_ip, policy_.per_ip, now);
}

void LocalLoginGuard::record_success_now(std::string_view account) {
    const auto key = account_key(account);
    std::lock_guard lock(mutex_);
    const auto found = index_.find(key);
    if (found == index_.end()) return;
    lru_.erase(found->second);
    index_.erase(found);
}

std::size_t LocalLoginGuard::size() const {
    std::lock_guard lock(mutex_);
    return lru_.size();
}

std::chrono::steady_clock::duration LocalLoginGuard::wait(const std::string& key, int threshold,
                                                          TimePoint now) {
    const auto found = index_.find(key);
    if (found == index_.end()) return {};
    Entry& entry = *found->second;
    // Hammered keys move up too: evicting a locked key would lift its lockout.
    lru_.splice(lru_.begin(), lru_, found->second);
    prune(entry, now);
    const auto count = static_cast<int>(entry.failures.size());
    if (count < threshold) return {};
    // Unlocked once this failure leaves the window: then threshold - 1 remain.
    const auto unlocking = entry.failures[static_cast<std::size_t>(count - threshold)];
    return unlocking + policy_.window - now;
}

void LocalLoginGuard::add(const std::string& key, int threshold, TimePoint now) {
    auto found = index_.find(key);
    if (found == index_.end()) {
        if (lru_.size() >= max_keys_) {
            index_.erase(lru_.back().key);
            lru_.pop_back();
        }
        lru_.push_front(Entry{key, {}});
        found = index_.emplace(key, lru_.begin()).first;
    } else {
        lru_.splice(lru_.begin(), lru_, found->second);
    }
    Entry& entry = *found->second;
    entry.failures.push_back(now);
    prune(entry, now);
    while (entry.failures.size() > static_cast<std::size_t>(threshold)) entry.failures.pop_front();
}

void LocalLoginGuard::drop_expired(TimePoint now) {
    while (!lru_.empty()) {
        Entry& last = lru_.back();
        prune(last, now);
        if (!last.failures.empty()) return;
        index_.erase(last.key);
        lru_.pop_back();
    }
}

void LocalLoginGuard::prune(Entry& entry, TimePoint now) const {
    // A failure counts while it is less than a window old.
    while (!entry.failures.empty() && entry.failures.front() <= now - policy_.window) {
        entry.failures.pop_front();
    }
}

std::unique_ptr<LoginGuard> make_local_login_guard(LoginGuardPolicy policy, std::size_t max_keys,
                                                   LoginGuardClock clock) {
    return std::make_unique<LocalLoginGuard>(policy, max_keys, std::move(clock));
}

}  // namespace companion::cache
