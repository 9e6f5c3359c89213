// The storage contract: conversations and messages.
#include "support/store_contract.hpp"

namespace companion::testing::contract {
namespace {

using namespace std::chrono_literals;

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

}  // namespace
}  // namespace companion::testing::contract
