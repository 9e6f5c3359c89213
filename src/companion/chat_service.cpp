#include "companion/chat_service.hpp"

#include <exception>
#include <initializer_list>
#include <tuple>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cache/short_term_memory.hpp"
#include "companion/turn_context.hpp"
#include "config/settings.hpp"
#include "llm/llm_client.hpp"
#include "memory/embedder.hpp"
#include "memory/worth_remembering.hpp"
#include "store/store.hpp"
#include "util/log.hpp"
#include "util/utf8.hpp"
#include "util/uuid.hpp"

namespace companion::chat {

namespace {

constexpr std::size_t kTitleCodePoints = 60;

// The byte length of the first `count` code points of valid UTF-8.
std::size_t prefix_bytes(std::string_view text, std::size_t count) {
    std::size_t bytes = 0;
    for (std::size_t seen = 0; bytes < text.size() && seen < count; ++seen) {
        ++bytes;
        while (bytes < text.size() && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) {
            ++bytes;
        }
    }
    return bytes;
}

int to_int(std::chrono::microseconds duration) {
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count());
}

namespace asio = boost::asio;
using asio::experimental::make_parallel_group;
using asio::experimental::wait_for_all;

// Rethrows the first failure of steps that ran together (each ran to its end).
void rethrow_first(std::initializer_list<std::exception_ptr> errors) {
    for (const auto& error : errors) {
        if (error) std::rethrow_exception(error);
    }
}

// A conversation made for this message holds nothing else: its window is the message, with
// nothing to read (the first turn of an OpenAI client without a conversation id, every time).
Task<std::vector<store::Message>> window_of_new(cache::ShortTermMemory& short_term,
                                                store::Message message) {
    std::vector<store::Message> window{std::move(message)};
    co_await short_term.fill(window.front().conversation_id, window);
    co_return window;
}

}  // namespace

std::string title_from_message(std::string_view message) {
    const auto start = message.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return "New conversation";
    auto line = message.substr(start);
    line = line.substr(0, line.find_first_of("\r\n"));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    const auto cut = prefix_bytes(line, kTitleCodePoints);
    std::string title(line.substr(0, cut));
    if (cut < line.size()) title += "\xE2\x80\xA6";  // an ellipsis
    return title;
}

ChatService::ChatService(store::Store& store, cache::ShortTermMemory& short_term,
                         llm::LlmClient& llm, const config::Settings& settings, Persona persona,
                         memory::MemoryService& memories)
    : store_(store),
      short_term_(short_term),
      llm_(llm),
      memories_(memories),
      settings_(settings),
      persona_(std::move(persona)),
      detector_(emotion::make_emotion_detector(settings, llm)),
      prompt_budget_(settings.context_token_budget - settings.lm_studio_max_tokens) {}

Task<PreparedTurn> ChatService::begin(TurnRequest request) {
    // Checked before anything is stored: the persona and the message alone must fit.
    PromptInput probe{&persona_, store::now(), {}, {}};
    const int fixed = estimate_tokens(system_message(probe)) + estimate_tokens(request.message) +
                      2 * kTokensPerMessage;
    if (fixed > prompt_budget_) {
        store::Message only;
        only.content = request.message;
        probe.window.push_back(std::move(only));
        try {
            build_prompt(probe, prompt_budget_);
        } catch (const PromptTooLong& error) {
            throw TurnError(TurnError::Kind::message_too_long, error.what());
        }
    }

    PreparedTurn turn;
    turn.user_id = request.user_id;
    turn.temperature = request.temperature;
    turn.max_tokens = request.max_tokens;
    if (request.conversation_id) {
        if (!util::is_uuid(*request.conversation_id)) {
            throw TurnError(TurnError::Kind::conversation_not_found, "conversation not found");
        }
        turn.conversation_id = std::move(*request.conversation_id);
    } else {
        auto title = title_from_message(request.message);
        const auto created = co_await store_.create_conversation(request.user_id, std::move(title));
        turn.conversation_id = created.id;
        turn.new_conversation = true;
    }
    store::Message message;
    message.conversation_id = turn.conversation_id;
    message.user_id = request.user_id;
    message.role = store::MessageRole::user;
    message.content = std::move(request.message);
    auto stored = co_await store_.append_message(std::move(message));
    if (!stored) throw TurnError(TurnError::Kind::conversation_not_found, "conversation not found");
    turn.user_message = std::move(*stored);
    turn.emotion = co_await detector_->detect(turn.user_message.content);
    // The window keeps the lexicon's reading for the mood's direction in later turns.
    turn.user_message.valence = turn.emotion.source == "builtin"
                                    ? turn.emotion.valence
                                    : classifier_.classify(turn.user_message.content).valence;
    if (settings_.goal_detection) {
        turn.suggested_goal =
            goals::detect_goal(turn.user_message.content, std::chrono::system_clock::now());
    }
    store::EmotionRecord felt;
    felt.message_id = turn.user_message.id;
    felt.emotion = turn.emotion.emotion;
    felt.intensity = turn.emotion.intensity;
    felt.valence = turn.emotion.valence;
    felt.arousal = turn.emotion.arousal;
    felt.created_at = turn.user_message.created_at;
    turn.record.user_id = turn.user_id;
    turn.record.conversation_id = turn.conversation_id;
    turn.record.emotion = std::move(felt);

    bool first = false;
    // The window (Redis, or the store on a miss), the active goals (the store) and the recall
    // (the memory version on Redis, then the index) at once: their round trips overlap. Each
    // touches its own part of the turn.
    auto window_step = turn.new_conversation ? window_of_new(short_term_, turn.user_message)
                                             : window_with(turn.user_message, first);
    const auto executor = co_await asio::this_coro::executor;
    auto fetched =
        co_await make_parallel_group(
            asio::co_spawn(executor, std::move(window_step), asio::deferred),
            asio::co_spawn(executor, store_.list_goals(turn.user_id, store::GoalStatus::active),
                           asio::deferred),
            asio::co_spawn(executor, recall_memories(turn), asio::deferred))
            .async_wait(wait_for_all(), asio::use_awaitable);
    rethrow_first({std::get<1>(fetched), std::get<3>(fetched), std::get<5>(fetched)});
    PromptInput input;
    input.persona = &persona_;
    input.now = store::now();
    input.window = std::move(std::get<2>(fetched));
    const auto goals = std::move(std::get<4>(fetched));
    input.context.push_back(memories_paragraph(turn.memories));
    input.context.push_back(emotion_paragraph(turn.emotion, earlier_valence(input.window)));
    input.context.push_back(goals_paragraph(goals));
    if (first && !turn.new_conversation) {
        // The first message of a conversation created without a title names it.
        const auto conversation = co_await store_.find_conversation(turn.user_id, turn.conversation_id);
        if (conversation && conversation->title.empty()) {
            co_await store_.update_conversation_title(turn.user_id, turn.conversation_id,
                                                      title_from_message(turn.user_message.content));
        }
    }
    try {
        turn.prompt = build_prompt(input, prompt_budget_);
    } catch (const PromptTooLong& error) {
        throw TurnError(TurnError::Kind::message_too_long, error.what());
    }
    co_return turn;
}

// The window ending with the just-stored message: from the short-term memory when it holds the
// conversation, else from the store (which then fills it). `first` tells whether the message is
// the conversation's first.
Task<std::vector<store::Message>> ChatService::window_with(const store::Message& stored,
                                                           bool& first) {
    const auto size = static_cast<int>(short_term_.size());
    auto held = co_await short_term_.window_then_append(stored.conversation_id, stored);
    if (held && !held->empty() && held->back().user_id == stored.user_id) {
        held->push_back(stored);
        if (held->size() > static_cast<std::size_t>(size) + 1) held->erase(held->begin());
        co_return std::move(*held);
    }
    // +1: the window is the messages before this one.
    auto recent = co_await store_.recent_messages(stored.user_id, stored.conversation_id, size + 1);
    if (recent.empty() || recent.back().id != stored.id) recent.push_back(stored);
    first = recent.size() == 1;
    co_await short_term_.fill(stored.conversation_id, recent);
    co_return recent;
}

Task<void> ChatService::recall_memories(PreparedTurn& turn) {
    const auto& text = turn.user_message.content;
    const auto importance = memory::worth_remembering(text, turn.emotion.intensity);
    const int k = settings_.long_term_memory_top_k;
    if (k <= 0 && !importance) co_return;
    std::optional<memory::TurnRecall> recall;
    std::string unavailable;
    try {
        recall = co_await memories_.recall_for_turn(turn.user_id, text, k,
                                                    settings_.memory_similarity_threshold);
    } catch (const llm::LlmError& error) {
        unavailable = error.what();
    }
    if (!recall) {
        // The embedding server failed: this turn goes on without long-term memory.
        log::warn("long-term memory skipped for this turn: the embedding server failed",
                  {{"conversation_id", std::string_view(turn.conversation_id)},
                   {"error", std::string_view(unavailable)}});
        co_return;
    }
    turn.memories = std::move(recall->memories);
    for (const auto& recalled : turn.memories) {
        turn.record.recalled_memory_ids.push_back(recalled.memory.id);
    }
    if (!importance) co_return;
    if (recall->duplicate) {
        turn.record.refresh_memory_id = recall->duplicate->id;
        turn.record.refresh_importance = *importance;
        co_return;
    }
    store::Memory memory;
    memory.source_message_id = turn.user_message.id;
    memory.content = text;
    memory.embedding = std::move(recall->embedding);
    memory.embedding_model = memories_.embedder().model_name();
    memory.importance = *importance;
    turn.record.memory = std::move(memory);
}

std::optional<double> ChatService::earlier_valence(
    const std::vector<store::Message>& window) const {
    double sum = 0;
    int count = 0;
    for (std::size_t i = 0; i + 1 < window.size(); ++i) {
        if (window[i].role != store::MessageRole::user) continue;
        const auto& message = window[i];
        sum += message.valence ? *message.valence : classifier_.classify(message.content).valence;
        ++count;
    }
    if (count < 2) return std::nullopt;
    return sum / count;
}

Task<TurnResult> ChatService::complete(PreparedTurn turn) {
    return finish(turn, {});
}

Task<TurnResult> ChatService::stream(PreparedTurn turn, llm::DeltaSink sink) {
    if (!sink) throw std::invalid_argument("stream() needs a sink");
    return finish(turn, std::move(sink));
}

Task<TurnResult> ChatService::finish(PreparedTurn& turn, llm::DeltaSink sink) {
    llm::ChatRequest request;
    request.messages = std::move(turn.prompt.messages);
    request.temperature = turn.temperature;
    request.max_tokens = turn.max_tokens;
    PendingTurn pending;
    pending.user_id = std::move(turn.user_id);
    pending.conversation_id = std::move(turn.conversation_id);
    pending.user_message_id = std::move(turn.user_message.id);
    pending.estimated_prompt_tokens = turn.prompt.estimated_tokens;
    pending.record = std::move(turn.record);
    return answer(std::move(request), std::move(sink), std::move(pending));
}

Task<TurnResult> ChatService::answer(llm::ChatRequest request, llm::DeltaSink sink,
                                     PendingTurn turn) {
    std::optional<llm::Completion> done;
    std::optional<llm::LlmError> failure;
    try {
        if (sink) {
            done = co_await llm_.stream(std::move(request), std::move(sink));
        } else {
            done = co_await llm_.complete(std::move(request));
        }
    } catch (const llm::LlmError& error) {
        failure = error;
    }
    if (failure) co_await store_unanswered(turn, *failure);
    co_return co_await store_answer(turn, std::move(*done));
}

Task<void> ChatService::store_unanswered(PendingTurn& turn, const llm::LlmError& failure) {
    const auto status = failure.kind() == llm::LlmError::Kind::cancelled
                            ? store::MessageStatus::interrupted
                            : store::MessageStatus::failed;
    const std::string partial = failure.partial_text();
    // The message's memory and emotion are kept even when no reply came.
    co_await record(turn, partial.empty() ? nullptr : &partial, status, nullptr);
    log::warn("chat turn without a reply",
              {{"conversation_id", std::string_view(turn.conversation_id)},
               {"reason", llm::to_string(failure.kind())},
               {"error", std::string_view(failure.what())}});
    throw TurnError(failure, turn.conversation_id, turn.user_message_id);
}

Task<TurnResult> ChatService::store_answer(PendingTurn& turn, llm::Completion done) {
    TurnResult result;
    result.usage = done.usage;
    result.llm_latency = done.latency;
    result.finish_reason = done.finish_reason;
    result.estimated_prompt_tokens = turn.estimated_prompt_tokens;
    result.estimated_completion_tokens = estimate_tokens(done.text);
    auto reply = co_await record(turn, &done.text, store::MessageStatus::complete, &done);
    if (!reply) {
        throw TurnError(TurnError::Kind::reply_lost,
                        "the conversation was deleted before the reply could be stored");
    }
    result.reply = std::move(*reply);
    co_return result;
}

Task<std::optional<store::Message>> ChatService::record(PendingTurn& turn, const std::string* text,
                                                       store::MessageStatus status,
                                                       const llm::Completion* done) {
    if (text != nullptr) {
        store::Message reply;
        reply.role = store::MessageRole::assistant;
        reply.content = *text;
        reply.status = status;
        if (done != nullptr) {
            if (done->usage.reported) {
                reply.prompt_tokens = done->usage.prompt_tokens;
                reply.completion_tokens = done->usage.completion_tokens;
            }
            reply.latency_ms = to_int(done->latency);
            reply.model = done->model.empty() ? settings_.lm_studio_model_name : done->model;
        }
        turn.record.reply = std::move(reply);
    }
    const auto recalled_ids = turn.record.recalled_memory_ids;
    auto recorded = co_await store_.record_turn(std::move(turn.record));
    if (!recorded) co_return std::nullopt;
    if (!recorded->reply) {
        co_await memories_.turn_stored(turn.user_id, *recorded, recalled_ids);
        co_return std::nullopt;
    }
    // The index (and the other replicas, told on Redis) and the window at once.
    std::vector<store::Message> added{*recorded->reply};
    const auto executor = co_await asio::this_coro::executor;
    const auto followed =
        co_await make_parallel_group(
            asio::co_spawn(executor, memories_.turn_stored(turn.user_id, *recorded, recalled_ids),
                           asio::deferred),
            asio::co_spawn(executor, short_term_.append(turn.conversation_id, std::move(added)),
                           asio::deferred))
            .async_wait(wait_for_all(), asio::use_awaitable);
    rethrow_first({std::get<1>(followed), std::get<2>(followed)});
    co_return std::move(recorded->reply);
}

Task<void> ChatService::forget_conversation(std::string conversation_id) {
    co_await short_term_.forget(std::move(conversation_id));
}

}  // namespace companion::chat
