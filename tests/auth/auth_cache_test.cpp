#include "auth/auth_cache.hpp"

#include <gtest/gtest.h>

namespace companion::auth {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
    std::chrono::steady_clock::time_point now{};
    AuthCache::Clock function() {
        return [this] { return now; };
    }
};

UserSnapshot snapshot_of(const std::string& id) {
    UserSnapshot snapshot;
    snapshot.user.id = id;
    snapshot.user.username = "name-" + id;
    snapshot.revoked_jtis = {"jti-1"};
    return snapshot;
}

store::ApiKey key_of(const std::string& user_id, const std::string& hash) {
    store::ApiKey key;
    key.id = "key-" + hash;
    key.user_id = user_id;
    key.key_hash = hash;
    return key;
}

TEST(AuthCache, ServesWhatWasStoredWhileTrusted) {
    AuthCache cache(true);
    cache.put_user(snapshot_of("u1"), cache.ticket());
    cache.put_api_key(key_of("u1", "h1"), cache.ticket());
    ASSERT_TRUE(cache.user("u1"));
    EXPECT_EQ(cache.user("u1")->revoked_jtis.count("jti-1"), 1u);
    EXPECT_EQ(cache.api_key("h1")->user_id, "u1");
    EXPECT_FALSE(cache.user("u2"));
    EXPECT_FALSE(cache.api_key("h2"));
}

TEST(AuthCache, AnUntrustedCacheNeitherStoresNorServes) {
    AuthCache cache(false);
    cache.put_user(snapshot_of("u1"), cache.ticket());
    EXPECT_FALSE(cache.user("u1"));
    cache.set_trusted(true);
    cache.put_user(snapshot_of("u1"), cache.ticket());
    EXPECT_TRUE(cache.user("u1"));
    cache.set_trusted(false);
    EXPECT_FALSE(cache.user("u1"));
    cache.set_trusted(true);
    EXPECT_FALSE(cache.user("u1")) << "trust given back must not revive entries of before";
}

TEST(AuthCache, ALoadThatOverlapsAChangeIsNotStored) {
    AuthCache cache(true);
    const auto ticket = cache.ticket();
    cache.forget_user("someone");
    cache.put_user(snapshot_of("u1"), ticket);
    EXPECT_FALSE(cache.user("u1"));
    cache.put_user(snapshot_of("u1"), cache.ticket());
    EXPECT_TRUE(cache.user("u1"));
}

TEST(AuthCache, ForgettingAUserDropsItsKeysButNotOthers) {
    AuthCache cache(true);
    cache.put_user(snapshot_of("u1"), cache.ticket());
    cache.put_user(snapshot_of("u2"), cache.ticket());
    cache.put_api_key(key_of("u1", "h1"), cache.ticket());
    cache.put_api_key(key_of("u2", "h2"), cache.ticket());
    cache.forget_user("u1");
    EXPECT_FALSE(cache.user("u1"));
    EXPECT_FALSE(cache.api_key("h1"));
    EXPECT_TRUE(cache.user("u2"));
    EXPECT_TRUE(cache.api_key("h2"));
}

TEST(AuthCache, EntriesExpireAfterTheirMaximumAge) {
    FakeClock clock;
    AuthCache cache(true, 60s, 100, clock.function());
    cache.put_user(snapshot_of("u1"), cache.ticket());
    cache.put_api_key(key_of("u1", "h1"), cache.ticket());
    clock.now += 59s;
    EXPECT_TRUE(cache.user("u1"));
    EXPECT_TRUE(cache.api_key("h1"));
    clock.now += 1s;
    EXPECT_FALSE(cache.user("u1"));
    EXPECT_FALSE(cache.api_key("h1"));
}

TEST(AuthCache, StaysWithinItsSizeBound) {
    AuthCache cache(true, 60s, 3);
    for (int i = 0; i < 10; ++i) cache.put_user(snapshot_of(std::to_string(i)), cache.ticket());
    int held = 0;
    for (int i = 0; i < 10; ++i) held += cache.user(std::to_string(i)) ? 1 : 0;
    EXPECT_LE(held, 3);
    EXPECT_TRUE(cache.user("9"));
}

TEST(AuthCache, KeyUseIsRecordedAtMostOncePerInterval) {
    FakeClock clock;
    AuthCache cache(false, 60s, 100, clock.function());
    EXPECT_TRUE(cache.should_touch("k1", 60s));
    EXPECT_FALSE(cache.should_touch("k1", 60s));
    EXPECT_TRUE(cache.should_touch("k2", 60s));
    clock.now += 60s;
    EXPECT_TRUE(cache.should_touch("k1", 60s));
}

}  // namespace
}  // namespace companion::auth
