// Internal to goals/: a chat message cut into words with the sentence and clause boundaries that
// goal detection reads (docs/goals.md, "Goal detection").
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace companion::goals::detail {

struct GoalToken {
    std::string_view raw;  // as written, attached punctuation included ("June!", "$5,000")
    // Lower-case ASCII, curly apostrophes made straight, without leading or trailing characters
    // other than a-z and 0-9: "june", "i'm", "5,000". Empty for emoji and symbols.
    std::string key;
    bool ends_clause = false;    // a , ; : ... or a dash follows (also at every sentence end)
    bool ends_sentence = false;  // . ! ? or a line break follows, or the message ends
    bool question = false;       // ends a sentence whose final punctuation has a '?'
};

// Splits at white space. A dash standing alone ("-", "--", en and em dashes) is not a token: it
// ends the clause of the word before it. A '.' only ends a sentence at the end of a word, so
// "Node.js" and "5.5" stay whole.
std::vector<GoalToken> tokenize_goal_text(std::string_view message);

// The words joined by single spaces, as written, without the leading and trailing punctuation
// of the whole (quotes, brackets, . , ; : ! ? and ellipses).
std::string join_raw(std::span<const GoalToken* const> tokens);

}  // namespace companion::goals::detail
