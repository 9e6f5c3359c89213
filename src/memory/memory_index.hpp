// The per-user in-process exact index of long-term memories (docs/memory.md): a search is
// answered from the user's cached matrix (memory/matrix_cache.hpp); the store's own exact search
// (Store::search_memories: pgvector on PostgreSQL, a scan on SQLite) answers whenever the cache
// cannot: the user is not cached yet (the search that finds it missing starts loading it in the
// background, so no request waits for a load), it is being loaded, it is not trusted, it is
// disabled (MEMORY_INDEX_CACHE_MB=0), or the user alone does not fit. Both give the same answer:
// the exact top k of the user's memories of the current embedding model with cosine >=
// min_score, best first.
//
// The store stays the source of truth: every write goes to the store first and then to cache()
// (memory::MemoryService does both, and tells the other replicas through MemoryEvents).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "memory/matrix_cache.hpp"
#include "store/store.hpp"

namespace boost::asio {
class thread_pool;
}

namespace companion::memory {

class MemoryIndex {
  public:
    // Searches of users with at least this many rows run on `workers` (when given), so that a
    // scan of several milliseconds never holds an I/O thread.
    static constexpr std::size_t kOffloadRows = 20000;

    struct Counters {
        std::uint64_t from_cache = 0;  // answered from a cached matrix
        std::uint64_t from_store = 0;  // answered by Store::search_memories
        std::uint64_t loads = 0;       // background loads that installed a matrix
        std::uint64_t failed_loads = 0;
    };

    // `workers` (optional) builds matrices and runs large scans off the I/O threads. The store
    // and the workers must outlive the index and every load it started (they end when the
    // store's queries do: close the store, then stop the io_context).
    MemoryIndex(store::Store& store, MatrixCacheOptions options,
                boost::asio::thread_pool* workers = nullptr);

    // The exact top k (k <= 0: none) of the user's memories of model() whose cosine similarity
    // to `query` is at least min_score, best first, ties by id; results carry no embedding.
    // Store errors propagate (a failed background load is only counted and logged).
    boost::asio::awaitable<std::vector<store::ScoredMemory>> search(std::string user_id,
                                                                    std::vector<float> query, int k,
                                                                    double min_score);

    MatrixCache& cache();
    const std::string& model() const;
    Counters counters() const;
    // Background loads still running (tests wait for 0 before tearing the store down).
    std::size_t loads_in_flight() const;

    struct State;

  private:
    std::shared_ptr<State> state_;  // shared with the background loads
};

}  // namespace companion::memory
