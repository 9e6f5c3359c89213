// Statement parameters in libpq's text format. The SQL casts each one explicitly ($1::uuid,
// $2::vector, ...); timestamps travel as microseconds since the epoch (see sql.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/models.hpp"

namespace companion::store::pg {

class Params {
public:
    Params() = default;
    template <class... Values>
    explicit Params(const Values&... values) {
        values_.reserve(sizeof...(values));
        (add(values), ...);
    }

    Params& add(std::string_view value);
    Params& add(const std::string& value) { return add(std::string_view(value)); }
    Params& add(const char* value) { return add(std::string_view(value)); }
    Params& add(const std::optional<std::string>& value);
    Params& add(std::int64_t value);
    Params& add(std::int32_t value);
    Params& add(const std::optional<std::int32_t>& value);
    Params& add(double value);
    Params& add(bool value);
    Params& add(Timestamp value);
    Params& add(const std::optional<Timestamp>& value);
    Params& add(const std::vector<float>& embedding);  // pgvector text
    Params& add_null();

    int size() const { return static_cast<int>(values_.size()); }
    // Pointers into this object, valid while it is alive and unchanged.
    std::vector<const char*> pointers() const;

private:
    std::vector<std::optional<std::string>> values_;
};

// A PostgreSQL array literal of uuids ("{a,b}"); the ids must already be valid uuids.
std::string uuid_array(const std::vector<std::string>& ids);

}  // namespace companion::store::pg
