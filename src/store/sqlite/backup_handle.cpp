#include "store/sqlite/backup_handle.hpp"

#include <memory>

#include <fmt/format.h>
#include <sqlite3.h>

namespace companion::store::sqlite {

namespace {

struct StatementDeleter {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

std::string quote_identifier(const std::string& name) {
    std::string quoted = "\"";
    for (const char c : name) {
        quoted += c;
        if (c == '"') quoted += '"';
    }
    quoted += '"';
    return quoted;
}

}  // namespace

bool SqliteFailure::busy() const {
    return (code_ & 0xff) == SQLITE_BUSY || (code_ & 0xff) == SQLITE_LOCKED;
}

BackupHandle::BackupHandle(const std::string& path, int flags, std::string label)
    : label_(std::move(label)) {
    const int result =
        sqlite3_open_v2(path.c_str(), &handle_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (result != SQLITE_OK) {
        const std::string reason =
            handle_ != nullptr ? sqlite3_errmsg(handle_) : sqlite3_errstr(result);
        sqlite3_close_v2(handle_);
        handle_ = nullptr;
        throw SqliteFailure(result, fmt::format("cannot open {}: {}", label_, reason));
    }
    sqlite3_extended_result_codes(handle_, 1);
}

BackupHandle::~BackupHandle() {
    sqlite3_close_v2(handle_);
}

void BackupHandle::set_busy_timeout(int milliseconds) {
    sqlite3_busy_timeout(handle_, milliseconds);
}

void BackupHandle::exec(const std::string& sql) {
    const int result = sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, nullptr);
    if (result != SQLITE_OK) fail(result, sql);
}

std::vector<std::string> BackupHandle::column(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    const int prepared = sqlite3_prepare_v2(handle_, sql.c_str(), -1, &raw, nullptr);
    if (prepared != SQLITE_OK) fail(prepared, sql);
    const StatementPtr statement(raw);
    std::vector<std::string> values;
    for (;;) {
        const int result = sqlite3_step(statement.get());
        if (result == SQLITE_DONE) return values;
        if (result != SQLITE_ROW) fail(result, sql);
        const auto* text = sqlite3_column_text(statement.get(), 0);
        values.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
    }
}

std::int64_t BackupHandle::integer(const std::string& sql) {
    const auto values = column(sql);
    if (values.empty()) throw BackupError(fmt::format("{}: `{}` returned no row", label_, sql));
    return std::stoll(values.front());
}

void BackupHandle::fail(int code, const std::string& doing) const {
    const std::string reason = sqlite3_errmsg(handle_);
    if ((code & 0xff) == SQLITE_NOTADB) {
        throw SqliteFailure(code, fmt::format("{} is not an SQLite database ({})", label_, reason));
    }
    if ((code & 0xff) == SQLITE_CORRUPT) {
        throw SqliteFailure(code, fmt::format("{} is damaged ({})", label_, reason));
    }
    throw SqliteFailure(code, fmt::format("{}: `{}` failed: {}", label_, doing, reason));
}

std::vector<TableRows> count_rows(BackupHandle& db) {
    std::vector<TableRows> tables;
    for (auto& name : db.column("SELECT name FROM sqlite_schema WHERE type = 'table' AND name "
                                "NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")) {
        const auto rows = db.integer("SELECT count(*) FROM " + quote_identifier(name));
        tables.push_back(TableRows{std::move(name), rows});
    }
    return tables;
}

void check_integrity(BackupHandle& db) {
    const auto problems = db.column("PRAGMA integrity_check(5)");
    if (problems.size() == 1 && problems.front() == "ok") return;
    std::string listed;
    for (const auto& problem : problems) {
        if (!listed.empty()) listed += "; ";
        listed += problem;
    }
    throw BackupError(fmt::format("{} is damaged (integrity_check: {})", db.label(), listed));
}

int companion_schema_version(BackupHandle& db) {
    const auto has_table = db.integer(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'");
    if (has_table == 0) {
        throw BackupError(fmt::format(
            "{} is an SQLite database but not a companion one (it has no schema_migrations table)",
            db.label()));
    }
    return static_cast<int>(db.integer("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
}

}  // namespace companion::store::sqlite
