#include "emotion/emotion.hpp"

namespace companion::emotion {

namespace {
constexpr std::array<std::string_view, kEmotionCount> kNames{
    "joy", "sadness", "anger", "fear", "surprise", "disgust", "trust", "anticipation", "neutral",
};
}  // namespace

std::string_view to_string(Emotion emotion) {
    return kNames[index_of(emotion)];
}

std::optional<Emotion> parse_emotion(std::string_view name) {
    for (Emotion emotion : kAllEmotions) {
        if (kNames[index_of(emotion)] == name) return emotion;
    }
    return std::nullopt;
}

}  // namespace companion::emotion
