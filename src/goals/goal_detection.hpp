// GOAL_DETECTION=true: recognises a goal the user states in a chat message ("I want to run a
// marathon by June!") so that the chat response can suggest it. Pure: no I/O, no state. English
// only; see docs/goals.md, "Goal detection", for what counts.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace companion::goals {

struct SuggestedGoal {
    std::string title;                       // "Run a marathon": the activity, capitalised
    std::optional<std::string> target_date;  // YYYY-MM-DD, when the message names a deadline
};

// Longer messages are stories or questions, not a stated goal: they are not read.
inline constexpr std::size_t kMaxGoalMessageBytes = 280;
// A title longer than this (or of more words) is a narrative, not a goal.
inline constexpr std::size_t kMaxGoalTitleBytes = 120;
inline constexpr std::size_t kMaxGoalTitleWords = 12;

// The first goal stated in `message`, or nullopt. Relative deadlines count from `now`'s UTC date.
std::optional<SuggestedGoal> detect_goal(std::string_view message,
                                         std::chrono::system_clock::time_point now);

}  // namespace companion::goals
