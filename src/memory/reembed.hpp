// A change of embedding model: noticed at start-up (memories whose embedding_model is not the
// configured embedder's are not recalled: their vectors cannot be compared with the new ones),
// and repaired by re-embedding them in batches (`companion memory reembed`).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "store/store.hpp"

namespace companion::memory {

class Embedder;
class MatrixCache;
class MemoryEvents;

struct EmbeddingInventory {
    std::string model;                           // the configured embedder's
    std::int64_t current = 0;                    // memories embedded by it
    std::map<std::string, std::int64_t> others;  // memories embedded by other models
    std::int64_t outdated() const;
};

// Counts every user's memories per model (one GROUP BY over the memories table).
boost::asio::awaitable<EmbeddingInventory> take_inventory(store::Store& store, std::string model);

// The start-up check: logs a warning naming the models and counts, and the command that
// converts them, when memories of other models exist. Returns the inventory.
boost::asio::awaitable<EmbeddingInventory> warn_if_model_changed(store::Store& store,
                                                                 std::string model);

struct ReembedProgress {
    std::int64_t total = 0;    // memories on other models when the run began
    std::int64_t done = 0;     // re-embedded by this run
    std::int64_t skipped = 0;  // edited meanwhile (the edit re-embedded them): left alone
};

struct ReembedOptions {
    int batch_size = 64;  // memories per embedding call and per transaction (1..1000)
    // After each batch. An exception it throws stops the run after that batch (what is done
    // stays done).
    std::function<void(const ReembedProgress&)> on_progress;
    MatrixCache* cache = nullptr;    // this process's index: users of each batch are invalidated
    MemoryEvents* events = nullptr;  // other processes: told of the users of each batch
};

// Re-embeds every memory (of every user) whose embedding_model is not the embedder's, in id
// order, batch by batch, each batch written in one transaction and only where the content is
// still what was embedded. Resumable: an interrupted run leaves its finished batches done, and
// the next run picks only the memories still on another model. Embedder and store errors
// propagate (after the batches before them are written).
boost::asio::awaitable<ReembedProgress> reembed(store::Store& store, Embedder& embedder,
                                                ReembedOptions options);

}  // namespace companion::memory
