#include "companion/prompt.hpp"

#include <ctime>
#include <deque>

#include <fmt/format.h>

#include "util/utf8.hpp"

namespace companion::chat {

std::string utc_date(store::Timestamp now) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
    const std::time_t time = seconds.count();
    std::tm utc{};
    gmtime_r(&time, &utc);
    return fmt::format("{:04}-{:02}-{:02}", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday);
}

namespace {

bool belongs_in_prompt(const store::Message& message) {
    if (message.content.empty()) return false;
    if (message.role == store::MessageRole::system) return false;
    return message.role == store::MessageRole::user ||
           message.status == store::MessageStatus::complete;
}

int message_tokens(std::string_view content) { return estimate_tokens(content) + kTokensPerMessage; }

}  // namespace

int estimate_tokens(std::string_view text) {
    const auto code_points = util::count_code_points(text).value_or(text.size());
    return static_cast<int>((code_points + 3) / 4);
}

std::string system_message(const PromptInput& input) {
    std::string text = input.persona != nullptr ? input.persona->text : std::string();
    text += fmt::format("\n\nToday is {} (UTC).", utc_date(input.now));
    for (const auto& paragraph : input.context) {
        if (paragraph.empty()) continue;
        text += "\n\n";
        text += paragraph;
    }
    return text;
}

Prompt build_prompt(const PromptInput& input, int budget_tokens) {
    if (input.window.empty()) throw std::invalid_argument("build_prompt: the window is empty");
    const auto system = system_message(input);
    const auto& newest = input.window.back();
    int total = message_tokens(system) + message_tokens(newest.content);
    if (total > budget_tokens) {
        throw PromptTooLong(fmt::format(
            "the message needs about {} tokens with the persona, more than the {} the model's "
            "context leaves for the prompt (CONTEXT_TOKEN_BUDGET minus LM_STUDIO_MAX_TOKENS)",
            total, budget_tokens));
    }
    // Newest first, while they fit; then put back in order.
    std::deque<const store::Message*> kept;
    Prompt prompt;
    bool full = false;
    for (auto it = input.window.rbegin() + 1; it != input.window.rend(); ++it) {
        if (!belongs_in_prompt(*it)) continue;
        const int cost = message_tokens(it->content);
        if (full || total + cost > budget_tokens) {
            full = true;
            ++prompt.trimmed_messages;
            continue;
        }
        total += cost;
        kept.push_front(&*it);
    }
    prompt.messages.push_back({"system", system});
    for (const auto* message : kept) {
        prompt.messages.push_back({std::string(store::to_string(message->role)), message->content});
    }
    prompt.messages.push_back({"user", newest.content});
    prompt.estimated_tokens = total;
    return prompt;
}

}  // namespace companion::chat
