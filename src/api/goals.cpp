// /api/v1/goals: the caller's goals (active, completed, abandoned) with an optional target date,
// and their progress history; progress 100 completes a goal.
#include <charconv>

#include <boost/json.hpp>

#include "api/json.hpp"
#include "api/json_input.hpp"
#include "api/query.hpp"
#include "api/resource_json.hpp"
#include "api/routes.hpp"
#include "http/router.hpp"
#include "store/store.hpp"

namespace companion::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

const TextRule kTitleRule{
    .min_code_points = 1, .max_code_points = 200, .trim = true, .allow_newlines = false};
const TextRule kDescriptionRule{.min_code_points = 0, .max_code_points = 2000, .trim = true};
const TextRule kNoteRule{.min_code_points = 0, .max_code_points = 1000, .trim = true};
const TextRule kWordRule{.min_code_points = 1, .max_code_points = 20};
const TextRule kDateRule{.min_code_points = 10, .max_code_points = 10};

http::ApiError not_found() { return http::ApiError(404, "not_found", "goal not found"); }

bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

// YYYY-MM-DD, a real calendar date.
std::string checked_date(const std::string& text) {
    const auto invalid = [] {
        return http::ApiError(422, "invalid_field",
                              "\"target_date\" must be a date as YYYY-MM-DD, e.g. 2027-06-30");
    };
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') throw invalid();
    int year = 0, month = 0, day = 0;
    const auto number = [&text, &invalid](std::size_t at, std::size_t length, int& out) {
        const auto [end, error] = std::from_chars(text.data() + at, text.data() + at + length, out);
        if (error != std::errc{} || end != text.data() + at + length) throw invalid();
    };
    number(0, 4, year);
    number(5, 2, month);
    number(8, 2, day);
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1900 || month < 1 || month > 12 || day < 1) throw invalid();
    const int last = kDays[month - 1] + (month == 2 && leap(year) ? 1 : 0);
    if (day > last) throw invalid();
    return text;
}

store::GoalStatus checked_status(const std::string& text) {
    const auto status = store::parse_goal_status(text);
    if (!status) {
        throw http::ApiError(422, "invalid_field",
                             "\"status\" must be one of active, completed, abandoned");
    }
    return *status;
}

asio::awaitable<http::Response> create(Services& services, http::Request& request) {
    const auto object = parse_json_object(request.body);
    JsonFields fields(object);
    store::Goal goal;
    goal.user_id = request.user_id;
    goal.title = fields.required_string("title", kTitleRule);
    goal.description = fields.optional_string("description", kDescriptionRule).value_or("");
    if (auto date = fields.optional_string("target_date", kDateRule)) {
        goal.target_date = checked_date(*date);
    }
    fields.finish();
    const auto created = co_await services.store.create_goal(std::move(goal));
    co_return json_response(201, goal_json(created));
}

asio::awaitable<http::Response> list(Services& services, http::Request& request) {
    const QueryParams query(request, {"status"});
    std::optional<store::GoalStatus> status;
    if (auto text = query.text("status")) status = checked_status(*text);
    const auto goals = co_await services.store.list_goals(request.user_id, status);
    json::array items;
    for (const auto& goal : goals) items.push_back(goal_json(goal));
    json::object body;
    body["goals"] = std::move(items);
    co_return json_response(200, body);
}

asio::awaitable<http::Response> get_one(Services& services, http::Request& request) {
    const auto id = require_id(request.param("id"), "goal");
    const auto goal = co_await services.store.find_goal(request.user_id, id);
    if (!goal) throw not_found();
    auto body = goal_json(*goal);
    json::array history;
    for (const auto& step : co_await services.store.list_goal_progress(request.user_id, id)) {
        history.push_back(goal_progress_json(step));
    }
    body["progress_history"] = std::move(history);
    co_return json_response(200, body);
}

asio::awaitable<http::Response> change(Services& services, http::Request& request) {
    const auto id = require_id(request.param("id"), "goal");
    const auto object = parse_json_object(request.body);
    JsonFields fields(object);
    store::GoalUpdate update;
    update.title = fields.optional_string("title", kTitleRule);
    update.description = fields.optional_string("description", kDescriptionRule);
    if (auto status = fields.optional_string("status", kWordRule)) {
        update.status = checked_status(*status);
    }
    // null clears the target date; absent leaves it.
    if (const auto* date = object.if_contains("target_date"); date && date->is_null()) {
        update.target_date = std::optional<std::string>();
        fields.optional_string("target_date", kDateRule);
    } else if (auto text = fields.optional_string("target_date", kDateRule)) {
        update.target_date = std::optional<std::string>(checked_date(*text));
    }
    fields.finish();
    const auto updated =
        co_await services.store.update_goal(request.user_id, id, std::move(update));
    if (!updated) throw not_found();
    co_return json_response(200, goal_json(*updated));
}

asio::awaitable<http::Response> remove(Services& services, http::Request& request) {
    const auto id = require_id(request.param("id"), "goal");
    const bool deleted = co_await services.store.delete_goal(request.user_id, id);
    if (!deleted) throw not_found();
    co_return no_content();
}

asio::awaitable<http::Response> progress(Services& services, http::Request& request) {
    const auto id = require_id(request.param("id"), "goal");
    const auto object = parse_json_object(request.body);
    JsonFields fields(object);
    const auto value = static_cast<int>(fields.required_integer("progress", 0, 100));
    auto note = fields.optional_string("note", kNoteRule).value_or("");
    fields.finish();
    const auto goal =
        co_await services.store.add_goal_progress(request.user_id, id, value, std::move(note));
    if (!goal) throw not_found();
    co_return json_response(200, goal_json(*goal));
}

}  // namespace

void register_goal_routes(http::Router& router, Services& services) {
    using http::Method;
    const auto route = [&router, &services](Method method, std::string pattern,
                                            ServiceHandler handler) {
        add_route(router, services, method, std::move(pattern), handler);
    };
    route(Method::post, "/api/v1/goals", create);
    route(Method::get, "/api/v1/goals", list);
    route(Method::get, "/api/v1/goals/{id}", get_one);
    route(Method::patch, "/api/v1/goals/{id}", change);
    route(Method::delete_, "/api/v1/goals/{id}", remove);
    route(Method::post, "/api/v1/goals/{id}/progress", progress);
}

}  // namespace companion::api
