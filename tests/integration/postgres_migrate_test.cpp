// PostgreSQL migrations: concurrent runs apply each step once, and a missing or forbidden
// pgvector becomes one line that says what to do (checked on the server's real error texts).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <postgresql/libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <stdexcept>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "store/errors.hpp"
#include "store/migrations.hpp"
#include "store/postgres/errors.hpp"
#include "store/postgres/store_impl.hpp"
#include "support/async.hpp"
#include "support/postgres_admin.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;
using store::pg::Params;
using store::pg::PgPool;
using store::pg::Statement;
using Clock = std::chrono::steady_clock;

std::unique_ptr<store::PgStore> open_store(TestLoop& loop, const std::string& url) {
    store::PgOptions options;
    options.url = url;
    options.pool_size = 2;
    return std::make_unique<store::PgStore>(loop.executor(), options);
}

store::Task<std::int64_t> count_rows(PgPool& pool, std::string sql) {
    const Statement statement{"", sql.c_str()};
    const Params none;
    const auto result = co_await pool.query(statement, none);
    co_return std::stoll(std::string(result.text(0, 0)));
}

store::Task<void> execute(PgPool& pool, std::string sql) {
    const Statement statement{"", sql.c_str()};
    const Params none;
    co_await pool.query(statement, none);
}

struct ServerError {
    std::string sqlstate;
    std::string message;
    int server_version = 0;
};

// Runs SQL expected to fail on one of the pool's connections and returns the server's error.
store::Task<ServerError> failing(PgPool& pool, std::string sql) {
    auto lease = co_await pool.acquire();
    const auto result = co_await lease->execute_script(sql, pool.statement_deadline());
    co_return ServerError{result.sqlstate(), result.message(), lease->server_version()};
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

TEST(PostgresMigrate, ConcurrentRunsFromSeveralProcessesApplyEachStepOnce) {
    ThrowawayDatabase database;
    TestLoop loop;
    auto first = open_store(loop, database.url());
    auto second = open_store(loop, database.url());
    const auto before = loop.run(first->migration_status());
    EXPECT_EQ(before.current_version, 0);
    ASSERT_FALSE(before.pending.empty());

    std::vector<std::future<std::vector<store::MigrationStep>>> runs;
    for (int i = 0; i < 2; ++i) {
        runs.push_back(loop.start(first->migrate_up()));
        runs.push_back(loop.start(second->migrate_up()));
    }
    std::map<int, int> applied;
    for (auto& run : runs) {
        for (const auto& step : run.get()) ++applied[step.version];
    }
    ASSERT_EQ(applied.size(), before.pending.size());
    for (const auto& [version, times] : applied) EXPECT_EQ(times, 1) << "version " << version;
    EXPECT_EQ(loop.run(count_rows(first->pool(), "SELECT count(*) FROM schema_migrations")),
              static_cast<std::int64_t>(before.pending.size()));
    const auto after = loop.run(second->migration_status());
    EXPECT_TRUE(after.up_to_date());
    EXPECT_EQ(after.current_version, after.latest_version);
    EXPECT_TRUE(loop.run(first->migrate_up()).empty());
}

// Holds the migration lock of one database from a session of its own, as another process's long
// migration would, until destroyed.
class MigrationLockHolder {
public:
    explicit MigrationLockHolder(const std::string& url) : connection_(PQconnectdb(url.c_str())) {
        PGresult* result =
            PQexec(connection_, "SELECT pg_advisory_lock(x'636f6d70616e696f'::bigint)");
        const bool locked = PQresultStatus(result) == PGRES_TUPLES_OK;
        PQclear(result);
        if (!locked) {
            const std::string message = PQerrorMessage(connection_);
            PQfinish(connection_);
            throw std::runtime_error("cannot take the migration lock: " + message);
        }
    }
    ~MigrationLockHolder() { PQfinish(connection_); }
    MigrationLockHolder(const MigrationLockHolder&) = delete;
    MigrationLockHolder& operator=(const MigrationLockHolder&) = delete;

private:
    PGconn* connection_;
};

TEST(PostgresMigrate, MigrationWaitsForTheLockAndRunsOnceItIsFree) {
    ThrowawayDatabase database;
    TestLoop loop;
    auto db = open_store(loop, database.url());
    std::optional<MigrationLockHolder> other(std::in_place, database.url());
    auto migrating = loop.start(db->migrate_up());
    ASSERT_EQ(migrating.wait_for(600ms), std::future_status::timeout) << "the lock is taken";
    other.reset();
    ASSERT_EQ(migrating.wait_for(10s), std::future_status::ready);
    EXPECT_FALSE(migrating.get().empty());
    EXPECT_TRUE(loop.run(db->migration_status()).up_to_date());
}

TEST(PostgresMigrate, ClosingTheStoreEndsAMigrationWaitingForTheLock) {
    ThrowawayDatabase database;
    TestLoop loop;
    auto db = open_store(loop, database.url());
    MigrationLockHolder other(database.url());
    auto migrating = loop.start(db->migrate_up());
    ASSERT_EQ(migrating.wait_for(600ms), std::future_status::timeout) << "the lock is taken";
    const auto closed_at = Clock::now();
    db->close();
    ASSERT_EQ(migrating.wait_for(2s), std::future_status::ready);
    EXPECT_LT(Clock::now() - closed_at, 1s);
    try {
        migrating.get();
        FAIL() << "expected store::Unavailable";
    } catch (const store::Unavailable& error) {
        EXPECT_STREQ(error.what(), "migration cancelled: the service is shutting down");
    }
    auto fresh = open_store(loop, database.url());
    EXPECT_EQ(loop.run(fresh->migration_status()).current_version, 0);
}

TEST(PostgresMigrate, MissingExtensionTextOfTheServerBecomesTheInstallAdvice) {
    TestLoop loop;
    auto db = open_store(loop, test_postgres_url());
    const auto error = loop.run(failing(db->pool(), "CREATE EXTENSION nonexistent_ext"));
    ASSERT_FALSE(error.sqlstate.empty());
    EXPECT_THAT(error.message, ::testing::HasSubstr("nonexistent_ext"));
    const auto major = std::to_string(error.server_version / 10000);

    EXPECT_EQ(store::pg::explain_extension_error(error.sqlstate, error.message,
                                                 error.server_version),
              "PostgreSQL has no nonexistent_ext extension: install it on the database server, "
              "then run `companion migrate up`");
    // The same server text as it reads when the missing extension is pgvector's.
    const auto as_vector = replace_all(error.message, "nonexistent_ext", "vector");
    EXPECT_EQ(store::pg::explain_extension_error(error.sqlstate, as_vector, error.server_version),
              "PostgreSQL has no pgvector extension: install postgresql-" + major +
                  "-pgvector (Debian/Ubuntu) or use the pgvector/pgvector image, then run "
                  "`companion migrate up`");
    EXPECT_EQ(store::pg::explain_extension_error("42P01", "relation \"x\" does not exist",
                                                 error.server_version),
              std::nullopt);
}

TEST(PostgresMigrate, PrivilegeTextOfTheServerBecomesTheSuperuserAdvice) {
    TestLoop loop;
    auto db = open_store(loop, test_postgres_url());
    // file_fdw, like vector, is not a trusted extension: the app role may not create it.
    const auto error = loop.run(failing(db->pool(), "CREATE EXTENSION file_fdw"));
    EXPECT_EQ(error.sqlstate, "42501");
    const auto as_vector = replace_all(error.message, "file_fdw", "vector");
    EXPECT_EQ(store::pg::explain_extension_error(error.sqlstate, as_vector, error.server_version),
              "the PostgreSQL role may not create the pgvector extension: a superuser must run "
              "CREATE EXTENSION vector once in this database, then run `companion migrate up`");
}

// A database made from template0 has no pgvector, and the app role may not create it: the
// whole first migration is refused with the superuser advice and leaves nothing behind.
TEST(PostgresMigrate, DatabaseWithoutPgvectorIsRefusedWithOneClearLine) {
    const auto name = "companion_t_novector_" + std::to_string(std::random_device{}());
    admin_execute("CREATE DATABASE " + name + " TEMPLATE template0 OWNER companion");
    struct Drop {
        std::string name;
        ~Drop() {
            try {
                admin_execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (const std::exception&) {
            }
        }
    } drop{name};
    auto url = test_postgres_url();
    const auto slash = url.find('/', url.find('@'));
    url = url.substr(0, slash + 1) + name;
    TestLoop loop;
    auto db = open_store(loop, url);
    try {
        loop.run(db->migrate_up());
        FAIL() << "expected store::Unavailable";
    } catch (const store::Unavailable& error) {
        EXPECT_STREQ(error.what(),
                     "the PostgreSQL role may not create the pgvector extension: a superuser must "
                     "run CREATE EXTENSION vector once in this database, then run `companion "
                     "migrate up`");
    }
    const auto status = loop.run(db->migration_status());
    EXPECT_EQ(status.current_version, 0);
    EXPECT_EQ(loop.run(count_rows(db->pool(), "SELECT count(*) FROM pg_tables "
                                              "WHERE schemaname = 'public' "
                                              "AND tablename <> 'schema_migrations'")),
              0);
    // Once a superuser has created the extension, the same command succeeds.
    std::string admin_url = std::getenv("COMPANION_TEST_PG_ADMIN_URL");
    admin_url = admin_url.substr(0, admin_url.find('/', admin_url.find('@')) + 1) + name;
    TestLoop admin_loop;
    auto as_admin = open_store(admin_loop, admin_url);
    admin_loop.run(execute(as_admin->pool(), "CREATE EXTENSION vector"));
    EXPECT_FALSE(loop.run(db->migrate_up()).empty());
}

}  // namespace
}  // namespace companion::testing
