// One attempt of a call to the LLM server: the exchange, the stream read as it arrives, and the
// translation of what went wrong into a Failure (kind, message, whether a retry may help).
#include <charconv>
#include <exception>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "llm/client_impl.hpp"
#include "llm/openai_json.hpp"
#include "llm/sse_parser.hpp"

namespace companion::llm {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using detail::TransportFailure;

namespace {

constexpr std::size_t max_answer_bytes = 16 * 1024 * 1024;
constexpr std::size_t max_error_body_bytes = 64 * 1024;
constexpr std::size_t max_models_bytes = 1024 * 1024;

std::string seconds_text(std::chrono::milliseconds duration) {
    return fmt::format("{:g} s", static_cast<double>(duration.count()) / 1000.0);
}

// Retry-After in seconds (the HTTP-date form is rare from LLM servers and is ignored).
std::chrono::milliseconds retry_after_of(std::string_view text) {
    long long seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (error != std::errc{} || end != text.data() + text.size() || seconds < 0) return {};
    return std::chrono::milliseconds(std::min<long long>(seconds, 3600) * 1000);
}

Failure malformed(std::string_view what) {
    return Failure{LlmError::Kind::upstream_error,
                   "the LLM server's answer is malformed: " + std::string(what)};
}

}  // namespace

Failure LlmClient::Impl::from_transport(const TransportFailure& failure, const CallState& call,
                                        bool before_first_token_deadline) const {
    using Kind = TransportFailure::Kind;
    switch (failure.kind) {
        case Kind::connect:
            return Failure{LlmError::Kind::unavailable, failure.message, 0, true};
        case Kind::tls:
            return Failure{LlmError::Kind::unavailable, failure.message};
        case Kind::broken:
            if (!call.text.empty()) {
                return Failure{LlmError::Kind::upstream_error,
                               fmt::format("the answer broke off after {} characters: {}",
                                           call.text.size(), failure.message)};
            }
            return Failure{LlmError::Kind::unavailable, failure.message, 0, true};
        case Kind::timeout:
            if (before_first_token_deadline) {
                return Failure{LlmError::Kind::timeout,
                               "no text from the LLM server within " +
                                   seconds_text(options.first_token_timeout) +
                                   " (LLM_FIRST_TOKEN_TIMEOUT_SECONDS)"};
            }
            if (const auto allowed = std::chrono::duration_cast<std::chrono::milliseconds>(
                    call.deadline - call.started);
                allowed != options.total_timeout) {
                // The request set its own timeout (ChatRequest::timeout).
                return Failure{LlmError::Kind::timeout,
                               "no complete answer from the LLM server within " +
                                   seconds_text(allowed) + " (the call's own timeout)"};
            }
            return Failure{LlmError::Kind::timeout,
                           "no complete answer from the LLM server within " +
                               seconds_text(options.total_timeout) + " (LLM_TIMEOUT_SECONDS)"};
        case Kind::protocol:
            return Failure{LlmError::Kind::upstream_error, failure.message};
    }
    return Failure{LlmError::Kind::upstream_error, failure.message};
}

Failure LlmClient::Impl::from_status(unsigned status, std::string_view body,
                                     std::string_view retry_after) const {
    const bool retryable = status == 429 || status >= 500;
    const bool busy = status == 429 || status == 503;
    std::string hint;
    if (status == 401 || status == 403) hint = " (check LM_STUDIO_API_KEY)";
    if (status == 404) hint = " (check LM_STUDIO_BASE_URL and LM_STUDIO_MODEL_NAME)";
    Failure failure{
        busy ? LlmError::Kind::unavailable : LlmError::Kind::upstream_error,
        fmt::format("the LLM server answered {}: {}{}", status, error_message_of(body), hint),
        static_cast<int>(status), retryable, retryable};
    failure.retry_after = retry_after_of(retry_after);
    return failure;
}

Task<MaybeFailed> LlmClient::Impl::exchange_buffered(std::string_view endpoint,
                                                     const std::string& body, CallState& call,
                                                     std::string& answer, std::size_t limit) {
    detail::HttpCall exchange(transport, co_await asio::this_coro::executor);
    auto request = transport.request(http::verb::post, endpoint, body, "application/json");
    if (auto failed = co_await exchange.start(request, call.deadline)) {
        co_return from_transport(*failed, call, false);
    }
    const unsigned status = exchange.status();
    const bool ok = status >= 200 && status < 300;
    if (auto failed = co_await exchange.read_body(answer, ok ? limit : max_error_body_bytes)) {
        co_return from_transport(*failed, call, false);
    }
    const std::string retry_after = exchange.header(http::field::retry_after);
    exchange.finish();
    if (!ok) co_return from_status(status, answer, retry_after);
    co_return std::nullopt;
}

Task<MaybeFailed> LlmClient::Impl::attempt_complete(const std::string& body, CallState& call) {
    std::string answer;
    if (auto failed =
            co_await exchange_buffered("/chat/completions", body, call, answer, max_answer_bytes)) {
        co_return failed;
    }
    ParsedCompletion parsed;
    try {
        parsed = parse_chat_completion(answer);
    } catch (const MalformedAnswer& error) {
        co_return malformed(error.what());
    }
    call.text = std::move(parsed.text);
    call.finish_reason = std::move(parsed.finish_reason);
    call.model = std::move(parsed.model);
    if (parsed.usage) call.usage = *parsed.usage;
    co_return std::nullopt;
}

Task<MaybeFailed> LlmClient::Impl::attempt_embeddings(const std::string& body, std::size_t count,
                                                      CallState& call,
                                                      std::vector<std::vector<float>>& vectors) {
    std::string answer;
    if (auto failed =
            co_await exchange_buffered("/embeddings", body, call, answer, max_answer_bytes)) {
        co_return failed;
    }
    try {
        vectors = parse_embeddings(answer, count);
    } catch (const MalformedAnswer& error) {
        co_return malformed(error.what());
    }
    co_return std::nullopt;
}

Task<MaybeFailed> LlmClient::Impl::attempt_stream(std::string& body, const DeltaSink& sink,
                                                  CallState& call) {
    detail::HttpCall exchange(transport, co_await asio::this_coro::executor);
    const auto first_token_deadline =
        std::min(call.deadline, Clock::now() + options.first_token_timeout);
    const auto waiting_for_first_token = [&] {
        return call.text.empty() && first_token_deadline < call.deadline;
    };
    detail::MaybeFailure not_started;
    {
        // Sent by start(); not kept while the answer streams in.
        auto request =
            transport.request(http::verb::post, "/chat/completions", body, "text/event-stream");
        not_started = co_await exchange.start(request, first_token_deadline);
    }
    if (not_started) co_return from_transport(*not_started, call, waiting_for_first_token());
    const unsigned status = exchange.status();
    if (status < 200 || status >= 300) {
        std::string error_body;
        if (auto failed = co_await exchange.read_body(error_body, max_error_body_bytes)) {
            co_return from_transport(*failed, call, waiting_for_first_token());
        }
        const std::string retry_after = exchange.header(http::field::retry_after);
        exchange.finish();
        co_return from_status(status, error_body, retry_after);
    }

    // Hands text to the sink; false when the caller stopped the call.
    bool stopped = false;
    const auto deliver = [&](std::string_view delta) -> Task<void> {
        if (call.text.empty()) {
            call.first_text_at = Clock::now();
            exchange.set_deadline(call.deadline);
            std::string().swap(body);  // no retry after text (LlmClient::Impl::admitted)
        }
        call.text.append(delta);
        if (!co_await sink(delta)) stopped = true;
    };

    const std::string content_type = exchange.header(http::field::content_type);
    if (content_type.find("text/event-stream") == std::string::npos) {
        // A server that ignores "stream": the whole completion at once.
        exchange.set_deadline(call.deadline);
        std::string answer;
        if (auto failed = co_await exchange.read_body(answer, max_answer_bytes)) {
            co_return from_transport(*failed, call, false);
        }
        exchange.finish();
        ParsedCompletion parsed;
        try {
            parsed = parse_chat_completion(answer);
        } catch (const MalformedAnswer& error) {
            co_return malformed(error.what());
        }
        call.finish_reason = std::move(parsed.finish_reason);
        call.model = std::move(parsed.model);
        if (parsed.usage) call.usage = *parsed.usage;
        if (!parsed.text.empty()) co_await deliver(parsed.text);
        if (stopped)
            co_return Failure{LlmError::Kind::cancelled, "the caller stopped the stream", 0, false,
                              false};
        co_return std::nullopt;
    }

    SseParser parser;
    std::vector<SseEvent> events;
    std::string bytes;
    bool done = false;
    while (!exchange.body_done()) {
        bytes.clear();
        auto failed = co_await exchange.read_body_some(bytes);
        parser.feed(bytes, events);
        if (parser.failed()) {
            co_return malformed("a stream event is larger than 1 MiB");
        }
        for (const SseEvent& event : events) {
            if (done) break;
            if (event.data == "[DONE]") {
                done = true;
                break;
            }
            StreamChunk chunk;
            try {
                chunk = parse_stream_chunk(event.data);
            } catch (const MalformedAnswer& error) {
                co_return malformed(error.what());
            }
            if (event.type == "error" && !chunk.error) chunk.error = error_message_of(event.data);
            if (chunk.error) {
                const bool before_text = call.text.empty();
                co_return Failure{LlmError::Kind::upstream_error,
                                  "the LLM server reported an error in the stream: " + *chunk.error,
                                  0, before_text, true};
            }
            if (!chunk.model.empty()) call.model = std::move(chunk.model);
            if (chunk.usage) call.usage = *chunk.usage;
            if (!chunk.finish_reason.empty()) call.finish_reason = std::move(chunk.finish_reason);
            if (!chunk.delta.empty()) {
                co_await deliver(chunk.delta);
                if (stopped) {
                    co_return Failure{LlmError::Kind::cancelled, "the caller stopped the stream", 0,
                                      false, false};
                }
            }
        }
        events.clear();
        if (failed) {
            // After [DONE] the answer is whole; only the connection is lost.
            if (done) co_return std::nullopt;
            co_return from_transport(*failed, call, waiting_for_first_token());
        }
    }
    if (!done && call.finish_reason.empty()) {
        const std::string message =
            transport.url().origin() + " ended the stream before it was complete";
        if (!call.text.empty()) {
            co_return Failure{LlmError::Kind::upstream_error,
                              fmt::format("the answer broke off after {} characters: {}",
                                          call.text.size(), message)};
        }
        co_return Failure{LlmError::Kind::unavailable, message, 0, true};
    }
    exchange.finish();
    co_return std::nullopt;
}

Task<bool> LlmClient::Impl::probe_once(std::string& problem) {
    detail::HttpCall exchange(transport, co_await asio::this_coro::executor);
    auto request = transport.request(http::verb::get, "/models", {}, "application/json");
    if (auto failed = co_await exchange.start(request, Clock::now() + options.probe_timeout)) {
        problem = failed->message;
        co_return false;
    }
    std::string answer;
    if (auto failed = co_await exchange.read_body(answer, max_models_bytes)) {
        problem = failed->message;
        co_return false;
    }
    const unsigned status = exchange.status();
    exchange.finish();
    if (status >= 200 && status < 300) co_return true;
    problem = fmt::format("GET /models answered {}: {}", status, error_message_of(answer));
    co_return false;
}

}  // namespace companion::llm
