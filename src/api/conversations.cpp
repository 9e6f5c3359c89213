// /api/v1/conversations: create, list (most recently active first), read, rename and delete the
// caller's conversations, and page through a conversation's messages (oldest first).
#include <boost/json.hpp>

#include "api/json.hpp"
#include "api/json_input.hpp"
#include "api/query.hpp"
#include "api/resource_json.hpp"
#include "api/routes.hpp"
#include "companion/chat_service.hpp"
#include "http/router.hpp"
#include "store/store.hpp"

namespace companion::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

const TextRule kTitleRule{
    .min_code_points = 1, .max_code_points = 200, .trim = true, .allow_newlines = false};

http::ApiError not_found() { return http::ApiError(404, "not_found", "conversation not found"); }

json::value cursor_json(const std::optional<std::string>& cursor) {
    return cursor ? json::value(*cursor) : json::value(nullptr);
}

asio::awaitable<http::Response> create(Services& services, http::Request& request) {
    std::string title;
    if (!request.body.empty()) {
        const auto object = parse_json_object(request.body);
        JsonFields fields(object);
        if (auto given = fields.optional_string("title", kTitleRule)) title = std::move(*given);
        fields.finish();
    }
    // An empty title is set from the first message.
    const auto conversation =
        co_await services.store.create_conversation(request.user_id, std::move(title));
    co_return json_response(201, conversation_json(conversation));
}

asio::awaitable<http::Response> list(Services& services, http::Request& request) {
    const QueryParams query(request, {"limit", "cursor"});
    const auto page = page_request(query);
    const auto rows =
        co_await services.store.list_conversations(request.user_id, page.limit, page.cursor);
    json::array items;
    for (const auto& conversation : rows.rows) items.push_back(conversation_json(conversation));
    json::object body;
    body["conversations"] = std::move(items);
    body["next_cursor"] = cursor_json(rows.next_cursor);
    co_return json_response(200, body);
}

asio::awaitable<store::Conversation> owned(Services& services, const http::Request& request) {
    const auto id = require_id(request.param("id"), "conversation");
    auto conversation = co_await services.store.find_conversation(request.user_id, id);
    if (!conversation) throw not_found();
    co_return std::move(*conversation);
}

asio::awaitable<http::Response> get_one(Services& services, http::Request& request) {
    const auto conversation = co_await owned(services, request);
    co_return json_response(200, conversation_json(conversation));
}

asio::awaitable<http::Response> rename(Services& services, http::Request& request) {
    const auto id = require_id(request.param("id"), "conversation");
    const auto object = parse_json_object(request.body);
    JsonFields fields(object);
    auto title = fields.required_string("title", kTitleRule);
    fields.finish();
    const bool updated =
        co_await services.store.update_conversation_title(request.user_id, id, std::move(title));
    if (!updated) throw not_found();
    const auto conversation = co_await owned(services, request);
    co_return json_response(200, conversation_json(conversation));
}

asio::awaitable<http::Response> remove(Services& services, http::Request& request) {
    const auto id = require_id(request.param("id"), "conversation");
    const bool deleted = co_await services.store.delete_conversation(request.user_id, id);
    if (!deleted) throw not_found();
    co_await services.chat.forget_conversation(id);
    co_return no_content();
}

asio::awaitable<http::Response> messages(Services& services, http::Request& request) {
    const QueryParams query(request, {"limit", "cursor"});
    const auto page = page_request(query);
    const auto conversation = co_await owned(services, request);
    const auto rows = co_await services.store.list_messages(request.user_id, conversation.id,
                                                            page.limit, page.cursor);
    json::array items;
    for (const auto& message : rows.rows) items.push_back(message_json(message));
    json::object body;
    body["messages"] = std::move(items);
    body["next_cursor"] = cursor_json(rows.next_cursor);
    co_return json_response(200, body);
}

}  // namespace

void register_conversation_routes(http::Router& router, Services& services) {
    using http::Method;
    const auto route = [&router, &services](Method method, std::string pattern,
                                            ServiceHandler handler) {
        add_route(router, services, method, std::move(pattern), handler);
    };
    route(Method::post, "/api/v1/conversations", create);
    route(Method::get, "/api/v1/conversations", list);
    route(Method::get, "/api/v1/conversations/{id}", get_one);
    route(Method::patch, "/api/v1/conversations/{id}", rename);
    route(Method::delete_, "/api/v1/conversations/{id}", remove);
    route(Method::get, "/api/v1/conversations/{id}/messages", messages);
}

}  // namespace companion::api
