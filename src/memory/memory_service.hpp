// Long-term memories for the chat turn and the memories API: every write goes to the store, then
// to this replica's index (in place), then to the other replicas (MemoryEvents); every recall is
// the exact top k from the index (memory/memory_index.hpp). Text is embedded by the configured
// Embedder, whose model must be the index's.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "store/models.hpp"
#include "store/store.hpp"

namespace companion::metrics {
class Registry;
}

namespace companion::memory {

class Embedder;
class MemoryIndex;
class MemoryEvents;

struct NewMemory {
    std::string user_id;
    std::string content;
    std::optional<std::string> conversation_id;    // the user's own, or an error
    std::optional<std::string> source_message_id;  // the user's own, or an error
    double importance = 0.5;
};

// How recalled memories are ordered (docs/memory.md, "Recall"): by cosine similarity plus mild
// boosts, each 0 to turn it off. Only memories whose cosine passed the threshold are ranked.
struct RecallRanking {
    double keyword = 0;     // x the memory's keyword match (0-1) with the text
    double recency = 0;     // x 0.5^(days since told or last recalled / half_life_days)
    double half_life_days = 30;
    double importance = 0;  // x the memory's importance (0-1)
    bool active() const { return keyword > 0 || recency > 0 || importance > 0; }
};

struct RecalledMemory {
    store::Memory memory;  // without its embedding
    double score = 0;       // what the memories are ordered by: similarity plus the boosts
    double similarity = 0;  // the cosine similarity to the text
};

// What a chat turn recalls for a user message, and what remembering it needs.
struct TurnRecall {
    std::vector<RecalledMemory> memories;  // best first
    std::vector<float> embedding;          // the message's, in the embedder's model
    // An existing memory at least kDuplicateSimilarity alike: remembering the message refreshes
    // it instead of adding a row.
    std::optional<store::Memory> duplicate;
};

struct Remembered {
    store::Memory memory;
    bool refreshed = false;  // a near-duplicate existed: its importance and updated_at were bumped
};

class MemoryService {
  public:
    // Cosine at or above which a new memory is the same as an existing one.
    static constexpr double kDuplicateSimilarity = 0.95;

    // `events` may be null (one process). Throws std::invalid_argument when the embedder's
    // model is not the index's. Everything must outlive the service.
    // memory_retrievals_total and memory_retrieval_duration_seconds go to `registry` when given.
    MemoryService(store::Store& store, Embedder& embedder, MemoryIndex& index,
                  MemoryEvents* events, metrics::Registry* registry = nullptr);

    // Unranked (pure cosine) until set.
    void set_ranking(const RecallRanking& ranking) { ranking_ = ranking; }

    // The user's memories most similar to `text`: among the memories with cosine >= min_score,
    // the k best by RecallRanking (with no boosts: the exact top k by cosine), best first,
    // without embeddings. Embedder failures (llm::LlmError) and store errors propagate.
    boost::asio::awaitable<std::vector<RecalledMemory>> recall(std::string user_id,
                                                               std::string text, int k,
                                                               double min_score);
    // The recall of a chat turn: the same, plus the message's embedding and its near-duplicate.
    boost::asio::awaitable<TurnRecall> recall_for_turn(std::string user_id, std::string text,
                                                       int k, double min_score);
    // Applies what a turn stored (Store::record_turn) to this replica's index and tells the other
    // replicas of a new or refreshed memory.
    boost::asio::awaitable<void> turn_stored(const std::string& user_id,
                                             const store::RecordedTurn& recorded,
                                             const std::vector<std::string>& recalled_ids);
    // The same for a vector of the embedder's model.
    boost::asio::awaitable<std::vector<store::ScoredMemory>> search(std::string user_id,
                                                                    std::vector<float> query, int k,
                                                                    double min_score);

    // Embeds and stores a new memory.
    boost::asio::awaitable<store::Memory> add(NewMemory memory);
    // Like add, unless a memory of the user is at least kDuplicateSimilarity alike: then that one
    // gets the higher of the two importances and a new updated_at instead of a new row.
    boost::asio::awaitable<Remembered> remember(NewMemory memory);
    // New content (re-embedded) and/or importance; nullopt when the memory is not the user's.
    boost::asio::awaitable<std::optional<store::Memory>> update(std::string user_id, std::string id,
                                                                std::optional<std::string> content,
                                                                std::optional<double> importance);
    boost::asio::awaitable<bool> remove(std::string user_id, std::string id);
    boost::asio::awaitable<std::int64_t> remove_all(std::string user_id);
    // Marks memories as recalled (access_count + 1, last_accessed_at now).
    boost::asio::awaitable<void> touch(std::string user_id, std::vector<std::string> ids);

    Embedder& embedder() { return embedder_; }
    MemoryIndex& index() { return index_; }

  private:
    boost::asio::awaitable<std::vector<float>> embed_one(std::string text);
    // Candidates by cosine, ranked; `query` is the text's embedding.
    boost::asio::awaitable<std::vector<RecalledMemory>> ranked(const std::string& user_id,
                                                               const std::string& text,
                                                               std::vector<float> query, int k,
                                                               double min_score,
                                                               std::optional<store::Memory>* duplicate);
    boost::asio::awaitable<void> changed(const std::string& user_id);
    // The index's search, after the events made sure no other replica's change is missed.
    boost::asio::awaitable<std::vector<store::ScoredMemory>> search_index(
        const std::string& user_id, std::vector<float> query, int k, double min_score);

    store::Store& store_;
    Embedder& embedder_;
    MemoryIndex& index_;
    MemoryEvents* events_;
    RecallRanking ranking_;
    struct Metrics;
    std::shared_ptr<Metrics> metrics_;  // null without a registry
};

}  // namespace companion::memory
