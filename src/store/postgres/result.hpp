// libpq results: an owning wrapper (PQclear) and a column-by-column row reader with typed
// getters. Internal to the PostgreSQL backend.
#pragma once

#include <postgresql/libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/models.hpp"

namespace companion::store::pg {

class PgResult {
public:
    PgResult() = default;
    explicit PgResult(PGresult* result) : result_(result) {}
    PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
    PgResult& operator=(PgResult&& other) noexcept;
    PgResult(const PgResult&) = delete;
    PgResult& operator=(const PgResult&) = delete;
    ~PgResult();

    explicit operator bool() const { return result_ != nullptr; }
    PGresult* get() const { return result_; }

    // PGRES_COMMAND_OK, PGRES_TUPLES_OK or PGRES_EMPTY_QUERY.
    bool ok() const;
    std::string sqlstate() const;
    std::string message() const;  // the primary error message, one line
    std::string constraint() const;

    int rows() const;
    std::int64_t affected() const;  // rows changed by INSERT/UPDATE/DELETE

    bool is_null(int row, int column) const;
    std::string_view text(int row, int column) const;

private:
    std::string field(int code) const;

    PGresult* result_ = nullptr;
};

// Reads one row left to right: each getter takes the next column.
class RowReader {
public:
    RowReader(const PgResult& result, int row) : result_(result), row_(row) {}

    std::string text();
    std::optional<std::string> opt_text();
    std::int64_t i64();
    std::int32_t i32();
    std::optional<std::int32_t> opt_i32();
    double f64();
    bool boolean();
    Timestamp timestamp();  // the column is microseconds since the epoch (bigint)
    std::optional<Timestamp> opt_timestamp();
    std::vector<float> vector();  // pgvector text form "[1,2.5,...]"

private:
    std::string_view next();
    bool next_is_null() const { return result_.is_null(row_, column_); }

    const PgResult& result_;
    int row_;
    int column_ = 0;
};

// Parses pgvector's text form; nullopt when it is not one.
std::optional<std::vector<float>> parse_vector(std::string_view text);
// pgvector's text form of floats, each printed so that it reads back exactly.
std::string format_vector(const std::vector<float>& values);

}  // namespace companion::store::pg
