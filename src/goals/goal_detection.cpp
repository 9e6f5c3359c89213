#include "goals/goal_detection.hpp"

#include <span>
#include <vector>

#include "goals/goal_activity.hpp"
#include "goals/goal_deadline.hpp"
#include "goals/goal_intent.hpp"
#include "goals/goal_text.hpp"

namespace companion::goals {

namespace {

using detail::GoalToken;
using Tokens = std::span<const GoalToken* const>;

// The words before the intention in its clause are only lead-ins and deadlines ("So, this year
// I will ..."): anything else ("Sometimes I want to", "If I want to", "Do I want to") is not a
// stated goal.
bool only_lead_ins(Tokens sentence, std::size_t from, std::size_t to,
                   std::chrono::year_month_day today) {
    const Tokens before = sentence.first(to);
    std::size_t at = from;
    while (at < to) {
        if (const std::size_t lead_in = detail::match_lead_in(before, at); lead_in > 0) {
            at += lead_in;
        } else if (const auto deadline = detail::match_deadline(before, at, today)) {
            at += deadline->length;
        } else {
            return false;
        }
    }
    return at == to;
}

// A horizon named before the activity: "This year I will ...", "In 2027 I'm going to ...",
// "My goal for next year is to ...".
std::optional<std::chrono::year_month_day> horizon(Tokens sentence, std::size_t to,
                                                   std::chrono::year_month_day today) {
    const Tokens before = sentence.first(to);
    for (std::size_t at = 0; at < to; ++at) {
        if (const auto deadline = detail::match_deadline(before, at, today)) return deadline->date;
    }
    return std::nullopt;
}

std::optional<SuggestedGoal> goal_in_sentence(Tokens sentence, std::chrono::year_month_day today) {
    if (sentence.empty() || sentence.back()->question) return std::nullopt;
    std::size_t clause_start = 0;
    for (std::size_t at = 0; at < sentence.size(); ++at) {
        if (at > 0 && sentence[at - 1]->ends_clause) clause_start = at;
        const auto intent = detail::match_intent(sentence, at);
        if (!intent) continue;
        bool crosses_clause = false;
        for (std::size_t i = at; i < at + intent->length; ++i) {
            crosses_clause = crosses_clause || sentence[i]->ends_clause;
        }
        if (crosses_clause || !only_lead_ins(sentence, clause_start, at, today)) continue;

        const std::size_t activity_start = at + intent->length;
        detail::Activity activity = detail::read_activity(sentence, activity_start, today);
        if (!detail::worth_suggesting(activity)) continue;
        if (!activity.deadline) activity.deadline = horizon(sentence, activity_start, today);
        if (intent->needs_deadline && !activity.deadline) continue;

        SuggestedGoal goal;
        goal.title = detail::join_raw(activity.words);
        if (goal.title.empty() || goal.title.size() > kMaxGoalTitleBytes) continue;
        if (goal.title.front() >= 'a' && goal.title.front() <= 'z') {
            goal.title.front() = static_cast<char>(goal.title.front() - 'a' + 'A');
        }
        if (activity.deadline) goal.target_date = detail::format_date(*activity.deadline);
        return goal;
    }
    return std::nullopt;
}

}  // namespace

std::optional<SuggestedGoal> detect_goal(std::string_view message,
                                         std::chrono::system_clock::time_point now) {
    if (message.size() > kMaxGoalMessageBytes) return std::nullopt;
    const std::chrono::year_month_day today{std::chrono::floor<std::chrono::days>(now)};
    const std::vector<GoalToken> tokens = detail::tokenize_goal_text(message);
    std::vector<const GoalToken*> words;
    words.reserve(tokens.size());
    for (const GoalToken& token : tokens) words.push_back(&token);

    std::size_t sentence_start = 0;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (!words[i]->ends_sentence) continue;
        const Tokens sentence = Tokens(words).subspan(sentence_start, i + 1 - sentence_start);
        if (auto goal = goal_in_sentence(sentence, today)) return goal;
        sentence_start = i + 1;
    }
    return std::nullopt;
}

}  // namespace companion::goals
