#include "auth/auth_service.hpp"

#include <cstdlib>
#include <filesystem>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "cache/login_guard.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace companion::auth {
namespace {

constexpr const char* kPassword = "correct horse battery staple 42";
constexpr const char* kOtherPassword = "a different Passphrase for 2026";

template <class T>
T run(boost::asio::awaitable<T> task) {
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    io.run();
    return future.get();
}

AuthErrorKind error_kind_of(auto task) {
    try {
        run(std::move(task));
    } catch (const AuthError& error) {
        return error.kind();
    }
    ADD_FAILURE() << "no AuthError";
    return AuthErrorKind::invalid_input;
}

TEST(UsernameRule, AcceptsThreeToSixtyFourOfTheAllowedCharacters) {
    EXPECT_FALSE(username_problem("abc"));
    EXPECT_FALSE(username_problem("A.b_c-9"));
    EXPECT_FALSE(username_problem(std::string(64, 'x')));
}

TEST(UsernameRule, RefusesShortLongAndOtherCharacters) {
    EXPECT_TRUE(username_problem("ab"));
    EXPECT_TRUE(username_problem(std::string(65, 'x')));
    EXPECT_TRUE(username_problem("has space"));
    EXPECT_TRUE(username_problem("caf\xc3\xa9"));
    EXPECT_TRUE(username_problem("semi;colon"));
}

// AuthService on a real SQLite store, with cheap argon2 parameters.
class AuthServiceTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "companion-auth-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        directory_ = pattern;
        store_ = store::make_sqlite_store((directory_ / "companion.db").string(), 2);
        run(store_->migrate_up());
        settings_.jwt_secret_key = "a-unit-test-secret-that-is-long-enough";
        service_ = std::make_unique<AuthService>(*store_, settings_, pool_, *guard_, cache_,
                                                 nullptr, Argon2Params{256, 1, 1});
    }
    void TearDown() override {
        service_.reset();
        store_->close();
        pool_.join();
        std::filesystem::remove_all(directory_);
    }

    store::User registered(const std::string& name) {
        return run(service_->register_user(name, kPassword, std::nullopt, client_));
    }

    std::filesystem::path directory_;
    config::Settings settings_;
    boost::asio::thread_pool pool_{1};
    std::unique_ptr<cache::LoginGuard> guard_ = cache::make_local_login_guard();
    AuthCache cache_{true};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<AuthService> service_;
    ClientInfo client_{"203.0.113.7", "unit-test"};
};

TEST_F(AuthServiceTest, LoginIssuesATokenThatAuthenticatesTheUser) {
    const auto user = registered("alice");
    const auto token = run(service_->login("ALICE", kPassword, client_));
    EXPECT_EQ(token.expires_in, 24 * 3600);
    const auto principal = run(service_->authenticate(token.access_token, client_));
    EXPECT_EQ(principal.user_id, user.id);
    EXPECT_EQ(principal.method, "jwt");
}

TEST_F(AuthServiceTest, FailuresAreAuditedWithTheirReasonAndNeverThePassword) {
    const auto user = registered("bob");
    EXPECT_EQ(error_kind_of(service_->login("bob", kOtherPassword, client_)),
              AuthErrorKind::unauthorized);
    EXPECT_EQ(error_kind_of(service_->login("nobody", kPassword, client_)),
              AuthErrorKind::unauthorized);
    const auto page = run(store_->list_audit(user.id, 10, std::nullopt));
    ASSERT_EQ(page.rows.size(), 2u);
    EXPECT_EQ(page.rows[0].event, "login");
    EXPECT_EQ(page.rows[0].outcome, "failure");
    EXPECT_EQ(page.rows[0].reason, "wrong_password");
    EXPECT_EQ(page.rows[0].client_ip, "203.0.113.7");
    EXPECT_EQ(page.rows[0].user_agent, "unit-test");
    for (const auto& row : page.rows) {
        EXPECT_NE(row.reason, std::optional<std::string>(kOtherPassword));
        EXPECT_NE(row.username_tried, std::optional<std::string>(kOtherPassword));
    }
}

TEST_F(AuthServiceTest, FiveFailuresLockTheAccountEvenForTheRightPassword) {
    registered("carol");
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(error_kind_of(service_->login("carol", kOtherPassword, client_)),
                  AuthErrorKind::unauthorized);
    }
    try {
        run(service_->login("carol", kPassword, client_));
        ADD_FAILURE() << "not locked";
    } catch (const AuthError& error) {
        EXPECT_EQ(error.kind(), AuthErrorKind::locked);
        EXPECT_GT(error.retry_after().count(), 0);
    }
}

TEST_F(AuthServiceTest, TokensOfDeletedUsersAndLoggedOutTokensAreRefused) {
    const auto user = registered("dave");
    const auto first = run(service_->login("dave", kPassword, client_));
    run(service_->logout(user.id, first.access_token, client_));
    EXPECT_EQ(error_kind_of(service_->authenticate(first.access_token, client_)),
              AuthErrorKind::unauthorized);
    const auto second = run(service_->login("dave", kPassword, client_));
    EXPECT_EQ(run(service_->authenticate(second.access_token, client_)).user_id, user.id);
    run(service_->delete_account(user.id, kPassword, client_));
    EXPECT_EQ(error_kind_of(service_->authenticate(second.access_token, client_)),
              AuthErrorKind::unauthorized);
}

TEST_F(AuthServiceTest, APasswordChangeEndsTokensIssuedInTheSameSecond) {
    const auto user = registered("gina");
    const auto before = run(service_->login("gina", kPassword, client_));
    EXPECT_EQ(run(service_->authenticate(before.access_token, client_)).user_id, user.id);
    run(service_->change_password(user.id, kPassword, kOtherPassword, client_));
    EXPECT_EQ(error_kind_of(service_->authenticate(before.access_token, client_)),
              AuthErrorKind::unauthorized);
    const auto after = run(service_->login("gina", kOtherPassword, client_));
    EXPECT_EQ(run(service_->authenticate(after.access_token, client_)).user_id, user.id);
    const auto page = run(store_->list_audit(user.id, 1, std::nullopt));
    EXPECT_EQ(page.rows.at(0).event, "login");
}

TEST_F(AuthServiceTest, DeletingAnAccountNeedsItsPasswordAndLeavesAnAnonymousAuditRow) {
    const auto user = registered("hank");
    EXPECT_EQ(error_kind_of(service_->delete_account(user.id, kOtherPassword, client_)),
              AuthErrorKind::unauthorized);
    EXPECT_TRUE(run(store_->find_user(user.id)));
    run(service_->delete_account(user.id, kPassword, client_));
    EXPECT_FALSE(run(store_->find_user(user.id)));
    for (const auto& [table, count] : run(store_->count_user_rows(user.id))) {
        EXPECT_EQ(count, 0) << table;
    }
}

TEST_F(AuthServiceTest, TheLocalUserIsDeletedWithoutAPasswordAndComesBackAfresh) {
    const auto first = run(service_->local_principal());
    run(service_->delete_account(first.user_id, "", client_));
    EXPECT_FALSE(run(store_->find_user(first.user_id)));
    const auto second = run(service_->local_principal());
    EXPECT_NE(second.user_id, first.user_id);
}

TEST_F(AuthServiceTest, RevokedApiKeysAndOtherUsersKeys) {
    const auto erin = registered("erin");
    const auto frank = registered("frank");
    const auto key = run(service_->create_api_key(erin.id, "laptop", client_));
    EXPECT_EQ(run(service_->authenticate(key.secret, client_)).method, "api_key");
    EXPECT_EQ(error_kind_of(service_->revoke_api_key(frank.id, key.key.id, client_)),
              AuthErrorKind::not_found);
    run(service_->revoke_api_key(erin.id, key.key.id, client_));
    EXPECT_EQ(error_kind_of(service_->authenticate(key.secret, client_)),
              AuthErrorKind::unauthorized);
}

TEST_F(AuthServiceTest, TheLocalUserIsCreatedOnceAndCannotLogIn) {
    const auto first = run(service_->local_principal());
    const auto second = run(service_->local_principal());
    EXPECT_EQ(first.user_id, second.user_id);
    EXPECT_EQ(first.method, "local");
    EXPECT_TRUE(run(store_->find_user(first.user_id))->is_local);
    EXPECT_EQ(error_kind_of(service_->login("local", kPassword, client_)),
              AuthErrorKind::unauthorized);
    EXPECT_EQ(error_kind_of(service_->register_user("LOCAL", kPassword, std::nullopt, client_)),
              AuthErrorKind::username_taken);
}

}  // namespace
}  // namespace companion::auth
