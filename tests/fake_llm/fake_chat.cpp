// The fake server's chat completions: a whole JSON answer, or an SSE stream at the staged pace
// with the staged failures.
#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "fake_server_impl.hpp"

namespace companion::fake_llm {

namespace json = boost::json;

Task<bool> FakeServer::Impl::chat(ClientStream& stream, const Request& request,
                                  std::size_t record) {
    ++chat_requests;
    ++chat_in_flight;
    max_chat_in_flight = std::max(max_chat_in_flight, chat_in_flight);
    struct InFlight {
        std::uint64_t& count;
        ~InFlight() { --count; }
    } in_flight{chat_in_flight};

    const Behaviour b = next_behaviour();
    const bool keep_alive = request.keep_alive() && !b.close_connection;
    const auto answer_error = [&](int status, const std::string& message) -> Task<bool> {
        note(record, "status", status);
        note(record, "outcome", "error_status");
        const std::string retry_after =
            b.retry_after >= 0 ? fmt::format("Retry-After: {}\r\n", b.retry_after) : "";
        co_return co_await answer(
            stream,
            response_text(status, "application/json", error_body(status, message), keep_alive,
                          retry_after),
            keep_alive);
    };
    if (!authorized(b, request)) co_return co_await answer_error(401, "invalid API key");
    if (b.hang) {
        note(record, "outcome", "hanging");
        co_await stream.wait_until_closed();
        note(record, "outcome", "client_closed");
        co_return false;
    }
    json::error_code ec;
    const json::value parsed = json::parse(request.body(), ec);
    if (ec || !parsed.is_object() || !parsed.as_object().contains("messages")) {
        co_return co_await answer_error(400, "the body must be a JSON object with messages");
    }
    const auto& body = parsed.as_object();
    if (b.status != 200) {
        co_await sleep_ms(b.first_token_delay_ms);
        co_return co_await answer_error(b.status, b.error_message);
    }

    int prompt_tokens = 0;
    for (const auto& message : body.at("messages").as_array()) {
        if (const auto* content = message.as_object().if_contains("content");
            content && content->is_string()) {
            prompt_tokens += count_words(content->get_string()) + 4;
        }
    }
    std::vector<std::string> tokens = tokens_of(b);
    std::string finish = "stop";
    if (const auto* max = body.if_contains("max_tokens"); max && max->is_int64()) {
        const auto limit = static_cast<std::size_t>(std::max<std::int64_t>(0, max->get_int64()));
        if (tokens.size() > limit) {
            tokens.resize(limit);
            finish = "length";
        }
    }
    bool streaming = false;
    if (const auto* given = body.if_contains("stream"); given && given->is_bool()) {
        streaming = given->get_bool() && !b.ignore_stream;
    }
    bool include_usage = false;
    if (const auto* options = body.if_contains("stream_options"); options && options->is_object()) {
        if (const auto* usage = options->as_object().if_contains("include_usage");
            usage && usage->is_bool()) {
            include_usage = usage->get_bool();
        }
    }
    if (streaming) {
        co_return co_await stream_chat(stream, b, keep_alive, tokens, finish,
                                       include_usage && b.usage, prompt_tokens, record);
    }

    co_await sleep_ms(b.first_token_delay_ms +
                      b.token_interval_ms * static_cast<int>(tokens.size()));
    if (b.disconnect_after_tokens >= 0) {
        note(record, "outcome", "server_closed");
        co_return false;
    }
    std::string text;
    for (const auto& token : tokens) text += token;
    json::object answer{
        {"id", fmt::format("chatcmpl-fake-{}", next_id)},
        {"object", "chat.completion"},
        {"created", unix_seconds()},
        {"model", b.model},
        {"choices", json::array{json::object{
                        {"index", 0},
                        {"message", json::object{{"role", "assistant"}, {"content", text}}},
                        {"finish_reason", finish}}}}};
    if (b.usage) {
        const int completion_tokens = static_cast<int>(tokens.size());
        answer["usage"] = json::object{{"prompt_tokens", prompt_tokens},
                                       {"completion_tokens", completion_tokens},
                                       {"total_tokens", prompt_tokens + completion_tokens}};
    }
    note(record, "status", 200);
    note(record, "tokens_sent", tokens.size());
    const bool written = co_await stream.write(
        response_text(200, "application/json", json::serialize(answer), keep_alive));
    note(record, "outcome", written ? "completed" : "client_closed");
    co_return written&& keep_alive;
}

Task<bool> FakeServer::Impl::send_event(ClientStream& stream, const Behaviour& b,
                                        std::string_view payload) {
    const std::string_view eol = b.crlf ? "\r\n" : "\n";
    std::string text;
    if (b.comments) text = fmt::format(": ping{}", eol);
    text += fmt::format("data: {}{}{}", payload, eol, eol);
    const std::size_t piece =
        b.chunk_bytes > 0 ? static_cast<std::size_t>(b.chunk_bytes) : text.size();
    for (std::size_t at = 0; at < text.size(); at += piece) {
        const std::string_view part = std::string_view(text).substr(at, piece);
        if (!co_await stream.write(fmt::format("{:x}\r\n{}\r\n", part.size(), part))) {
            co_return false;
        }
    }
    co_return true;
}

Task<bool> FakeServer::Impl::stream_chat(ClientStream& stream, const Behaviour& b, bool keep_alive,
                                         const std::vector<std::string>& tokens,
                                         const std::string& finish, bool include_usage,
                                         int prompt_tokens, std::size_t record) {
    const std::string id = fmt::format("chatcmpl-fake-{}", next_id);
    const std::int64_t created = unix_seconds();
    const auto chunk = [&](json::object delta, json::value finish_reason) {
        return json::serialize(json::object{
            {"id", id},
            {"object", "chat.completion.chunk"},
            {"created", created},
            {"model", b.model},
            {"choices", json::array{json::object{{"index", 0},
                                                 {"delta", std::move(delta)},
                                                 {"finish_reason", std::move(finish_reason)}}}}});
    };
    note(record, "status", 200);
    note(record, "outcome", "streaming");
    const std::string head = fmt::format(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "Transfer-Encoding: chunked\r\n{}\r\n",
        keep_alive ? "" : "Connection: close\r\n");
    const std::string role = chunk(json::object{{"role", "assistant"}, {"content", ""}}, nullptr);
    bool ok = co_await stream.write(head);
    if (ok) ok = co_await send_event(stream, b, role);
    if (!ok) {
        note(record, "outcome", "client_closed");
        co_return false;
    }
    co_await sleep_ms(b.first_token_delay_ms);
    // The last chunk of the chunked body; true when the connection may serve the next request.
    const auto end_stream = [&](std::string_view outcome) -> Task<bool> {
        note(record, "outcome", json::string(outcome));
        const bool ended = co_await stream.write(std::string_view("0\r\n\r\n"));
        co_return ended&& keep_alive;
    };
    for (std::size_t i = 0; i <= tokens.size(); ++i) {
        const auto sent = static_cast<int>(i);
        if (sent == b.disconnect_after_tokens) {
            note(record, "outcome", "server_closed");
            stream.shutdown();
            co_return false;
        }
        if (sent == b.malformed_after_tokens) {
            ok = co_await send_event(stream, b, R"({"choices": [{"delta": {"content": "x"})");
            if (!ok) co_return false;
            co_return co_await end_stream("malformed");
        }
        if (sent == b.error_after_tokens) {
            ok = co_await send_event(stream, b, error_body(500, b.error_message));
            if (!ok) co_return false;
            co_return co_await end_stream("error_event");
        }
        if (i == tokens.size()) break;
        if (i > 0) co_await sleep_ms(b.token_interval_ms);
        const std::string piece = chunk(json::object{{"content", tokens[i]}}, nullptr);
        if (!co_await send_event(stream, b, piece)) {
            note(record, "outcome", "client_closed");
            co_return false;
        }
        note(record, "tokens_sent", i + 1);
    }
    const std::string last = chunk(json::object{}, json::string(finish));
    ok = co_await send_event(stream, b, last);
    if (ok && include_usage) {
        const int completion_tokens = static_cast<int>(tokens.size());
        const std::string usage = json::serialize(json::object{
            {"id", id},
            {"object", "chat.completion.chunk"},
            {"created", created},
            {"model", b.model},
            {"choices", json::array{}},
            {"usage", json::object{{"prompt_tokens", prompt_tokens},
                                   {"completion_tokens", completion_tokens},
                                   {"total_tokens", prompt_tokens + completion_tokens}}}});
        ok = co_await send_event(stream, b, usage);
    }
    if (ok) ok = co_await send_event(stream, b, "[DONE]");
    if (!ok) {
        note(record, "outcome", "client_closed");
        co_return false;
    }
    co_return co_await end_stream("completed");
}

}  // namespace companion::fake_llm
