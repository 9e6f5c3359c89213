#include "emotion/detector.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "config/settings.hpp"
#include "emotion/llm_detector.hpp"

namespace companion::emotion {

boost::asio::awaitable<DetectedEmotion> BuiltinEmotionDetector::detect(std::string text) {
    DetectedEmotion detected;
    static_cast<EmotionReading&>(detected) = classifier_.classify(text);
    co_return detected;
}

std::unique_ptr<EmotionDetector> make_emotion_detector(const config::Settings& settings,
                                                       llm::LlmClient& client) {
    switch (settings.emotion_provider) {
        case config::EmotionProvider::builtin:
            break;
        case config::EmotionProvider::llm: {
            const auto llm_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::duration<double>(settings.llm_timeout_seconds));
            return std::make_unique<LlmEmotionDetector>(client,
                                                        std::min(kLlmEmotionTimeout, llm_timeout));
        }
    }
    return std::make_unique<BuiltinEmotionDetector>();
}

}  // namespace companion::emotion
