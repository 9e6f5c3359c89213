#include "memory/memory_service.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "memory/embedder.hpp"
#include "memory/memory_events.hpp"
#include "memory/memory_index.hpp"
#include "metrics/registry.hpp"
#include "metrics/service_metrics.hpp"

namespace companion::memory {

namespace {

// Candidates ranked by the boosts: enough beyond k that a boosted memory a little below the k-th
// cosine still gets its chance.
int candidate_count(int k, const RecallRanking& ranking) {
    if (!ranking.active()) return k;
    return std::min(1000, std::max(4 * k, k + 16));
}

double days_between(store::Timestamp from, store::Timestamp to) {
    using Days = std::chrono::duration<double, std::ratio<86400>>;
    return std::max(0.0, std::chrono::duration_cast<Days>(to - from).count());
}

// A keyword hit the cosine search did not return may still be recalled when it matched at least
// this well (relative to the best keyword hit) and its cosine reaches half the threshold.
constexpr double kKeywordOnlyMinMatch = 0.5;

// nullopt for vectors of different dimensions or without a direction.
std::optional<double> cosine(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size() || a.empty()) return std::nullopt;
    double dot = 0;
    double norm_a = 0;
    double norm_b = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        dot += static_cast<double>(a[i]) * static_cast<double>(b[i]);
        norm_a += static_cast<double>(a[i]) * static_cast<double>(a[i]);
        norm_b += static_cast<double>(b[i]) * static_cast<double>(b[i]);
    }
    if (norm_a == 0 || norm_b == 0) return std::nullopt;
    return dot / (std::sqrt(norm_a) * std::sqrt(norm_b));
}

// Whether a keyword hit that is no cosine candidate joins them: its cosine passes the threshold
// (it was only beyond the candidate count), or it is a strong keyword match whose cosine reaches
// half the threshold (a name or rare word that the embedding blurs).
bool admits_keyword_hit(double similarity, double keyword_score, double min_score) {
    if (similarity >= min_score) return true;
    return keyword_score >= kKeywordOnlyMinMatch && similarity >= min_score / 2;
}

}  // namespace

struct MemoryService::Metrics {
    metrics::Counter& retrievals;
    metrics::Histogram& duration;
};

MemoryService::MemoryService(store::Store& store, Embedder& embedder, MemoryIndex& index,
                             MemoryEvents* events, metrics::Registry* registry)
    : store_(store), embedder_(embedder), index_(index), events_(events) {
    if (embedder_.model_name() != index_.model()) {
        throw std::invalid_argument("the memory index holds " + index_.model() +
                                    " vectors but the embedder is " + embedder_.model_name());
    }
    if (registry != nullptr) {
        auto families = metrics::register_memory_metrics(*registry);
        metrics_ = std::make_shared<Metrics>(
            Metrics{families.retrievals.with({}), families.duration.with({})});
    }
}

boost::asio::awaitable<std::vector<float>> MemoryService::embed_one(std::string text) {
    std::vector<std::string> inputs;
    inputs.push_back(std::move(text));
    auto vectors = co_await embedder_.embed(std::move(inputs));
    if (vectors.size() != 1) throw std::runtime_error("the embedder returned no vector");
    co_return std::move(vectors.front());
}

boost::asio::awaitable<std::vector<store::ScoredMemory>> MemoryService::search_index(
    const std::string& user_id, std::vector<float> query, int k, double min_score) {
    if (events_ != nullptr) co_await events_->before_search(user_id);
    co_return co_await index_.search(user_id, std::move(query), k, min_score);
}

boost::asio::awaitable<void> MemoryService::changed(const std::string& user_id) {
    if (events_ != nullptr) co_await events_->memories_changed(user_id);
}

boost::asio::awaitable<std::vector<RecalledMemory>> MemoryService::recall(std::string user_id,
                                                                          std::string text, int k,
                                                                          double min_score) {
    if (k <= 0) co_return std::vector<RecalledMemory>{};
    const auto started = std::chrono::steady_clock::now();
    auto query = co_await embed_one(text);
    auto recalled = co_await ranked(user_id, text, std::move(query), k, min_score, nullptr);
    if (metrics_) {
        metrics_->retrievals.inc();
        metrics_->duration.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    co_return recalled;
}

boost::asio::awaitable<TurnRecall> MemoryService::recall_for_turn(std::string user_id,
                                                                  std::string text, int k,
                                                                  double min_score) {
    const auto started = std::chrono::steady_clock::now();
    TurnRecall recall;
    recall.embedding = co_await embed_one(text);
    if (k <= 0) {
        // Recall is off (LONG_TERM_MEMORY_TOP_K=0): only the near-duplicate is looked for.
        auto found = co_await search_index(user_id, recall.embedding, 1, kDuplicateSimilarity);
        if (!found.empty()) recall.duplicate = std::move(found.front().memory);
        co_return recall;
    }
    // The near-duplicate is the best by cosine, so one search serves both.
    recall.memories =
        co_await ranked(user_id, text, recall.embedding, k, min_score, &recall.duplicate);
    if (metrics_) {
        metrics_->retrievals.inc();
        metrics_->duration.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    co_return recall;
}

boost::asio::awaitable<std::vector<RecalledMemory>> MemoryService::ranked(
    const std::string& user_id, const std::string& text, std::vector<float> query, int k,
    double min_score, std::optional<store::Memory>* duplicate) {
    const int candidates = candidate_count(k, ranking_);
    const bool by_keyword = ranking_.keyword > 0;
    // The keyword hits need the query for their cosine; without them it moves into the search.
    std::vector<float> search_query = by_keyword ? query : std::move(query);
    auto found = co_await search_index(user_id, std::move(search_query), candidates, min_score);
    if (duplicate != nullptr && !found.empty() && found.front().score >= kDuplicateSimilarity) {
        *duplicate = found.front().memory;
    }
    // MEMORY_KEYWORD_WEIGHT = 0: pure cosine, no keyword query.
    std::vector<store::ScoredMemory> keyword_hits;
    if (by_keyword) {
        keyword_hits =
            co_await store_.keyword_search_memories(user_id, text, index_.model(), candidates);
    }
    std::map<std::string, double, std::less<>> keyword_of;  // keyword hits not seen yet
    for (const auto& hit : keyword_hits) keyword_of.emplace(hit.memory.id, hit.score);

    const auto now = store::now();
    const auto add_boosts = [&](RecalledMemory& entry, double keyword_score) {
        const auto& memory = entry.memory;
        const auto last_seen =
            std::max(memory.updated_at, memory.last_accessed_at.value_or(memory.updated_at));
        entry.score += ranking_.keyword * keyword_score;
        entry.score +=
            ranking_.recency * std::exp2(-days_between(last_seen, now) / ranking_.half_life_days);
        entry.score += ranking_.importance * std::clamp(memory.importance, 0.0, 1.0);
    };
    std::vector<RecalledMemory> recalled;
    recalled.reserve(found.size() + keyword_hits.size());
    for (auto& candidate : found) {
        RecalledMemory entry{std::move(candidate.memory), candidate.score, candidate.score};
        double keyword_score = 0;
        if (const auto hit = keyword_of.find(entry.memory.id); hit != keyword_of.end()) {
            keyword_score = hit->second;
            keyword_of.erase(hit);
        }
        add_boosts(entry, keyword_score);
        recalled.push_back(std::move(entry));
    }
    for (auto& hit : keyword_hits) {
        if (!keyword_of.contains(hit.memory.id)) continue;  // a cosine candidate already
        const auto similarity = cosine(query, hit.memory.embedding);
        if (!similarity || !admits_keyword_hit(*similarity, hit.score, min_score)) continue;
        hit.memory.embedding = {};
        RecalledMemory entry{std::move(hit.memory), *similarity, *similarity};
        add_boosts(entry, hit.score);
        recalled.push_back(std::move(entry));
    }
    std::stable_sort(
        recalled.begin(), recalled.end(),
        [](const RecalledMemory& a, const RecalledMemory& b) { return a.score > b.score; });
    if (recalled.size() > static_cast<std::size_t>(k)) recalled.resize(static_cast<std::size_t>(k));
    co_return recalled;
}

boost::asio::awaitable<void> MemoryService::turn_stored(const std::string& user_id,
                                                        const store::RecordedTurn& recorded,
                                                        const std::vector<std::string>& recalled_ids) {
    if (!recalled_ids.empty()) {
        index_.cache().on_touch(user_id, recalled_ids, recorded.recorded_at);
    }
    if (recorded.memory) index_.cache().on_insert(*recorded.memory);
    if (recorded.refreshed) index_.cache().on_refresh(user_id, *recorded.refreshed);
    if (recorded.memory || recorded.refreshed) co_await changed(user_id);
}

boost::asio::awaitable<std::vector<store::ScoredMemory>> MemoryService::search(
    std::string user_id, std::vector<float> query, int k, double min_score) {
    co_return co_await search_index(std::move(user_id), std::move(query), k, min_score);
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
    const auto similar = co_await search_index(memory.user_id, embedding, 1, kDuplicateSimilarity);
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
