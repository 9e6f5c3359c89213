// The raw SQLite connection the backup and restore commands use: opened with exactly the flags
// they ask for (never the service's settings), every failure a BackupError that names the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/sqlite/backup.hpp"

struct sqlite3;

namespace companion::store::sqlite {

// A BackupError that keeps SQLite's result code, to tell a locked database from other failures.
class SqliteFailure : public BackupError {
public:
    SqliteFailure(int code, const std::string& message) : BackupError(message), code_(code) {}
    bool busy() const;  // locked by another connection

private:
    int code_;
};

class BackupHandle {
public:
    // flags: SQLITE_OPEN_* of sqlite3_open_v2. `label` names the file in messages.
    BackupHandle(const std::string& path, int flags, std::string label);
    ~BackupHandle();
    BackupHandle(const BackupHandle&) = delete;
    BackupHandle& operator=(const BackupHandle&) = delete;

    sqlite3* get() const { return handle_; }
    const std::string& label() const { return label_; }

    void set_busy_timeout(int milliseconds);
    // Runs statements, ignoring rows.
    void exec(const std::string& sql);
    // Every row's first column as text (NULL as "").
    std::vector<std::string> column(const std::string& sql);
    std::int64_t integer(const std::string& sql);

    // Throws SqliteFailure for `code` with this connection's message.
    [[noreturn]] void fail(int code, const std::string& doing) const;

private:
    sqlite3* handle_ = nullptr;
    std::string label_;
};

// The user tables (sqlite_* excluded) and their row counts, by name.
std::vector<TableRows> count_rows(BackupHandle& db);

// Throws BackupError with the first problems PRAGMA integrity_check reports.
void check_integrity(BackupHandle& db);

// The schema version recorded in schema_migrations; throws BackupError when the table is missing.
int companion_schema_version(BackupHandle& db);

}  // namespace companion::store::sqlite
