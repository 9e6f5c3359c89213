#include "emotion/llm_answer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "emotion/emotion.hpp"

namespace companion::emotion {

namespace {

namespace json = boost::json;

constexpr std::string_view kSystemPrompt =
    "You label the emotion of one chat message written by a user. Answer with one JSON object "
    "and nothing else, in this form: {\"emotion\": \"joy\", \"intensity\": 0.6, \"valence\": "
    "0.7, \"arousal\": 0.5}. emotion is exactly one of: joy, sadness, anger, fear, surprise, "
    "disgust, trust, anticipation, neutral. intensity is how strongly it is felt, from 0 to 1 (0 "
    "for neutral). valence is how pleasant it is, from -1 (very unpleasant) to 1 (very "
    "pleasant). arousal is how agitated it is, from 0 (calm) to 1 (agitated). Do not answer the "
    "message itself.";

constexpr std::array<std::string_view, kFallbackReasonCount> kReasonNames{
    "unavailable", "timeout",       "upstream_error", "cancelled",       "other_error",
    "no_json",     "missing_field", "invalid_field",  "unknown_emotion",
};

// Answers are short (the call asks for few tokens); a longer text is not searched past this.
constexpr std::size_t kMaxSearchedBytes = 16384;

double round3(double value) {
    return std::round(value * 1000.0) / 1000.0;
}

// The end (one past the closing brace) of the object opening at text[open], or npos when the
// braces never balance. Braces inside JSON strings do not count.
std::size_t object_end(std::string_view text, std::size_t open) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (std::size_t i = open; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{') {
            ++depth;
        } else if (c == '}' && --depth == 0) {
            return i + 1;
        }
    }
    return std::string_view::npos;
}

// The first object with an "emotion" key, else the first object at all.
std::optional<json::object> find_answer_object(std::string_view answer) {
    const std::string_view text = answer.substr(0, kMaxSearchedBytes);
    std::optional<json::object> first;
    for (std::size_t open = text.find('{'); open != std::string_view::npos;
         open = text.find('{', open + 1)) {
        const std::size_t end = object_end(text, open);
        if (end == std::string_view::npos) continue;
        boost::system::error_code error;
        json::value value = json::parse(text.substr(open, end - open), error);
        if (error || !value.is_object()) continue;
        if (value.as_object().contains("emotion")) return std::move(value.as_object());
        if (!first) first = std::move(value.as_object());
    }
    return first;
}

std::string_view trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

// A JSON number, or a string holding just a finite number ("0.8"); nullopt for anything else.
std::optional<double> number_of(const json::value& value) {
    if (value.is_double()) return value.get_double();
    if (value.is_int64()) return static_cast<double>(value.get_int64());
    if (value.is_uint64()) return static_cast<double>(value.get_uint64());
    if (!value.is_string()) return std::nullopt;
    const std::string_view text = trimmed(value.get_string());
    double number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(number)) {
        return std::nullopt;
    }
    return number;
}

ParsedEmotionAnswer rejected(FallbackReason problem, std::string field = {}) {
    ParsedEmotionAnswer parsed;
    parsed.problem = problem;
    parsed.field = std::move(field);
    return parsed;
}

}  // namespace

std::string_view llm_emotion_system_prompt() {
    return kSystemPrompt;
}

std::string_view to_string(FallbackReason reason) {
    return kReasonNames[static_cast<std::size_t>(reason)];
}

ParsedEmotionAnswer parse_llm_emotion_answer(std::string_view answer) {
    const std::optional<json::object> object = find_answer_object(answer);
    if (!object) return rejected(FallbackReason::no_json);

    const json::value* emotion_value = object->if_contains("emotion");
    if (emotion_value == nullptr) return rejected(FallbackReason::missing_field, "emotion");
    if (!emotion_value->is_string()) return rejected(FallbackReason::invalid_field, "emotion");
    std::string name(trimmed(emotion_value->get_string()));
    std::transform(name.begin(), name.end(), name.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    const std::optional<Emotion> emotion = parse_emotion(name);
    if (!emotion) return rejected(FallbackReason::unknown_emotion, "emotion");

    struct Range {
        std::string_view field;
        double low;
        double high;
        double* out;
    };
    EmotionReading reading;
    const std::array<Range, 3> ranges{{{"intensity", 0.0, 1.0, &reading.intensity},
                                       {"valence", -1.0, 1.0, &reading.valence},
                                       {"arousal", 0.0, 1.0, &reading.arousal}}};
    for (const Range& range : ranges) {
        const json::value* value = object->if_contains(range.field);
        if (value == nullptr)
            return rejected(FallbackReason::missing_field, std::string(range.field));
        const std::optional<double> number = number_of(*value);
        if (!number) return rejected(FallbackReason::invalid_field, std::string(range.field));
        *range.out = round3(std::clamp(*number, range.low, range.high));
    }
    if (*emotion == Emotion::neutral) reading.intensity = 0;
    reading.emotion = std::string(to_string(*emotion));
    for (Emotion each : kAllEmotions) {
        reading.scores[std::string(to_string(each))] = each == *emotion ? 1.0 : 0.0;
    }
    ParsedEmotionAnswer parsed;
    parsed.reading = std::move(reading);
    return parsed;
}

}  // namespace companion::emotion
