#include "cli/backup_commands.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "store/open_store.hpp"
#include "store/sqlite/backup.hpp"

namespace companion::cli {

namespace {

namespace sqlite = store::sqlite;

constexpr int kUsesPostgres = 2;

bool refuse_postgres(const config::Settings& settings, std::string_view command) {
    if (settings.postgres_url.empty()) return false;
    std::fprintf(stderr,
                 "companion %.*s: works on the embedded SQLite store only, and this "
                 "configuration uses PostgreSQL (POSTGRES_URL is set): use scripts/%.*s.sh "
                 "(pg_dump/pg_restore) instead\n",
                 static_cast<int>(command.size()), command.data(), static_cast<int>(command.size()),
                 command.data());
    return true;
}

void print_tables(const std::vector<sqlite::TableRows>& tables) {
    std::cout << fmt::format("  {:<24} {:>12}\n", "table", "rows");
    for (const auto& table : tables) {
        std::cout << fmt::format("  {:<24} {:>12}\n", table.table, table.rows);
    }
}

// Asks for the database's file name, as scripts/restore.sh asks for the database name.
bool confirmed(const std::string& database, const std::string& input) {
    const std::string name = std::filesystem::path(database).filename().string();
    std::fprintf(stderr,
                 "This replaces every row of %s with the contents of %s.\n"
                 "Type the database file name (%s) to continue: ",
                 database.c_str(), input.c_str(), name.c_str());
    std::string answer;
    if (!std::getline(std::cin, answer)) answer.clear();
    return answer == name;
}

}  // namespace

int run_backup(const config::Settings& settings, const BackupCommand& command) {
    if (refuse_postgres(settings, "backup")) return kUsesPostgres;
    const auto database = store::sqlite_path(settings);
    try {
        sqlite::BackupOptions options;
        options.replace_existing = command.force;
        options.pages_per_step = command.pages_per_step;
        const auto report = sqlite::backup_database(database, command.output, options);
        std::cout << fmt::format(
            "backed up {} to {} ({} pages{})\n", database, command.output, report.pages,
            report.restarts > 0
                ? fmt::format(", restarted {} times by concurrent writes", report.restarts)
                : std::string());
        print_tables(report.tables);
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "companion backup: %s\n", error.what());
        return 1;
    }
}

int run_restore(const config::Settings& settings, const RestoreCommand& command) {
    if (refuse_postgres(settings, "restore")) return kUsesPostgres;
    const auto database = store::sqlite_path(settings);
    try {
        const auto summary = sqlite::inspect_backup(command.input);
        if (!command.yes && !confirmed(database, command.input)) {
            std::fprintf(stderr, "companion restore: not confirmed; nothing was changed\n");
            return 1;
        }
        const auto tables = sqlite::restore_database(command.input, database, summary);
        std::cout << fmt::format(
            "restored {} from {} (schema version {}); row counts match the backup:\n",
            database, command.input, summary.schema_version);
        print_tables(tables);
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "companion restore: %s\n", error.what());
        return 1;
    }
}

}  // namespace companion::cli
