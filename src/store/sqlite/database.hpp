// A thin RAII layer over the sqlite3 C API: connections with a cache of prepared statements,
// typed binding and reading, transactions, and SQLite failures mapped to store errors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/models.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace companion::store::sqlite {

// Bytes bound as a BLOB (a std::string would bind as TEXT).
struct BlobView {
    std::string_view bytes;
};

class Connection;

// A prepared statement in use; on destruction it is reset and its bindings cleared so that the
// connection's cache can hand it out again.
class Statement {
public:
    Statement(Connection& connection, sqlite3_stmt* handle, bool* in_use);
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    ~Statement();

    // Binds ?1, ?2, ... in order.
    template <class... Values>
    Statement& bind(const Values&... values) {
        int index = 0;
        (bind_at(++index, values), ...);
        return *this;
    }

    bool step();  // true when a row is ready, false when done
    void run();   // steps to the end, ignoring rows

    bool is_null(int column) const;
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    std::string blob(int column) const;
    Timestamp timestamp(int column) const;
    std::optional<std::int64_t> optional_int64(int column) const;
    std::optional<std::string> optional_text(int column) const;
    std::optional<Timestamp> optional_timestamp(int column) const;

    void bind_at(int index, std::nullptr_t);
    void bind_at(int index, std::string_view value);
    void bind_at(int index, const std::string& value) { bind_at(index, std::string_view(value)); }
    void bind_at(int index, const char* value) { bind_at(index, std::string_view(value)); }
    void bind_at(int index, std::int64_t value);
    void bind_at(int index, int value) { bind_at(index, static_cast<std::int64_t>(value)); }
    void bind_at(int index, bool value) { bind_at(index, static_cast<std::int64_t>(value)); }
    void bind_at(int index, double value);
    void bind_at(int index, Timestamp value) { bind_at(index, value.time_since_epoch().count()); }
    void bind_at(int index, BlobView value);
    template <class T>
    void bind_at(int index, const std::optional<T>& value) {
        if (value) {
            bind_at(index, *value);
        } else {
            bind_at(index, nullptr);
        }
    }

private:
    void check_bind(int result);

    Connection* connection_;
    sqlite3_stmt* handle_;
    bool* in_use_;  // the cache entry's flag; nullptr for a statement that is not cached
};

class Connection {
public:
    // Opens (creating when missing) the database file with this service's settings: WAL,
    // busy_timeout 5000 ms, foreign_keys=ON, synchronous=NORMAL. Throws Unavailable naming path.
    static std::unique_ptr<Connection> open(const std::string& path);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // A cached prepared statement for this SQL text (prepared once per connection).
    Statement prepare(const std::string& sql);
    // One or more statements without results (migrations, transaction control).
    void exec(const std::string& sql);
    std::int64_t changes() const;
    bool in_transaction() const;

    // Throws the store error for an SQLite result code.
    [[noreturn]] void fail(int code) const;

private:
    struct Cached {
        sqlite3_stmt* handle = nullptr;
        bool in_use = false;
    };

    explicit Connection(sqlite3* handle) : handle_(handle) {}

    sqlite3* handle_;
    std::unordered_map<std::string, Cached> cache_;
};

// BEGIN IMMEDIATE (the write lock up front, so two writers never deadlock upgrading a read lock);
// rolls back on destruction unless committed.
class Transaction {
public:
    explicit Transaction(Connection& connection);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();

private:
    Connection& connection_;
    bool open_ = true;
};

}  // namespace companion::store::sqlite
