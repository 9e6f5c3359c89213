#include "emotion/llm_detector.hpp"

#include <exception>
#include <utility>

#include "llm/llm_client.hpp"
#include "util/log.hpp"

namespace companion::emotion {

namespace {

FallbackReason reason_for(llm::LlmError::Kind kind) {
    switch (kind) {
        case llm::LlmError::Kind::unavailable:
            return FallbackReason::unavailable;
        case llm::LlmError::Kind::timeout:
            return FallbackReason::timeout;
        case llm::LlmError::Kind::upstream_error:
            return FallbackReason::upstream_error;
        case llm::LlmError::Kind::cancelled:
            return FallbackReason::cancelled;
    }
    return FallbackReason::other_error;
}

}  // namespace

bool FallbackWarnings::first_time(FallbackReason reason) {
    return !seen_[static_cast<std::size_t>(reason)].exchange(true, std::memory_order_relaxed);
}

LlmEmotionDetector::LlmEmotionDetector(llm::LlmClient& client, std::chrono::milliseconds timeout)
    : client_(client), timeout_(timeout) {}

boost::asio::awaitable<DetectedEmotion> LlmEmotionDetector::detect(std::string text) {
    llm::ChatRequest request;
    request.messages = {{"system", std::string(llm_emotion_system_prompt())}, {"user", text}};
    request.temperature = 0.0;
    request.max_tokens = kLlmEmotionMaxTokens;
    request.timeout = timeout_;

    std::string answer;
    std::optional<FallbackReason> failed;
    try {
        answer = (co_await client_.complete(std::move(request))).text;
    } catch (const llm::LlmError& error) {
        // The client has already logged why the call failed.
        failed = reason_for(error.kind());
    } catch (const std::exception& error) {
        failed = FallbackReason::other_error;
        log::debug("the emotion call failed", {{"error", std::string_view(error.what())}});
    }
    if (failed) co_return fallback(text, *failed, {});

    ParsedEmotionAnswer parsed = parse_llm_emotion_answer(answer);
    if (!parsed.reading) co_return fallback(text, parsed.problem, parsed.field);
    DetectedEmotion detected;
    static_cast<EmotionReading&>(detected) = std::move(*parsed.reading);
    detected.source = "llm";
    co_return detected;
}

DetectedEmotion LlmEmotionDetector::fallback(std::string_view text, FallbackReason reason,
                                             std::string_view field) {
    // Neither the user's text nor the model's answer is logged: both may be private.
    const std::initializer_list<log::Field> fields{{"reason", to_string(reason)}, {"field", field}};
    if (warnings_.first_time(reason)) {
        log::warn(
            "the LLM's emotion answer could not be used; the lexicon answers instead "
            "(reported once per reason)",
            fields);
    } else {
        log::debug("the LLM's emotion answer could not be used; the lexicon answers instead",
                   fields);
    }
    DetectedEmotion detected;
    static_cast<EmotionReading&>(detected) = lexicon_.classify(text);
    detected.source = "builtin";
    detected.fallback_reason = std::string(to_string(reason));
    return detected;
}

}  // namespace companion::emotion
