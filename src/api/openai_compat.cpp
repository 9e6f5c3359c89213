// The OpenAI-compatible face of the companion: POST /v1/chat/completions and GET /v1/models, with
// the same credentials (a JWT or an API key as the Bearer "API key"). The last user message of
// the request is the turn's message; the companion applies its own persona and memory, so the
// client's other messages are not sent on. A conversation continues through the
// `X-Conversation-Id` request header; every answer names its conversation in the same header.
#include <algorithm>
#include <memory>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/chat_common.hpp"
#include "api/json.hpp"
#include "api/json_input.hpp"
#include "api/routes.hpp"
#include "companion/chat_service.hpp"
#include "config/settings.hpp"
#include "http/router.hpp"
#include "http/sse.hpp"
#include "util/unix_time.hpp"

namespace companion::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kModelId = "companion";

// OpenAI's chat-completion parameters this endpoint accepts without acting on them.
constexpr std::string_view kIgnoredParameters[] = {
    "n",           "stop",           "top_p",       "presence_penalty", "frequency_penalty",
    "logit_bias",  "seed",           "logprobs",    "top_logprobs",     "response_format",
    "tools",       "tool_choice",    "parallel_tool_calls", "metadata",  "store",
    "service_tier", "stream_options", "user"};

// OpenAI answers bad input with 400 (the SDKs' BadRequestError), where our API says 422.
http::ApiError invalid(std::string message) {
    return http::ApiError(400, "invalid_field", std::move(message));
}

// A message's content: a string, or OpenAI's array of parts of which the text parts count.
std::string content_text(const json::value& content) {
    if (content.is_string()) return std::string(content.as_string());
    if (!content.is_array()) throw invalid("\"messages[].content\" must be a string or an array");
    std::string text;
    for (const auto& part : content.as_array()) {
        const auto* object = part.if_object();
        const auto* type = object ? object->if_contains("type") : nullptr;
        if (!type || !type->is_string()) {
            throw invalid("\"messages[].content[]\" parts must be objects with a \"type\"");
        }
        if (type->as_string() != "text") continue;
        const auto* part_text = object->if_contains("text");
        if (!part_text || !part_text->is_string()) {
            throw invalid("a \"text\" part of \"messages[].content\" needs a string \"text\"");
        }
        if (!text.empty()) text += '\n';
        text += part_text->as_string();
    }
    return text;
}

struct CompletionRequest {
    chat::TurnRequest turn;
    std::string model;
    bool stream = false;
    bool include_usage = false;
};

CompletionRequest read_request(const http::Request& request, const config::Settings& settings) {
    const auto object = parse_json_object(request.body);
    CompletionRequest out;
    out.model = std::string(kModelId);
    for (const auto& [key, value] : object) {
        const std::string_view name = key;
        if (name == "messages" || name == "model" || name == "stream" || name == "temperature" ||
            name == "max_tokens" || name == "max_completion_tokens") {
            continue;
        }
        const bool ignored = std::find(std::begin(kIgnoredParameters), std::end(kIgnoredParameters),
                                       name) != std::end(kIgnoredParameters);
        if (!ignored) throw invalid(fmt::format("unknown field \"{}\"", name.substr(0, 64)));
    }
    const auto* messages = object.if_contains("messages");
    if (!messages || !messages->is_array() || messages->as_array().empty()) {
        throw invalid("\"messages\" must be a non-empty array");
    }
    const auto& last = messages->as_array().back();
    const auto* last_object = last.if_object();
    const auto* role = last_object ? last_object->if_contains("role") : nullptr;
    const auto* content = last_object ? last_object->if_contains("content") : nullptr;
    if (!role || !role->is_string() || role->as_string() != "user" || !content) {
        throw invalid("the last of \"messages\" must be a user message with \"content\"");
    }
    out.turn.message = content_text(*content);
    check_chat_message(out.turn.message, "messages[-1].content", settings.max_message_length);
    if (const auto* model = object.if_contains("model"); model && model->is_string()) {
        out.model = std::string(model->as_string());
    }
    if (const auto* stream = object.if_contains("stream"); stream && !stream->is_null()) {
        if (!stream->is_bool()) throw invalid("\"stream\" must be a boolean");
        out.stream = stream->as_bool();
    }
    if (const auto* options = object.if_contains("stream_options"); options && options->is_object()) {
        const auto* usage = options->as_object().if_contains("include_usage");
        out.include_usage = usage && usage->is_bool() && usage->as_bool();
    }
    if (const auto* temperature = object.if_contains("temperature");
        temperature && !temperature->is_null()) {
        if (!temperature->is_number()) throw invalid("\"temperature\" must be a number");
        const double value = temperature->to_number<double>();
        if (value < 0 || value > 2) throw invalid("\"temperature\" must be from 0 to 2");
        out.turn.temperature = value;
    }
    for (const char* name : {"max_tokens", "max_completion_tokens"}) {
        const auto* limit = object.if_contains(name);
        if (!limit || limit->is_null()) continue;
        if (!limit->is_int64() || limit->as_int64() < 1) {
            throw invalid(fmt::format("\"{}\" must be a positive integer", name));
        }
        // Never more than the reply's share of the context budget.
        out.turn.max_tokens = static_cast<int>(
            std::min<std::int64_t>(limit->as_int64(), settings.lm_studio_max_tokens));
    }
    const auto conversation = request.header("X-Conversation-Id");
    if (!conversation.empty()) out.turn.conversation_id = require_id(conversation, "conversation");
    return out;
}

json::object chunk(const std::string& id, std::int64_t created, const std::string& model) {
    json::object body;
    body["id"] = id;
    body["object"] = "chat.completion.chunk";
    body["created"] = created;
    body["model"] = model;
    return body;
}

json::object choice_delta(json::object delta, json::value finish_reason) {
    json::object choice;
    choice["index"] = 0;
    choice["delta"] = std::move(delta);
    choice["finish_reason"] = std::move(finish_reason);
    return choice;
}

std::string data_line(const json::object& body) { return http::sse_event("", json::serialize(body)); }

struct StreamState {
    chat::PreparedTurn turn;
    std::string model;
    bool include_usage = false;
};

// The stream's first chunk: the assistant's role, no text yet.
std::string role_chunk(const std::string& id, std::int64_t created, const std::string& model) {
    json::object first = chunk(id, created, model);
    json::object role;
    role["role"] = "assistant";
    role["content"] = "";
    first["choices"] = json::array{choice_delta(std::move(role), nullptr)};
    return data_line(first);
}

// Owns the prepared turn until the LLM is asked, then frees it: a stream may last minutes,
// thousands at once, and keeps only what storing the reply needs.
asio::awaitable<void> stream_completion(chat::ChatService& chat, std::shared_ptr<StreamState> state,
                                        http::BodyWriter& out) {
    const std::string id = "chatcmpl-" + state->turn.user_message.id;
    const std::int64_t created = util::unix_seconds_now();
    const std::string model = state->model;
    const bool include_usage = state->include_usage;
    if (!co_await out.write(role_chunk(id, created, model))) co_return;

    llm::DeltaSink sink = [&out, &id, created, &model](std::string_view text) -> asio::awaitable<bool> {
        json::object piece = chunk(id, created, model);
        json::object delta;
        delta["content"] = text;
        piece["choices"] = json::array{choice_delta(std::move(delta), nullptr)};
        co_return co_await out.write(data_line(piece));
    };
    std::optional<chat::TurnResult> result;
    std::optional<chat::TurnError> failure;
    try {
        auto answering = chat.stream(std::move(state->turn), std::move(sink));
        state.reset();
        result = co_await std::move(answering);
    } catch (const chat::TurnError& error) {
        failure = error;
    }
    if (failure) {
        const auto mapped = to_api_error(*failure);
        json::object error;
        error["message"] = mapped.what();
        error["type"] = "server_error";
        error["code"] = mapped.code();
        error["param"] = nullptr;
        json::object body;
        body["error"] = std::move(error);
        co_await out.write(data_line(body));
        co_return;
    }
    json::object last = chunk(id, created, model);
    const auto finish = result->finish_reason.empty() ? std::string("stop") : result->finish_reason;
    last["choices"] = json::array{choice_delta(json::object(), json::value(finish))};
    if (!co_await out.write(data_line(last))) co_return;
    if (include_usage) {
        json::object usage_chunk = chunk(id, created, model);
        usage_chunk["choices"] = json::array();
        auto usage = usage_json(*result);
        usage.erase("estimated");
        usage_chunk["usage"] = std::move(usage);
        if (!co_await out.write(data_line(usage_chunk))) co_return;
    }
    co_await out.write("data: [DONE]\n\n");
}

CompletionRequest read_request_as_openai(const http::Request& request,
                                        const config::Settings& settings) {
    std::optional<http::ApiError> refused;
    try {
        return read_request(request, settings);
    } catch (const http::ApiError& error) {
        if (error.status() != 422) throw;
        refused = error;
    }
    http::ApiError as_bad_request(400, refused->code(), refused->what());
    throw as_bad_request;
}

asio::awaitable<http::Response> completions(Services& services, http::Request& request) {
    auto parsed = read_request_as_openai(request, services.settings);
    parsed.turn.user_id = request.user_id;
    auto& chat = services.chat;
    auto prepared = co_await begin_turn(chat, std::move(parsed.turn));
    const std::string conversation_id = prepared.conversation_id;

    if (parsed.stream) {
        auto state = std::make_shared<StreamState>(
            StreamState{std::move(prepared), parsed.model, parsed.include_usage});
        // The body is written once: its writer hands the state over (a std::function: copyable).
        auto response = http::sse_response([&chat, state](http::BodyWriter& out) mutable {
            return stream_completion(chat, std::move(state), out);
        });
        response.headers.emplace_back("X-Conversation-Id", conversation_id);
        co_return response;
    }
    const std::string id = "chatcmpl-" + prepared.user_message.id;
    const auto done = co_await complete_turn(chat, std::move(prepared));
    json::object message;
    message["role"] = "assistant";
    message["content"] = done.reply.content;
    json::object choice;
    choice["index"] = 0;
    choice["message"] = std::move(message);
    choice["finish_reason"] = done.finish_reason.empty() ? "stop" : done.finish_reason;
    choice["logprobs"] = nullptr;
    auto usage = usage_json(done);
    usage.erase("estimated");
    json::object body;
    body["id"] = id;
    body["object"] = "chat.completion";
    body["created"] = util::unix_seconds_now();
    body["model"] = parsed.model;
    body["choices"] = json::array{std::move(choice)};
    body["usage"] = std::move(usage);
    body["conversation_id"] = conversation_id;
    auto response = json_response(200, body);
    response.headers.emplace_back("X-Conversation-Id", conversation_id);
    co_return response;
}

json::object model_json(std::int64_t started) {
    json::object model;
    model["id"] = kModelId;
    model["object"] = "model";
    model["created"] = started;
    model["owned_by"] = "companion";
    return model;
}

asio::awaitable<http::Response> models(const std::int64_t started) {
    json::object body;
    body["object"] = "list";
    body["data"] = json::array{model_json(started)};
    co_return json_response(200, body);
}

asio::awaitable<http::Response> model(const std::int64_t started, const http::Request& request) {
    if (request.param("id") != kModelId) {
        throw http::ApiError(404, "model_not_found", "no such model; the one model is companion");
    }
    co_return json_response(200, model_json(started));
}

}  // namespace

void register_openai_routes(http::Router& router, Services& services) {
    router.add(http::Method::post, "/v1/chat/completions",
               [&services](http::Request& request) { return completions(services, request); });
    const std::int64_t started = util::unix_seconds_now();
    router.add(http::Method::get, "/v1/models",
               [started](http::Request&) { return models(started); });
    router.add(http::Method::get, "/v1/models/{id}",
               [started](http::Request& request) { return model(started, request); });
}

}  // namespace companion::api
