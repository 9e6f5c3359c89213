#include "companion/turn_context.hpp"

#include <fmt/format.h>

#include "companion/prompt.hpp"

namespace companion::chat {

namespace {

constexpr std::size_t kPromptGoals = 10;  // the newest active goals, at most
// How far the new message's valence must be from the earlier mean to call it a change.
constexpr double kMoodShift = 0.25;

std::string_view strength(double intensity) {
    if (intensity < 0.34) return "slight";
    if (intensity < 0.67) return "moderate";
    return "strong";
}

}  // namespace

std::string memories_paragraph(const std::vector<memory::RecalledMemory>& memories) {
    if (memories.empty()) return {};
    std::string text =
        "What they told you before (with the date they said it; bring it up when it helps, "
        "do not recite it):";
    for (const auto& recalled : memories) {
        text += fmt::format("\n- {}: {}", utc_date(recalled.memory.updated_at),
                            recalled.memory.content);
    }
    return text;
}

std::string emotion_paragraph(const emotion::EmotionReading& reading,
                              std::optional<double> earlier_valence) {
    std::string text =
        reading.emotion == "neutral"
            ? std::string("Their last message reads emotionally neutral.")
            : fmt::format("Their last message suggests {} ({}).", reading.emotion,
                          strength(reading.intensity));
    if (earlier_valence) {
        const double shift = reading.valence - *earlier_valence;
        if (shift >= kMoodShift) {
            text += " Their mood seems to be lifting during this conversation.";
        } else if (shift <= -kMoodShift) {
            text += " Their mood seems to be sinking during this conversation; respond with care.";
        } else {
            text += " Their mood has been steady during this conversation.";
        }
    }
    return text;
}

std::string goals_paragraph(const std::vector<store::Goal>& goals) {
    if (goals.empty()) return {};
    std::string text = "Goals they are working on (ask about them when it fits):";
    std::size_t listed = 0;
    for (const auto& goal : goals) {
        if (++listed > kPromptGoals) break;
        text += fmt::format("\n- {} ({}% done", goal.title, goal.progress);
        if (goal.target_date) text += fmt::format(", target {}", *goal.target_date);
        text += ")";
    }
    return text;
}

}  // namespace companion::chat
