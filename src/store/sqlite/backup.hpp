// Backups of the embedded SQLite store: an online copy with SQLite's backup API (the service may
// keep running and writing), the checks that a file is an intact companion database, and a
// restore that refuses while anything else has the database open.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace companion::store::sqlite {

// Names the file and what is wrong with it; nothing was changed when one is thrown.
class BackupError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct TableRows {
    std::string table;
    std::int64_t rows = 0;
    bool operator==(const TableRows&) const = default;
};

struct BackupOptions {
    bool replace_existing = false;
    // Pages copied per step; between steps the source is unlocked (so checkpoints can run).
    int pages_per_step = 1024;
    std::chrono::milliseconds pause_between_steps{5};
};

struct BackupReport {
    std::int64_t pages = 0;
    // Times a write by another connection made the step-wise copy start over; after a few the
    // rest is copied in one step (one read snapshot: in WAL mode that does not block writers).
    int restarts = 0;
    std::vector<TableRows> tables;  // row counts of the copy, by table name
};

// What a backup file holds, once it has passed every check.
struct BackupSummary {
    int schema_version = 0;
    std::vector<TableRows> tables;
};

// Copies the companion database at database_path to output_path: written to a temporary file
// beside the output, checked (integrity_check), switched to a self-contained rollback-journal
// file and renamed into place. Refuses an existing output unless options.replace_existing.
BackupReport backup_database(const std::string& database_path, const std::string& output_path,
                             const BackupOptions& options = {});

// Checks that path is an SQLite file that passes integrity_check, holds a companion schema
// (schema_migrations) and is not newer than this binary; returns its version and row counts.
BackupSummary inspect_backup(const std::string& path);

// Replaces the contents of database_path (created when missing) with the backup that
// inspect_backup described, under an exclusive lock: refuses while another connection (the
// running service) has the database open. Returns the restored row counts, which are checked
// against expected.
std::vector<TableRows> restore_database(const std::string& backup_path,
                                        const std::string& database_path,
                                        const BackupSummary& expected);

}  // namespace companion::store::sqlite
