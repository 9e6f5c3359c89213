// `companion backup` and `companion restore`: copies of the embedded SQLite store (PostgreSQL is
// backed up with scripts/backup.sh and pg_dump).
#pragma once

#include <string>

#include "config/settings.hpp"

namespace companion::cli {

struct BackupCommand {
    std::string output;
    bool force = false;
    int pages_per_step = 1024;
};

struct RestoreCommand {
    std::string input;
    bool yes = false;
};

// Each prints what it did (per-table row counts) and returns the process exit code.
int run_backup(const config::Settings& settings, const BackupCommand& command);
int run_restore(const config::Settings& settings, const RestoreCommand& command);

}  // namespace companion::cli
