// What only the SQLite backend promises: its file, its on-disk formats and its error mapping.
// The behaviour both backends share is in tests/integration/store_contract_test.cpp.
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <stdlib.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "store/errors.hpp"
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

class SqliteStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "companion-sqlite-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        directory_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::string path(const std::string& relative = "companion.db") const {
        return (directory_ / relative).string();
    }

    std::unique_ptr<Store> migrated(const std::string& database) {
        auto store = make_sqlite_store(database, 2);
        run(store->migrate_up());
        return store;
    }

    std::filesystem::path directory_;
};

TEST_F(SqliteStoreTest, CreatesMissingParentDirectoriesAndUsesWalMode) {
    const auto database = path("data/nested/companion.db");
    auto store = make_sqlite_store(database);
    EXPECT_TRUE(std::filesystem::exists(database));
    RawDatabase raw(database);
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, UnusablePathFailsAsUnavailableNamingThePath) {
    std::ofstream(path("plain-file")) << "not a directory";
    const auto database = path("plain-file/companion.db");
    try {
        make_sqlite_store(database);
        FAIL() << "expected Unavailable";
    } catch (const Unavailable& error) {
        EXPECT_NE(std::string(error.what()).find(database), std::string::npos) << error.what();
    }
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseFailsAsUnavailable) {
    std::ofstream(path("garbage.db")) << std::string(4096, 'x');
    try {
        make_sqlite_store(path("garbage.db"));
        FAIL() << "expected Unavailable";
    } catch (const Unavailable& error) {
        EXPECT_NE(std::string(error.what()).find(path("garbage.db")), std::string::npos)
            << error.what();
    }
}

TEST_F(SqliteStoreTest, InMemoryAndEmptyPathsAreRejected) {
    EXPECT_THROW(make_sqlite_store(""), std::invalid_argument);
    EXPECT_THROW(make_sqlite_store(":memory:"), std::invalid_argument);
}

TEST_F(SqliteStoreTest, RecordsAppliedMigrationsInSchemaMigrations) {
    auto store = migrated(path());
    RawDatabase raw(path());
    EXPECT_EQ(raw.text("SELECT group_concat(version || ':' || name) FROM schema_migrations"),
              "1:initial_schema,2:memory_keywords");
}

TEST_F(SqliteStoreTest, StoresMicrosecondTimestampsAndLittleEndianFloat32Embeddings) {
    auto store = migrated(path());
    const auto user = run(store->create_user(NewUser{"alice", {}, "hash", false}));
    Memory memory;
    memory.user_id = user.id;
    memory.content = "likes tea";
    memory.embedding = {1.0f, -2.0f};
    memory.embedding_model = "builtin";
    const auto inserted = run(store->insert_memory(memory));

    RawDatabase raw(path());
    EXPECT_EQ(raw.text("SELECT hex(embedding) FROM memories"), "0000803F000000C0");
    EXPECT_EQ(raw.text("SELECT embedding_dimension FROM memories"), "2");
    EXPECT_EQ(raw.text("SELECT created_at FROM memories"),
              std::to_string(inserted.created_at.time_since_epoch().count()));
}

TEST_F(SqliteStoreTest, UsernameKeyLowerCasesAsciiLettersOnly) {
    auto store = migrated(path());
    run(store->create_user(NewUser{"ÄlIcE", {}, "hash", false}));
    RawDatabase raw(path());
    EXPECT_EQ(raw.text("SELECT username_key FROM users"), "Älice");
    EXPECT_TRUE(run(store->find_user_by_username("ÄLICE")));
    EXPECT_FALSE(run(store->find_user_by_username("äLICE")));
}

TEST_F(SqliteStoreTest, WriteBlockedBeyondTheBusyTimeoutFailsAsUnavailable) {
    auto store = migrated(path());
    RawDatabase blocker(path());
    blocker.exec("BEGIN IMMEDIATE");
    EXPECT_THROW(run(store->create_user(NewUser{"bob", {}, "hash", false})), Unavailable);
    blocker.exec("ROLLBACK");
    EXPECT_NO_THROW(run(store->create_user(NewUser{"bob", {}, "hash", false})));
    EXPECT_TRUE(run(store->ping()));
}

}  // namespace
}  // namespace companion::store
