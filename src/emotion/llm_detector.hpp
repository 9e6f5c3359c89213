// EMOTION_PROVIDER=llm: asks the LLM server for the emotion of a message as JSON (temperature 0,
// a few tokens, a short deadline) and falls back to the lexicon's reading on any failure
// (docs/emotion.md, "EMOTION_PROVIDER=llm").
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "emotion/classifier.hpp"
#include "emotion/detector.hpp"
#include "emotion/llm_answer.hpp"

namespace companion::llm {
class LlmClient;
}

namespace companion::emotion {

// The whole classification call (waiting for a slot and retries included) may take this long:
// the chat turn waits for the emotion before it builds the prompt.
inline constexpr std::chrono::milliseconds kLlmEmotionTimeout{10000};
// Enough for the JSON object and a sentence of prose around it.
inline constexpr int kLlmEmotionMaxTokens = 150;

// Remembers which fallback reasons were already reported, so that each is warned about once per
// process (a down LLM server would otherwise log a warning per message). Thread-safe.
class FallbackWarnings {
  public:
    // True the first time `reason` is given, false afterwards.
    bool first_time(FallbackReason reason);

  private:
    std::array<std::atomic<bool>, kFallbackReasonCount> seen_{};
};

class LlmEmotionDetector final : public EmotionDetector {
  public:
    // `client` must outlive the detector.
    explicit LlmEmotionDetector(llm::LlmClient& client,
                                std::chrono::milliseconds timeout = kLlmEmotionTimeout);

    boost::asio::awaitable<DetectedEmotion> detect(std::string text) override;
    std::string_view provider() const override { return "llm"; }

  private:
    DetectedEmotion fallback(std::string_view text, FallbackReason reason, std::string_view field);

    llm::LlmClient& client_;
    std::chrono::milliseconds timeout_;
    EmotionClassifier lexicon_;
    FallbackWarnings warnings_;
};

}  // namespace companion::emotion
