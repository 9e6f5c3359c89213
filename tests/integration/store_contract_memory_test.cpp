// The storage contract: memories, emotions, goals and the audit log.
#include <cmath>

#include "support/store_contract.hpp"

namespace companion::testing::contract {
namespace {

using namespace std::chrono_literals;

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

TEST_P(StoreContract, AnonymousAuditEventsAreListedNewestFirstWithoutAnyUsersEvents) {
    const auto user = make_user();
    audit(user.id, "login");
    const auto first = audit(std::nullopt, "login");
    audit(user.id, "logout");
    const auto second = audit(std::nullopt, "account_deleted");
    const auto rows = run(db().list_anonymous_audit(10));
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].id, second);
    EXPECT_EQ(rows[0].event, "account_deleted");
    EXPECT_EQ(rows[1].id, first);
    EXPECT_EQ(run(db().list_anonymous_audit(1)).size(), 1u);
}

// ---- similarity search and re-embedding ----

TEST_P(StoreContract, SearchingMemoriesRanksTheUsersRowsOfTheModelByCosine) {
    const auto user = make_user();
    const auto other = make_user();
    const auto exact = run(db().insert_memory(new_memory(user, "exact", {1, 0, 0})));
    const auto diagonal = run(db().insert_memory(new_memory(user, "diagonal", {1, 1, 0})));
    run(db().insert_memory(new_memory(user, "orthogonal", {0, 1, 0})));
    run(db().insert_memory(new_memory(user, "opposite", {-1, 0, 0})));
    run(db().insert_memory(new_memory(user, "zero", {0, 0, 0})));
    run(db().insert_memory(new_memory(user, "two dimensions", {1, 0})));
    auto old_model = new_memory(user, "old model", {1, 0, 0});
    old_model.embedding_model = "old-model";
    run(db().insert_memory(old_model));
    run(db().insert_memory(new_memory(other, "another user's", {1, 0, 0})));

    // Scores are cosines: the query's length does not matter.
    const std::vector<float> query = {2, 0, 0};
    const auto found = run(db().search_memories(user.id, query, "builtin-hash-v1", 0.5, 10));
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(fields(found[0].memory), fields(exact));
    EXPECT_NEAR(found[0].score, 1.0, 1e-6);
    EXPECT_EQ(fields(found[1].memory), fields(diagonal));
    EXPECT_NEAR(found[1].score, std::sqrt(0.5), 1e-6);

    EXPECT_EQ(run(db().search_memories(user.id, query, "builtin-hash-v1", 0.9, 10)).size(), 1u);
    EXPECT_EQ(run(db().search_memories(user.id, query, "builtin-hash-v1", 0.5, 1)).size(), 1u);
    const auto everything = run(db().search_memories(user.id, query, "builtin-hash-v1", -1, 10));
    ASSERT_EQ(everything.size(), 4u);  // not the zero vector, the other dimension or model
    EXPECT_EQ(everything.back().memory.content, "opposite");
    EXPECT_NEAR(everything.back().score, -1.0, 1e-6);
    EXPECT_EQ(run(db().search_memories(user.id, query, "old-model", 0.5, 10)).at(0).memory.content,
              "old model");
    EXPECT_EQ(run(db().search_memories(user.id, {1, 0}, "builtin-hash-v1", 0.5, 10))
                  .at(0)
                  .memory.content,
              "two dimensions");
    EXPECT_TRUE(run(db().search_memories(user.id, query, "builtin-hash-v1", 0.5, 0)).empty());
    EXPECT_TRUE(run(db().search_memories(user.id, {}, "builtin-hash-v1", 0.5, 10)).empty());
    for (const auto& id : kMalformedIds) {
        EXPECT_TRUE(run(db().search_memories(id, query, "builtin-hash-v1", -1, 10)).empty());
    }
}

TEST_P(StoreContract, EqualSimilaritiesAreOrderedById) {
    const auto user = make_user();
    std::vector<std::string> inserted;
    for (int i = 0; i < 5; ++i) {
        inserted.push_back(run(db().insert_memory(new_memory(user, "same", {0.5f, 0.25f}))).id);
    }
    std::sort(inserted.begin(), inserted.end());
    const auto found = run(db().search_memories(user.id, {0.5f, 0.25f}, "builtin-hash-v1", 0.9, 3));
    ASSERT_EQ(found.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(found[i].memory.id, inserted[i]);
}

TEST_P(StoreContract, MemoriesAreCountedByModelAndListedForReembeddingInIdOrder) {
    const auto user = make_user();
    const auto other = make_user();
    std::vector<std::string> outdated;
    for (int i = 0; i < 5; ++i) {
        auto memory = new_memory(i % 2 ? user : other, "old " + std::to_string(i), {1, 2, 3, 4});
        memory.embedding_model = "old-model";
        outdated.push_back(run(db().insert_memory(memory)).id);
    }
    auto older = new_memory(user, "older", {1});
    older.embedding_model = "older-model";
    outdated.push_back(run(db().insert_memory(older)).id);
    make_memory(user, "current");
    std::sort(outdated.begin(), outdated.end());

    EXPECT_EQ(run(db().count_memories_by_model()),
              (std::map<std::string, std::int64_t>{
                  {"builtin-hash-v1", 1}, {"old-model", 5}, {"older-model", 1}}));
    std::vector<std::string> listed;
    std::optional<std::string> after;
    while (true) {
        const auto batch = run(db().memories_not_embedded_by("builtin-hash-v1", after, 4));
        if (batch.empty()) break;
        EXPECT_LE(batch.size(), 4u);
        for (const auto& memory : batch) {
            EXPECT_NE(memory.embedding_model, "builtin-hash-v1");
            EXPECT_FALSE(memory.embedding.empty());
            listed.push_back(memory.id);
        }
        after = batch.back().id;
    }
    EXPECT_EQ(listed, outdated);
    EXPECT_THROW(run(db().memories_not_embedded_by("builtin-hash-v1", "not-an-id", 4)),
                 std::invalid_argument);
}

TEST_P(StoreContract, ReplacingEmbeddingsLeavesRowsWhoseContentChangedAndTheTimestampsAlone) {
    const auto user = make_user();
    const auto other = make_user();
    auto memory = new_memory(user, "kept text", {1, 2, 3});
    memory.embedding_model = "old-model";
    const auto unchanged = run(db().insert_memory(memory));
    memory.content = "will be edited";
    const auto edited = run(db().insert_memory(memory));
    store::MemoryUpdate edit;
    edit.content = "edited meanwhile";
    run(db().update_memory(user.id, edited.id, edit));

    std::vector<store::EmbeddingReplacement> replacements = {
        {user.id, unchanged.id, "kept text", {0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, "new-model"},
        {user.id, edited.id, "will be edited", {1, 1, 1, 1, 1}, "new-model"},
        {other.id, unchanged.id, "kept text", {1, 1, 1, 1, 1}, "stolen"},
        {user.id, kUnknownId, "kept text", {1, 1, 1, 1, 1}, "new-model"},
        {"not-a-user", "not-an-id", "kept text", {1}, "new-model"}};
    EXPECT_EQ(run(db().replace_embeddings(replacements)), 1);
    const auto replaced = run(db().find_memory(user.id, unchanged.id)).value();
    EXPECT_EQ(replaced.embedding_model, "new-model");
    EXPECT_EQ(replaced.embedding_dimension, 5);
    EXPECT_EQ(bits(replaced.embedding), bits({0.5f, 0.5f, 0.5f, 0.5f, 0.5f}));
    EXPECT_EQ(us(replaced.updated_at), us(unchanged.updated_at));
    EXPECT_EQ(replaced.content, "kept text");
    EXPECT_EQ(run(db().find_memory(user.id, edited.id)).value().embedding_model, "old-model");
    EXPECT_EQ(run(db().replace_embeddings({})), 0);
}

}  // namespace
}  // namespace companion::testing::contract
