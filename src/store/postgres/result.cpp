#include "store/postgres/result.hpp"

#include <charconv>
#include <system_error>

#include "store/errors.hpp"

namespace companion::store::pg {
namespace {

template <class Number>
Number parse_number(std::string_view text, const char* what) {
    Number value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
        throw StoreError(std::string("PostgreSQL returned an unreadable ") + what + " value");
    }
    return value;
}

}  // namespace

PgResult& PgResult::operator=(PgResult&& other) noexcept {
    if (this != &other) {
        if (result_ != nullptr) PQclear(result_);
        result_ = std::exchange(other.result_, nullptr);
    }
    return *this;
}

PgResult::~PgResult() {
    if (result_ != nullptr) PQclear(result_);
}

bool PgResult::ok() const {
    if (result_ == nullptr) return false;
    const auto status = PQresultStatus(result_);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
}

std::string PgResult::field(int code) const {
    if (result_ == nullptr) return {};
    const char* value = PQresultErrorField(result_, code);
    return value == nullptr ? std::string() : std::string(value);
}

std::string PgResult::sqlstate() const { return field(PG_DIAG_SQLSTATE); }

std::string PgResult::message() const {
    std::string primary = field(PG_DIAG_MESSAGE_PRIMARY);
    if (primary.empty() && result_ != nullptr) primary = PQresultErrorMessage(result_);
    if (const auto newline = primary.find('\n'); newline != std::string::npos) {
        primary.resize(newline);
    }
    return primary;
}

std::string PgResult::constraint() const { return field(PG_DIAG_CONSTRAINT_NAME); }

int PgResult::rows() const { return result_ == nullptr ? 0 : PQntuples(result_); }

std::int64_t PgResult::affected() const {
    if (result_ == nullptr) return 0;
    const std::string_view count = PQcmdTuples(result_);
    return count.empty() ? 0 : parse_number<std::int64_t>(count, "row count");
}

bool PgResult::is_null(int row, int column) const {
    return PQgetisnull(result_, row, column) != 0;
}

std::string_view PgResult::text(int row, int column) const {
    return {PQgetvalue(result_, row, column),
            static_cast<std::size_t>(PQgetlength(result_, row, column))};
}

std::string_view RowReader::next() { return result_.text(row_, column_++); }

std::string RowReader::text() { return std::string(next()); }

std::optional<std::string> RowReader::opt_text() {
    if (next_is_null()) {
        ++column_;
        return std::nullopt;
    }
    return text();
}

std::int64_t RowReader::i64() { return parse_number<std::int64_t>(next(), "integer"); }

std::int32_t RowReader::i32() { return parse_number<std::int32_t>(next(), "integer"); }

std::optional<std::int32_t> RowReader::opt_i32() {
    if (next_is_null()) {
        ++column_;
        return std::nullopt;
    }
    return i32();
}

double RowReader::f64() { return parse_number<double>(next(), "number"); }

bool RowReader::boolean() { return next() == "t"; }

Timestamp RowReader::timestamp() { return Timestamp(std::chrono::microseconds(i64())); }

std::optional<Timestamp> RowReader::opt_timestamp() {
    if (next_is_null()) {
        ++column_;
        return std::nullopt;
    }
    return timestamp();
}

std::vector<float> RowReader::vector() {
    auto values = parse_vector(next());
    if (!values) throw StoreError("PostgreSQL returned an unreadable vector value");
    return std::move(*values);
}

std::optional<std::vector<float>> parse_vector(std::string_view text) {
    if (text.size() < 2 || text.front() != '[' || text.back() != ']') return std::nullopt;
    text = text.substr(1, text.size() - 2);
    std::vector<float> values;
    while (!text.empty()) {
        float value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc()) return std::nullopt;
        values.push_back(value);
        text.remove_prefix(static_cast<std::size_t>(end - text.data()));
        if (text.empty()) break;
        if (text.front() != ',') return std::nullopt;
        text.remove_prefix(1);
        if (text.empty()) return std::nullopt;
    }
    return values;
}

std::string format_vector(const std::vector<float>& values) {
    std::string text = "[";
    text.reserve(values.size() * 12 + 2);
    char buffer[32];
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i != 0) text += ',';
        const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, values[i]);
        if (error != std::errc()) throw StoreError("cannot format an embedding value");
        text.append(buffer, end);
    }
    text += ']';
    return text;
}

}  // namespace companion::store::pg
