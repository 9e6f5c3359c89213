// The storage contract: schema, users, API keys and revoked tokens.
#include "support/store_contract.hpp"

namespace companion::testing::contract {
namespace {

using namespace std::chrono_literals;

// ---- schema ----

TEST_P(StoreContract, ReportsItsBackendName) {
    EXPECT_EQ(db().backend(), GetParam());
}

TEST_P(StoreContract, PingAnswersTrueWhileTheDatabaseWorks) {
    EXPECT_TRUE(run(db().ping()));
}

TEST_P(StoreContract, FreshDatabaseHasEveryMigrationPending) {
    auto fresh = make_test_database(GetParam())();
    const auto expected = store::migrations_for(GetParam());
    ASSERT_FALSE(expected.empty());
    const auto status = run(fresh->migration_status());
    EXPECT_EQ(status.current_version, 0);
    EXPECT_EQ(status.latest_version, expected.back().version);
    ASSERT_EQ(status.pending.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(status.pending[i].version, expected[i].version);
        EXPECT_EQ(status.pending[i].name, expected[i].name);
    }
    EXPECT_FALSE(status.up_to_date());
}

TEST_P(StoreContract, MigrateUpAppliesEveryStepAndASecondRunAppliesNothing) {
    auto fresh = make_test_database(GetParam())();
    const auto expected = store::migrations_for(GetParam());
    const auto applied = run(fresh->migrate_up());
    ASSERT_EQ(applied.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(applied[i].version, expected[i].version);
    }
    const auto status = run(fresh->migration_status());
    EXPECT_TRUE(status.up_to_date());
    EXPECT_EQ(status.current_version, status.latest_version);
    EXPECT_TRUE(run(fresh->migrate_up()).empty());
}

TEST_P(StoreContract, TwoInstancesMigratingAtOnceApplyEachStepExactlyOnce) {
    auto open = make_test_database(GetParam());
    auto first = open();
    auto second = open();
    auto first_run = loop_.start(first->migrate_up());
    auto second_run = loop_.start(second->migrate_up());
    std::vector<int> versions;
    for (const auto& step : first_run.get()) versions.push_back(step.version);
    for (const auto& step : second_run.get()) versions.push_back(step.version);
    std::sort(versions.begin(), versions.end());
    std::vector<int> expected;
    for (const auto& migration : store::migrations_for(GetParam())) {
        expected.push_back(migration.version);
    }
    EXPECT_EQ(versions, expected);
    EXPECT_TRUE(run(first->migration_status()).up_to_date());
    EXPECT_TRUE(run(second->migration_status()).up_to_date());
    const auto created = run(first->create_user(store::NewUser{"shared", {}, "hash", false}));
    EXPECT_TRUE(run(second->find_user(created.id)).has_value());
}

// ---- users ----

TEST_P(StoreContract, CreatedUserIsFoundByIdAndByUsernameInAnyCase) {
    const auto before = store::now();
    const auto created = run(
        db().create_user(store::NewUser{"Alice", "alice@example.com", "$argon2id$hash", false}));
    EXPECT_EQ(created.username, "Alice");
    EXPECT_EQ(created.email, "alice@example.com");
    EXPECT_EQ(created.password_hash, "$argon2id$hash");
    EXPECT_FALSE(created.is_local);
    EXPECT_GE(us(created.created_at), us(before));
    EXPECT_EQ(us(created.updated_at), us(created.created_at));
    EXPECT_EQ(us(created.password_changed_at), us(created.created_at));
    EXPECT_EQ(fields(run(db().find_user(created.id)).value()), fields(created));
    for (const char* spelling : {"Alice", "alice", "ALICE", "aLiCe"}) {
        const auto found = run(db().find_user_by_username(spelling));
        ASSERT_TRUE(found) << spelling;
        EXPECT_EQ(fields(*found), fields(created)) << spelling;
    }
}

TEST_P(StoreContract, LocalUserWithoutEmailRoundTrips) {
    const auto created = run(db().create_user(store::NewUser{"local", std::nullopt, "", true}));
    const auto found = run(db().find_user(created.id)).value();
    EXPECT_TRUE(found.is_local);
    EXPECT_FALSE(found.email);
    EXPECT_EQ(fields(found), fields(created));
}

TEST_P(StoreContract, UsernamesAreUniqueCaseInsensitively) {
    make_user("Bob");
    for (const char* taken : {"Bob", "bob", "BOB"}) {
        EXPECT_THROW(run(db().create_user(store::NewUser{taken, {}, "hash", false})),
                     store::Conflict)
            << taken;
    }
    EXPECT_NO_THROW(make_user("Bobby"));
}

TEST_P(StoreContract, ConcurrentRegistrationsOfOneUsernameLetExactlyOneSucceed) {
    std::vector<std::future<User>> attempts;
    for (const char* name :
         {"Carol", "carol", "CAROL", "Carol", "cArOl", "carol", "Carol", "CaRoL"}) {
        attempts.push_back(loop_.start(db().create_user(store::NewUser{name, {}, "hash", false})));
    }
    int succeeded = 0;
    int conflicts = 0;
    for (auto& attempt : attempts) {
        try {
            attempt.get();
            ++succeeded;
        } catch (const store::Conflict&) {
            ++conflicts;
        }
    }
    EXPECT_EQ(succeeded, 1);
    EXPECT_EQ(conflicts, 7);
}

TEST_P(StoreContract, UnknownUsersAreNotFound) {
    EXPECT_FALSE(run(db().find_user(kUnknownId)));
    EXPECT_FALSE(run(db().find_user_by_username("nobody")));
    EXPECT_FALSE(run(db().update_password(kUnknownId, "hash")));
    EXPECT_FALSE(run(db().delete_user(kUnknownId)));
}

TEST_P(StoreContract, UpdatingThePasswordReplacesTheHashAndStampsTheChange) {
    const auto user = make_user();
    EXPECT_TRUE(run(db().update_password(user.id, "$argon2id$new")));
    const auto found = run(db().find_user(user.id)).value();
    EXPECT_EQ(found.password_hash, "$argon2id$new");
    EXPECT_GT(us(found.password_changed_at), us(user.password_changed_at));
    EXPECT_GE(us(found.updated_at), us(found.password_changed_at));
    EXPECT_EQ(us(found.created_at), us(user.created_at));
}

TEST_P(StoreContract, CountUserRowsCoversEveryTableWithUserRows) {
    const auto alice = populate("alice");
    const std::map<std::string, std::int64_t> expected = {
        {"users", 1},         {"api_keys", 1}, {"revoked_tokens", 1},  {"conversations", 1},
        {"messages", 2},      {"memories", 1}, {"emotion_history", 1}, {"goals", 1},
        {"goal_progress", 1}, {"audit_log", 1}};
    EXPECT_EQ(counts(alice.user), expected);
}

TEST_P(StoreContract, DeletingUserRemovesEveryRowOfTheirsAndNothingElse) {
    const auto alice = populate("alice");
    const auto bob = populate("bob");
    const auto bob_before = counts(bob.user);
    const auto bob_conversation =
        run(db().find_conversation(bob.user.id, bob.conversation.id)).value();

    EXPECT_TRUE(run(db().delete_user(alice.user.id)));

    const auto alice_after = counts(alice.user);
    std::set<std::string> tables;
    for (const auto& [table, count] : alice_after) {
        tables.insert(table);
        EXPECT_EQ(count, 0) << table;
    }
    EXPECT_EQ(tables, kUserTables);
    EXPECT_EQ(counts(bob.user), bob_before);
    EXPECT_FALSE(run(db().find_user(alice.user.id)));
    EXPECT_FALSE(run(db().find_user_by_username("alice")));
    EXPECT_FALSE(run(db().find_api_key_by_hash(alice.key.key_hash)));
    EXPECT_FALSE(run(db().is_token_revoked(alice.jti)));
    EXPECT_FALSE(run(db().delete_user(alice.user.id)));

    EXPECT_TRUE(run(db().find_user(bob.user.id)));
    EXPECT_TRUE(run(db().find_api_key_by_hash(bob.key.key_hash)));
    EXPECT_TRUE(run(db().is_token_revoked(bob.jti)));
    EXPECT_EQ(fields(run(db().find_conversation(bob.user.id, bob.conversation.id)).value()),
              fields(bob_conversation));
    EXPECT_EQ(ids(run(db().list_messages(bob.user.id, bob.conversation.id, 10, {})).rows),
              ids(bob.messages));
    EXPECT_EQ(fields(run(db().find_memory(bob.user.id, bob.memory.id)).value()),
              fields(bob.memory));
    EXPECT_EQ(fields(run(db().find_goal(bob.user.id, bob.goal.id)).value()), fields(bob.goal));
    EXPECT_EQ(run(db().list_goal_progress(bob.user.id, bob.goal.id)).size(), 1u);
    EXPECT_EQ(run(db().list_audit(bob.user.id, 10, {})).rows.size(), 1u);
}

// ---- API keys ----

TEST_P(StoreContract, ApiKeysAreListedNewestFirstAndFoundByHash) {
    const auto user = make_user();
    const auto before = store::now();
    const auto first = run(db().create_api_key(user.id, "laptop", "ck_aaaa", "hash-1"));
    const auto second = run(db().create_api_key(user.id, "phone", "ck_bbbb", "hash-2"));
    EXPECT_EQ(first.user_id, user.id);
    EXPECT_EQ(first.name, "laptop");
    EXPECT_EQ(first.prefix, "ck_aaaa");
    EXPECT_EQ(first.key_hash, "hash-1");
    EXPECT_GE(us(first.created_at), us(before));
    EXPECT_FALSE(first.last_used_at);
    EXPECT_FALSE(first.revoked_at);

    const auto listed = run(db().list_api_keys(user.id));
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(fields(listed[0]), fields(second));
    EXPECT_EQ(fields(listed[1]), fields(first));
    EXPECT_EQ(fields(run(db().find_api_key_by_hash("hash-1")).value()), fields(first));
    EXPECT_FALSE(run(db().find_api_key_by_hash("hash-unknown")));
}

TEST_P(StoreContract, ApiKeyHashesAreUnique) {
    const auto user = make_user();
    const auto other = make_user();
    run(db().create_api_key(user.id, "laptop", "ck_aaaa", "same-hash"));
    EXPECT_THROW(run(db().create_api_key(other.id, "phone", "ck_bbbb", "same-hash")),
                 store::Conflict);
}

TEST_P(StoreContract, RevokedKeysStayFindableByHashWithTheirFirstRevocationTime) {
    const auto user = make_user();
    const auto key = run(db().create_api_key(user.id, "laptop", "ck_aaaa", "hash-1"));
    EXPECT_TRUE(run(db().revoke_api_key(user.id, key.id)));
    const auto revoked = run(db().find_api_key_by_hash("hash-1")).value();
    ASSERT_TRUE(revoked.revoked_at);
    EXPECT_GE(us(*revoked.revoked_at), us(key.created_at));
    EXPECT_TRUE(run(db().revoke_api_key(user.id, key.id)));
    EXPECT_EQ(us(run(db().find_api_key_by_hash("hash-1")).value().revoked_at),
              us(revoked.revoked_at));
    EXPECT_FALSE(run(db().revoke_api_key(user.id, kUnknownId)));
}

TEST_P(StoreContract, TouchingAKeyRecordsItsLastUse) {
    const auto user = make_user();
    const auto key = run(db().create_api_key(user.id, "laptop", "ck_aaaa", "hash-1"));
    const auto before = store::now();
    run(db().touch_api_key(key.id));
    const auto touched = run(db().find_api_key_by_hash("hash-1")).value();
    ASSERT_TRUE(touched.last_used_at);
    EXPECT_GE(us(*touched.last_used_at), us(before));
    EXPECT_NO_THROW(run(db().touch_api_key(kUnknownId)));
}

// ---- revoked tokens ----

TEST_P(StoreContract, RevokedTokensAreReportedUntilPurgedAfterTheyExpire) {
    const auto user = make_user();
    run(db().revoke_token("expired-jti", user.id, store::now() - 1s));
    run(db().revoke_token("live-jti", user.id, store::now() + 1h));
    EXPECT_TRUE(run(db().is_token_revoked("expired-jti")));
    EXPECT_TRUE(run(db().is_token_revoked("live-jti")));
    EXPECT_FALSE(run(db().is_token_revoked("never-revoked")));

    EXPECT_EQ(run(db().purge_expired_tokens()), 1);
    EXPECT_FALSE(run(db().is_token_revoked("expired-jti")));
    EXPECT_TRUE(run(db().is_token_revoked("live-jti")));
    EXPECT_EQ(run(db().purge_expired_tokens()), 0);
}

TEST_P(StoreContract, RevokedTokensOfAUserListOnlyTheUnexpiredOnesOfThatUser) {
    const auto alice = make_user();
    const auto bob = make_user();
    run(db().revoke_token("alice-expired", alice.id, store::now() - 1s));
    run(db().revoke_token("alice-live-b", alice.id, store::now() + 1h));
    run(db().revoke_token("alice-live-a", alice.id, store::now() + 2h));
    run(db().revoke_token("bob-live", bob.id, store::now() + 1h));
    EXPECT_EQ(run(db().revoked_tokens(alice.id)),
              (std::vector<std::string>{"alice-live-a", "alice-live-b"}));
    EXPECT_EQ(run(db().revoked_tokens(bob.id)), (std::vector<std::string>{"bob-live"}));
    EXPECT_TRUE(run(db().revoked_tokens(kUnknownId)).empty());
    EXPECT_TRUE(run(db().revoked_tokens("not-a-uuid")).empty());
}

TEST_P(StoreContract, RevokingATokenTwiceIsHarmless) {
    const auto user = make_user();
    run(db().revoke_token("jti-1", user.id, store::now() + 1h));
    EXPECT_NO_THROW(run(db().revoke_token("jti-1", user.id, store::now() + 2h)));
    EXPECT_TRUE(run(db().is_token_revoked("jti-1")));
    EXPECT_EQ(counts(user).at("revoked_tokens"), 1);
}

}  // namespace
}  // namespace companion::testing::contract
