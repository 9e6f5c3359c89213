// What only the SQLite backend's keyword search relies on: the FTS5 index memories_fts
// (migration 0002) holds exactly the words of memories.content after every kind of write, and the
// migration indexes the memories written before it.
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "store/migrations.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "raw_database.hpp"

namespace companion::store {
namespace {

template <class T>
T run(boost::asio::awaitable<T> task) {
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    io.run();
    return future.get();
}

using testing::RawDatabase;

// FTS5's own check that the index holds exactly the words of the content table's rows.
void check_keyword_index(RawDatabase& raw) {
    raw.exec("INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 1)");
}

class SqliteMemoryKeywords : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "companion-keywords-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        directory_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::string path() const { return (directory_ / "companion.db").string(); }

    static Memory memory_of(const User& user, std::string content) {
        Memory memory;
        memory.user_id = user.id;
        memory.content = std::move(content);
        memory.embedding = {0.5f, 0.5f};
        memory.embedding_model = "builtin";
        return memory;
    }

    static std::size_t hits(Store& store, const User& user, std::string text) {
        return run(store.keyword_search_memories(user.id, std::move(text), "builtin", 100)).size();
    }

    std::filesystem::path directory_;
};

TEST_F(SqliteMemoryKeywords, TheIndexHoldsExactlyTheWordsOfTheRowsAfterEveryKindOfWrite) {
    auto store = make_sqlite_store(path(), 2);
    run(store->migrate_up());
    RawDatabase raw(path());
    const auto user = run(store->create_user(NewUser{"alice", {}, "hash", false}));
    const auto conversation = run(store->create_conversation(user.id, "chat"));
    auto first = memory_of(user, "Kasimir plays the cello");
    first.conversation_id = conversation.id;
    const auto kasimir = run(store->insert_memory(first));
    const auto olga = run(store->insert_memory(memory_of(user, "Olga sings in a choir")));
    run(store->insert_memory(memory_of(user, "Anna lives in Toronto")));
    check_keyword_index(raw);

    MemoryUpdate rewrite;
    rewrite.content = "Kasimir switched to the trombone";
    run(store->update_memory(user.id, kasimir.id, rewrite));
    MemoryUpdate importance_only;
    importance_only.importance = 0.9;
    run(store->update_memory(user.id, olga.id, importance_only));
    run(store->touch_memories(user.id, {kasimir.id, olga.id}));
    run(store->replace_embeddings(
        {EmbeddingReplacement{user.id, olga.id, "Olga sings in a choir", {1.0f}, "other"}}));
    run(store->delete_conversation(user.id, conversation.id));  // conversation_id SET NULL
    check_keyword_index(raw);
    EXPECT_EQ(hits(*store, user, "cello"), 0u);
    EXPECT_EQ(hits(*store, user, "trombone"), 1u);

    run(store->delete_memory(user.id, olga.id));
    check_keyword_index(raw);
    run(store->delete_all_memories(user.id));
    check_keyword_index(raw);

    const auto leaving = run(store->create_user(NewUser{"bob", {}, "hash", false}));
    run(store->insert_memory(memory_of(leaving, "Bob keeps bees")));
    run(store->delete_user(leaving.id));  // the memories go by cascade
    check_keyword_index(raw);
    EXPECT_EQ(hits(*store, leaving, "bees"), 0u);

    // The check sees a drift: a change of content that bypasses the trigger.
    run(store->insert_memory(memory_of(user, "Kasimir plays the cello")));
    raw.exec("DROP TRIGGER memories_fts_after_update");
    raw.exec("UPDATE memories SET content = 'something else entirely'");
    EXPECT_THROW(check_keyword_index(raw), std::runtime_error);
}

TEST_F(SqliteMemoryKeywords, TheMigrationIndexesTheMemoriesWrittenBeforeIt) {
    const auto steps = migrations_for("sqlite");
    ASSERT_GE(steps.size(), 2u);
    ASSERT_EQ(steps[1].name, "memory_keywords");
    {
        RawDatabase raw(path());
        raw.exec(std::string(steps[0].sql));
        raw.exec(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at INTEGER NOT NULL); "
            "INSERT INTO schema_migrations VALUES (1, 'initial_schema', 0)");
    }
    auto store = make_sqlite_store(path(), 2);
    ASSERT_EQ(run(store->migration_status()).current_version, 1);
    const auto user = run(store->create_user(NewUser{"alice", {}, "hash", false}));
    const auto before = run(store->insert_memory(memory_of(user, "Kasimir plays the cello")));

    const auto applied = run(store->migrate_up());
    ASSERT_EQ(applied.size(), steps.size() - 1);
    EXPECT_EQ(applied.front().version, 2);
    const auto found = run(store->keyword_search_memories(user.id, "cello", "builtin", 10));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].memory.id, before.id);
    RawDatabase after(path());
    check_keyword_index(after);
}

}  // namespace
}  // namespace companion::store
