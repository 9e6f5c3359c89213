// Schema migrations: the embedded SQL files applied in order, each in its own transaction, under
// a session advisory lock so that several processes can migrate at once.
#include <cstdio>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/migrations.hpp"
#include "store/postgres/store_impl.hpp"

namespace companion::store {
namespace {

using namespace std::chrono_literals;
using pg::Params;
using pg::PgConnection;
using pg::PgResult;
using pg::Statement;

constexpr std::int64_t kMigrationLockKey = 0x636f6d70616e696f;  // "companio"
// Waiting for another process's migration, or a long CREATE INDEX, may take this long.
constexpr auto kMigrationDeadline = std::chrono::minutes(30);
// How often a waiting migration tries the lock again (and notices that the store closed).
constexpr auto kLockRetry = 200ms;

const Statement kTryLock{"", "SELECT pg_try_advisory_lock($1::bigint)"};
const Statement kUnlock{"", "SELECT pg_advisory_unlock($1::bigint)"};
const Statement kHasTable{"", "SELECT to_regclass('schema_migrations') IS NOT NULL"};
const Statement kCurrentVersion{"", "SELECT COALESCE(max(version), 0) FROM schema_migrations"};
const Statement kRecord{"", "INSERT INTO schema_migrations (version, name) "
                            "VALUES ($1::integer, $2::text)"};
const char* const kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
    "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";

pg::Deadline migration_deadline() { return pg::SteadyClock::now() + kMigrationDeadline; }

Task<PgResult> run(PgConnection& connection, const Statement& statement, const Params& params,
                   pg::Deadline deadline = migration_deadline()) {
    PgResult result = co_await connection.execute(statement, params, deadline);
    if (!result.ok()) pg::throw_result_error(result);
    co_return result;
}

Task<PgResult> run_script(PgConnection& connection, std::string sql) {
    PgResult result = co_await connection.execute_script(std::move(sql), migration_deadline());
    if (!result.ok()) pg::throw_result_error(result);
    co_return result;
}

std::string step_label(const EmbeddedMigration& migration) {
    char version[16];
    std::snprintf(version, sizeof version, "%04d", migration.version);
    return std::string(version) + "_" + std::string(migration.name);
}

// A failed migration: a missing or forbidden pgvector as the operator's one-line instruction.
[[noreturn]] void throw_migration_error(const EmbeddedMigration& migration,
                                        const PgResult& result, int server_version) {
    if (auto advice = pg::explain_extension_error(result.sqlstate(), result.message(),
                                                  server_version)) {
        throw Unavailable(*advice);
    }
    throw StoreError("migration " + step_label(migration) + " failed: " + result.message() +
                     " (SQLSTATE " + result.sqlstate() + ")");
}

Task<int> current_version(PgConnection& connection, pg::Deadline deadline) {
    const Params none;
    const auto exists = co_await run(connection, kHasTable, none, deadline);
    if (!pg::RowReader(exists, 0).boolean()) co_return 0;
    const auto version = co_await run(connection, kCurrentVersion, none, deadline);
    co_return pg::RowReader(version, 0).i32();
}

// Takes the migration lock, polling: a blocking pg_advisory_lock could not be interrupted by a
// shutdown.
Task<void> take_lock(PgConnection& connection, const Params& key, const pg::PgPool& pool,
                     const std::atomic<bool>& closed) {
    boost::asio::steady_timer pause(co_await boost::asio::this_coro::executor);
    const auto give_up = migration_deadline();
    while (true) {
        if (closed) throw Unavailable("migration cancelled: the service is shutting down");
        const auto taken = co_await run(connection, kTryLock, key, pool.statement_deadline());
        if (pg::RowReader(taken, 0).boolean()) co_return;
        if (pg::SteadyClock::now() >= give_up) {
            throw Unavailable(
                "gave up waiting for another migration of this database: it has held the "
                "migration lock for " + std::to_string(kMigrationDeadline.count()) + " minutes");
        }
        pause.expires_after(kLockRetry);
        co_await pause.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
}

}  // namespace

Task<MigrationStatus> PgStore::migration_status() {
    auto lease = co_await pool_->acquire();
    const int version =
        co_await current_version(lease.connection(), pool_->statement_deadline());
    co_return status_at("postgresql", version);
}

Task<std::vector<MigrationStep>> PgStore::migrate_up() {
    auto lease = co_await pool_->acquire();
    // This session holds the lock and runs without a statement timeout: it is closed afterwards
    // rather than handed to anyone else, also when a step fails half-way.
    lease.discard();
    auto& connection = lease.connection();
    co_await run_script(connection, "SET statement_timeout = 0");
    const Params key(kMigrationLockKey);
    co_await take_lock(connection, key, *pool_, closed_);
    co_await run_script(connection, kCreateTable);
    const int current = co_await current_version(connection, migration_deadline());
    std::vector<MigrationStep> applied;
    for (const auto& migration : migrations_for("postgresql")) {
        if (migration.version <= current) continue;
        co_await run_script(connection, "BEGIN");
        const auto result =
            co_await connection.execute_script(std::string(migration.sql), migration_deadline());
        if (!result.ok()) {
            co_await run_script(connection, "ROLLBACK");
            throw_migration_error(migration, result, connection.server_version());
        }
        const Params step(migration.version, std::string(migration.name));
        co_await run(connection, kRecord, step);
        co_await run_script(connection, "COMMIT");
        applied.push_back(MigrationStep{migration.version, std::string(migration.name)});
    }
    co_await run(connection, kUnlock, key);
    co_return applied;
}

}  // namespace companion::store
