// Bearer credentials from outside: API keys, rejected tokens, and the caller's audit log.
#include <chrono>

#include <gtest/gtest.h>

#include "auth/base64url.hpp"
#include "auth/jwt.hpp"
#include "support/auth_api.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

constexpr const char* kSecret = "a-test-secret-that-is-long-enough-for-hs256";

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string user_id_of(AuthApi& api, const std::string& token) {
    return std::string(json_of(api.get("/api/v1/auth/me", token)).at("id").as_string());
}

TEST(AuthApiKeys, CreateUseListAndRevoke) {
    Service service;
    AuthApi api(service.port());
    const auto token = api.token_for("ivan");
    ASSERT_FALSE(token.empty());
    const auto created = api.post("/api/v1/auth/api-keys", {{"name", "laptop"}}, token);
    ASSERT_EQ(created.status, 201u) << created.body;
    const auto key_body = json_of(created);
    const std::string key(key_body.at("key").as_string());
    const std::string id(key_body.at("id").as_string());
    EXPECT_EQ(key.rfind("ck_", 0), 0u);
    EXPECT_EQ(key_body.at("name").as_string(), "laptop");
    EXPECT_EQ(key.rfind(std::string(key_body.at("prefix").as_string()), 0), 0u);

    const auto me = api.get("/api/v1/auth/me", key);
    ASSERT_EQ(me.status, 200u) << me.body;
    EXPECT_EQ(json_of(me).at("username").as_string(), "ivan");
    EXPECT_EQ(json_of(me).at("auth_method").as_string(), "api_key");

    const auto list = api.get("/api/v1/auth/api-keys", token);
    ASSERT_EQ(list.status, 200u);
    const auto list_body = json_of(list);
    const auto& keys = list_body.at("api_keys").as_array();
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].at("id").as_string(), id);
    EXPECT_FALSE(keys[0].as_object().contains("key"));
    EXPECT_EQ(list.body.find(key), std::string::npos);

    EXPECT_EQ(api.del("/api/v1/auth/api-keys/" + id, token).status, 204u);
    const auto revoked = api.get("/api/v1/auth/me", key);
    EXPECT_EQ(revoked.status, 401u);
    EXPECT_EQ(revoked.header("www-authenticate"), "Bearer");
}

TEST(AuthApiKeys, AUserCannotRevokeAnotherUsersKey) {
    Service service;
    AuthApi api(service.port());
    const auto alice = api.token_for("alice2");
    const auto bob = api.token_for("bob2");
    const auto created = api.post("/api/v1/auth/api-keys", {{"name", "bob's"}}, bob);
    ASSERT_EQ(created.status, 201u);
    const std::string id(json_of(created).at("id").as_string());
    const std::string key(json_of(created).at("key").as_string());
    const auto refused = api.del("/api/v1/auth/api-keys/" + id, alice);
    EXPECT_EQ(refused.status, 404u);
    EXPECT_EQ(error_code(refused), "not_found");
    EXPECT_EQ(api.del("/api/v1/auth/api-keys/not-a-uuid", alice).status, 404u);
    EXPECT_EQ(api.get("/api/v1/auth/me", key).status, 200u);
    EXPECT_TRUE(json_of(api.get("/api/v1/auth/api-keys", alice)).at("api_keys").as_array().empty());
}

TEST(AuthTokens, MalformedForgedAndExpiredTokensAre401) {
    Service service(Env{{"JWT_SECRET_KEY", kSecret}});
    AuthApi api(service.port());
    const auto good = api.token_for("judy");
    ASSERT_FALSE(good.empty());
    const auto sub = user_id_of(api, good);
    const auto now = now_seconds();

    auth::JwtCodec ours(config::JwtAlgorithm::HS256, kSecret);
    auth::JwtClaims claims{sub, auth::JwtCodec::new_jti(), now - 7200, now - 3600, std::nullopt,
                           std::nullopt};
    const auto expired = ours.sign(claims);
    auth::JwtCodec theirs(config::JwtAlgorithm::HS256, "some-other-secret-of-enough-length!!");
    claims.iat = now;
    claims.exp = now + 3600;
    const auto forged = theirs.sign(claims);
    const auto alg_none =
        auth::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
        auth::base64url_encode(R"({"sub":")" + sub + R"(","jti":"x","iat":)" + std::to_string(now) +
                               R"(,"exp":)" + std::to_string(now + 3600) + "}") +
        ".";
    for (const auto& token : {std::string("garbage"), std::string("a.b.c"), expired, forged,
                              alg_none, std::string("ck_short")}) {
        const auto response = api.get("/api/v1/auth/me", token);
        EXPECT_EQ(response.status, 401u) << token;
        EXPECT_EQ(response.header("www-authenticate"), "Bearer");
        EXPECT_EQ(std::string(json_of(response).at("error").at("message").as_string()),
                  "missing or invalid credentials");
    }
    HttpClient raw(service.port());
    EXPECT_EQ(raw.get("/api/v1/auth/me", {{"Authorization", "Basic dXNlcjpwYXNz"}}).status, 401u);
    EXPECT_EQ(api.get("/api/v1/auth/me", good).status, 200u);
}

TEST(AuthAudit, ListsTheCallersOwnEventsNewestFirstWithoutSecrets) {
    Service service;
    AuthApi api(service.port());
    ASSERT_EQ(api.register_user("kate", kStrongPassword).status, 201u);
    EXPECT_EQ(api.login("kate", kOtherStrongPassword).status, 401u);
    const auto token = api.token_for("kate");
    const auto other = api.token_for("mallory");
    const auto response = api.get("/api/v1/auth/audit", token);
    ASSERT_EQ(response.status, 200u) << response.body;
    const auto body = json_of(response);
    const auto& events = body.at("events").as_array();
    ASSERT_GE(events.size(), 3u);
    EXPECT_EQ(events[0].at("event").as_string(), "login");
    EXPECT_EQ(events[0].at("outcome").as_string(), "success");
    bool saw_wrong_password = false;
    for (const auto& event : events) {
        if (event.at("reason") == "wrong_password") saw_wrong_password = true;
    }
    EXPECT_TRUE(saw_wrong_password) << response.body;
    EXPECT_EQ(events.back().at("event").as_string(), "register");
    EXPECT_EQ(response.body.find(kStrongPassword), std::string::npos);
    EXPECT_EQ(response.body.find(kOtherStrongPassword), std::string::npos);
    EXPECT_EQ(response.body.find(token), std::string::npos);
    EXPECT_EQ(response.body.find("mallory"), std::string::npos);
    EXPECT_EQ(service.stdout_text().find(kStrongPassword), std::string::npos);
}

}  // namespace
}  // namespace companion::testing
