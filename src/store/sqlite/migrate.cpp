// The schema migrations of the SQLite backend: schema_migrations records each applied step.
#include <string>

#include "store/errors.hpp"
#include "store/migrations.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"

namespace companion::store {

namespace {

constexpr std::string_view kBackend = "sqlite";

const std::string kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

int current_version(sqlite::Connection& db) {
    auto exists = db.prepare(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    exists.step();
    if (exists.int64(0) == 0) return 0;
    auto latest = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    latest.step();
    return static_cast<int>(latest.int64(0));
}

void apply(sqlite::Connection& db, const EmbeddedMigration& migration) {
    const std::string context = "SQLite migration " + std::to_string(migration.version) + "_" +
                                std::string(migration.name) + " failed: ";
    try {
        db.exec(std::string(migration.sql));
        db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)")
            .bind(migration.version, migration.name, now())
            .run();
    } catch (const Unavailable& error) {
        throw Unavailable(context + error.what());
    } catch (const std::exception& error) {
        throw StoreError(context + error.what());
    }
}

}  // namespace

Task<MigrationStatus> SqliteStore::migration_status() {
    const int version = co_await read([](sqlite::Connection& db) { return current_version(db); });
    co_return status_at(kBackend, version);
}

Task<std::vector<MigrationStep>> SqliteStore::migrate_up() {
    co_return co_await util::run_blocking(workers_, [this] {
        auto connection = connections_.acquire();
        return apply_pending_migrations(*connection);
    });
}

std::vector<MigrationStep> SqliteStore::apply_pending_migrations(sqlite::Connection& db) {
    std::lock_guard lock(write_mutex_);
    db.exec(kCreateMigrationsTable);
    std::vector<MigrationStep> applied;
    for (const auto& migration : migrations_for(kBackend)) {
        sqlite::Transaction transaction(db);
        // Read inside the write lock: another process may have applied this step meanwhile.
        if (current_version(db) >= migration.version) continue;
        apply(db, migration);
        transaction.commit();
        applied.push_back(MigrationStep{migration.version, std::string(migration.name)});
    }
    return applied;
}

}  // namespace companion::store
