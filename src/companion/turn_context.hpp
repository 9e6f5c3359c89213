// The paragraphs a chat turn adds to the system message about the person (docs/chat.md,
// "The prompt"): what they told the companion before, how they seem to feel, and their goals.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "emotion/classifier.hpp"
#include "memory/memory_service.hpp"
#include "store/models.hpp"

namespace companion::chat {

// Recalled memories, best first, each with the date it was last told (UTC); "" when none.
std::string memories_paragraph(const std::vector<memory::RecalledMemory>& memories);

// The emotion of the new message and, when `earlier_valence` (the mean valence of the person's
// earlier messages in the window) is given, whether their mood is lifting, sinking or steady.
std::string emotion_paragraph(const emotion::EmotionReading& reading,
                              std::optional<double> earlier_valence);

// Active goals (the 10 newest); "" when there are none.
std::string goals_paragraph(const std::vector<store::Goal>& goals);

}  // namespace companion::chat
