// /api/v1/emotions: the emotion detected in each of the caller's messages over a period (oldest
// first), and a summary of the last days against the days before: distribution, average valence,
// dominant emotion and trend (emotion/summary.hpp).
#include <charconv>
#include <chrono>
#include <set>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "api/auth_context.hpp"
#include "api/json.hpp"
#include "api/query.hpp"
#include "api/resource_json.hpp"
#include "api/routes.hpp"
#include "emotion/summary.hpp"
#include "http/router.hpp"
#include "store/store.hpp"

namespace companion::api {

namespace asio = boost::asio;
namespace json = boost::json;
namespace chrono = std::chrono;

namespace {

constexpr int kDefaultTimelineDays = 30;
constexpr int kMaxDays = 365;
constexpr int kDefaultTimelineLimit = 200;
constexpr int kMaxTimelineLimit = 1000;
constexpr int kDefaultSummaryDays = 7;
// Rows per store call when the summary reads both of its periods.
constexpr int kSummaryPageSize = 1000;

// Reads fixed-width decimal digits; false unless all of them are digits.
bool digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
    if (at + count > text.size()) return false;
    const auto* first = text.data() + at;
    const auto [end, error] = std::from_chars(first, first + count, out);
    return error == std::errc{} && end == first + count && out >= 0;
}

// RFC 3339 (2026-01-02T03:04:05Z, 2026-01-02T03:04:05.123456+02:00; `t`/`z` and a space for `T`
// allowed; fractions beyond microseconds are cut) or a date alone (2026-01-02: midnight UTC).
// A space where the offset's sign belongs is a `+` that the query's form decoding turned into
// one. A time without an offset is refused: whose local time it means is unknown.
std::optional<store::Timestamp> parse_timestamp(std::string_view text) {
    int year = 0, month = 0, day = 0;
    if (!digits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' || text[7] != '-' ||
        !digits(text, 5, 2, month) || !digits(text, 8, 2, day)) {
        return std::nullopt;
    }
    const chrono::year_month_day date{chrono::year{year},
                                      chrono::month{static_cast<unsigned>(month)},
                                      chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) return std::nullopt;
    store::Timestamp midnight{chrono::sys_days(date).time_since_epoch()};
    if (text.size() == 10) return midnight;

    int hour = 0, minute = 0, second = 0;
    const char separator = text[10];
    if ((separator != 'T' && separator != 't' && separator != ' ') || !digits(text, 11, 2, hour) ||
        text.size() < 19 || text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
        !digits(text, 17, 2, second) || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::size_t at = 19;
    chrono::microseconds fraction{0};
    if (at < text.size() && text[at] == '.') {
        ++at;
        std::int64_t micros = 0;
        std::size_t count = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (count < 6) micros = micros * 10 + (text[at] - '0');
            ++count;
            ++at;
        }
        if (count == 0 || count > 9) return std::nullopt;
        for (auto padding = count; padding < 6; ++padding) micros *= 10;
        fraction = chrono::microseconds(micros);
    }
    chrono::minutes offset{0};
    if (at + 1 == text.size() && (text[at] == 'Z' || text[at] == 'z')) {
        at += 1;
    } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-' || text[at] == ' ') &&
               text[at + 3] == ':') {
        int offset_hours = 0, offset_minutes = 0;
        if (!digits(text, at + 1, 2, offset_hours) || !digits(text, at + 4, 2, offset_minutes) ||
            offset_hours > 23 || offset_minutes > 59) {
            return std::nullopt;
        }
        offset = chrono::hours(offset_hours) + chrono::minutes(offset_minutes);
        if (text[at] == '-') offset = -offset;
        at += 6;
    } else {
        return std::nullopt;
    }
    return midnight + chrono::hours(hour) + chrono::minutes(minute) + chrono::seconds(second) +
           fraction - offset;
}

std::optional<store::Timestamp> query_timestamp(const QueryParams& query, std::string_view name) {
    const auto text = query.text(name);
    if (!text) return std::nullopt;
    auto parsed = parse_timestamp(*text);
    if (!parsed) {
        throw http::ApiError(422, "invalid_field",
                             fmt::format("query parameter \"{}\" must be an RFC 3339 timestamp "
                                         "such as 2026-01-02T03:04:05Z or a date such as "
                                         "2026-01-02",
                                         name));
    }
    return parsed;
}

// More rows than `rows` in [rows.back().created_at, to)? `rows` is a full page, oldest first.
asio::awaitable<bool> more_after(store::Store& store, const std::string& user,
                                 const std::vector<store::EmotionRecord>& rows,
                                 store::Timestamp to) {
    const auto last = rows.back().created_at;
    int at_last = 0;
    for (const auto& row : rows) at_last += row.created_at == last ? 1 : 0;
    const auto following = co_await store.list_emotions(user, last, to, at_last + 1);
    co_return static_cast<int>(following.size()) > at_last;
}

asio::awaitable<http::Response> timeline(Services& services, http::Request& request) {
    const QueryParams query(request, {"from", "to", "days", "limit"});
    const auto limit =
        static_cast<int>(query.integer("limit", 1, kMaxTimelineLimit, kDefaultTimelineLimit));
    const bool by_days = query.text("days").has_value();
    if (by_days && (query.text("from") || query.text("to"))) {
        throw http::ApiError(400, "invalid_query",
                             "query parameter \"days\" cannot be combined with \"from\" or \"to\"");
    }
    const auto now = store::now();
    store::Timestamp from;
    store::Timestamp to;
    if (by_days) {
        to = now;
        from = now - chrono::days(query.integer("days", 1, kMaxDays, kDefaultTimelineDays));
    } else {
        const auto given_from = query_timestamp(query, "from");
        const auto given_to = query_timestamp(query, "to");
        to = given_to.value_or(now);
        from = given_from.value_or(to - chrono::days(kDefaultTimelineDays));
        if (from >= to) {
            throw http::ApiError(422, "invalid_field",
                                 "query parameter \"from\" must be before \"to\"");
        }
    }
    const auto rows = co_await services.store.list_emotions(request.user_id, from, to, limit);
    bool truncated = false;
    if (static_cast<int>(rows.size()) == limit) {
        truncated = co_await more_after(services.store, request.user_id, rows, to);
    }
    json::array items;
    for (const auto& row : rows) items.push_back(emotion_json(row));
    json::object body;
    body["from"] = format_timestamp(from);
    body["to"] = format_timestamp(to);
    body["emotions"] = std::move(items);
    body["truncated"] = truncated;
    co_return json_response(200, body);
}

// Every record of the user in [from, to), oldest first, page by page; a page continues at the
// last timestamp and skips the rows of that instant it has already seen.
asio::awaitable<std::vector<store::EmotionRecord>> all_emotions(store::Store& store,
                                                                const std::string& user,
                                                                store::Timestamp from,
                                                                store::Timestamp to) {
    std::vector<store::EmotionRecord> out;
    std::set<std::string> seen_at_from;
    while (true) {
        const auto rows = co_await store.list_emotions(user, from, to, kSummaryPageSize);
        for (const auto& row : rows) {
            if (row.created_at == from && seen_at_from.contains(row.id)) continue;
            out.push_back(row);
        }
        if (rows.size() < static_cast<std::size_t>(kSummaryPageSize)) break;
        const auto last = rows.back().created_at;
        if (last == from) {
            // A whole page within one microsecond (never seen in practice): the rest of that
            // instant is skipped rather than read again forever.
            from = last + chrono::microseconds(1);
            seen_at_from.clear();
            continue;
        }
        std::set<std::string> seen_at_last;
        for (const auto& row : rows) {
            if (row.created_at == last) seen_at_last.insert(row.id);
        }
        from = last;
        seen_at_from = std::move(seen_at_last);
    }
    co_return out;
}

json::value optional_number(const std::optional<double>& number) {
    return number ? json::value(*number) : json::value(nullptr);
}

json::object period_json(const emotion::PeriodSummary& period) {
    json::object distribution;
    for (const auto& [name, share] : period.distribution) distribution[name] = share;
    json::object body;
    body["from"] = format_timestamp(period.start);
    body["to"] = format_timestamp(period.end);
    body["count"] = period.count;
    body["distribution"] = std::move(distribution);
    body["average_valence"] = optional_number(period.average_valence);
    body["average_intensity"] = optional_number(period.average_intensity);
    body["dominant_emotion"] =
        period.dominant_emotion ? json::value(*period.dominant_emotion) : json::value(nullptr);
    return body;
}

asio::awaitable<http::Response> summary(Services& services, http::Request& request) {
    const QueryParams query(request, {"days"});
    const auto days = chrono::days(query.integer("days", 1, kMaxDays, kDefaultSummaryDays));
    const auto now = store::now();
    // The current period includes `now`; list_emotions' end is exclusive.
    const auto records = co_await all_emotions(services.store, request.user_id, now - 2 * days,
                                               now + chrono::microseconds(1));
    const auto result = emotion::summarize_emotions(records, now, days);
    json::object body;
    body["days"] = days.count();
    body["current"] = period_json(result.current);
    body["previous"] = period_json(result.previous);
    body["valence_change"] = optional_number(result.valence_change);
    body["trend"] = emotion::to_string(result.trend);
    body["trend_threshold"] = emotion::kTrendValenceThreshold;
    co_return json_response(200, body);
}

}  // namespace

void register_emotion_routes(http::Router& router, Services& services) {
    add_route(router, services, http::Method::get, "/api/v1/emotions", timeline);
    add_route(router, services, http::Method::get, "/api/v1/emotions/summary", summary);
}

}  // namespace companion::api
