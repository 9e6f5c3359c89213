// Long-term memories for the chat turn and the memories API: every write goes to the store, then
// to this replica's index (in place), then to the other replicas (MemoryEvents); every recall is
// the exact top k from the index (memory/memory_index.hpp). Text is embedded by the configured
// Embedder, whose model must be the index's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "store/models.hpp"
#include "store/store.hpp"

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
    MemoryService(store::Store& store, Embedder& embedder, MemoryIndex& index,
                  MemoryEvents* events);

    // The user's memories most similar to `text`: exact top k with cosine >= min_score, best
    // first, without embeddings. Embedder failures (llm::LlmError) and store errors propagate.
    boost::asio::awaitable<std::vector<store::ScoredMemory>> recall(std::string user_id,
                                                                    std::string text, int k,
                                                                    double min_score);
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
    boost::asio::awaitable<void> changed(const std::string& user_id);

    store::Store& store_;
    Embedder& embedder_;
    MemoryIndex& index_;
    MemoryEvents* events_;
};

}  // namespace companion::memory
