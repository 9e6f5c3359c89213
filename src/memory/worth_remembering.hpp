// Which user messages become long-term memories (docs/memory.md, "What is remembered"): a
// statement about the person or their life, not a greeting, a thank-you, small talk or a
// question.
#pragma once

#include <optional>
#include <string_view>

namespace companion::memory {

// The importance (0-1) to remember the message with, or nullopt when it is not worth keeping.
// A message is kept when one of its sentences that is not a question has at least three content
// words (neither stop words nor weak words nor emoji), or two with a first-person word (I, my,
// me, we, our...). Importance: 0.5, +0.2 when it speaks of the speaker, + 0.3 x the emotion's
// intensity (0-1), at most 1.
std::optional<double> worth_remembering(std::string_view message, double emotion_intensity);

}  // namespace companion::memory
