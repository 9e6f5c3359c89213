// Unit tests of the SQLite store: a plain connection of its own to the store's database file, to
// look at or change what the store wrote behind its back.
#pragma once

#include <sqlite3.h>

#include <stdexcept>
#include <string>

namespace companion::store::testing {

class RawDatabase {
public:
    explicit RawDatabase(const std::string& path) {
        if (sqlite3_open(path.c_str(), &handle_) != SQLITE_OK) {
            throw std::runtime_error("cannot open " + path);
        }
        sqlite3_busy_timeout(handle_, 5000);
    }
    ~RawDatabase() { sqlite3_close(handle_); }
    RawDatabase(const RawDatabase&) = delete;
    RawDatabase& operator=(const RawDatabase&) = delete;

    void exec(const std::string& sql) {
        char* message = nullptr;
        if (sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            std::string error = message != nullptr ? message : sqlite3_errmsg(handle_);
            sqlite3_free(message);
            throw std::runtime_error(error);
        }
    }

    // The first column of the first row, as text.
    std::string text(const std::string& sql) {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(handle_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
            throw std::runtime_error(sqlite3_errmsg(handle_));
        }
        std::string result;
        if (sqlite3_step(statement) == SQLITE_ROW) {
            const auto* value = sqlite3_column_text(statement, 0);
            if (value != nullptr) result = reinterpret_cast<const char*>(value);
        }
        sqlite3_finalize(statement);
        return result;
    }

private:
    sqlite3* handle_ = nullptr;
};

}  // namespace companion::store::testing
