// Internal to goals/: the first-person intentions that introduce a goal ("I want to", "I'm
// planning to", "my goal this year is to") and the harmless words allowed before them ("so",
// "honestly", "I think").
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "goals/goal_text.hpp"

namespace companion::goals::detail {

struct IntentMatch {
    std::size_t length = 0;  // tokens, up to and including the "to" before the activity
    // "I'm going to", "I'll": everyday plans unless a deadline or a horizon ("this year") is named.
    bool needs_deadline = false;
};

// The intention that starts at tokens[at], or nullopt. Up to two adverbs may stand between the
// subject and the verb ("I really want to"); a negation never matches ("I don't want to").
std::optional<IntentMatch> match_intent(std::span<const GoalToken* const> tokens, std::size_t at);

// How many tokens of a lead-in start at tokens[at] ("so", "honestly", "I think", "guess what");
// 0 when none does.
std::size_t match_lead_in(std::span<const GoalToken* const> tokens, std::size_t at);

}  // namespace companion::goals::detail
