// EMOTION_PROVIDER=llm: what the LLM is asked, how its answer becomes an EmotionReading, and why
// the lexicon answered instead (docs/emotion.md, "EMOTION_PROVIDER=llm"). No I/O here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "emotion/classifier.hpp"

namespace companion::emotion {

// The system prompt of the classification call; the user's message is the only other message.
std::string_view llm_emotion_system_prompt();

// Why an LLM reading was not used (the lexicon's reading is used instead).
enum class FallbackReason : std::uint8_t {
    unavailable,      // the call failed: llm::LlmError::Kind::unavailable
    timeout,          // llm::LlmError::Kind::timeout (or the detector's own deadline)
    upstream_error,   // llm::LlmError::Kind::upstream_error (an error status, a broken answer)
    cancelled,        // llm::LlmError::Kind::cancelled
    other_error,      // any other exception from the call
    no_json,          // the answer holds no JSON object
    missing_field,    // the object lacks emotion, intensity, valence or arousal
    invalid_field,    // a field has the wrong type (e.g. intensity true, emotion 3)
    unknown_emotion,  // emotion is not one of the nine classes
};

inline constexpr std::size_t kFallbackReasonCount = 9;

// "unavailable", "timeout", ..., "unknown_emotion".
std::string_view to_string(FallbackReason reason);

struct ParsedEmotionAnswer {
    std::optional<EmotionReading> reading;             // set when the answer is usable
    FallbackReason problem = FallbackReason::no_json;  // why not, when reading is empty
    std::string field;  // the offending field's name for missing/invalid/unknown ("" otherwise)
};

// Reads the first JSON object in `answer` that has an "emotion" key (else the first JSON object),
// whether it stands alone, sits inside ```json fences or is surrounded by prose. Validation:
// - emotion: a string, compared after trimming and lower-casing; one of the nine classes;
// - intensity, valence, arousal: numbers, or strings holding just a number; out-of-range values
//   are clamped (intensity and arousal to 0..1, valence to -1..1), then rounded to 3 decimals;
// - a missing field or one of another type rejects the answer; other keys are ignored;
// - neutral gets intensity 0 (as the lexicon gives it);
// - scores: the named class 1, the eight others 0 (the LLM names one class, no distribution).
ParsedEmotionAnswer parse_llm_emotion_answer(std::string_view answer);

}  // namespace companion::emotion
