#include "goals/goal_intent.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace companion::goals::detail {

namespace {

// The subject after contractions are read: "I am" is I'm, "I would" I'd, "I will" I'll.
enum class Subject { i, i_am, i_would, i_will, i_have };

constexpr std::size_t kMaxAdverbs = 2;
constexpr std::size_t kMaxGoalNounModifiers = 2;
constexpr std::size_t kMaxGoalNounTail = 5;

constexpr std::array<std::string_view, 22> kAdverbs{
    "really",      "also",       "definitely", "finally",  "truly", "seriously",
    "totally",     "actually",   "genuinely",  "honestly", "still", "badly",
    "desperately", "absolutely", "so",         "just",     "now",   "officially",
    "certainly",   "sincerely",  "def",        "fully",
};

// "my new goal", "my biggest new year's resolution", "one of my main goals".
constexpr std::array<std::string_view, 19> kGoalNounModifiers{
    "new",     "big",       "main",     "biggest", "real",   "only",   "personal",
    "next",    "current",   "ultimate", "first",   "latest", "year's", "years",
    "fitness", "long-term", "secret",   "one",     "number",
};
constexpr std::array<std::string_view, 14> kGoalNouns{
    "goal",   "goals", "resolution", "resolutions", "plan",      "plans",   "dream",
    "dreams", "aim",   "ambition",   "target",      "objective", "mission", "intention",
};
// What may follow the goal noun before "is to": "my goal this year is to", "my plan for next
// summer is to" (numbers too: "for the next 3 months").
constexpr std::array<std::string_view, 20> kGoalNounTail{
    "for",   "this",  "next",   "the",    "of",     "in",     "year", "month",  "months",   "week",
    "weeks", "years", "summer", "winter", "spring", "autumn", "fall", "coming", "upcoming", "new",
};

constexpr std::array<std::string_view, 38> kLeadInWords{
    "so",         "and",      "but",       "well",       "ok",      "okay",       "oh",
    "honestly",   "also",     "now",       "yeah",       "yes",     "yep",        "yup",
    "anyway",     "anyways",  "alright",   "hey",        "hi",      "hello",      "um",
    "umm",        "uh",       "hmm",       "lol",        "right",   "plus",       "then",
    "finally",    "actually", "seriously", "ultimately", "someday", "eventually", "basically",
    "personally", "tbh",      "that",
};

const std::vector<std::vector<std::string_view>>& lead_in_phrases() {
    static const std::vector<std::vector<std::string_view>> phrases{
        {"guess", "what"},     {"you", "know", "what"},
        {"i", "think"},        {"i", "guess"},
        {"i", "know"},         {"i've", "decided"},
        {"ive", "decided"},    {"i", "have", "decided"},
        {"i", "decided"},      {"i", "realized"},
        {"i", "realised"},     {"i've", "realized"},
        {"i've", "realised"},  {"i'm", "sure"},
        {"i", "feel", "like"}, {"one", "of"},
        {"one", "day"},        {"at", "some", "point"},
        {"for", "real"},       {"to", "be", "honest"},
        {"in", "fact"},        {"after", "all"},
        {"for", "once"},       {"from", "now", "on"},
    };
    return phrases;
}

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& words, std::string_view word) {
    return std::find(words.begin(), words.end(), word) != words.end();
}

class Cursor {
  public:
    Cursor(std::span<const GoalToken* const> tokens, std::size_t at) : tokens_(tokens), pos_(at) {}

    std::string_view peek(std::size_t ahead = 0) const {
        return pos_ + ahead < tokens_.size() ? std::string_view(tokens_[pos_ + ahead]->key)
                                             : std::string_view();
    }
    bool accept(std::string_view word) {
        if (word.empty() || peek() != word) return false;
        ++pos_;
        return true;
    }
    bool accept(std::initializer_list<std::string_view> words) {
        std::size_t ahead = 0;
        for (std::string_view word : words) {
            if (peek(ahead++) != word) return false;
        }
        pos_ += words.size();
        return true;
    }
    void skip() { ++pos_; }
    std::size_t pos() const { return pos_; }

  private:
    std::span<const GoalToken* const> tokens_;
    std::size_t pos_;
};

std::optional<Subject> read_subject(Cursor& cursor) {
    if (cursor.accept({"i", "am"}) || cursor.accept("i'm") || cursor.accept("im")) {
        return Subject::i_am;
    }
    if (cursor.accept({"i", "would"}) || cursor.accept("i'd")) return Subject::i_would;
    if (cursor.accept({"i", "will"}) || cursor.accept({"i", "shall"}) || cursor.accept("i'll")) {
        return Subject::i_will;
    }
    if (cursor.accept({"i", "have"}) || cursor.accept("i've") || cursor.accept("ive")) {
        return Subject::i_have;
    }
    if (cursor.accept("i")) return Subject::i;
    return std::nullopt;
}

std::optional<IntentMatch> first_person(Cursor& cursor, std::size_t at) {
    const auto subject = read_subject(cursor);
    if (!subject) return std::nullopt;
    for (std::size_t adverbs = 0; adverbs < kMaxAdverbs && contains(kAdverbs, cursor.peek());
         ++adverbs) {
        cursor.skip();
    }
    bool matched = false;
    bool needs_deadline = false;
    switch (*subject) {
        case Subject::i:
            matched = cursor.accept({"want", "to"}) || cursor.accept("wanna") ||
                      cursor.accept({"plan", "to"}) || cursor.accept({"intend", "to"}) ||
                      cursor.accept({"aim", "to"}) || cursor.accept({"hope", "to"}) ||
                      cursor.accept({"decided", "to"});
            break;
        case Subject::i_am:
            matched = cursor.accept({"planning", "to"}) || cursor.accept({"aiming", "to"}) ||
                      cursor.accept({"determined", "to"}) || cursor.accept({"hoping", "to"}) ||
                      cursor.accept({"trying", "to"}) || cursor.accept({"committed", "to"});
            if (!matched && (cursor.accept({"going", "to"}) || cursor.accept("gonna"))) {
                matched = true;
                needs_deadline = true;
            }
            break;
        case Subject::i_would:
            matched = cursor.accept({"like", "to"}) || cursor.accept({"love", "to"});
            break;
        case Subject::i_will:
            // "I'll run a marathon": the activity follows at once.
            matched = true;
            needs_deadline = true;
            break;
        case Subject::i_have:
            matched = cursor.accept({"decided", "to"});
            break;
    }
    if (!matched) return std::nullopt;
    return IntentMatch{cursor.pos() - at, needs_deadline};
}

bool is_number(std::string_view word) {
    return !word.empty() &&
           std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "my goal is to", "my new year's resolution is to", "my plan for this year is to".
std::optional<IntentMatch> goal_noun(Cursor& cursor, std::size_t at) {
    if (!cursor.accept("my")) return std::nullopt;
    for (std::size_t i = 0;
         i < kMaxGoalNounModifiers && contains(kGoalNounModifiers, cursor.peek()); ++i) {
        cursor.skip();
    }
    if (!contains(kGoalNouns, cursor.peek())) return std::nullopt;
    cursor.skip();
    for (std::size_t i = 0; i < kMaxGoalNounTail &&
                            (contains(kGoalNounTail, cursor.peek()) || is_number(cursor.peek()));
         ++i) {
        cursor.skip();
    }
    if (!cursor.accept({"is", "to"})) return std::nullopt;
    return IntentMatch{cursor.pos() - at, false};
}

}  // namespace

std::optional<IntentMatch> match_intent(std::span<const GoalToken* const> tokens, std::size_t at) {
    Cursor cursor(tokens, at);
    if (auto intent = first_person(cursor, at)) return intent;
    Cursor noun(tokens, at);
    return goal_noun(noun, at);
}

std::size_t match_lead_in(std::span<const GoalToken* const> tokens, std::size_t at) {
    Cursor cursor(tokens, at);
    for (const auto& phrase : lead_in_phrases()) {
        std::size_t ahead = 0;
        bool whole = true;
        for (std::string_view word : phrase) whole = whole && cursor.peek(ahead++) == word;
        if (whole) return phrase.size();
    }
    return contains(kLeadInWords, cursor.peek()) ? 1 : 0;
}

}  // namespace companion::goals::detail
