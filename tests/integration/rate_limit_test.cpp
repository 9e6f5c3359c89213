// RATE_LIMIT_REQUESTS_PER_MINUTE from outside: per user, per IP when anonymous, shared through
// Redis by every replica, never on the probes.
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/auth_api.hpp"
#include "support/http_client.hpp"
#include "support/postgres_admin.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

constexpr const char* kSecret = "rate-limit-test-secret-0123456789abcdef0123456789";

Env limited(int per_minute) {
    return Env{{"RATE_LIMIT_REQUESTS_PER_MINUTE", std::to_string(per_minute)}};
}

int int_header(const HttpResponse& response, const std::string& name) {
    const auto value = response.header(name);
    if (value.empty()) throw std::runtime_error("missing header " + name);
    return std::stoi(value);
}

void expect_rate_limited(const HttpResponse& response) {
    ASSERT_EQ(response.status, 429u) << response.body;
    EXPECT_EQ(error_code(response), "rate_limited");
    EXPECT_GE(int_header(response, "retry-after"), 1);
    EXPECT_EQ(int_header(response, "x-ratelimit-limit"), 5);
    EXPECT_EQ(int_header(response, "x-ratelimit-remaining"), 0);
    EXPECT_GE(int_header(response, "x-ratelimit-reset"), 1);
}

TEST(RateLimit, UserGetsTheLimitThen429WithHeaders) {
    Service service(limited(5));
    AuthApi api(service.port());
    const auto token = api.token_for("rl_user_one");
    ASSERT_FALSE(token.empty());
    int previous = 5;
    for (int i = 0; i < 5; ++i) {
        const auto me = api.get("/api/v1/auth/me", token);
        ASSERT_EQ(me.status, 200u) << i << " " << me.body;
        EXPECT_EQ(int_header(me, "x-ratelimit-limit"), 5);
        const int remaining = int_header(me, "x-ratelimit-remaining");
        EXPECT_LT(remaining, previous);
        EXPECT_EQ(remaining, 4 - i);
        EXPECT_GE(int_header(me, "x-ratelimit-reset"), 1);
        EXPECT_FALSE(me.has_header("retry-after"));
        previous = remaining;
    }
    expect_rate_limited(api.get("/api/v1/auth/me", token));
}

TEST(RateLimit, UsersAreLimitedSeparately) {
    Service service(limited(5));
    AuthApi api(service.port());
    const auto first = api.token_for("rl_user_first");
    const auto second = api.token_for("rl_user_second");
    ASSERT_FALSE(first.empty());
    ASSERT_FALSE(second.empty());
    for (int i = 0; i < 5; ++i) ASSERT_EQ(api.get("/api/v1/auth/me", first).status, 200u) << i;
    expect_rate_limited(api.get("/api/v1/auth/me", first));
    const auto other = api.get("/api/v1/auth/me", second);
    EXPECT_EQ(other.status, 200u) << other.body;
    EXPECT_EQ(int_header(other, "x-ratelimit-remaining"), 4);
}

TEST(RateLimit, AnonymousRequestsAreLimitedPerIp) {
    Service service(limited(5));
    AuthApi api(service.port());
    ASSERT_EQ(api.register_user("rl_anonymous", kStrongPassword).status, 201u);  // 1 of 5
    for (int i = 0; i < 4; ++i) {
        const auto login = api.login("rl_anonymous", kStrongPassword);
        ASSERT_EQ(login.status, 200u) << i << " " << login.body;
        EXPECT_EQ(int_header(login, "x-ratelimit-remaining"), 3 - i);
    }
    expect_rate_limited(api.login("rl_anonymous", kStrongPassword));
    // Another anonymous route from the same IP shares the allowance.
    expect_rate_limited(api.register_user("rl_anonymous_two", kStrongPassword));
}

TEST(RateLimit, RequestsWithRefusedCredentialsAreLimitedPerIp) {
    Service service(limited(5));
    AuthApi api(service.port());
    int refused = 0;
    for (int i = 0; i < 5; ++i) {
        const auto response = api.get("/api/v1/auth/me", "ck_guessed_key_" + std::to_string(i));
        if (response.status == 401u) ++refused;
    }
    EXPECT_EQ(refused, 5);
    const auto limited = api.get("/api/v1/auth/me", "not.a.token");
    expect_rate_limited(limited);
    EXPECT_EQ(error_code(limited), "rate_limited");
    // A real user from the same address is not affected by the guesses.
    const auto token = api.token_for("rl_after_guesses");
    ASSERT_FALSE(token.empty());
    EXPECT_EQ(api.get("/api/v1/auth/me", token).status, 200u);
}

TEST(RateLimit, TheClientAddressComesFromXForwardedForOnlyBehindATrustedProxy) {
    const auto audited_ip = [](Env env) {
        Service service(std::move(env));
        HttpClient client(service.port());
        const auto body = std::string(R"({"username":"xff_user","password":")") +
                          kStrongPassword + R"("})";
        client.request("POST", "/api/v1/auth/register",
                       {{"Content-Type", "application/json"}, {"X-Forwarded-For", "203.0.113.9"}},
                       body);
        AuthApi api(service.port());
        const auto token = api.token_for("xff_user");
        const auto events = json_of(api.get("/api/v1/auth/audit", token)).at("events").as_array();
        return std::string(events.back().at("client_ip").as_string());
    };
    EXPECT_EQ(audited_ip(Env{{"TRUSTED_PROXIES", "127.0.0.1/32"}}), "203.0.113.9");
    EXPECT_EQ(audited_ip(Env{}), "127.0.0.1");
}

TEST(RateLimit, ProbesAreNeverLimited) {
    Service service(limited(5));
    HttpClient client(service.port());
    for (int i = 0; i < 12; ++i) {
        for (const char* path : {"/health", "/ready", "/metrics"}) {
            const auto response = client.get(path);
            EXPECT_NE(response.status, 429u) << path << " " << i;
            EXPECT_FALSE(response.has_header("x-ratelimit-limit")) << path;
        }
    }
    // And they did not use up the IP's allowance.
    AuthApi api(service.port());
    EXPECT_EQ(api.register_user("rl_probe_user", kStrongPassword).status, 201u);
}

TEST(RateLimit, ReplicasSharingRedisTogetherAllowTheConfiguredRate) {
    const char* redis_url = std::getenv("COMPANION_TEST_REDIS_URL");
    ASSERT_TRUE(redis_url != nullptr && *redis_url != '\0')
        << "COMPANION_TEST_REDIS_URL is not set: run scripts/services.sh up";
    ThrowawayDatabase database;
    const Env env{{"RATE_LIMIT_REQUESTS_PER_MINUTE", "5"},
                  {"REDIS_ENABLED", "true"},
                  {"REDIS_URL", redis_url},
                  {"POSTGRES_URL", database.url()},
                  {"JWT_SECRET_KEY", kSecret}};
    Service first(env);
    Service second(env);
    AuthApi api_first(first.port());
    AuthApi api_second(second.port());
    const auto token = api_first.token_for("rl_replicated");
    ASSERT_FALSE(token.empty());
    int allowed = 0;
    for (int i = 0; i < 10; ++i) {
        auto& api = i % 2 == 0 ? api_first : api_second;
        const auto me = api.get("/api/v1/auth/me", token);
        if (me.status == 200u) {
            ++allowed;
        } else {
            expect_rate_limited(me);
        }
    }
    EXPECT_EQ(allowed, 5);
}

TEST(RateLimit, RedisDownFailsOpenAndHealthSaysDegraded) {
    Service service(Env{{"RATE_LIMIT_REQUESTS_PER_MINUTE", "5"},
                        {"RATE_LIMIT_FAIL_OPEN_SECONDS", "60"},
                        {"REDIS_ENABLED", "true"},
                        {"REDIS_URL", "redis://127.0.0.1:1/0"}});
    AuthApi api(service.port());
    // Anonymous (per IP) requests beyond the limit pass while failing open.
    ASSERT_EQ(api.register_user("rl_fail_open", kStrongPassword).status, 201u);
    for (int i = 0; i < 7; ++i) {
        const auto login = api.login("rl_fail_open", kStrongPassword);
        EXPECT_EQ(login.status, 200u) << i << " " << login.body;
    }
    HttpClient client(service.port());
    const auto health = client.get("/health");
    const auto body = boost::json::parse(health.body).as_object();
    EXPECT_EQ(body.at("status").as_string(), "degraded") << health.body;
    const auto log = service.stdout_text() + service.stderr_text();
    EXPECT_NE(log.find("rate limiter: Redis is unavailable"), std::string::npos) << log;
}

}  // namespace
}  // namespace companion::testing
