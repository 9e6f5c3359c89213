#include "store/sqlite/database.hpp"

#include <stdexcept>
#include <utility>

#include <sqlite3.h>

#include "store/errors.hpp"

namespace companion::store::sqlite {

namespace {

constexpr int kBusyTimeoutMs = 5000;

Timestamp to_timestamp(std::int64_t micros) {
    return Timestamp(std::chrono::microseconds(micros));
}

}  // namespace

// ---- Statement ----

Statement::Statement(Connection& connection, sqlite3_stmt* handle, bool* in_use)
    : connection_(&connection), handle_(handle), in_use_(in_use) {}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      handle_(std::exchange(other.handle_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)) {}

Statement::~Statement() {
    if (handle_ == nullptr) return;
    sqlite3_reset(handle_);
    sqlite3_clear_bindings(handle_);
    if (in_use_ != nullptr) {
        *in_use_ = false;
    } else {
        sqlite3_finalize(handle_);
    }
}

bool Statement::step() {
    const int result = sqlite3_step(handle_);
    if (result == SQLITE_ROW) return true;
    if (result == SQLITE_DONE) return false;
    connection_->fail(result);
}

void Statement::run() {
    while (step()) {
    }
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(handle_, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(handle_, column);
}

double Statement::real(int column) const {
    return sqlite3_column_double(handle_, column);
}

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(handle_, column);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(handle_, column));
    if (data == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(data), size);
}

std::string Statement::blob(int column) const {
    const auto* data = sqlite3_column_blob(handle_, column);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(handle_, column));
    if (data == nullptr) return {};
    return std::string(static_cast<const char*>(data), size);
}

Timestamp Statement::timestamp(int column) const {
    return to_timestamp(int64(column));
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
    if (is_null(column)) return std::nullopt;
    return int64(column);
}

std::optional<std::string> Statement::optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return text(column);
}

std::optional<Timestamp> Statement::optional_timestamp(int column) const {
    if (is_null(column)) return std::nullopt;
    return timestamp(column);
}

void Statement::bind_at(int index, std::nullptr_t) {
    check_bind(sqlite3_bind_null(handle_, index));
}

void Statement::bind_at(int index, std::string_view value) {
    check_bind(sqlite3_bind_text64(handle_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                   SQLITE_UTF8));
}

void Statement::bind_at(int index, std::int64_t value) {
    check_bind(sqlite3_bind_int64(handle_, index, value));
}

void Statement::bind_at(int index, double value) {
    check_bind(sqlite3_bind_double(handle_, index, value));
}

void Statement::bind_at(int index, BlobView value) {
    // A null data pointer would bind NULL: an empty blob must stay an (empty) blob.
    if (value.bytes.empty()) {
        check_bind(sqlite3_bind_zeroblob(handle_, index, 0));
        return;
    }
    check_bind(sqlite3_bind_blob64(handle_, index, value.bytes.data(), value.bytes.size(),
                                   SQLITE_TRANSIENT));
}

void Statement::check_bind(int result) {
    if (result != SQLITE_OK) connection_->fail(result);
}

// ---- Connection ----

std::unique_ptr<Connection> Connection::open(const std::string& path) {
    const auto failure = [&path](const std::string& reason) {
        return Unavailable("cannot open the SQLite database " + path + ": " + reason);
    };
    sqlite3* handle = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int result = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
    if (result != SQLITE_OK) {
        const std::string reason =
            handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(result);
        sqlite3_close_v2(handle);
        throw failure(reason);
    }
    std::unique_ptr<Connection> connection(new Connection(handle));
    sqlite3_extended_result_codes(handle, 1);
    sqlite3_busy_timeout(handle, kBusyTimeoutMs);
    std::string journal_mode;
    try {
        auto journal = connection->prepare("PRAGMA journal_mode=WAL");
        if (journal.step()) journal_mode = journal.text(0);
        connection->exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
    } catch (const std::exception& error) {
        throw failure(error.what());
    }
    if (journal_mode != "wal") {
        throw failure("WAL mode is not available (journal mode \"" + journal_mode + "\")");
    }
    return connection;
}

Connection::~Connection() {
    for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.handle);
    sqlite3_close_v2(handle_);
}

Statement Connection::prepare(const std::string& sql) {
    const auto entry = cache_.try_emplace(sql).first;
    Cached& cached = entry->second;
    if (cached.handle != nullptr && !cached.in_use) {
        cached.in_use = true;
        return Statement(*this, cached.handle, &cached.in_use);
    }
    // The cached statement is in use by an enclosing loop: prepare a one-off statement.
    const bool cache = cached.handle == nullptr;
    sqlite3_stmt* handle = nullptr;
    const int result = sqlite3_prepare_v3(handle_, sql.data(), static_cast<int>(sql.size()),
                                          cache ? SQLITE_PREPARE_PERSISTENT : 0, &handle, nullptr);
    if (result != SQLITE_OK) {
        if (cache) cache_.erase(entry);
        fail(result);
    }
    if (!cache) return Statement(*this, handle, nullptr);
    cached.handle = handle;
    cached.in_use = true;
    return Statement(*this, handle, &cached.in_use);
}

void Connection::exec(const std::string& sql) {
    char* error = nullptr;
    const int result = sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, &error);
    sqlite3_free(error);
    if (result != SQLITE_OK) fail(result);
}

std::int64_t Connection::changes() const {
    return sqlite3_changes64(handle_);
}

bool Connection::in_transaction() const {
    return sqlite3_get_autocommit(handle_) == 0;
}

void Connection::fail(int code) const {
    const std::string message = std::string("SQLite: ") + sqlite3_errmsg(handle_);
    switch (code & 0xff) {
        case SQLITE_CONSTRAINT:
            if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
                throw Conflict(message);
            }
            if (code == SQLITE_CONSTRAINT_FOREIGNKEY) {
                throw std::invalid_argument(
                    "refers to a user, conversation, message or goal that does not exist (" +
                    message + ")");
            }
            throw std::invalid_argument(message);
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            throw Unavailable(message + " (still locked after " + std::to_string(kBusyTimeoutMs) +
                              " ms)");
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_FULL:
        case SQLITE_READONLY:
        case SQLITE_NOMEM:
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_PROTOCOL:
        case SQLITE_PERM:
            throw Unavailable(message);
        default:
            throw StoreError(message);
    }
}

// ---- Transaction ----

Transaction::Transaction(Connection& connection) : connection_(connection) {
    connection_.prepare("BEGIN IMMEDIATE").run();
}

Transaction::~Transaction() {
    if (!open_ || !connection_.in_transaction()) return;
    try {
        connection_.prepare("ROLLBACK").run();
    } catch (...) {
        // The pool drops a connection that is still inside a transaction.
    }
}

void Transaction::commit() {
    connection_.prepare("COMMIT").run();
    open_ = false;
}

}  // namespace companion::store::sqlite
