#include "api/query.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "http/api_error.hpp"
#include "http/router.hpp"

namespace companion::api {

namespace {

http::ApiError invalid_query(std::string message) {
    return http::ApiError(400, "invalid_query", std::move(message));
}

std::string decode(std::string_view raw) {
    std::string plus_as_space(raw);
    std::replace(plus_as_space.begin(), plus_as_space.end(), '+', ' ');
    std::string out;
    if (!http::percent_decode(plus_as_space, out)) {
        throw invalid_query(fmt::format("malformed escape in the query: {}", raw.substr(0, 64)));
    }
    return out;
}

}  // namespace

QueryParams::QueryParams(const http::Request& request, std::vector<std::string_view> known) {
    std::string_view rest = request.query;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) continue;
        const auto equals = pair.find('=');
        auto name = decode(pair.substr(0, equals));
        auto value = equals == std::string_view::npos ? std::string() : decode(pair.substr(equals + 1));
        if (std::find(known.begin(), known.end(), name) == known.end()) {
            throw invalid_query(fmt::format("unknown query parameter \"{}\"", name.substr(0, 64)));
        }
        if (values_.contains(name)) {
            throw invalid_query(fmt::format("query parameter \"{}\" is repeated", name));
        }
        values_.emplace(std::move(name), std::move(value));
    }
}

std::optional<std::string> QueryParams::text(std::string_view name) const {
    const auto found = values_.find(name);
    if (found == values_.end()) return std::nullopt;
    return found->second;
}

std::int64_t QueryParams::integer(std::string_view name, std::int64_t min, std::int64_t max,
                                  std::int64_t fallback) const {
    const auto found = values_.find(name);
    if (found == values_.end()) return fallback;
    const auto& text = found->second;
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value < min ||
        value > max) {
        throw http::ApiError(422, "invalid_field",
                             fmt::format("query parameter \"{}\" must be an integer from {} to {}",
                                         name, min, max));
    }
    return value;
}

PageRequest page_request(const QueryParams& query) {
    PageRequest page;
    page.limit = static_cast<int>(query.integer("limit", 1, 100, 20));
    page.cursor = query.text("cursor");
    if (page.cursor && page.cursor->empty()) page.cursor.reset();
    return page;
}

}  // namespace companion::api
