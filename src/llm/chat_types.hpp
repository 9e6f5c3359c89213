// The plain values of a chat completion: what is asked of the model and what it answered.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace companion::llm {

template <class T>
using Task = boost::asio::awaitable<T>;

struct ChatMessage {
    std::string role;  // "system", "user" or "assistant"
    std::string content;
};

struct ChatRequest {
    std::vector<ChatMessage> messages;
    std::optional<double> temperature;  // default: LM_STUDIO_TEMPERATURE
    std::optional<int> max_tokens;      // default: LM_STUDIO_MAX_TOKENS
    std::optional<std::string> model;   // default: LM_STUDIO_MODEL_NAME
    // The whole call, waiting for a slot and retries included; default: LLM_TIMEOUT_SECONDS.
    std::optional<std::chrono::milliseconds> timeout;
};

struct Usage {
    int prompt_tokens = 0;
    int completion_tokens = 0;
    bool reported = false;  // false: the server sent no usage (the counts are 0)
};

struct Completion {
    std::string text;
    Usage usage;
    std::string finish_reason;  // "stop", "length", ... ("" when the server sent none)
    std::string model;          // the model the server says answered
    // From the call to its end, waiting for a free slot and retries included.
    std::chrono::microseconds latency{0};
    // From the call to the first text (streaming); equal to latency without streaming.
    std::chrono::microseconds time_to_first_token{0};
    int attempts = 1;  // 1 + the retries it took
};

// Receives each piece of streamed text as it arrives; answering false stops the call at once
// (the upstream connection is closed: the client went away).
using DeltaSink = std::function<Task<bool>(std::string_view delta)>;

}  // namespace companion::llm
