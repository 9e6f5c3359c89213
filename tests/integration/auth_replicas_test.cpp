// Two server processes on one PostgreSQL database: a credential change made through one replica
// (logout, password change, API key revoked, account deleted) is honoured by the other, whose
// in-process credential cache is kept right through Redis pub/sub, or is not used without Redis.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "support/async.hpp"
#include "support/auth_api.hpp"
#include "support/postgres_admin.hpp"
#include "support/service.hpp"
#include "support/service_control.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "replica-test-secret-that-is-long-enough";

class AuthReplicas : public ::testing::TestWithParam<bool> {
  protected:
    void SetUp() override {
        Env env{{"POSTGRES_URL", database_.url()}, {"JWT_SECRET_KEY", kSecret}};
        if (GetParam()) {
            const char* redis_url = std::getenv("COMPANION_TEST_REDIS_URL");
            ASSERT_TRUE(redis_url != nullptr && *redis_url != '\0')
                << "COMPANION_TEST_REDIS_URL is not set: run scripts/services.sh up";
            env["REDIS_ENABLED"] = "true";
            env["REDIS_URL"] = redis_url;
        }
        first_ = std::make_unique<Service>(env);
        second_ = std::make_unique<Service>(env);
        a_ = std::make_unique<AuthApi>(first_->port());
        b_ = std::make_unique<AuthApi>(second_->port());
    }

    // The other replica refuses the credential from now on; a short wait allows for the pub/sub
    // message in flight, never for a cache entry's expiry (a minute).
    bool refused_by_second(const std::string& credential) {
        if (!GetParam()) return b_->get("/api/v1/auth/me", credential).status == 401u;
        return eventually([&] { return b_->get("/api/v1/auth/me", credential).status == 401u; },
                          2s);
    }

    ThrowawayDatabase database_;
    std::unique_ptr<Service> first_;
    std::unique_ptr<Service> second_;
    std::unique_ptr<AuthApi> a_;
    std::unique_ptr<AuthApi> b_;
};

TEST_P(AuthReplicas, ALogoutOnOneReplicaEndsTheTokenOnTheOther) {
    const auto token = a_->token_for("replica_logout");
    const auto other = a_->login("replica_logout", kStrongPassword);
    const std::string still_valid(json_of(other).at("access_token").as_string());
    ASSERT_EQ(b_->get("/api/v1/auth/me", token).status, 200u);  // now cached by the second
    ASSERT_EQ(a_->post("/api/v1/auth/logout", {}, token).status, 204u);
    EXPECT_TRUE(refused_by_second(token));
    EXPECT_EQ(b_->get("/api/v1/auth/me", still_valid).status, 200u);
}

TEST_P(AuthReplicas, APasswordChangeOnOneReplicaEndsOlderTokensOnTheOther) {
    const auto token = a_->token_for("replica_password");
    ASSERT_EQ(b_->get("/api/v1/auth/me", token).status, 200u);
    const auto changed = a_->post("/api/v1/auth/change-password",
                                  {{"current_password", kStrongPassword},
                                   {"new_password", kOtherStrongPassword}},
                                  token);
    ASSERT_EQ(changed.status, 204u) << changed.body;
    EXPECT_TRUE(refused_by_second(token));
    const auto fresh = a_->login("replica_password", kOtherStrongPassword);
    ASSERT_EQ(fresh.status, 200u);
    const std::string new_token(json_of(fresh).at("access_token").as_string());
    EXPECT_EQ(b_->get("/api/v1/auth/me", new_token).status, 200u);
}

TEST_P(AuthReplicas, AnApiKeyRevokedOnOneReplicaIsRefusedByTheOther) {
    const auto token = a_->token_for("replica_key");
    const auto created = a_->post("/api/v1/auth/api-keys", {{"name", "script"}}, token);
    ASSERT_EQ(created.status, 201u);
    const std::string key(json_of(created).at("key").as_string());
    const std::string id(json_of(created).at("id").as_string());
    ASSERT_EQ(b_->get("/api/v1/auth/me", key).status, 200u);
    ASSERT_EQ(a_->del("/api/v1/auth/api-keys/" + id, token).status, 204u);
    EXPECT_TRUE(refused_by_second(key));
    EXPECT_EQ(b_->get("/api/v1/auth/me", token).status, 200u);
}

TEST_P(AuthReplicas, AnAccountDeletedOnOneReplicaIsGoneOnTheOther) {
    const auto token = a_->token_for("replica_delete");
    ASSERT_EQ(b_->get("/api/v1/auth/me", token).status, 200u);
    ASSERT_EQ(
        a_->del_json("/api/v1/users/me", {{"password", kStrongPassword}}, token).status, 204u);
    EXPECT_TRUE(refused_by_second(token));
}

// The change cannot be published while Redis is down, but the other replica has stopped trusting
// its cache as soon as its subscription dropped, and reads the database instead.
TEST(AuthReplicasRedisFault, ALogoutWhileRedisIsDownIsStillHonouredByTheOtherReplica) {
    const char* redis_url = std::getenv("COMPANION_TEST_REDIS_URL");
    ASSERT_TRUE(redis_url != nullptr && *redis_url != '\0')
        << "COMPANION_TEST_REDIS_URL is not set: run scripts/services.sh up";
    ThrowawayDatabase database;
    const Env env{{"POSTGRES_URL", database.url()},
                  {"JWT_SECRET_KEY", kSecret},
                  {"REDIS_ENABLED", "true"},
                  {"REDIS_URL", redis_url},
                  {"RATE_LIMIT_FAIL_OPEN_SECONDS", "600"}};
    Service first(env);
    Service second(env);
    AuthApi a(first.port());
    AuthApi b(second.port());
    const auto token = a.token_for("replica_fault");
    ASSERT_EQ(b.get("/api/v1/auth/me", token).status, 200u);
    ServiceControl redis("COMPANION_TEST_REDIS_CTL");
    redis.stop();
    ASSERT_EQ(a.post("/api/v1/auth/logout", {}, token).status, 204u);
    EXPECT_TRUE(eventually([&] { return b.get("/api/v1/auth/me", token).status == 401u; }, 5s));
    redis.start();
    const auto fresh = a.login("replica_fault", kStrongPassword);
    ASSERT_EQ(fresh.status, 200u);
    const std::string new_token(json_of(fresh).at("access_token").as_string());
    EXPECT_EQ(b.get("/api/v1/auth/me", new_token).status, 200u);
    EXPECT_EQ(b.get("/api/v1/auth/me", token).status, 401u);
}

INSTANTIATE_TEST_SUITE_P(Cache, AuthReplicas, ::testing::Values(true, false),
                         [](const auto& info) {
                             return std::string(info.param ? "WithRedis" : "WithoutRedis");
                         });

}  // namespace
}  // namespace companion::testing
