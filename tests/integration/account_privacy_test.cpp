// GET /api/v1/users/me/export and DELETE /api/v1/users/me against the real binary on both storage
// backends. Rows without endpoints of their own yet (memories, emotions, goals) are seeded through
// a store instance of the test's own on the service's database.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "store/store.hpp"
#include "support/auth_api.hpp"
#include "support/service.hpp"
#include "support/stores.hpp"

namespace companion::testing {
namespace {

using store::Task;

// What one user owns, with the ids the export must list.
struct Owned {
    std::string user_id;
    std::string token;
    std::string api_key;
    std::string conversation_id;
    std::set<std::string> message_ids;
    std::string memory_id;
    std::string emotion_id;
    std::string goal_id;
    std::string goal_progress_id;
};

class AccountPrivacy : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        database_ = std::make_unique<ServiceDatabase>(make_service_database(GetParam()));
        service_ = std::make_unique<Service>(database_->env);
        api_ = std::make_unique<AuthApi>(service_->port());
        store_ = database_->open();
    }
    void TearDown() override {
        if (store_) store_->close();
    }

    template <class T>
    T run(Task<T> task) {
        return loop_.run(std::move(task));
    }

    Owned populate(const std::string& name) {
        Owned owned;
        owned.token = api_->token_for(name);
        EXPECT_FALSE(owned.token.empty());
        owned.user_id = json_of(api_->get("/api/v1/auth/me", owned.token)).at("id").as_string();
        const auto key = api_->post("/api/v1/auth/api-keys", {{"name", name + "'s laptop"}},
                                    owned.token);
        owned.api_key = json_of(key).at("key").as_string();
        EXPECT_EQ(api_->get("/api/v1/auth/me", owned.api_key).status, 200u);

        auto& db = *store_;
        const auto conversation = run(db.create_conversation(owned.user_id, name + " chats"));
        owned.conversation_id = conversation.id;
        for (const std::string& text : {"hello, I am " + name, name + " likes green tea"}) {
            store::Message message;
            message.user_id = owned.user_id;
            message.conversation_id = conversation.id;
            message.content = text;
            owned.message_ids.insert(run(db.append_message(message)).value().id);
        }
        store::Memory memory;
        memory.user_id = owned.user_id;
        memory.conversation_id = conversation.id;
        memory.content = name + " likes green tea";
        memory.embedding = {0.5f, 0.25f, -0.75f};
        memory.embedding_model = "builtin-hash-v1";
        owned.memory_id = run(db.insert_memory(memory)).id;
        store::EmotionRecord emotion;
        emotion.user_id = owned.user_id;
        emotion.conversation_id = conversation.id;
        emotion.emotion = "joy";
        emotion.intensity = 0.5;
        owned.emotion_id = run(db.insert_emotion(emotion)).id;
        store::Goal goal;
        goal.user_id = owned.user_id;
        goal.title = name + " runs a marathon";
        owned.goal_id = run(db.create_goal(goal)).id;
        run(db.add_goal_progress(owned.user_id, owned.goal_id, 40, name + " ran 20 km"));
        owned.goal_progress_id =
            run(db.list_goal_progress(owned.user_id, owned.goal_id)).at(0).id;
        return owned;
    }

    std::map<std::string, std::int64_t> rows_of(const std::string& user_id) {
        return run(store_->count_user_rows(user_id));
    }

    TestLoop loop_;
    std::unique_ptr<ServiceDatabase> database_;
    std::unique_ptr<Service> service_;
    std::unique_ptr<AuthApi> api_;
    std::unique_ptr<store::Store> store_;
};

std::set<std::string> ids_in(const boost::json::value& array) {
    std::set<std::string> ids;
    for (const auto& item : array.as_array()) ids.insert(std::string(item.at("id").as_string()));
    return ids;
}

TEST_P(AccountPrivacy, TheExportHoldsExactlyTheCallersDataAndNoSecrets) {
    const auto alice = populate("alice");
    const auto bob = populate("bob");

    const auto response = api_->get("/api/v1/users/me/export", alice.token);
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_NE(response.header("content-disposition").find("attachment"), std::string::npos);
    const auto body = json_of(response);
    EXPECT_EQ(body.at("format_version").as_int64(), 1);
    EXPECT_EQ(body.at("user").at("id").as_string(), alice.user_id);
    EXPECT_EQ(body.at("user").at("username").as_string(), "alice");

    const auto& conversations = body.at("conversations").as_array();
    ASSERT_EQ(conversations.size(), 1u);
    EXPECT_EQ(conversations[0].at("id").as_string(), alice.conversation_id);
    EXPECT_EQ(ids_in(conversations[0].at("messages")), alice.message_ids);
    EXPECT_EQ(ids_in(body.at("memories")), std::set<std::string>{alice.memory_id});
    EXPECT_EQ(body.at("memories").at(0).at("content").as_string(), "alice likes green tea");
    EXPECT_EQ(ids_in(body.at("emotions")), std::set<std::string>{alice.emotion_id});
    EXPECT_EQ(ids_in(body.at("goals")), std::set<std::string>{alice.goal_id});
    EXPECT_EQ(ids_in(body.at("goals").at(0).at("progress_history")),
              std::set<std::string>{alice.goal_progress_id});
    EXPECT_EQ(body.at("api_keys").as_array().size(), 1u);

    std::set<std::string> events;
    for (const auto& event : body.at("audit_events").as_array()) {
        events.insert(std::string(event.at("event").as_string()));
    }
    for (const char* expected : {"register", "login", "api_key_created", "api_key_used",
                                 "data_exported"}) {
        EXPECT_TRUE(events.contains(expected)) << expected << " missing: " << response.body;
    }

    // Nothing of bob's, and no secret of anyone's.
    for (const auto& foreign : {bob.user_id, bob.conversation_id, bob.memory_id, bob.goal_id,
                                std::string("bob")}) {
        EXPECT_EQ(response.body.find(foreign), std::string::npos) << foreign;
    }
    for (const auto& secret : {alice.token, alice.api_key, std::string(kStrongPassword),
                               std::string("argon2"), std::string("key_hash"),
                               std::string("embedding\":[")}) {
        EXPECT_EQ(response.body.find(secret), std::string::npos) << secret;
    }
}

TEST_P(AccountPrivacy, DeletingTheAccountNeedsThePasswordAndLeavesNoRowOfTheUser) {
    const auto alice = populate("alice");
    const auto bob = populate("bob");
    const auto bob_before = rows_of(bob.user_id);

    const auto missing = api_->client().request("DELETE", "/api/v1/users/me",
                                                {{"Authorization", "Bearer " + alice.token},
                                                 {"Content-Type", "application/json"}},
                                                "{}");
    EXPECT_EQ(missing.status, 422u) << missing.body;
    const auto wrong = api_->del_json("/api/v1/users/me", {{"password", kOtherStrongPassword}},
                                      alice.token);
    EXPECT_EQ(wrong.status, 401u) << wrong.body;
    EXPECT_EQ(rows_of(alice.user_id).at("conversations"), 1);

    const auto deleted =
        api_->del_json("/api/v1/users/me", {{"password", kStrongPassword}}, alice.token);
    ASSERT_EQ(deleted.status, 204u) << deleted.body;

    for (const auto& [table, count] : rows_of(alice.user_id)) EXPECT_EQ(count, 0) << table;
    EXPECT_EQ(rows_of(bob.user_id), bob_before);
    EXPECT_EQ(api_->get("/api/v1/auth/me", alice.token).status, 401u);
    EXPECT_EQ(api_->get("/api/v1/auth/me", alice.api_key).status, 401u);
    EXPECT_EQ(api_->login("alice", kStrongPassword).status, 401u);
    EXPECT_EQ(api_->get("/api/v1/auth/me", bob.token).status, 200u);
    // The name is free again.
    EXPECT_EQ(api_->register_user("alice", kStrongPassword).status, 201u);
}

TEST_P(AccountPrivacy, TheDeletionIsAuditedWithoutAnythingThatIdentifiesThePerson) {
    const auto alice = populate("alice");
    ASSERT_EQ(api_->del_json("/api/v1/users/me", {{"password", kStrongPassword}}, alice.token)
                  .status,
              204u);
    const auto anonymous = run(store_->list_anonymous_audit(10));
    ASSERT_EQ(anonymous.size(), 1u);
    const auto& row = anonymous[0];
    EXPECT_EQ(row.event, "account_deleted");
    EXPECT_EQ(row.outcome, "success");
    EXPECT_FALSE(row.user_id);
    EXPECT_FALSE(row.username_tried);
    EXPECT_FALSE(row.client_ip);
    EXPECT_FALSE(row.user_agent);
    EXPECT_FALSE(row.reason);
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountPrivacy, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace companion::testing
