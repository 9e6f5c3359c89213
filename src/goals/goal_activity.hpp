// Internal to goals/: the activity after an intention ("run a marathon by June"), with its
// deadline taken out, and whether it is worth suggesting as a goal.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "goals/goal_text.hpp"

namespace companion::goals::detail {

struct Activity {
    std::vector<const GoalToken*> words;  // the title's words, as written
    std::optional<std::chrono::year_month_day> deadline;
};

// The words from tokens[at] to the end of the clause, cut before a conjunction that starts
// another thought ("but", "because", "and I ..."), without a deadline phrase (the first one
// found, anywhere after the first word), leading adverbs ("finally", "try to") and trailing
// fillers ("hopefully", "at the latest", emoji).
Activity read_activity(std::span<const GoalToken* const> tokens, std::size_t at,
                       std::chrono::year_month_day today);

// False for an empty, vague or tiny activity ("sleep", "go home"), talk to the companion itself
// ("tell you something", anything with "you"), self-harm, or one that starts like a place or a
// negation ("the gym", "not drink").
bool worth_suggesting(const Activity& activity);

}  // namespace companion::goals::detail
