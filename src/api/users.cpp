// /api/v1/users/me: the caller's data export (everything the service holds about the caller, as
// one JSON document) and the deletion of the account with everything it owns.
#include <set>

#include <boost/json.hpp>

#include "api/auth_context.hpp"
#include "api/json.hpp"
#include "api/json_input.hpp"
#include "api/resource_json.hpp"
#include "api/routes.hpp"
#include "auth/auth_service.hpp"
#include "auth/password_policy.hpp"
#include "http/router.hpp"
#include "store/store.hpp"

namespace companion::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr int kPageSize = 1000;  // the stores' largest page
constexpr int kExportFormatVersion = 1;

const TextRule kPasswordRule{.min_code_points = 1, .max_code_points = auth::kMaxPasswordBytes};

template <class Row, class Load, class ToJson>
asio::awaitable<json::array> all_pages(Load load, ToJson to_json) {
    json::array out;
    std::optional<std::string> cursor;
    do {
        store::Page<Row> page = co_await load(cursor);
        for (const auto& row : page.rows) out.push_back(to_json(row));
        cursor = std::move(page.next_cursor);
    } while (cursor);
    co_return out;
}

asio::awaitable<json::array> export_conversations(store::Store& store, const std::string& user) {
    auto list = [&store, &user](std::optional<std::string> cursor) {
        return store.list_conversations(user, kPageSize, std::move(cursor));
    };
    std::vector<store::Conversation> conversations;
    std::optional<std::string> cursor;
    do {
        auto page = co_await list(cursor);
        for (auto& row : page.rows) conversations.push_back(std::move(row));
        cursor = std::move(page.next_cursor);
    } while (cursor);
    json::array out;
    for (const auto& conversation : conversations) {
        auto messages_of = [&store, &user, &conversation](std::optional<std::string> after) {
            return store.list_messages(user, conversation.id, kPageSize, std::move(after));
        };
        auto body = conversation_json(conversation);
        body["messages"] = co_await all_pages<store::Message>(messages_of, message_json);
        out.push_back(std::move(body));
    }
    co_return out;
}

// Emotions are listed by time range; pages continue from the last timestamp, skipping the rows
// of that instant already seen.
asio::awaitable<json::array> export_emotions(store::Store& store, const std::string& user) {
    json::array out;
    store::Timestamp from{};
    const store::Timestamp to = store::now() + std::chrono::hours(1);
    std::set<std::string> seen_at_from;
    while (true) {
        const auto rows = co_await store.list_emotions(user, from, to, kPageSize);
        std::set<std::string> seen_at_last;
        for (const auto& row : rows) {
            if (row.created_at == from && seen_at_from.contains(row.id)) continue;
            out.push_back(emotion_json(row));
        }
        if (rows.size() < static_cast<std::size_t>(kPageSize)) break;
        const auto last = rows.back().created_at;
        if (last == from) break;  // a whole page within one microsecond: cannot page further
        for (const auto& row : rows) {
            if (row.created_at == last) seen_at_last.insert(row.id);
        }
        from = last;
        seen_at_from = std::move(seen_at_last);
    }
    co_return out;
}

asio::awaitable<json::array> export_goals(store::Store& store, const std::string& user) {
    const auto goals = co_await store.list_goals(user, std::nullopt);
    json::array out;
    for (const auto& goal : goals) {
        auto body = goal_json(goal);
        json::array history;
        for (const auto& step : co_await store.list_goal_progress(user, goal.id)) {
            history.push_back(goal_progress_json(step));
        }
        body["progress_history"] = std::move(history);
        out.push_back(std::move(body));
    }
    co_return out;
}

asio::awaitable<http::Response> export_data(Services& services, http::Request& request) {
    const std::string user = request.user_id;
    auto client = client_info(request);
    // Audited first, so that the export lists its own event.
    co_await services.auth.record_export(user, std::move(client));
    auto& store = services.store;
    const auto profile = co_await services.auth.current_user(user);

    json::object body;
    body["format_version"] = kExportFormatVersion;
    body["exported_at"] = format_timestamp(store::now());
    body["user"] = user_json(profile);
    json::array keys;
    for (const auto& key : co_await store.list_api_keys(user)) keys.push_back(api_key_json(key));
    body["api_keys"] = std::move(keys);
    body["conversations"] = co_await export_conversations(store, user);
    auto memories_of = [&store, &user](std::optional<std::string> cursor) {
        return store.list_memories(user, kPageSize, std::move(cursor));
    };
    body["memories"] = co_await all_pages<store::Memory>(memories_of, memory_json);
    body["emotions"] = co_await export_emotions(store, user);
    body["goals"] = co_await export_goals(store, user);
    auto audit_of = [&store, &user](std::optional<std::string> cursor) {
        return store.list_audit(user, kPageSize, std::move(cursor));
    };
    body["audit_events"] = co_await all_pages<store::AuditEvent>(audit_of, audit_json);

    auto response = json_response(200, body);
    response.headers.emplace_back("Content-Disposition",
                                  "attachment; filename=\"companion-export.json\"");
    response.headers.emplace_back("Cache-Control", "no-store");
    co_return response;
}

asio::awaitable<http::Response> delete_me(Services& services, http::Request& request) {
    std::string password;
    // The local user of REQUIRE_AUTHENTICATION=false has no password to confirm.
    const bool needs_password = request.auth_method != "local";
    if (needs_password || !request.body.empty()) {
        const auto object = parse_json_object(request.body);
        JsonFields fields(object);
        if (needs_password) {
            password = fields.required_string("password", kPasswordRule);
        } else if (auto given = fields.optional_string("password", kPasswordRule)) {
            password = std::move(*given);
        }
        fields.finish();
    }
    auto client = client_info(request);
    co_await services.auth.delete_account(request.user_id, std::move(password), std::move(client));
    co_return no_content();
}

}  // namespace

void register_user_routes(http::Router& router, Services& services) {
    router.add(http::Method::get, "/api/v1/users/me/export",
               [&services](http::Request& request) { return export_data(services, request); });
    router.add(http::Method::delete_, "/api/v1/users/me",
               [&services](http::Request& request) { return delete_me(services, request); });
}

}  // namespace companion::api
