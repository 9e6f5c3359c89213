// The storage contract: every Store operation against every real backend, through
// support/stores.hpp. A backend that is not built yet fails here on purpose; it is never skipped.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <future>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "store/errors.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"
#include "support/async.hpp"
#include "support/stores.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;
using store::ApiKey;
using store::AuditEvent;
using store::Conversation;
using store::EmotionRecord;
using store::Goal;
using store::GoalStatus;
using store::Memory;
using store::Message;
using store::MessageRole;
using store::MessageStatus;
using store::Timestamp;
using store::User;

// Well-formed, but no row has it.
const std::string kUnknownId = "01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d21";
const std::vector<std::string> kMalformedIds = {"",
                                                "nope",
                                                "01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d2",
                                                "01936f0e8c4a7b3e9f1d2a6c5e4b3d21abcd",
                                                "' OR '1'='1",
                                                "01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d21' --"};
const std::set<std::string> kUserTables = {
    "users",    "api_keys",        "revoked_tokens", "conversations", "messages",
    "memories", "emotion_history", "goals",          "goal_progress", "audit_log"};

std::int64_t us(Timestamp time) {
    return time.time_since_epoch().count();
}

std::optional<std::int64_t> us(const std::optional<Timestamp>& time) {
    if (!time) return std::nullopt;
    return us(*time);
}

std::vector<std::uint32_t> bits(const std::vector<float>& values) {
    std::vector<std::uint32_t> result;
    for (const float value : values) result.push_back(std::bit_cast<std::uint32_t>(value));
    return result;
}

// Rows as comparable (and printable) tuples.
auto fields(const User& u) {
    return std::make_tuple(u.id, u.username, u.email, u.password_hash, u.is_local,
                           us(u.password_changed_at), us(u.created_at), us(u.updated_at));
}
auto fields(const ApiKey& k) {
    return std::make_tuple(k.id, k.user_id, k.name, k.prefix, k.key_hash, us(k.created_at),
                           us(k.last_used_at), us(k.revoked_at));
}
auto fields(const Conversation& c) {
    return std::make_tuple(c.id, c.user_id, c.title, us(c.created_at), us(c.updated_at),
                           c.message_count);
}
auto fields(const Message& m) {
    return std::make_tuple(m.id, m.conversation_id, m.user_id, m.role, m.content, m.status,
                           m.prompt_tokens, m.completion_tokens, m.latency_ms, m.model,
                           us(m.created_at));
}
auto fields(const Memory& m) {
    return std::make_tuple(m.id, m.user_id, m.conversation_id, m.source_message_id, m.content,
                           bits(m.embedding), m.embedding_model, m.embedding_dimension,
                           m.importance, m.access_count, us(m.created_at), us(m.updated_at),
                           us(m.last_accessed_at));
}
auto fields(const EmotionRecord& e) {
    return std::make_tuple(e.id, e.user_id, e.message_id, e.conversation_id, e.emotion, e.intensity,
                           e.valence, e.arousal, us(e.created_at));
}
auto fields(const Goal& g) {
    return std::make_tuple(g.id, g.user_id, g.title, g.description, g.status, g.progress,
                           g.target_date, us(g.created_at), us(g.updated_at), us(g.completed_at));
}
auto fields(const AuditEvent& a) {
    return std::make_tuple(a.id, us(a.occurred_at), a.user_id, a.username_tried, a.client_ip,
                           a.user_agent, a.event, a.outcome, a.reason);
}

template <class Row>
std::vector<std::string> ids(const std::vector<Row>& rows) {
    std::vector<std::string> result;
    for (const auto& row : rows) {
        if constexpr (std::is_same_v<Row, AuditEvent>) {
            result.push_back(std::to_string(row.id));
        } else {
            result.push_back(row.id);
        }
    }
    return result;
}

template <class Row>
std::vector<std::string> reversed_ids(const std::vector<Row>& rows) {
    auto result = ids(rows);
    std::reverse(result.begin(), result.end());
    return result;
}

// Follows next_cursor to the end; every page but the last is full.
template <class Fetch>
auto collect_pages(Fetch fetch, int page_size) {
    using PageType = decltype(fetch(page_size, std::optional<std::string>{}));
    decltype(PageType::rows) rows;
    std::optional<std::string> cursor;
    for (int pages = 0; pages < 10000; ++pages) {
        auto page = fetch(page_size, cursor);
        EXPECT_LE(page.rows.size(), static_cast<std::size_t>(page_size));
        rows.insert(rows.end(), page.rows.begin(), page.rows.end());
        if (!page.next_cursor) break;
        EXPECT_EQ(page.rows.size(), static_cast<std::size_t>(page_size));
        cursor = page.next_cursor;
    }
    return rows;
}

void expect_no_duplicates(const std::vector<std::string>& values) {
    EXPECT_EQ(std::set<std::string>(values.begin(), values.end()).size(), values.size());
}

store::Task<void> append_many(store::Store& db, Message base, int writer, int count) {
    for (int i = 0; i < count; ++i) {
        auto message = base;
        message.content = "writer " + std::to_string(writer) + " message " + std::to_string(i);
        auto appended = co_await db.append_message(std::move(message));
        if (!appended) throw std::runtime_error("append_message refused a valid conversation");
    }
}

// Everything one user can own, one row or two of each.
struct Footprint {
    User user;
    ApiKey key;
    std::string jti;
    Conversation conversation;
    std::vector<Message> messages;
    Memory memory;
    EmotionRecord emotion;
    Goal goal;
    std::int64_t audit_id = 0;
};

class StoreContract : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { store_ = make_test_store(GetParam(), loop_); }

    template <class T>
    T run(store::Task<T> task) {
        return loop_.run(std::move(task));
    }
    store::Store& db() { return *store_; }

    User make_user(std::string name = {}) {
        if (name.empty()) name = "user" + std::to_string(++counter_);
        return run(db().create_user(
            store::NewUser{name, name + "@example.com", "$argon2id$v=19$hash-of-" + name, false}));
    }

    Conversation make_conversation(const User& owner, std::string title = "chat") {
        return run(db().create_conversation(owner.id, std::move(title)));
    }

    static Message new_message(const User& owner, const Conversation& conversation,
                               std::string content) {
        Message message;
        message.conversation_id = conversation.id;
        message.user_id = owner.id;
        message.content = std::move(content);
        return message;
    }

    Message append(const User& owner, const Conversation& conversation, std::string content) {
        return run(db().append_message(new_message(owner, conversation, std::move(content))))
            .value();
    }

    static Memory new_memory(const User& owner, std::string content,
                             std::vector<float> embedding = {0.25f, -0.5f, 1.0f}) {
        Memory memory;
        memory.user_id = owner.id;
        memory.content = std::move(content);
        memory.embedding = std::move(embedding);
        memory.embedding_model = "builtin-hash-v1";
        memory.importance = 0.75;
        return memory;
    }

    Memory make_memory(const User& owner, std::string content) {
        return run(db().insert_memory(new_memory(owner, std::move(content))));
    }

    Goal make_goal(const User& owner, std::string title) {
        Goal goal;
        goal.user_id = owner.id;
        goal.title = std::move(title);
        goal.description = "because";
        goal.target_date = "2030-01-31";
        return run(db().create_goal(goal));
    }

    std::int64_t audit(const std::optional<std::string>& user_id, std::string event) {
        AuditEvent row;
        row.user_id = user_id;
        row.username_tried = "someone";
        row.client_ip = "192.0.2.7";
        row.user_agent = "tests/1.0";
        row.event = std::move(event);
        row.outcome = "success";
        return run(db().append_audit(row));
    }

    Footprint populate(const std::string& name) {
        Footprint f;
        f.user = make_user(name);
        f.key = run(db().create_api_key(f.user.id, "laptop", "ck_" + name, "sha256-of-" + name));
        f.jti = "jti-of-" + name;
        run(db().revoke_token(f.jti, f.user.id, store::now() + 1h));
        f.conversation = make_conversation(f.user, name + "'s chat");
        f.messages.push_back(append(f.user, f.conversation, "hello from " + name));
        f.messages.push_back(append(f.user, f.conversation, "bye from " + name));
        auto memory = new_memory(f.user, name + " likes tea");
        memory.conversation_id = f.conversation.id;
        memory.source_message_id = f.messages.front().id;
        f.memory = run(db().insert_memory(memory));
        EmotionRecord emotion;
        emotion.user_id = f.user.id;
        emotion.message_id = f.messages.front().id;
        emotion.conversation_id = f.conversation.id;
        emotion.emotion = "joy";
        emotion.intensity = 0.75;
        emotion.valence = 0.5;
        emotion.arousal = 0.25;
        f.emotion = run(db().insert_emotion(emotion));
        f.goal = make_goal(f.user, name + " runs 5k");
        f.goal = run(db().add_goal_progress(f.user.id, f.goal.id, 40, "halfway")).value();
        f.audit_id = audit(f.user.id, "login");
        return f;
    }

    std::map<std::string, std::int64_t> counts(const User& user) {
        return run(db().count_user_rows(user.id));
    }

    TestLoop loop_;  // declared first: outlives the store
    std::unique_ptr<store::Store> store_;
    int counter_ = 0;
};

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

TEST_P(StoreContract, RevokingATokenTwiceIsHarmless) {
    const auto user = make_user();
    run(db().revoke_token("jti-1", user.id, store::now() + 1h));
    EXPECT_NO_THROW(run(db().revoke_token("jti-1", user.id, store::now() + 2h)));
    EXPECT_TRUE(run(db().is_token_revoked("jti-1")));
    EXPECT_EQ(counts(user).at("revoked_tokens"), 1);
}

// ---- conversations ----

TEST_P(StoreContract, ConversationIsCreatedFoundRenamedAndDeleted) {
    const auto user = make_user();
    const auto before = store::now();
    const auto created = make_conversation(user, "first chat");
    EXPECT_EQ(created.user_id, user.id);
    EXPECT_EQ(created.title, "first chat");
    EXPECT_EQ(created.message_count, 0);
    EXPECT_GE(us(created.created_at), us(before));
    EXPECT_EQ(us(created.updated_at), us(created.created_at));
    EXPECT_EQ(fields(run(db().find_conversation(user.id, created.id)).value()), fields(created));

    EXPECT_TRUE(run(db().update_conversation_title(user.id, created.id, "renamed")));
    const auto renamed = run(db().find_conversation(user.id, created.id)).value();
    EXPECT_EQ(renamed.title, "renamed");
    EXPECT_GT(us(renamed.updated_at), us(created.updated_at));
    EXPECT_EQ(us(renamed.created_at), us(created.created_at));

    EXPECT_TRUE(run(db().delete_conversation(user.id, created.id)));
    EXPECT_FALSE(run(db().find_conversation(user.id, created.id)));
    EXPECT_FALSE(run(db().delete_conversation(user.id, created.id)));
    EXPECT_FALSE(run(db().update_conversation_title(user.id, created.id, "gone")));
    EXPECT_FALSE(run(db().find_conversation(user.id, kUnknownId)));
}

TEST_P(StoreContract, ConversationsAreListedMostRecentlyUpdatedFirst) {
    const auto user = make_user();
    const auto c1 = make_conversation(user, "one");
    const auto c2 = make_conversation(user, "two");
    const auto c3 = make_conversation(user, "three");
    auto page = run(db().list_conversations(user.id, 10, {}));
    EXPECT_EQ(ids(page.rows), (std::vector<std::string>{c3.id, c2.id, c1.id}));
    EXPECT_FALSE(page.next_cursor);

    append(user, c1, "bump");
    page = run(db().list_conversations(user.id, 10, {}));
    EXPECT_EQ(ids(page.rows), (std::vector<std::string>{c1.id, c3.id, c2.id}));
}

TEST_P(StoreContract, ConversationPagesHaveNoDuplicatesNoGapsAndAStableOrder) {
    const auto user = make_user();
    const auto other = make_user();
    std::vector<Conversation> created;
    for (int i = 0; i < 25; ++i) {
        created.push_back(make_conversation(user, "chat " + std::to_string(i)));
        make_conversation(other, "noise");
    }
    const auto fetch = [&](int limit, std::optional<std::string> cursor) {
        return run(db().list_conversations(user.id, limit, cursor));
    };
    const auto rows = collect_pages(fetch, 7);
    expect_no_duplicates(ids(rows));
    EXPECT_EQ(ids(rows), reversed_ids(created));

    const auto first = fetch(7, std::nullopt);
    ASSERT_TRUE(first.next_cursor);
    EXPECT_EQ(ids(fetch(7, first.next_cursor).rows), ids(fetch(7, first.next_cursor).rows));
}

TEST_P(StoreContract, PageSizesAreClampedToOneThroughAThousand) {
    const auto user = make_user();
    for (int i = 0; i < 3; ++i) make_conversation(user);
    for (const int limit : {0, -7}) {
        const auto page = run(db().list_conversations(user.id, limit, {}));
        EXPECT_EQ(page.rows.size(), 1u) << limit;
        EXPECT_TRUE(page.next_cursor) << limit;
    }
    EXPECT_EQ(run(db().list_conversations(user.id, 5000, {})).rows.size(), 3u);

    for (int i = 0; i < 1001; ++i) audit(user.id, "login");
    const auto page = run(db().list_audit(user.id, 5000, {}));
    EXPECT_EQ(page.rows.size(), 1000u);
    EXPECT_TRUE(page.next_cursor);
}

TEST_P(StoreContract, InvalidCursorsAreRejected) {
    const auto user = make_user();
    const auto conversation = make_conversation(user);
    const std::vector<std::string> bad = {"garbage",          "123",
                                          "_" + kUnknownId,   "12_not-a-uuid",
                                          "x1_" + kUnknownId, "12_" + kUnknownId + "x"};
    for (const auto& cursor : bad) {
        EXPECT_THROW(run(db().list_conversations(user.id, 10, cursor)), std::invalid_argument)
            << cursor;
        EXPECT_THROW(run(db().list_messages(user.id, conversation.id, 10, cursor)),
                     std::invalid_argument)
            << cursor;
        EXPECT_THROW(run(db().list_memories(user.id, 10, cursor)), std::invalid_argument) << cursor;
        EXPECT_THROW(run(db().list_audit(user.id, 10, cursor)), std::invalid_argument) << cursor;
    }
    // A cursor of a keyset on (time, id) carries an id; an audit cursor (unique key) does not.
    EXPECT_THROW(run(db().list_conversations(user.id, 10, "5_")), std::invalid_argument);
    EXPECT_THROW(run(db().list_audit(user.id, 10, "5_" + kUnknownId)), std::invalid_argument);
}

// ---- messages ----

TEST_P(StoreContract, AppendedMessageKeepsItsFieldsAndBumpsTheConversation) {
    const auto user = make_user();
    const auto conversation = make_conversation(user);
    auto message = new_message(user, conversation, "Hi! Ünïcödé 👋");
    message.role = MessageRole::assistant;
    message.status = MessageStatus::interrupted;
    message.prompt_tokens = 120;
    message.completion_tokens = 45;
    message.latency_ms = 830;
    message.model = "qwen2.5-7b-instruct";
    const auto before = store::now();
    const auto appended = run(db().append_message(message)).value();
    EXPECT_EQ(appended.id.size(), 36u);
    EXPECT_GE(us(appended.created_at), us(before));
    message.id = appended.id;
    message.created_at = appended.created_at;
    EXPECT_EQ(fields(appended), fields(message));

    const auto listed = run(db().list_messages(user.id, conversation.id, 10, {}));
    ASSERT_EQ(listed.rows.size(), 1u);
    EXPECT_EQ(fields(listed.rows[0]), fields(message));

    const auto bumped = run(db().find_conversation(user.id, conversation.id)).value();
    EXPECT_EQ(bumped.message_count, 1);
    EXPECT_GT(us(bumped.updated_at), us(conversation.updated_at));
    EXPECT_GE(us(bumped.updated_at), us(appended.created_at));
}

TEST_P(StoreContract, AppendingToAMissingConversationGivesNothing) {
    const auto user = make_user();
    Message message;
    message.user_id = user.id;
    message.conversation_id = kUnknownId;
    message.content = "into the void";
    EXPECT_FALSE(run(db().append_message(message)));
    EXPECT_EQ(counts(user).at("messages"), 0);
}

TEST_P(StoreContract, MessagePagesAreOldestFirstWithoutDuplicatesOrGaps) {
    const auto user = make_user();
    const auto conversation = make_conversation(user);
    const auto elsewhere = make_conversation(user);
    std::vector<Message> appended;
    for (int i = 0; i < 23; ++i) {
        appended.push_back(append(user, conversation, "message " + std::to_string(i)));
        append(user, elsewhere, "noise");
    }
    const auto rows = collect_pages(
        [&](int limit, std::optional<std::string> cursor) {
            return run(db().list_messages(user.id, conversation.id, limit, cursor));
        },
        5);
    expect_no_duplicates(ids(rows));
    EXPECT_EQ(ids(rows), ids(appended));
}

TEST_P(StoreContract, RecentMessagesAreTheLastNOldestFirst) {
    const auto user = make_user();
    const auto conversation = make_conversation(user);
    std::vector<Message> appended;
    for (int i = 0; i < 10; ++i) {
        appended.push_back(append(user, conversation, "message " + std::to_string(i)));
    }
    const auto recent = run(db().recent_messages(user.id, conversation.id, 3));
    EXPECT_EQ(ids(recent),
              (std::vector<std::string>{appended[7].id, appended[8].id, appended[9].id}));
    EXPECT_EQ(ids(run(db().recent_messages(user.id, conversation.id, 50))), ids(appended));
    EXPECT_TRUE(run(db().recent_messages(user.id, kUnknownId, 3)).empty());
}

TEST_P(StoreContract, ConcurrentAppendsToOneConversationKeepEveryMessage) {
    const auto user = make_user();
    const auto conversation = make_conversation(user);
    constexpr int kWriters = 8;
    constexpr int kPerWriter = 50;
    std::vector<std::future<void>> writers;
    for (int writer = 0; writer < kWriters; ++writer) {
        writers.push_back(loop_.start(
            append_many(db(), new_message(user, conversation, ""), writer, kPerWriter)));
    }
    for (auto& writer : writers) writer.get();

    EXPECT_EQ(run(db().find_conversation(user.id, conversation.id)).value().message_count,
              kWriters * kPerWriter);
    const auto rows = collect_pages(
        [&](int limit, std::optional<std::string> cursor) {
            return run(db().list_messages(user.id, conversation.id, limit, cursor));
        },
        100);
    std::set<std::string> contents;
    for (const auto& row : rows) contents.insert(row.content);
    EXPECT_EQ(rows.size(), static_cast<std::size_t>(kWriters * kPerWriter));
    EXPECT_EQ(contents.size(), static_cast<std::size_t>(kWriters * kPerWriter));
    for (std::size_t i = 1; i < rows.size(); ++i) {
        EXPECT_LE(us(rows[i - 1].created_at), us(rows[i].created_at));
    }
}

TEST_P(StoreContract, DeletingAConversationDeletesItsMessagesAndDetachesMemoriesAndEmotions) {
    const auto alice = populate("alice");
    EXPECT_TRUE(run(db().delete_conversation(alice.user.id, alice.conversation.id)));
    EXPECT_EQ(counts(alice.user).at("messages"), 0);
    EXPECT_TRUE(run(db().list_messages(alice.user.id, alice.conversation.id, 10, {})).rows.empty());

    const auto memory = run(db().find_memory(alice.user.id, alice.memory.id)).value();
    EXPECT_FALSE(memory.conversation_id);
    EXPECT_FALSE(memory.source_message_id);
    EXPECT_EQ(memory.content, alice.memory.content);
    const auto emotions =
        run(db().list_emotions(alice.user.id, Timestamp{}, store::now() + 1h, 10));
    ASSERT_EQ(emotions.size(), 1u);
    EXPECT_FALSE(emotions[0].message_id);
    EXPECT_FALSE(emotions[0].conversation_id);
}

// ---- memories ----

TEST_P(StoreContract, MemoryEmbeddingsRoundTripBitForBit) {
    const auto user = make_user();
    std::vector<float> embedding = {-0.0f,
                                    std::numeric_limits<float>::denorm_min(),
                                    std::numeric_limits<float>::min(),
                                    std::numeric_limits<float>::max(),
                                    std::numeric_limits<float>::lowest(),
                                    1.0f / 3.0f,
                                    3.14159265f,
                                    -1e-30f};
    std::uint32_t state = 12345;
    while (embedding.size() < 384) {
        state = state * 1664525u + 1013904223u;
        embedding.push_back(static_cast<float>(state) / 4294967296.0f - 0.5f);
    }
    const auto inserted = run(db().insert_memory(new_memory(user, "bits", embedding)));
    EXPECT_EQ(inserted.embedding_dimension, 384);
    EXPECT_EQ(bits(inserted.embedding), bits(embedding));
    EXPECT_EQ(bits(run(db().find_memory(user.id, inserted.id)).value().embedding), bits(embedding));
    EXPECT_EQ(bits(run(db().load_memories(user.id)).at(0).embedding), bits(embedding));
    EXPECT_EQ(bits(run(db().list_memories(user.id, 10, {})).rows.at(0).embedding), bits(embedding));
}

TEST_P(StoreContract, MemoryIsFoundUpdatedAndDeleted) {
    const auto user = make_user();
    const auto before = store::now();
    const auto inserted = make_memory(user, "likes tea");
    EXPECT_EQ(inserted.user_id, user.id);
    EXPECT_EQ(inserted.embedding_dimension, 3);
    EXPECT_EQ(inserted.embedding_model, "builtin-hash-v1");
    EXPECT_EQ(inserted.importance, 0.75);
    EXPECT_EQ(inserted.access_count, 0);
    EXPECT_FALSE(inserted.last_accessed_at);
    EXPECT_GE(us(inserted.created_at), us(before));
    EXPECT_EQ(fields(run(db().find_memory(user.id, inserted.id)).value()), fields(inserted));

    store::MemoryUpdate content_only;
    content_only.content = "likes green tea";
    const auto renamed = run(db().update_memory(user.id, inserted.id, content_only)).value();
    EXPECT_EQ(renamed.content, "likes green tea");
    EXPECT_EQ(bits(renamed.embedding), bits(inserted.embedding));
    EXPECT_EQ(renamed.importance, 0.75);
    EXPECT_GT(us(renamed.updated_at), us(inserted.updated_at));

    store::MemoryUpdate reembedded;
    reembedded.embedding = std::vector<float>{0.5f, 0.25f, 0.125f, 1.0f, -2.0f};
    reembedded.embedding_model = "text-embedding-3-small";
    reembedded.importance = 0.25;
    const auto updated = run(db().update_memory(user.id, inserted.id, reembedded)).value();
    EXPECT_EQ(updated.content, "likes green tea");
    EXPECT_EQ(bits(updated.embedding), bits(*reembedded.embedding));
    EXPECT_EQ(updated.embedding_dimension, 5);
    EXPECT_EQ(updated.embedding_model, "text-embedding-3-small");
    EXPECT_EQ(updated.importance, 0.25);
    EXPECT_EQ(fields(run(db().find_memory(user.id, inserted.id)).value()), fields(updated));

    EXPECT_FALSE(run(db().update_memory(user.id, kUnknownId, content_only)));
    EXPECT_TRUE(run(db().delete_memory(user.id, inserted.id)));
    EXPECT_FALSE(run(db().find_memory(user.id, inserted.id)));
    EXPECT_FALSE(run(db().delete_memory(user.id, inserted.id)));
}

TEST_P(StoreContract, DeletingAllMemoriesCountsThem) {
    const auto user = make_user();
    const auto other = make_user();
    for (int i = 0; i < 3; ++i) make_memory(user, "memory " + std::to_string(i));
    make_memory(other, "kept");
    EXPECT_EQ(run(db().delete_all_memories(user.id)), 3);
    EXPECT_EQ(run(db().delete_all_memories(user.id)), 0);
    EXPECT_EQ(counts(other).at("memories"), 1);
}

TEST_P(StoreContract, MemoriesAreListedNewestFirstInPages) {
    const auto user = make_user();
    const auto other = make_user();
    std::vector<Memory> inserted;
    for (int i = 0; i < 12; ++i) {
        inserted.push_back(make_memory(user, "memory " + std::to_string(i)));
        make_memory(other, "noise");
    }
    const auto rows = collect_pages(
        [&](int limit, std::optional<std::string> cursor) {
            return run(db().list_memories(user.id, limit, cursor));
        },
        5);
    expect_no_duplicates(ids(rows));
    EXPECT_EQ(ids(rows), reversed_ids(inserted));
}

TEST_P(StoreContract, LoadingMemoriesGivesEveryMemoryOfTheUserWithItsEmbedding) {
    const auto user = make_user();
    const auto other = make_user();
    std::map<std::string, Memory> inserted;
    for (int i = 0; i < 3; ++i) {
        const auto memory = make_memory(user, "memory " + std::to_string(i));
        inserted[memory.id] = memory;
    }
    make_memory(other, "noise");
    const auto loaded = run(db().load_memories(user.id));
    ASSERT_EQ(loaded.size(), 3u);
    for (const auto& memory : loaded) {
        ASSERT_TRUE(inserted.count(memory.id)) << memory.id;
        EXPECT_EQ(fields(memory), fields(inserted.at(memory.id)));
    }
}

TEST_P(StoreContract, TouchingMemoriesCountsEachRecallOnce) {
    const auto user = make_user();
    const auto m1 = make_memory(user, "one");
    const auto m2 = make_memory(user, "two");
    const auto m3 = make_memory(user, "three");
    const auto before = store::now();
    run(db().touch_memories(user.id, {m1.id, m1.id, m2.id, kUnknownId, "not-an-id"}));
    const auto t1 = run(db().find_memory(user.id, m1.id)).value();
    EXPECT_EQ(t1.access_count, 1);
    ASSERT_TRUE(t1.last_accessed_at);
    EXPECT_GE(us(*t1.last_accessed_at), us(before));
    EXPECT_EQ(run(db().find_memory(user.id, m2.id)).value().access_count, 1);
    const auto t3 = run(db().find_memory(user.id, m3.id)).value();
    EXPECT_EQ(t3.access_count, 0);
    EXPECT_FALSE(t3.last_accessed_at);

    run(db().touch_memories(user.id, {m1.id}));
    EXPECT_EQ(run(db().find_memory(user.id, m1.id)).value().access_count, 2);
    EXPECT_NO_THROW(run(db().touch_memories(user.id, {})));
}

// ---- emotions ----

TEST_P(StoreContract, EmotionsAreListedOldestFirstWithinAHalfOpenRange) {
    const auto user = make_user();
    const auto other = make_user();
    std::vector<EmotionRecord> inserted;
    for (const char* name : {"joy", "sadness", "trust"}) {
        EmotionRecord record;
        record.user_id = user.id;
        record.emotion = name;
        record.intensity = 0.5;
        record.valence = -0.25;
        record.arousal = 0.125;
        inserted.push_back(run(db().insert_emotion(record)));
        record.user_id = other.id;
        run(db().insert_emotion(record));
    }
    EXPECT_EQ(inserted[0].emotion, "joy");
    EXPECT_FALSE(inserted[0].message_id);

    const auto first_two =
        run(db().list_emotions(user.id, inserted[0].created_at, inserted[2].created_at, 10));
    ASSERT_EQ(first_two.size(), 2u);
    EXPECT_EQ(fields(first_two[0]), fields(inserted[0]));
    EXPECT_EQ(fields(first_two[1]), fields(inserted[1]));

    const auto last_two =
        run(db().list_emotions(user.id, inserted[1].created_at, inserted[2].created_at + 1us, 10));
    EXPECT_EQ(ids(last_two), (std::vector<std::string>{inserted[1].id, inserted[2].id}));

    const auto everything = Timestamp{};
    EXPECT_EQ(ids(run(db().list_emotions(user.id, everything, store::now() + 1h, 1))),
              (std::vector<std::string>{inserted[0].id}));
    EXPECT_EQ(ids(run(db().list_emotions(user.id, everything, store::now() + 1h, 10))),
              ids(inserted));
}

// ---- goals ----

TEST_P(StoreContract, GoalIsCreatedFoundUpdatedAndDeleted) {
    const auto user = make_user();
    const auto created = make_goal(user, "run 5k");
    EXPECT_EQ(created.title, "run 5k");
    EXPECT_EQ(created.description, "because");
    EXPECT_EQ(created.status, GoalStatus::active);
    EXPECT_EQ(created.progress, 0);
    EXPECT_EQ(created.target_date, "2030-01-31");
    EXPECT_FALSE(created.completed_at);
    EXPECT_EQ(fields(run(db().find_goal(user.id, created.id)).value()), fields(created));

    store::GoalUpdate title_only;
    title_only.title = "run 10k";
    const auto retitled = run(db().update_goal(user.id, created.id, title_only)).value();
    EXPECT_EQ(retitled.title, "run 10k");
    EXPECT_EQ(retitled.description, "because");
    EXPECT_EQ(retitled.target_date, "2030-01-31");
    EXPECT_GT(us(retitled.updated_at), us(created.updated_at));

    store::GoalUpdate clear_date;
    clear_date.target_date = std::optional<std::string>{};
    clear_date.description = "for health";
    const auto cleared = run(db().update_goal(user.id, created.id, clear_date)).value();
    EXPECT_FALSE(cleared.target_date);
    EXPECT_EQ(cleared.description, "for health");

    store::GoalUpdate set_date;
    set_date.target_date = std::optional<std::string>{"2031-06-15"};
    EXPECT_EQ(run(db().update_goal(user.id, created.id, set_date)).value().target_date,
              "2031-06-15");

    EXPECT_FALSE(run(db().update_goal(user.id, kUnknownId, title_only)));
    EXPECT_TRUE(run(db().delete_goal(user.id, created.id)));
    EXPECT_FALSE(run(db().find_goal(user.id, created.id)));
    EXPECT_FALSE(run(db().delete_goal(user.id, created.id)));
}

TEST_P(StoreContract, GoalsAreListedNewestFirstAndFilteredByStatus) {
    const auto user = make_user();
    const auto g1 = make_goal(user, "one");
    const auto g2 = make_goal(user, "two");
    const auto g3 = make_goal(user, "three");
    store::GoalUpdate abandon;
    abandon.status = GoalStatus::abandoned;
    run(db().update_goal(user.id, g3.id, abandon));
    make_goal(make_user(), "someone else's");

    EXPECT_EQ(ids(run(db().list_goals(user.id, std::nullopt))),
              (std::vector<std::string>{g3.id, g2.id, g1.id}));
    EXPECT_EQ(ids(run(db().list_goals(user.id, GoalStatus::active))),
              (std::vector<std::string>{g2.id, g1.id}));
    EXPECT_EQ(ids(run(db().list_goals(user.id, GoalStatus::abandoned))),
              (std::vector<std::string>{g3.id}));
    EXPECT_TRUE(run(db().list_goals(user.id, GoalStatus::completed)).empty());
}

TEST_P(StoreContract, CompletingAGoalStampsCompletedAtAndOtherStatusesClearIt) {
    const auto user = make_user();
    const auto goal = make_goal(user, "read a book");
    store::GoalUpdate complete;
    complete.status = GoalStatus::completed;
    const auto completed = run(db().update_goal(user.id, goal.id, complete)).value();
    EXPECT_EQ(completed.status, GoalStatus::completed);
    ASSERT_TRUE(completed.completed_at);
    EXPECT_GE(us(*completed.completed_at), us(goal.created_at));

    const auto again = run(db().update_goal(user.id, goal.id, complete)).value();
    EXPECT_EQ(us(again.completed_at), us(completed.completed_at));

    for (const auto status : {GoalStatus::active, GoalStatus::abandoned}) {
        run(db().update_goal(user.id, goal.id, complete));
        store::GoalUpdate change;
        change.status = status;
        const auto changed = run(db().update_goal(user.id, goal.id, change)).value();
        EXPECT_EQ(changed.status, status);
        EXPECT_FALSE(changed.completed_at);
    }
}

TEST_P(StoreContract, ProgressOfOneHundredCompletesTheGoal) {
    const auto user = make_user();
    const auto goal = make_goal(user, "learn piano");
    const auto started = run(db().add_goal_progress(user.id, goal.id, 30, "scales")).value();
    EXPECT_EQ(started.progress, 30);
    EXPECT_EQ(started.status, GoalStatus::active);
    EXPECT_FALSE(started.completed_at);

    const auto done = run(db().add_goal_progress(user.id, goal.id, 100, "recital")).value();
    EXPECT_EQ(done.progress, 100);
    EXPECT_EQ(done.status, GoalStatus::completed);
    ASSERT_TRUE(done.completed_at);
    EXPECT_EQ(fields(run(db().find_goal(user.id, goal.id)).value()), fields(done));

    const auto history = run(db().list_goal_progress(user.id, goal.id));
    ASSERT_EQ(history.size(), 2u);
    EXPECT_EQ(history[0].progress, 30);
    EXPECT_EQ(history[0].note, "scales");
    EXPECT_EQ(history[0].goal_id, goal.id);
    EXPECT_EQ(history[0].user_id, user.id);
    EXPECT_EQ(history[1].progress, 100);
    EXPECT_EQ(history[1].note, "recital");
    EXPECT_LE(us(history[0].created_at), us(history[1].created_at));
    EXPECT_FALSE(run(db().add_goal_progress(user.id, kUnknownId, 50, "")));
}

TEST_P(StoreContract, ProgressOutsideZeroToOneHundredIsRejected) {
    const auto user = make_user();
    const auto goal = make_goal(user, "swim");
    EXPECT_THROW(run(db().add_goal_progress(user.id, goal.id, -1, "")), std::invalid_argument);
    EXPECT_THROW(run(db().add_goal_progress(user.id, goal.id, 101, "")), std::invalid_argument);
    EXPECT_EQ(fields(run(db().find_goal(user.id, goal.id)).value()), fields(goal));
    EXPECT_TRUE(run(db().list_goal_progress(user.id, goal.id)).empty());
}

// ---- audit log ----

TEST_P(StoreContract, AuditEventsAreListedNewestFirstInPages) {
    const auto user = make_user();
    const auto other = make_user();
    std::vector<std::int64_t> mine;
    std::int64_t previous = 0;
    for (int i = 0; i < 12; ++i) {
        mine.push_back(audit(user.id, "login"));
        EXPECT_GT(mine.back(), previous);
        previous = mine.back();
        audit(other.id, "login");
        audit(std::nullopt, "login");
    }
    const auto rows = collect_pages(
        [&](int limit, std::optional<std::string> cursor) {
            return run(db().list_audit(user.id, limit, cursor));
        },
        5);
    std::vector<std::string> expected;
    for (auto it = mine.rbegin(); it != mine.rend(); ++it) expected.push_back(std::to_string(*it));
    EXPECT_EQ(ids(rows), expected);

    AuditEvent event;
    event.user_id = user.id;
    event.event = "api_key_created";
    event.outcome = "failure";
    event.reason = "too many keys";
    const auto before = store::now();
    event.id = run(db().append_audit(event));
    const auto newest = run(db().list_audit(user.id, 1, {})).rows.at(0);
    EXPECT_GE(us(newest.occurred_at), us(before));
    event.occurred_at = newest.occurred_at;
    EXPECT_EQ(fields(newest), fields(event));
}

// ---- one user never sees or changes another's rows ----

TEST_P(StoreContract, AnotherUserCannotReadOrChangeConversationsOrMessages) {
    const auto alice = populate("alice");
    const auto bob = make_user("bob");
    const auto& a = alice.conversation;
    const auto conversation_before = run(db().find_conversation(alice.user.id, a.id)).value();

    EXPECT_FALSE(run(db().find_conversation(bob.id, a.id)));
    EXPECT_TRUE(run(db().list_conversations(bob.id, 10, {})).rows.empty());
    EXPECT_FALSE(run(db().update_conversation_title(bob.id, a.id, "mine now")));
    EXPECT_FALSE(run(db().delete_conversation(bob.id, a.id)));
    EXPECT_FALSE(run(db().append_message(new_message(bob, a, "intrusion"))));
    EXPECT_TRUE(run(db().list_messages(bob.id, a.id, 10, {})).rows.empty());
    EXPECT_TRUE(run(db().recent_messages(bob.id, a.id, 10)).empty());

    EXPECT_EQ(fields(run(db().find_conversation(alice.user.id, a.id)).value()),
              fields(conversation_before));
    EXPECT_EQ(ids(run(db().list_messages(alice.user.id, a.id, 10, {})).rows), ids(alice.messages));
    EXPECT_EQ(counts(bob).at("messages"), 0);
}

TEST_P(StoreContract, AnotherUserCannotReadOrChangeMemories) {
    const auto alice = populate("alice");
    const auto bob = make_user("bob");
    const auto& id = alice.memory.id;
    store::MemoryUpdate update;
    update.content = "mine now";
    update.importance = 1.0;

    EXPECT_FALSE(run(db().find_memory(bob.id, id)));
    EXPECT_TRUE(run(db().list_memories(bob.id, 10, {})).rows.empty());
    EXPECT_TRUE(run(db().load_memories(bob.id)).empty());
    EXPECT_FALSE(run(db().update_memory(bob.id, id, update)));
    run(db().touch_memories(bob.id, {id}));
    EXPECT_FALSE(run(db().delete_memory(bob.id, id)));
    EXPECT_EQ(run(db().delete_all_memories(bob.id)), 0);

    EXPECT_EQ(fields(run(db().find_memory(alice.user.id, id)).value()), fields(alice.memory));
}

TEST_P(StoreContract, NewRowsCannotReferToAnotherUsersConversationOrMessage) {
    const auto alice = populate("alice");
    const auto bob = make_user("bob");
    auto memory = new_memory(bob, "stolen link");
    memory.conversation_id = alice.conversation.id;
    EXPECT_THROW(run(db().insert_memory(memory)), std::invalid_argument);
    memory.conversation_id.reset();
    memory.source_message_id = alice.messages.front().id;
    EXPECT_THROW(run(db().insert_memory(memory)), std::invalid_argument);

    EmotionRecord emotion;
    emotion.user_id = bob.id;
    emotion.emotion = "anger";
    emotion.message_id = alice.messages.front().id;
    EXPECT_THROW(run(db().insert_emotion(emotion)), std::invalid_argument);
    emotion.message_id.reset();
    emotion.conversation_id = alice.conversation.id;
    EXPECT_THROW(run(db().insert_emotion(emotion)), std::invalid_argument);

    EXPECT_EQ(counts(bob).at("memories"), 0);
    EXPECT_EQ(counts(bob).at("emotion_history"), 0);
}

TEST_P(StoreContract, NewRowsOfAUserThatDoesNotExistAreRejected) {
    EXPECT_THROW(run(db().create_conversation(kUnknownId, "orphan")), std::invalid_argument);
    EXPECT_THROW(run(db().create_api_key(kUnknownId, "k", "ck_x", "hash-x")),
                 std::invalid_argument);
    auto goal = Goal{};
    goal.user_id = kUnknownId;
    goal.title = "orphan";
    EXPECT_THROW(run(db().create_goal(goal)), std::invalid_argument);
}

TEST_P(StoreContract, AnotherUserCannotReadOrChangeGoals) {
    const auto alice = populate("alice");
    const auto bob = make_user("bob");
    const auto& id = alice.goal.id;
    store::GoalUpdate update;
    update.title = "mine now";
    update.status = GoalStatus::completed;

    EXPECT_FALSE(run(db().find_goal(bob.id, id)));
    EXPECT_TRUE(run(db().list_goals(bob.id, std::nullopt)).empty());
    EXPECT_FALSE(run(db().update_goal(bob.id, id, update)));
    EXPECT_FALSE(run(db().add_goal_progress(bob.id, id, 100, "done")));
    EXPECT_TRUE(run(db().list_goal_progress(bob.id, id)).empty());
    EXPECT_FALSE(run(db().delete_goal(bob.id, id)));

    EXPECT_EQ(fields(run(db().find_goal(alice.user.id, id)).value()), fields(alice.goal));
    EXPECT_EQ(run(db().list_goal_progress(alice.user.id, id)).size(), 1u);
}

TEST_P(StoreContract, AnotherUserCannotListOrRevokeApiKeys) {
    const auto alice = populate("alice");
    const auto bob = make_user("bob");
    EXPECT_TRUE(run(db().list_api_keys(bob.id)).empty());
    EXPECT_FALSE(run(db().revoke_api_key(bob.id, alice.key.id)));
    EXPECT_EQ(fields(run(db().find_api_key_by_hash(alice.key.key_hash)).value()),
              fields(alice.key));
}

TEST_P(StoreContract, AnotherUserSeesNoneOfTheEmotionsAuditEventsOrCounts) {
    const auto alice = populate("alice");
    const auto bob = make_user("bob");
    EXPECT_TRUE(run(db().list_emotions(bob.id, Timestamp{}, store::now() + 1h, 100)).empty());
    EXPECT_TRUE(run(db().list_audit(bob.id, 100, {})).rows.empty());
    for (const auto& [table, count] : counts(bob)) {
        EXPECT_EQ(count, table == "users" ? 1 : 0) << table;
    }
    EXPECT_EQ(run(db().list_emotions(alice.user.id, Timestamp{}, store::now() + 1h, 100)).size(),
              1u);
}

TEST_P(StoreContract, MalformedIdsAreNotFoundNeverAnError) {
    const auto alice = populate("alice");
    const auto& me = alice.user.id;
    store::MemoryUpdate memory_update;
    memory_update.content = "x";
    store::GoalUpdate goal_update;
    goal_update.title = "x";
    for (const auto& bad : kMalformedIds) {
        SCOPED_TRACE("id: " + bad);
        EXPECT_FALSE(run(db().find_user(bad)));
        EXPECT_FALSE(run(db().update_password(bad, "hash")));
        EXPECT_FALSE(run(db().delete_user(bad)));
        EXPECT_TRUE(run(db().list_api_keys(bad)).empty());
        EXPECT_FALSE(run(db().find_api_key_by_hash(bad)));
        EXPECT_FALSE(run(db().revoke_api_key(me, bad)));
        EXPECT_FALSE(run(db().revoke_api_key(bad, alice.key.id)));
        EXPECT_NO_THROW(run(db().touch_api_key(bad)));
        EXPECT_FALSE(run(db().is_token_revoked(bad)));
        EXPECT_FALSE(run(db().find_conversation(me, bad)));
        EXPECT_FALSE(run(db().find_conversation(bad, alice.conversation.id)));
        EXPECT_TRUE(run(db().list_conversations(bad, 10, {})).rows.empty());
        EXPECT_FALSE(run(db().update_conversation_title(me, bad, "x")));
        EXPECT_FALSE(run(db().delete_conversation(me, bad)));
        Message message = new_message(alice.user, alice.conversation, "x");
        message.conversation_id = bad;
        EXPECT_FALSE(run(db().append_message(message)));
        message = new_message(alice.user, alice.conversation, "x");
        message.user_id = bad;
        EXPECT_FALSE(run(db().append_message(message)));
        EXPECT_TRUE(run(db().list_messages(me, bad, 10, {})).rows.empty());
        EXPECT_TRUE(run(db().recent_messages(bad, alice.conversation.id, 10)).empty());
        EXPECT_FALSE(run(db().find_memory(me, bad)));
        EXPECT_TRUE(run(db().list_memories(bad, 10, {})).rows.empty());
        EXPECT_TRUE(run(db().load_memories(bad)).empty());
        EXPECT_FALSE(run(db().update_memory(me, bad, memory_update)));
        EXPECT_NO_THROW(run(db().touch_memories(me, {bad})));
        EXPECT_NO_THROW(run(db().touch_memories(bad, {alice.memory.id})));
        EXPECT_FALSE(run(db().delete_memory(me, bad)));
        EXPECT_EQ(run(db().delete_all_memories(bad)), 0);
        EXPECT_TRUE(run(db().list_emotions(bad, Timestamp{}, store::now() + 1h, 10)).empty());
        EXPECT_FALSE(run(db().find_goal(me, bad)));
        EXPECT_TRUE(run(db().list_goals(bad, std::nullopt)).empty());
        EXPECT_FALSE(run(db().update_goal(me, bad, goal_update)));
        EXPECT_FALSE(run(db().delete_goal(me, bad)));
        EXPECT_FALSE(run(db().add_goal_progress(me, bad, 50, "")));
        EXPECT_TRUE(run(db().list_goal_progress(me, bad)).empty());
        EXPECT_TRUE(run(db().list_audit(bad, 10, {})).rows.empty());
        for (const auto& [table, count] : run(db().count_user_rows(bad))) {
            EXPECT_EQ(count, 0) << table;
        }
    }
    EXPECT_EQ(fields(run(db().find_memory(me, alice.memory.id)).value()), fields(alice.memory));
    EXPECT_EQ(counts(alice.user).at("messages"), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             return info.param;
                         });

}  // namespace
}  // namespace companion::testing
