// Checking a backup file and putting it back in place of the live database.
#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <sqlite3.h>

#include "store/migrations.hpp"
#include "store/sqlite/backup.hpp"
#include "store/sqlite/backup_handle.hpp"

namespace companion::store::sqlite {

namespace fs = std::filesystem;

namespace {

std::string describe(const std::vector<TableRows>& tables) {
    std::string text;
    for (const auto& table : tables) {
        if (!text.empty()) text += ", ";
        text += fmt::format("{} {}", table.table, table.rows);
    }
    return text;
}

// Takes the database for this connection alone. In WAL mode every open connection keeps a shared
// lock on the file, so an exclusive one is only granted when nothing else (the service) has it
// open; in EXCLUSIVE locking mode the lock is then kept until this connection closes.
void lock_exclusively(BackupHandle& target, const std::string& path) {
    target.set_busy_timeout(0);
    try {
        target.exec("PRAGMA locking_mode=EXCLUSIVE");
        target.exec("BEGIN EXCLUSIVE");
        target.integer("SELECT count(*) FROM sqlite_schema");
        target.exec("COMMIT");
    } catch (const SqliteFailure& failure) {
        if (!failure.busy()) throw;
        throw BackupError(fmt::format(
            "the database {} is in use by another process (is the service running?): stop it "
            "before restoring; nothing was changed",
            path));
    }
}

}  // namespace

BackupSummary inspect_backup(const std::string& path) {
    std::error_code error;
    if (!fs::is_regular_file(path, error)) {
        throw BackupError(fmt::format("there is no backup file at {}", path));
    }
    BackupHandle backup(path, SQLITE_OPEN_READONLY, fmt::format("the backup file {}", path));
    check_integrity(backup);
    BackupSummary summary;
    summary.schema_version = companion_schema_version(backup);
    const int latest = status_at("sqlite", 0).latest_version;
    if (summary.schema_version > latest) {
        throw BackupError(fmt::format(
            "the backup file {} has schema version {}, newer than this binary's {}: restore it "
            "with the companion version that made it",
            path, summary.schema_version, latest));
    }
    summary.tables = count_rows(backup);
    return summary;
}

std::vector<TableRows> restore_database(const std::string& backup_path,
                                        const std::string& database_path,
                                        const BackupSummary& expected) {
    std::error_code error;
    if (fs::exists(database_path, error) && fs::equivalent(backup_path, database_path, error)) {
        throw BackupError(fmt::format("{} is the database itself", backup_path));
    }
    const auto directory = fs::absolute(database_path).parent_path();
    fs::create_directories(directory, error);
    if (error) {
        throw BackupError(
            fmt::format("cannot create the directory {}: {}", directory.string(), error.message()));
    }

    BackupHandle target(database_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        fmt::format("the database {}", database_path));
    lock_exclusively(target, database_path);
    // A rollback journal while the pages are replaced: the page size may change, and a failure
    // rolls the whole restore back.
    target.exec("PRAGMA journal_mode=DELETE");
    {
        BackupHandle source(backup_path, SQLITE_OPEN_READONLY,
                            fmt::format("the backup file {}", backup_path));
        sqlite3_backup* backup = sqlite3_backup_init(target.get(), "main", source.get(), "main");
        if (backup == nullptr) target.fail(sqlite3_errcode(target.get()), "sqlite3_backup_init");
        const int stepped = sqlite3_backup_step(backup, -1);
        const int finished = sqlite3_backup_finish(backup);
        if (stepped != SQLITE_DONE) target.fail(stepped, "restoring the pages");
        if (finished != SQLITE_OK) target.fail(finished, "sqlite3_backup_finish");
    }
    // The mode the service runs in (it would switch on open anyway).
    target.exec("PRAGMA journal_mode=WAL");
    check_integrity(target);
    auto restored = count_rows(target);
    if (restored != expected.tables) {
        throw BackupError(fmt::format(
            "the restored database {} does not match the backup: it has [{}], the backup [{}]",
            database_path, describe(restored), describe(expected.tables)));
    }
    return restored;
}

}  // namespace companion::store::sqlite
