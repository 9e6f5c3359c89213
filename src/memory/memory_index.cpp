#include "memory/memory_index.hpp"

#include <algorithm>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include "util/blocking.hpp"
#include "util/log.hpp"

namespace companion::memory {

namespace {

constexpr int kMaxResults = 1000;

using Hits = std::vector<store::ScoredMemory>;

}  // namespace

struct MemoryIndex::State {
    State(store::Store& s, MatrixCacheOptions options, boost::asio::thread_pool* w)
        : store(s), cache(std::move(options)), workers(w) {}

    store::Store& store;
    MatrixCache cache;
    boost::asio::thread_pool* workers;
    std::atomic<std::uint64_t> from_cache{0};
    std::atomic<std::uint64_t> from_store{0};
    std::atomic<std::uint64_t> loads{0};
    std::atomic<std::uint64_t> failed_loads{0};
    std::atomic<std::size_t> in_flight{0};
};

namespace {

// Loads the user into the cache; the search that started it was answered by the store. A named
// coroutine (not a lambda) for co_spawn: g++ 12 double-frees capturing coroutine lambdas.
boost::asio::awaitable<void> load_in_background(std::shared_ptr<MemoryIndex::State> state,
                                                std::string user_id, MatrixCache::Ticket ticket) {
    std::string failure;
    try {
        auto rows = co_await state->store.load_memories(user_id);
        auto install = [&state, &user_id, &ticket, &rows]() {
            return state->cache.finish_load(user_id, ticket, std::move(rows));
        };
        MatrixCache::LoadOutcome outcome;
        if (state->workers != nullptr) {
            auto job = install;
            outcome = co_await util::run_blocking(*state->workers, std::move(job));
        } else {
            outcome = install();
        }
        if (outcome == MatrixCache::LoadOutcome::installed) ++state->loads;
    } catch (const std::exception& error) {
        failure = error.what();
    } catch (...) {
        failure = "unknown error";
    }
    if (!failure.empty()) {
        state->cache.abandon_load(user_id, ticket);  // no-op when finish_load had ended it
        ++state->failed_loads;
        log::warn("could not load a user's memories into the index (the store answers)",
                  {{"user_id", std::string_view(user_id)}, {"error", std::string_view(failure)}});
    }
    --state->in_flight;
}

}  // namespace

MemoryIndex::MemoryIndex(store::Store& store, MatrixCacheOptions options,
                         boost::asio::thread_pool* workers)
    : state_(std::make_shared<State>(store, std::move(options), workers)) {}

MatrixCache& MemoryIndex::cache() {
    return state_->cache;
}

const std::string& MemoryIndex::model() const {
    return state_->cache.options().model;
}

MemoryIndex::Counters MemoryIndex::counters() const {
    return Counters{state_->from_cache.load(), state_->from_store.load(), state_->loads.load(),
                    state_->failed_loads.load()};
}

std::size_t MemoryIndex::loads_in_flight() const {
    return state_->in_flight.load();
}

boost::asio::awaitable<Hits> MemoryIndex::search(std::string user_id, std::vector<float> query,
                                                 int k, double min_score) {
    if (k <= 0 || query.empty()) co_return Hits{};
    const auto limit = static_cast<std::size_t>(std::min(k, kMaxResults));
    auto& state = *state_;
    auto search_cache = [&state, &user_id, &query, limit, min_score]() {
        return state.cache.search(user_id, query, limit, min_score);
    };
    std::optional<Hits> cached;
    if (state.workers != nullptr && state.cache.rows(user_id) >= kOffloadRows) {
        auto job = search_cache;
        cached = co_await util::run_blocking(*state.workers, std::move(job));
    } else {
        cached = search_cache();
    }
    if (cached) {
        ++state.from_cache;
        co_return std::move(*cached);
    }

    if (const auto ticket = state.cache.begin_load(user_id)) {
        ++state.in_flight;
        const auto executor = co_await boost::asio::this_coro::executor;
        boost::asio::co_spawn(executor, load_in_background(state_, user_id, *ticket),
                              boost::asio::detached);
    }
    ++state.from_store;
    auto hits = co_await state.store.search_memories(user_id, std::move(query), model(), min_score,
                                                     std::min(k, kMaxResults));
    for (auto& hit : hits) std::vector<float>().swap(hit.memory.embedding);
    co_return hits;
}

}  // namespace companion::memory
