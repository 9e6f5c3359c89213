// POST /api/v1/chat: one turn of the conversation, answered as JSON or, with "stream": true or
// `Accept: text/event-stream`, as server-sent events: meta, delta..., then done or error.
#include <memory>

#include <boost/json.hpp>

#include "api/auth_context.hpp"
#include "api/chat_common.hpp"
#include "api/json.hpp"
#include "api/json_input.hpp"
#include "api/routes.hpp"
#include "companion/chat_service.hpp"
#include "config/settings.hpp"
#include "http/router.hpp"
#include "http/sse.hpp"
#include "util/log.hpp"

namespace companion::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object done_json(const chat::TurnResult& result) {
    json::object body;
    body["message_id"] = result.reply.id;
    body["created_at"] = format_timestamp(result.reply.created_at);
    body["usage"] = usage_json(result);
    body["latency_ms"] = result.reply.latency_ms.value_or(0);
    body["model"] = result.reply.model.value_or("");
    body["finish_reason"] = result.finish_reason;
    return body;
}

json::object error_event(const chat::TurnError& error) {
    const auto mapped = to_api_error(error);
    json::object body;
    body["code"] = mapped.code();
    body["message"] = mapped.what();
    body["status"] = mapped.status();
    for (const auto& [name, value] : mapped.details()) body[name] = value;
    return body;
}

// The stream's first event: the ids and what the turn read of the message.
std::string meta_event(const chat::PreparedTurn& turn) {
    json::object meta;
    meta["conversation_id"] = turn.conversation_id;
    meta["user_message_id"] = turn.user_message.id;
    meta["new_conversation"] = turn.new_conversation;
    add_turn_insight(meta, turn);
    return http::sse_event("meta", json::serialize(meta));
}

// The stream of one turn. It owns the prepared turn until the LLM is asked, then frees it: a
// stream may last minutes, thousands at once, and keeps only what storing the reply needs.
asio::awaitable<void> stream_turn(chat::ChatService& chat,
                                  std::shared_ptr<chat::PreparedTurn> turn,
                                  http::BodyWriter& out) {
    if (!co_await out.write(meta_event(*turn))) co_return;

    llm::DeltaSink sink = [&out](std::string_view delta) -> asio::awaitable<bool> {
        json::object piece;
        piece["text"] = delta;
        co_return co_await out.write(http::sse_event("delta", json::serialize(piece)));
    };
    std::optional<chat::TurnResult> result;
    std::optional<chat::TurnError> failure;
    std::string broken;  // anything else, e.g. the reply could not be stored (database busy)
    try {
        auto answering = chat.stream(std::move(*turn), std::move(sink));
        turn.reset();
        result = co_await std::move(answering);
    } catch (const chat::TurnError& error) {
        failure = error;
    } catch (const std::exception& error) {
        broken = error.what();
    }
    if (failure) {
        co_await out.write(http::sse_event("error", json::serialize(error_event(*failure))));
        co_return;
    }
    if (!broken.empty()) {
        log::error("streamed chat turn failed", {{"error", std::string_view(broken)}});
        json::object body;
        body["code"] = "internal_error";
        body["message"] = "the reply could not be completed; the user message is stored";
        body["status"] = 500;
        co_await out.write(http::sse_event("error", json::serialize(body)));
        co_return;
    }
    co_await out.write(http::sse_event("done", json::serialize(done_json(*result))));
}

asio::awaitable<http::Response> post_chat(Services& services, http::Request& request) {
    const auto object = parse_json_object(request.body);
    JsonFields fields(object);
    chat::TurnRequest turn_request;
    turn_request.user_id = request.user_id;
    turn_request.message =
        read_chat_message(fields, "message", services.settings.max_message_length);
    turn_request.conversation_id = fields.optional_id("conversation_id");
    const bool stream = fields.optional_bool("stream", http::accepts_event_stream(request));
    fields.finish();

    auto& chat = services.chat;
    auto prepared = co_await begin_turn(chat, std::move(turn_request));
    if (stream) {
        // The body is written once: its writer hands the turn over (a std::function: copyable).
        co_return http::sse_response(
            [&chat, turn = std::make_shared<chat::PreparedTurn>(std::move(prepared))](
                http::BodyWriter& out) mutable { return stream_turn(chat, std::move(turn), out); });
    }
    json::object body;
    body["conversation_id"] = prepared.conversation_id;
    body["user_message_id"] = prepared.user_message.id;
    add_turn_insight(body, prepared);
    const auto result = co_await complete_turn(chat, std::move(prepared));
    for (auto& [name, value] : done_json(result)) body[name] = std::move(value);
    body["reply"] = result.reply.content;
    co_return json_response(200, body);
}

}  // namespace

void register_chat_routes(http::Router& router, Services& services) {
    router.add(http::Method::post, "/api/v1/chat",
               [&services](http::Request& request) { return post_chat(services, request); });
}

}  // namespace companion::api
