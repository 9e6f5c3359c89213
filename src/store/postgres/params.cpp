#include "store/postgres/params.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <system_error>

#include "store/errors.hpp"
#include "store/postgres/result.hpp"

namespace companion::store::pg {

Params& Params::add(std::string_view value) {
    // A text parameter ends at its first NUL: refuse instead of storing a truncated value.
    if (value.find('\0') != std::string_view::npos) {
        throw std::invalid_argument("text for PostgreSQL must not contain NUL characters");
    }
    values_.emplace_back(std::string(value));
    return *this;
}

Params& Params::add(const std::optional<std::string>& value) {
    return value ? add(std::string_view(*value)) : add_null();
}

Params& Params::add(std::int64_t value) {
    values_.emplace_back(std::to_string(value));
    return *this;
}

Params& Params::add(std::int32_t value) { return add(static_cast<std::int64_t>(value)); }

Params& Params::add(const std::optional<std::int32_t>& value) {
    return value ? add(*value) : add_null();
}

Params& Params::add(double value) {
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    if (error != std::errc()) throw StoreError("cannot format a number parameter");
    values_.emplace_back(std::string(buffer, end));
    return *this;
}

Params& Params::add(bool value) {
    values_.emplace_back(value ? "true" : "false");
    return *this;
}

Params& Params::add(Timestamp value) {
    // Far beyond any real time, but inside PostgreSQL's range (a cursor or bound may be extreme).
    constexpr std::int64_t earliest = -(std::int64_t{1} << 57);  // about 2600 BC
    constexpr std::int64_t latest = std::int64_t{1} << 62;       // about 148000 AD
    return add(std::clamp<std::int64_t>(value.time_since_epoch().count(), earliest, latest));
}

Params& Params::add(const std::optional<Timestamp>& value) {
    return value ? add(*value) : add_null();
}

Params& Params::add(const std::vector<float>& embedding) {
    values_.emplace_back(format_vector(embedding));
    return *this;
}

Params& Params::add_null() {
    values_.emplace_back(std::nullopt);
    return *this;
}

std::vector<const char*> Params::pointers() const {
    std::vector<const char*> pointers;
    pointers.reserve(values_.size());
    for (const auto& value : values_) pointers.push_back(value ? value->c_str() : nullptr);
    return pointers;
}

std::string uuid_array(const std::vector<std::string>& ids) {
    std::string literal = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i != 0) literal += ',';
        literal += ids[i];
    }
    literal += '}';
    return literal;
}

}  // namespace companion::store::pg
