// A chat turn (ARCHITECTURE.md, "A chat turn"): the user message is stored before the LLM is
// called; its emotion is read and the user's long-term memories are recalled; the prompt is
// built from the persona, what the companion knows of the person and the conversation's
// short-term window; the reply is stored when it is complete (or, cut short, marked interrupted
// or failed) in one transaction with the turn's other rows (the message as a new memory, its
// emotion, the recall marks), and the window follows in the short-term memory. begin() does
// everything up to the LLM call, so that a streamed answer can report problems as HTTP errors
// before its stream starts.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "companion/persona.hpp"
#include "companion/prompt.hpp"
#include "emotion/classifier.hpp"
#include "emotion/detector.hpp"
#include "goals/goal_detection.hpp"
#include "llm/chat_types.hpp"
#include "llm/llm_error.hpp"
#include "memory/memory_service.hpp"
#include "store/models.hpp"
#include "store/store.hpp"

namespace companion::config {
struct Settings;
}
namespace companion::cache {
class ShortTermMemory;
}
namespace companion::llm {
class LlmClient;
}

namespace companion::chat {

template <class T>
using Task = boost::asio::awaitable<T>;

struct TurnRequest {
    std::string user_id;
    std::string message;  // checked by the caller: not blank, at most MAX_MESSAGE_LENGTH
    std::optional<std::string> conversation_id;  // none: a new conversation
    // Overrides of LM_STUDIO_TEMPERATURE / LM_STUDIO_MAX_TOKENS for this turn (OpenAI clients).
    std::optional<double> temperature;
    std::optional<int> max_tokens;
};

// A turn whose user message is stored, ready for the LLM.
struct PreparedTurn {
    std::string user_id;
    std::string conversation_id;
    bool new_conversation = false;
    store::Message user_message;
    emotion::DetectedEmotion emotion;              // of the user message
    // GOAL_DETECTION: a goal the message states, for the client to offer creating.
    std::optional<goals::SuggestedGoal> suggested_goal;
    std::vector<memory::RecalledMemory> memories;  // recalled into the prompt, best first
    // The rows written with the reply: the message as a memory, its emotion, the recall marks.
    store::TurnRecord record;
    Prompt prompt;
    std::optional<double> temperature;
    std::optional<int> max_tokens;
};

struct TurnResult {
    store::Message reply;  // as stored, with its id and created_at
    llm::Usage usage;      // as the LLM server reported it
    // When the server reported no usage: the estimate of the prompt and the reply.
    int estimated_prompt_tokens = 0;
    int estimated_completion_tokens = 0;
    std::chrono::microseconds llm_latency{0};
    std::string finish_reason;
};

class TurnError : public std::runtime_error {
public:
    enum class Kind {
        conversation_not_found,  // 404: no such conversation of this user; nothing stored
        message_too_long,        // 422: the persona and the message exceed the context budget
        llm,                     // 502/503/504: the user message is stored, the reply is not
        reply_lost,              // 404: the conversation was deleted during the turn
    };

    TurnError(Kind kind, std::string message) : std::runtime_error(std::move(message)), kind_(kind) {}
    TurnError(const llm::LlmError& error, std::string conversation_id, std::string user_message_id)
        : std::runtime_error(error.what()),
          kind_(Kind::llm),
          llm_kind_(error.kind()),
          conversation_id_(std::move(conversation_id)),
          user_message_id_(std::move(user_message_id)) {}

    Kind kind() const { return kind_; }
    llm::LlmError::Kind llm_kind() const { return llm_kind_; }
    const std::string& conversation_id() const { return conversation_id_; }
    const std::string& user_message_id() const { return user_message_id_; }

private:
    Kind kind_;
    llm::LlmError::Kind llm_kind_ = llm::LlmError::Kind::upstream_error;
    std::string conversation_id_;
    std::string user_message_id_;
};

// A conversation's title from its first message: the first line, at most 60 code points.
std::string title_from_message(std::string_view message);

class ChatService {
public:
    ChatService(store::Store& store, cache::ShortTermMemory& short_term, llm::LlmClient& llm,
                const config::Settings& settings, Persona persona,
                memory::MemoryService& memories);

    const Persona& persona() const { return persona_; }

    // Stores the user message and builds the prompt. Throws TurnError conversation_not_found or
    // message_too_long, with nothing stored.
    Task<PreparedTurn> begin(TurnRequest request);
    // Asks the LLM and stores the reply. Throws TurnError llm (after storing what had arrived).
    Task<TurnResult> complete(PreparedTurn turn);
    // The same, streamed: each piece of text goes to `sink`; a sink answering false (the client
    // went away) stops the LLM call and the partial reply is stored as interrupted.
    Task<TurnResult> stream(PreparedTurn turn, llm::DeltaSink sink);

    // The short-term window of a conversation that was deleted.
    Task<void> forget_conversation(std::string conversation_id);

private:
    Task<std::vector<store::Message>> window_with(const store::Message& stored, bool& first);
    // Recalls the user's memories for the message and prepares remembering it.
    Task<void> recall_memories(PreparedTurn& turn);
    // The mean valence of the person's earlier messages in the window (at least two), if any.
    std::optional<double> earlier_valence(const std::vector<store::Message>& window) const;
    // What storing the reply needs of a turn, all a turn keeps while the LLM answers (a stream
    // may last minutes, thousands at once): not the prompt, the recall or the message text.
    struct PendingTurn {
        std::string user_id;
        std::string conversation_id;
        std::string user_message_id;
        int estimated_prompt_tokens = 0;
        store::TurnRecord record;
    };
    // complete() and stream() (an empty sink: not streamed). Not a coroutine: the PreparedTurn
    // is gone before the LLM is asked; only the PendingTurn waits in the coroutine frame.
    Task<TurnResult> finish(PreparedTurn& turn, llm::DeltaSink sink);
    Task<TurnResult> answer(llm::ChatRequest request, llm::DeltaSink sink, PendingTurn turn);
    // After the LLM failed: stores what the turn has (and the partial reply), then throws
    // TurnError llm.
    Task<void> store_unanswered(PendingTurn& turn, const llm::LlmError& failure);
    Task<TurnResult> store_answer(PendingTurn& turn, llm::Completion done);
    // Writes the turn's rows with the reply (none when `text` is null); returns the stored reply.
    Task<std::optional<store::Message>> record(PendingTurn& turn, const std::string* text,
                                               store::MessageStatus status,
                                               const llm::Completion* done);

    store::Store& store_;
    cache::ShortTermMemory& short_term_;
    llm::LlmClient& llm_;
    memory::MemoryService& memories_;
    const config::Settings& settings_;
    Persona persona_;
    std::unique_ptr<emotion::EmotionDetector> detector_;  // EMOTION_PROVIDER
    emotion::EmotionClassifier classifier_;  // the earlier messages' mood (always the lexicon)
    int prompt_budget_;
};

}  // namespace companion::chat
