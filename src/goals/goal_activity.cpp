#include "goals/goal_activity.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "goals/goal_deadline.hpp"
#include "goals/goal_detection.hpp"

namespace companion::goals::detail {

namespace {

// Always start another thought: "I want to run a marathon but I'm scared".
constexpr std::array<std::string_view, 14> kClauseBreaks{
    "but",    "because", "cause", "cuz",  "coz",      "since", "although",
    "though", "unless",  "if",    "when", "whenever", "while", "whereas",
};
// Start another thought when a subject follows: "... and I think I can", "... so that I ...".
constexpr std::array<std::string_view, 7> kJoiners{"so",    "and",  "or", "before",
                                                   "after", "once", "as"};
constexpr std::array<std::string_view, 17> kSubjects{
    "i",    "i'm", "im",    "i've",      "i'll", "i'd", "it",   "it's", "that",
    "then", "we",  "maybe", "hopefully", "he",   "she", "they", "my",
};

constexpr std::array<std::string_view, 11> kLeadingAdverbs{
    "finally",    "really",  "actually", "also",      "definitely", "seriously",
    "eventually", "somehow", "just",     "hopefully", "someday",
};
constexpr std::array<std::string_view, 9> kTrailingFillers{
    "hopefully", "eventually", "someday", "too", "lol", "haha", "please", "finally", "xd",
};

// An activity never starts with these: negations, determiners ("going to the gym" is a place),
// pronouns.
constexpr std::array<std::string_view, 17> kNotAnActivityStart{
    "not",   "never", "no",  "the",  "a",    "an",    "my",    "his", "her",
    "their", "our",   "its", "this", "that", "these", "those", "it",
};
// Talk to the companion itself ("I want to tell you something") and self-harm: never a goal.
constexpr std::array<std::string_view, 26> kExcludedVerbs{
    "talk", "tell",   "ask",      "say",     "chat",  "discuss",   "vent",
    "know", "hear",   "mention",  "explain", "thank", "apologize", "apologise",
    "rant", "remind", "clarify",  "die",     "kill",  "disappear", "scream",
    "yell", "cry",    "complain", "confess", "order",
};
constexpr std::array<std::string_view, 10> kSecondPerson{
    "you", "your", "yours", "yourself", "u", "ya", "ur", "y'all", "you're", "you've",
};
constexpr std::array<std::string_view, 10> kHarm{
    "hurt myself", "harm myself", "cut myself",  "kill myself", "end my life",
    "end it",      "end it all",  "not be here", "not exist",   "not wake up",
};
// Single words too small or vague for a goal ("I want to sleep").
constexpr std::array<std::string_view, 45> kTinyActivities{
    "sleep",  "rest",    "nap",    "eat",    "drink",   "go",      "leave",     "stay",
    "sit",    "lie",     "relax",  "chill",  "stop",    "quit",    "try",       "help",
    "win",    "hide",    "escape", "wait",   "play",    "party",   "see",       "understand",
    "live",   "breathe", "smile",  "laugh",  "hug",     "cuddle",  "be",        "do",
    "change", "work",    "think",  "listen", "succeed", "improve", "something", "more",
    "better", "home",    "out",    "dance",  "run",
};
// Whole activities that are everyday or vague, not goals ("I want to go home").
constexpr std::array<std::string_view, 49> kVagueActivities{
    "go home",      "go out",         "go away",          "go outside",      "go back",
    "go to bed",    "go to sleep",    "go back to sleep", "go back to bed",  "get out",
    "get up",       "get some sleep", "get some rest",    "get out of here", "lie down",
    "sleep in",     "sleep all day",  "give up",          "feel better",     "feel good",
    "be happy",     "be alone",       "be better",        "be okay",         "be ok",
    "be free",      "be done",        "be left alone",    "do something",    "do nothing",
    "do it",        "do this",        "do that",          "try again",       "take a nap",
    "take a break", "have fun",       "stay home",        "stay in bed",     "eat something",
    "watch tv",     "watch a movie",  "watch netflix",    "play games",      "play video games",
    "hang out",     "calm down",      "go for a walk",    "run away",
};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& words, std::string_view word) {
    return std::find(words.begin(), words.end(), word) != words.end();
}

std::string_view key_at(std::span<const GoalToken* const> tokens, std::size_t i) {
    return i < tokens.size() ? std::string_view(tokens[i]->key) : std::string_view();
}

bool starts_new_thought(std::span<const GoalToken* const> tokens, std::size_t i) {
    const std::string_view key = key_at(tokens, i);
    return contains(kClauseBreaks, key) ||
           (contains(kJoiners, key) && contains(kSubjects, key_at(tokens, i + 1)));
}

bool starts_with(const std::vector<const GoalToken*>& words,
                 const std::vector<std::string_view>& phrase) {
    if (words.size() < phrase.size()) return false;
    std::size_t i = 0;
    for (std::string_view word : phrase) {
        if (words[i++]->key != word) return false;
    }
    return true;
}

bool ends_with(const std::vector<const GoalToken*>& words,
               const std::vector<std::string_view>& phrase) {
    if (words.size() < phrase.size()) return false;
    std::size_t i = words.size() - phrase.size();
    for (std::string_view word : phrase) {
        if (words[i++]->key != word) return false;
    }
    return true;
}

void trim_leading(std::vector<const GoalToken*>& words) {
    for (;;) {
        if (!words.empty() &&
            (words.front()->key.empty() || contains(kLeadingAdverbs, words.front()->key))) {
            words.erase(words.begin());
        } else if (starts_with(words, {"try", "to"}) || starts_with(words, {"try", "and"})) {
            words.erase(words.begin(), words.begin() + 2);
        } else {
            return;
        }
    }
}

void trim_trailing(std::vector<const GoalToken*>& words) {
    static const std::vector<std::vector<std::string_view>> kPhrases{
        {"at", "the", "latest"}, {"if", "i", "can"}, {"one", "day"}, {"or", "so"},
        {"as", "well"},          {"if", "possible"}, {"at", "last"},
    };
    for (bool trimmed = true; trimmed && !words.empty();) {
        trimmed = false;
        if (words.back()->key.empty() || contains(kTrailingFillers, words.back()->key)) {
            words.pop_back();
            trimmed = true;
            continue;
        }
        for (const auto& phrase : kPhrases) {
            if (ends_with(words, phrase)) {
                words.resize(words.size() - phrase.size());
                trimmed = true;
                break;
            }
        }
    }
}

// " end it " inside " i want to end it all ": whole words only.
bool has_phrase(const std::string& joined, std::string_view phrase) {
    std::string padded(1, ' ');
    padded += joined;
    padded += ' ';
    std::string needle(1, ' ');
    needle += phrase;
    needle += ' ';
    return padded.find(needle) != std::string::npos;
}

}  // namespace

Activity read_activity(std::span<const GoalToken* const> tokens, std::size_t at,
                       std::chrono::year_month_day today) {
    Activity activity;
    for (std::size_t i = at; i < tokens.size(); ++i) {
        if (starts_new_thought(tokens, i)) break;
        activity.words.push_back(tokens[i]);
        if (tokens[i]->ends_clause) break;
    }
    trim_leading(activity.words);
    for (std::size_t i = 1; i < activity.words.size(); ++i) {
        if (const auto match = match_deadline(activity.words, i, today)) {
            activity.deadline = match->date;
            const auto first = activity.words.begin() + static_cast<std::ptrdiff_t>(i);
            activity.words.erase(first, first + static_cast<std::ptrdiff_t>(match->length));
            break;
        }
    }
    trim_trailing(activity.words);
    return activity;
}

bool worth_suggesting(const Activity& activity) {
    std::vector<std::string_view> keys;
    for (const GoalToken* word : activity.words) {
        if (!word->key.empty()) keys.push_back(word->key);
    }
    if (keys.empty() || keys.size() > kMaxGoalTitleWords) return false;
    const std::string_view first = keys.front();
    if (first.front() < 'a' || first.front() > 'z') return false;
    if (contains(kNotAnActivityStart, first) || contains(kExcludedVerbs, first)) return false;
    std::string joined;
    for (std::string_view key : keys) {
        if (contains(kSecondPerson, key)) return false;
        if (!joined.empty()) joined += ' ';
        joined += key;
    }
    for (std::string_view phrase : kHarm) {
        if (has_phrase(joined, phrase)) return false;
    }
    if (keys.size() == 1 && contains(kTinyActivities, first)) return false;
    return !contains(kVagueActivities, std::string_view(joined));
}

}  // namespace companion::goals::detail
