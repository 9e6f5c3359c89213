// The nine emotion classes the companion tracks (Plutchik's eight basic emotions plus neutral)
// and their names as stored in emotion_history.emotion and shown by the API.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace companion::emotion {

enum class Emotion : std::uint8_t {
    joy,
    sadness,
    anger,
    fear,
    surprise,
    disgust,
    trust,
    anticipation,
    neutral,
};

inline constexpr std::size_t kEmotionCount = 9;

// In declaration order; ties between classes are broken in this order.
inline constexpr std::array<Emotion, kEmotionCount> kAllEmotions{
    Emotion::joy,     Emotion::sadness, Emotion::anger,        Emotion::fear,    Emotion::surprise,
    Emotion::disgust, Emotion::trust,   Emotion::anticipation, Emotion::neutral,
};

constexpr std::size_t index_of(Emotion emotion) {
    return static_cast<std::size_t>(emotion);
}

std::string_view to_string(Emotion emotion);

// The class named `name` (exact lower-case name), or nullopt.
std::optional<Emotion> parse_emotion(std::string_view name);

}  // namespace companion::emotion
