// Internal to goals/: deadlines written in a goal ("by June", "within 3 months", "this year") and
// the date each one means (docs/goals.md, "Goal detection", has the table).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "goals/goal_text.hpp"

namespace companion::goals::detail {

struct DeadlineMatch {
    std::size_t length = 0;  // tokens the deadline takes
    std::chrono::year_month_day date;
};

// The deadline that starts at tokens[at] (it never goes past a clause end), or nullopt. `today`
// is the date the relative ones count from; a deadline whose date would be before today is not
// recognised ("by June 2020").
std::optional<DeadlineMatch> match_deadline(std::span<const GoalToken* const> tokens,
                                            std::size_t at, std::chrono::year_month_day today);

// YYYY-MM-DD.
std::string format_date(std::chrono::year_month_day date);

}  // namespace companion::goals::detail
