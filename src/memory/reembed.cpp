#include "memory/reembed.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "memory/embedder.hpp"
#include "memory/matrix_cache.hpp"
#include "memory/memory_events.hpp"
#include "util/log.hpp"

namespace companion::memory {

std::int64_t EmbeddingInventory::outdated() const {
    std::int64_t total = 0;
    for (const auto& [model, count] : others) total += count;
    return total;
}

boost::asio::awaitable<EmbeddingInventory> take_inventory(store::Store& store, std::string model) {
    EmbeddingInventory inventory;
    inventory.model = std::move(model);
    const auto counts = co_await store.count_memories_by_model();
    for (const auto& [name, count] : counts) {
        if (name == inventory.model) {
            inventory.current = count;
        } else {
            inventory.others[name] = count;
        }
    }
    co_return inventory;
}

boost::asio::awaitable<EmbeddingInventory> warn_if_model_changed(store::Store& store,
                                                                 std::string model) {
    auto inventory = co_await take_inventory(store, std::move(model));
    if (inventory.outdated() > 0) {
        std::string models;
        for (const auto& [name, count] : inventory.others) {
            models += fmt::format("{}{} ({})", models.empty() ? "" : ", ", name, count);
        }
        log::warn(fmt::format("{} memories are embedded by another model than {} and are not "
                              "recalled until `companion memory reembed` converts them: {}",
                              inventory.outdated(), inventory.model, models),
                  {{"outdated_memories", inventory.outdated()},
                   {"embedding_model", std::string_view(inventory.model)}});
    }
    co_return inventory;
}

boost::asio::awaitable<ReembedProgress> reembed(store::Store& store, Embedder& embedder,
                                                ReembedOptions options) {
    if (options.batch_size < 1 || options.batch_size > 1000) {
        throw std::invalid_argument("the re-embedding batch size must be from 1 to 1000");
    }
    const std::string model = embedder.model_name();
    ReembedProgress progress;
    progress.total = (co_await take_inventory(store, model)).outdated();
    std::optional<std::string> after;
    while (true) {
        auto batch = co_await store.memories_not_embedded_by(model, after, options.batch_size);
        if (batch.empty()) break;
        after = batch.back().id;
        std::vector<std::string> texts;
        texts.reserve(batch.size());
        for (const auto& memory : batch) texts.push_back(memory.content);
        auto vectors = co_await embedder.embed(std::move(texts));
        if (vectors.size() != batch.size()) {
            throw std::runtime_error("the embedder returned " + std::to_string(vectors.size()) +
                                     " vectors for " + std::to_string(batch.size()) + " texts");
        }
        std::vector<store::EmbeddingReplacement> replacements;
        std::set<std::string> users;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            users.insert(batch[i].user_id);
            replacements.push_back(store::EmbeddingReplacement{
                batch[i].user_id, batch[i].id, batch[i].content, std::move(vectors[i]), model});
        }
        const auto changed = co_await store.replace_embeddings(std::move(replacements));
        progress.done += changed;
        progress.skipped += static_cast<std::int64_t>(batch.size()) - changed;
        for (const auto& user : users) {
            if (options.cache != nullptr) options.cache->invalidate(user);
            if (options.events != nullptr) co_await options.events->memories_changed(user);
        }
        if (options.on_progress) options.on_progress(progress);
    }
    co_return progress;
}

}  // namespace companion::memory
