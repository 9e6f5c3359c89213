// Query string parameters of a request, read strictly: malformed escapes, repeated or unknown
// names are 400 invalid_query; values out of range are 422 invalid_field naming the parameter.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace companion::api {

class QueryParams {
public:
    // `known`: the names this route understands; any other is refused.
    QueryParams(const http::Request& request, std::vector<std::string_view> known);

    std::optional<std::string> text(std::string_view name) const;
    std::int64_t integer(std::string_view name, std::int64_t min, std::int64_t max,
                         std::int64_t fallback) const;

private:
    std::map<std::string, std::string, std::less<>> values_;
};

// `limit` (1-100, default 20) and `cursor` of a listing.
struct PageRequest {
    int limit = 20;
    std::optional<std::string> cursor;
};
PageRequest page_request(const QueryParams& query);

}  // namespace companion::api
