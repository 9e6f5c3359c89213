// The storage contract: one user never sees or changes another's rows; the backends it runs on.
#include "support/store_contract.hpp"

namespace companion::testing::contract {
namespace {

using namespace std::chrono_literals;

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
}  // namespace companion::testing::contract
