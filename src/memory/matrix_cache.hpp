// The synchronous heart of the in-process memory index: each cached user's vectors in one
// contiguous row-major float matrix (normalised, one dimension per matrix) with the rows'
// metadata alongside, exact top-k by dot product (screened in half precision where the CPU
// allows, with every candidate the screen cannot rule out scored exactly), LRU eviction of whole
// users within a byte budget, and the bookkeeping that keeps it coherent with the store.
// memory::MemoryIndex drives it from coroutines; tests drive it directly.
//
// Coherence: every change of a user's memories must reach the cache (on_insert, on_update,
// on_touch, on_delete, on_delete_all apply it in place; invalidate drops the user, for changes
// made elsewhere). Each one bumps the user's version; a load records the version when it starts
// and is not installed if the version moved meanwhile, so a matrix read before a change is never
// kept after it. While the cache is not trusted (set_trusted(false): the invalidation channel
// between replicas is down) it holds nothing and answers nothing.
//
// Thread-safe. A search holds only its user's matrix (shared), so searches of different users
// never wait for each other, nor for a load of another user.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/models.hpp"
#include "store/store.hpp"

namespace companion::memory {

struct MatrixCacheOptions {
    std::string model;  // only rows embedded by this model are kept (others are not searchable)
    std::size_t max_bytes = std::size_t{256} << 20;  // all users together; 0 keeps nothing
    // A matrix older than this is reloaded: bounds how long a change the cache never heard of
    // (a lost invalidation, an operator's SQL) can matter.
    std::chrono::milliseconds max_age = std::chrono::minutes(10);
    bool trusted = true;
    // Where the CPU has F16C: keep a half-precision copy of each matrix (+50% memory) and scan
    // that (half the memory traffic), then score the rows it cannot rule out exactly in float.
    // The answer is the same either way.
    bool half_precision_screening = true;
};

class MatrixCache {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    struct Ticket {
        std::uint64_t load = 0;     // which load this is
        std::uint64_t version = 0;  // the user's version when it began
    };
    enum class LoadOutcome {
        installed,  // the matrix is cached; search() answers from it
        voided,     // a change (or a loss of trust) happened during the load: nothing kept
        too_big,    // the user alone exceeds max_bytes: not cached (begin_load refuses for
                    // max_age), the store answers
    };

    struct Stats {
        std::size_t users = 0;  // users with a matrix
        std::size_t rows = 0;
        std::size_t bytes = 0;  // what the matrices and their metadata take, as counted
        std::uint64_t evictions = 0;
        std::uint64_t loads = 0;  // installed
    };

    explicit MatrixCache(MatrixCacheOptions options, Clock clock = {});
    ~MatrixCache();
    MatrixCache(const MatrixCache&) = delete;
    MatrixCache& operator=(const MatrixCache&) = delete;

    // The user's memories whose cosine similarity to `query` (normalised by the caller or not:
    // it is normalised here) is at least min_score, best first (ties by id), at most k; their
    // embeddings are left empty. nullopt when the cache cannot answer: not trusted, the user not
    // cached (or cached longer than max_age), or the query's dimension is not the matrix's.
    std::optional<std::vector<store::ScoredMemory>> search(const std::string& user_id,
                                                           std::span<const float> query,
                                                           std::size_t k, double min_score);

    // After a search() miss: a ticket to load the user from the store, or nullopt when the cache
    // must not be filled now (not trusted, max_bytes 0, another load of the user in flight, the
    // user already cached or known to be too big); then the store answers.
    std::optional<Ticket> begin_load(const std::string& user_id);
    // Ends the load with every memory of the user (Store::load_memories): rows of other models,
    // other dimensions and zero vectors are left out.
    LoadOutcome finish_load(const std::string& user_id, Ticket ticket,
                            std::vector<store::Memory> rows);
    // Ends a load that failed.
    void abandon_load(const std::string& user_id, Ticket ticket);

    // The store's changes, applied in place to a cached user (and voiding loads in flight). Each
    // takes the row as the store returned it. An update older (updated_at) than the cached row,
    // or of a row that is not cached, is ignored.
    void on_insert(const store::Memory& memory);
    void on_update(const store::Memory& memory);
    void on_touch(const std::string& user_id, const std::vector<std::string>& ids,
                  store::Timestamp accessed_at);
    // A near-duplicate was told again: its importance and updated_at changed, not its vector.
    void on_refresh(const std::string& user_id, const store::RefreshedMemory& refreshed);
    void on_delete(const std::string& user_id, const std::string& id);
    void on_delete_all(const std::string& user_id);
    // Someone else changed the user's memories: forget the matrix (the next search reloads).
    void invalidate(const std::string& user_id);

    bool trusted() const;
    // Either way everything cached so far is dropped: changes may have been missed.
    void set_trusted(bool trusted);

    Stats stats() const;
    // Whether the user has a fresh matrix.
    bool contains(const std::string& user_id) const;
    // Rows of the user's matrix (0 when not cached).
    std::size_t rows(const std::string& user_id) const;
    const MatrixCacheOptions& options() const { return options_; }

    struct UserMatrix;

  private:
    struct Entry;
    using Time = std::chrono::steady_clock::time_point;

    Time now() const;
    bool fresh(const Entry& entry) const;
    // With mutex_ held.
    void bump(Entry& entry);
    void drop_matrix(const std::string& user_id, Entry& entry);
    void erase_if_idle(const std::string& user_id);
    void evict_beyond_budget(const std::string& keep);
    std::shared_ptr<UserMatrix> matrix_of(const std::string& user_id, bool bump_version);
    // After an in-place change: account for the matrix's new size, still with the matrix given.
    void account(const std::string& user_id, const std::shared_ptr<UserMatrix>& matrix,
                 std::ptrdiff_t delta);

    MatrixCacheOptions options_;
    Clock clock_;
    mutable std::mutex mutex_;
    bool trusted_;
    std::unordered_map<std::string, Entry> entries_;
    std::list<std::string> lru_;  // users with a matrix, most recently used first
    std::size_t bytes_ = 0;
    std::uint64_t counter_ = 0;  // versions and load ids
    std::uint64_t evictions_ = 0;
    std::uint64_t loads_ = 0;
};

}  // namespace companion::memory
