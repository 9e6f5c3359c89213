// How the chat turn gets the emotion of a user message, chosen by EMOTION_PROVIDER: the built-in
// lexicon classifier (answers at once), or the LLM asked for a JSON answer with the lexicon as
// the fallback on any failure (docs/emotion.md, "EMOTION_PROVIDER=llm").
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "emotion/classifier.hpp"

namespace companion::config {
struct Settings;
}

namespace companion::llm {
class LlmClient;
}

namespace companion::emotion {

// An EmotionReading and which classifier produced it.
struct DetectedEmotion : EmotionReading {
    // "builtin" (the lexicon) or "llm" (the LLM's JSON answer).
    std::string source = "builtin";
    // Set when the LLM was asked but the lexicon answered: why (to_string(FallbackReason), e.g.
    // "timeout", "no_json", "unknown_emotion"); "" otherwise.
    std::string fallback_reason;
};

class EmotionDetector {
  public:
    virtual ~EmotionDetector() = default;

    // Never throws for a bad or failed classification (the lexicon answers then); any text is
    // accepted. Safe to call from several coroutines at once.
    virtual boost::asio::awaitable<DetectedEmotion> detect(std::string text) = 0;

    // "builtin" or "llm": the EMOTION_PROVIDER it implements.
    virtual std::string_view provider() const = 0;
};

// The lexicon classifier; detect() completes without suspending.
class BuiltinEmotionDetector final : public EmotionDetector {
  public:
    boost::asio::awaitable<DetectedEmotion> detect(std::string text) override;
    std::string_view provider() const override { return "builtin"; }

  private:
    EmotionClassifier classifier_;
};

// EMOTION_PROVIDER builtin: a BuiltinEmotionDetector; llm: an LlmEmotionDetector
// (emotion/llm_detector.hpp) asking `client`, whose deadline is the shorter of
// kLlmEmotionTimeout and LLM_TIMEOUT_SECONDS. `client` must outlive the detector.
std::unique_ptr<EmotionDetector> make_emotion_detector(const config::Settings& settings,
                                                       llm::LlmClient& client);

}  // namespace companion::emotion
