#include "memory/memory_service.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "memory/embedder.hpp"
#include "memory/memory_events.hpp"
#include "memory/memory_index.hpp"

namespace companion::memory {

MemoryService::MemoryService(store::Store& store, Embedder& embedder, MemoryIndex& index,
                             MemoryEvents* events)
    : store_(store), embedder_(embedder), index_(index), events_(events) {
    if (embedder_.model_name() != index_.model()) {
        throw std::invalid_argument("the memory index holds " + index_.model() +
                                    " vectors but the embedder is " + embedder_.model_name());
    }
}

boost::asio::awaitable<std::vector<float>> MemoryService::embed_one(std::string text) {
    std::vector<std::string> inputs;
    inputs.push_back(std::move(text));
    auto vectors = co_await embedder_.embed(std::move(inputs));
    if (vectors.size() != 1) throw std::runtime_error("the embedder returned no vector");
    co_return std::move(vectors.front());
}

boost::asio::awaitable<void> MemoryService::changed(const std::string& user_id) {
    if (events_ != nullptr) co_await events_->memories_changed(user_id);
}

boost::asio::awaitable<std::vector<store::ScoredMemory>> MemoryService::recall(std::string user_id,
                                                                               std::string text,
                                                                               int k,
                                                                               double min_score) {
    if (k <= 0) co_return std::vector<store::ScoredMemory>{};
    auto query = co_await embed_one(std::move(text));
    co_return co_await index_.search(std::move(user_id), std::move(query), k, min_score);
}

boost::asio::awaitable<std::vector<store::ScoredMemory>> MemoryService::search(
    std::string user_id, std::vector<float> query, int k, double min_score) {
    co_return co_await index_.search(std::move(user_id), std::move(query), k, min_score);
}

boost::asio::awaitable<store::Memory> MemoryService::add(NewMemory memory) {
    store::Memory row;
    row.user_id = std::move(memory.user_id);
    row.conversation_id = std::move(memory.conversation_id);
    row.source_message_id = std::move(memory.source_message_id);
    row.importance = memory.importance;
    row.embedding = co_await embed_one(memory.content);
    row.embedding_model = embedder_.model_name();
    row.content = std::move(memory.content);
    auto inserted = co_await store_.insert_memory(std::move(row));
    index_.cache().on_insert(inserted);
    co_await changed(inserted.user_id);
    co_return inserted;
}

boost::asio::awaitable<Remembered> MemoryService::remember(NewMemory memory) {
    auto embedding = co_await embed_one(memory.content);
    const auto similar = co_await index_.search(memory.user_id, embedding, 1, kDuplicateSimilarity);
    if (!similar.empty()) {
        const auto& existing = similar.front().memory;
        store::MemoryUpdate refresh;
        refresh.importance = std::max(existing.importance, memory.importance);
        auto updated = co_await store_.update_memory(memory.user_id, existing.id, refresh);
        if (updated) {
            index_.cache().on_update(*updated);
            co_await changed(memory.user_id);
            co_return Remembered{std::move(*updated), true};
        }
        // Deleted meanwhile: store the new one after all.
    }
    store::Memory row;
    row.user_id = std::move(memory.user_id);
    row.conversation_id = std::move(memory.conversation_id);
    row.source_message_id = std::move(memory.source_message_id);
    row.importance = memory.importance;
    row.embedding = std::move(embedding);
    row.embedding_model = embedder_.model_name();
    row.content = std::move(memory.content);
    auto inserted = co_await store_.insert_memory(std::move(row));
    index_.cache().on_insert(inserted);
    co_await changed(inserted.user_id);
    co_return Remembered{std::move(inserted), false};
}

boost::asio::awaitable<std::optional<store::Memory>> MemoryService::update(
    std::string user_id, std::string id, std::optional<std::string> content,
    std::optional<double> importance) {
    store::MemoryUpdate change;
    if (content) {
        change.embedding = co_await embed_one(*content);
        change.embedding_model = embedder_.model_name();
    }
    change.content = std::move(content);
    change.importance = importance;
    auto updated = co_await store_.update_memory(user_id, std::move(id), std::move(change));
    if (updated) {
        index_.cache().on_update(*updated);
        co_await changed(user_id);
    }
    co_return updated;
}

boost::asio::awaitable<bool> MemoryService::remove(std::string user_id, std::string id) {
    const bool removed = co_await store_.delete_memory(user_id, id);
    if (removed) {
        index_.cache().on_delete(user_id, id);
        co_await changed(user_id);
    }
    co_return removed;
}

boost::asio::awaitable<std::int64_t> MemoryService::remove_all(std::string user_id) {
    const auto removed = co_await store_.delete_all_memories(user_id);
    index_.cache().on_delete_all(user_id);
    if (removed > 0) co_await changed(user_id);
    co_return removed;
}

boost::asio::awaitable<void> MemoryService::touch(std::string user_id,
                                                  std::vector<std::string> ids) {
    const auto accessed_at = store::now();
    co_await store_.touch_memories(user_id, ids);
    index_.cache().on_touch(user_id, ids, accessed_at);
}

}  // namespace companion::memory
