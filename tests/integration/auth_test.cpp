// Accounts from outside: register, login, me, lockout, logout, password change, local user.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "support/auth_api.hpp"
#include "support/postgres_admin.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

void expect_register_login_me(Service& service) {
    AuthApi api(service.port());
    auto registered = api.post(
        "/api/v1/auth/register",
        {{"username", "alice"}, {"password", kStrongPassword}, {"email", "alice@example.com"}});
    ASSERT_EQ(registered.status, 201u) << registered.body;
    const auto user = json_of(registered);
    EXPECT_EQ(user.at("username").as_string(), "alice");
    EXPECT_EQ(user.at("email").as_string(), "alice@example.com");
    EXPECT_FALSE(user.at("id").as_string().empty());
    EXPECT_TRUE(user.contains("created_at"));
    EXPECT_FALSE(user.contains("password_hash"));

    const auto login = api.login("alice", kStrongPassword);
    ASSERT_EQ(login.status, 200u) << login.body;
    const auto token = json_of(login);
    EXPECT_EQ(token.at("token_type").as_string(), "bearer");
    EXPECT_EQ(token.at("expires_in").as_int64(), 24 * 3600);
    const std::string access(token.at("access_token").as_string());

    const auto me = api.get("/api/v1/auth/me", access);
    ASSERT_EQ(me.status, 200u) << me.body;
    const auto body = json_of(me);
    EXPECT_EQ(body.at("id"), user.at("id"));
    EXPECT_EQ(body.at("username").as_string(), "alice");
    EXPECT_EQ(body.at("auth_method").as_string(), "jwt");
}

TEST(Auth, RegisterLoginMeOnSqlite) {
    Service service;
    expect_register_login_me(service);
}

TEST(Auth, RegisterLoginMeOnPostgres) {
    ThrowawayDatabase database;
    Service service(Env{{"POSTGRES_URL", database.url()}});
    expect_register_login_me(service);
}

TEST(Auth, DuplicateUsernameIsRefusedCaseInsensitively) {
    Service service;
    AuthApi api(service.port());
    ASSERT_EQ(api.register_user("Bob", kStrongPassword).status, 201u);
    const auto again = api.register_user("bOB", kOtherStrongPassword);
    EXPECT_EQ(again.status, 409u) << again.body;
    EXPECT_EQ(error_code(again), "username_taken");
}

TEST(Auth, WeakPasswordAndBadUsernameAre422) {
    Service service;
    AuthApi api(service.port());
    const auto weak = api.register_user("carol", "short");
    EXPECT_EQ(weak.status, 422u) << weak.body;
    EXPECT_EQ(error_code(weak), "weak_password");
    const std::string message(json_of(weak).at("error").at("message").as_string());
    EXPECT_NE(message.find("12"), std::string::npos) << message;

    EXPECT_EQ(error_code(api.register_user("carol", "zzzzzzzzzzzzzzzz")), "weak_password");
    EXPECT_EQ(error_code(api.register_user("carol", "Carol")), "weak_password");
    const auto bad_name = api.register_user("no spaces allowed", kStrongPassword);
    EXPECT_EQ(bad_name.status, 422u) << bad_name.body;
    EXPECT_EQ(api.register_user("ab", kStrongPassword).status, 422u);
    EXPECT_EQ(api.register_user("local", kStrongPassword).status, 409u);
}

TEST(Auth, WrongPasswordAndUnknownUserAre401) {
    Service service;
    AuthApi api(service.port());
    ASSERT_EQ(api.register_user("dave", kStrongPassword).status, 201u);
    const auto wrong = api.login("dave", kOtherStrongPassword);
    EXPECT_EQ(wrong.status, 401u);
    EXPECT_EQ(error_code(wrong), "unauthorized");
    EXPECT_EQ(api.login("nobody", kStrongPassword).status, 401u);
}

TEST(Auth, LockoutAfterFiveFailuresEvenWithTheRightPassword) {
    Service service;
    AuthApi api(service.port());
    ASSERT_EQ(api.register_user("erin", kStrongPassword).status, 201u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(api.login("erin", kOtherStrongPassword).status, 401u);
    const auto locked = api.login("erin", kStrongPassword);
    EXPECT_EQ(locked.status, 429u) << locked.body;
    EXPECT_EQ(error_code(locked), "too_many_attempts");
    ASSERT_TRUE(locked.has_header("retry-after"));
    EXPECT_GT(std::stoi(locked.header("retry-after")), 0);
}

TEST(Auth, TokenIsRefusedAfterLogout) {
    Service service;
    AuthApi api(service.port());
    const auto token = api.token_for("frank");
    ASSERT_FALSE(token.empty());
    ASSERT_EQ(api.get("/api/v1/auth/me", token).status, 200u);
    EXPECT_EQ(api.post("/api/v1/auth/logout", {}, token).status, 204u);
    const auto after = api.get("/api/v1/auth/me", token);
    EXPECT_EQ(after.status, 401u);
    EXPECT_EQ(after.header("www-authenticate"), "Bearer");
}

TEST(Auth, PasswordChangeRefusesOlderTokensAndTheNewPasswordWorks) {
    Service service;
    AuthApi api(service.port());
    const auto token = api.token_for("grace");
    ASSERT_FALSE(token.empty());
    // Token times have whole-second precision: change the password in a later second.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    const auto wrong = api.post(
        "/api/v1/auth/change-password",
        {{"current_password", kOtherStrongPassword}, {"new_password", kOtherStrongPassword}},
        token);
    EXPECT_EQ(wrong.status, 401u);
    const auto weak =
        api.post("/api/v1/auth/change-password",
                 {{"current_password", kStrongPassword}, {"new_password", "short"}}, token);
    EXPECT_EQ(weak.status, 422u);
    const auto changed = api.post(
        "/api/v1/auth/change-password",
        {{"current_password", kStrongPassword}, {"new_password", kOtherStrongPassword}}, token);
    ASSERT_EQ(changed.status, 204u) << changed.body;
    EXPECT_EQ(api.get("/api/v1/auth/me", token).status, 401u);
    EXPECT_EQ(api.login("grace", kStrongPassword).status, 401u);
    const auto login = api.login("grace", kOtherStrongPassword);
    ASSERT_EQ(login.status, 200u);
    const std::string fresh(json_of(login).at("access_token").as_string());
    EXPECT_EQ(api.get("/api/v1/auth/me", fresh).status, 200u);
}

TEST(Auth, ProtectedRouteWithoutCredentialsIs401AndPublicRoutesAreOpen) {
    Service service;
    AuthApi api(service.port());
    const auto me = api.get("/api/v1/auth/me");
    EXPECT_EQ(me.status, 401u);
    EXPECT_EQ(me.header("www-authenticate"), "Bearer");
    EXPECT_EQ(error_code(me), "unauthorized");
    EXPECT_EQ(api.get("/health").status, 200u);
    EXPECT_EQ(api.get("/ready").status, 200u);
    EXPECT_EQ(api.get("/metrics").status, 200u);
    EXPECT_EQ(api.get("/no/such/route").status, 404u);
}

TEST(Auth, WithoutRequiredAuthenticationRequestsActAsTheLocalUser) {
    Service service(Env{{"REQUIRE_AUTHENTICATION", "false"}});
    AuthApi api(service.port());
    const auto me = api.get("/api/v1/auth/me");
    ASSERT_EQ(me.status, 200u) << me.body;
    EXPECT_EQ(json_of(me).at("username").as_string(), "local");
    EXPECT_EQ(json_of(me).at("auth_method").as_string(), "local");
    EXPECT_EQ(json_of(api.get("/api/v1/auth/me")).at("id"), json_of(me).at("id"));
    // Credentials that are sent are still checked.
    EXPECT_EQ(api.get("/api/v1/auth/me", "not-a-token").status, 401u);
    const auto token = api.token_for("heidi");
    const auto as_heidi = api.get("/api/v1/auth/me", token);
    EXPECT_EQ(json_of(as_heidi).at("username").as_string(), "heidi");
}

}  // namespace
}  // namespace companion::testing
