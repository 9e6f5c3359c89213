#include "auth/auth_cache.hpp"

namespace companion::auth {

AuthCache::AuthCache(bool trusted, std::chrono::seconds max_age, std::size_t max_entries,
                     Clock clock)
    : trusted_(trusted),
      max_age_(max_age),
      max_entries_(max_entries),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {}

bool AuthCache::trusted() const {
    std::lock_guard lock(mutex_);
    return trusted_;
}

void AuthCache::set_trusted(bool trusted) {
    std::lock_guard lock(mutex_);
    trusted_ = trusted;
    ++generation_;
    users_.clear();
    keys_.clear();
}

AuthCache::Ticket AuthCache::ticket() const {
    std::lock_guard lock(mutex_);
    return generation_;
}

bool AuthCache::fresh(std::chrono::steady_clock::time_point stored_at) const {
    return clock_() - stored_at < max_age_;
}

std::optional<UserSnapshot> AuthCache::user(const std::string& user_id) const {
    std::lock_guard lock(mutex_);
    if (!trusted_) return std::nullopt;
    const auto found = users_.find(user_id);
    if (found == users_.end() || !fresh(found->second.stored_at)) return std::nullopt;
    return found->second.value;
}

void AuthCache::put_user(UserSnapshot snapshot, Ticket ticket) {
    std::lock_guard lock(mutex_);
    if (!trusted_ || ticket != generation_) return;
    // Crude but bounded: a full cache starts over, and refills with one read per active user.
    if (users_.size() >= max_entries_) users_.clear();
    auto id = snapshot.user.id;
    users_.insert_or_assign(std::move(id), Entry<UserSnapshot>{std::move(snapshot), clock_()});
}

std::optional<store::ApiKey> AuthCache::api_key(const std::string& key_hash) const {
    std::lock_guard lock(mutex_);
    if (!trusted_) return std::nullopt;
    const auto found = keys_.find(key_hash);
    if (found == keys_.end() || !fresh(found->second.stored_at)) return std::nullopt;
    return found->second.value;
}

void AuthCache::put_api_key(store::ApiKey key, Ticket ticket) {
    std::lock_guard lock(mutex_);
    if (!trusted_ || ticket != generation_) return;
    if (keys_.size() >= max_entries_) keys_.clear();
    auto hash = key.key_hash;
    keys_.insert_or_assign(std::move(hash), Entry<store::ApiKey>{std::move(key), clock_()});
}

void AuthCache::forget_user(const std::string& user_id) {
    std::lock_guard lock(mutex_);
    // Any change voids the loads in flight, whoever they are for: simpler than per-user tickets,
    // and changes are rare.
    ++generation_;
    users_.erase(user_id);
    std::erase_if(keys_,
                  [&user_id](const auto& entry) { return entry.second.value.user_id == user_id; });
}

bool AuthCache::should_touch(const std::string& key_id, std::chrono::seconds every) {
    std::lock_guard lock(mutex_);
    const auto now = clock_();
    const auto found = touched_.find(key_id);
    if (found != touched_.end() && now - found->second < every) return false;
    if (touched_.size() >= max_entries_) touched_.clear();
    touched_.insert_or_assign(key_id, now);
    return true;
}

}  // namespace companion::auth
