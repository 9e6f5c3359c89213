// The prompt of a chat turn: the system message (persona, date, and what later turns add about
// the person), then the recent conversation, oldest first, ending with the new message; trimmed
// from the oldest message until the estimated tokens fit the budget.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "companion/persona.hpp"
#include "llm/chat_types.hpp"
#include "store/models.hpp"

namespace companion::chat {

// Tokens are estimated, not counted (no tokenizer for every model): a quarter of the code points,
// rounded up, which over-estimates English text for common tokenizers, plus 4 per message for the
// chat template's framing.
int estimate_tokens(std::string_view text);
constexpr int kTokensPerMessage = 4;

struct PromptInput {
    const Persona* persona = nullptr;
    store::Timestamp now{};
    // Oldest first; the last one is the new user message, which is never trimmed.
    std::vector<store::Message> window;
    // Further paragraphs of the system message, in order (e.g. recalled memories).
    std::vector<std::string> context;
};

struct Prompt {
    std::vector<llm::ChatMessage> messages;
    int estimated_tokens = 0;
    int trimmed_messages = 0;  // window messages left out to fit the budget
};

// The system message and the new message alone exceed the budget.
class PromptTooLong : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Interrupted and failed replies are left out (the model should not continue a broken answer).
Prompt build_prompt(const PromptInput& input, int budget_tokens);

// YYYY-MM-DD of the time in UTC.
std::string utc_date(store::Timestamp time);

// The system message alone (persona, date, context).
std::string system_message(const PromptInput& input);

}  // namespace companion::chat
