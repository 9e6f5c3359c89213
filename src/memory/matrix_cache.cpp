#include "memory/matrix_cache.hpp"

#include <algorithm>
#include <functional>
#include <shared_mutex>
#include <utility>

#include "memory/vector_math.hpp"

namespace companion::memory {

struct MatrixCache::UserMatrix {
    mutable std::shared_mutex mutex;
    std::size_t dimension = 0;          // 0 until the first row
    std::vector<float> vectors;         // rows x dimension, each row normalised
    std::vector<std::uint16_t> halves;  // the same in half precision, when screening
    bool screening = false;
    std::vector<store::Memory> rows;  // the rows' metadata: no embedding, no user_id, no model

    std::size_t bytes() const;
    std::size_t find(const std::string& id) const;  // rows.size() when absent
    bool add(const store::Memory& memory);
    void remove_at(std::size_t row);
};

struct MatrixCache::Entry {
    std::shared_ptr<UserMatrix> matrix;  // null while not loaded
    std::uint64_t version = 0;
    std::uint64_t loading = 0;  // the load in flight, 0 for none
    Time loaded_at{};
    std::size_t bytes = 0;  // counted in bytes_
    std::list<std::string>::iterator lru;
    std::optional<Time> too_big_at;  // the user did not fit in max_bytes at this time
};

namespace {

std::size_t heap_bytes(const std::string& text) {
    return text.capacity() > 15 ? text.capacity() + 1 : 0;  // beyond the small-string buffer
}

std::size_t heap_bytes(const std::optional<std::string>& text) {
    return text ? heap_bytes(*text) : 0;
}

std::size_t metadata_bytes(const store::Memory& row) {
    return sizeof(store::Memory) + heap_bytes(row.id) + heap_bytes(row.content) +
           heap_bytes(row.conversation_id) + heap_bytes(row.source_message_id);
}

// What the matrix keeps of a row besides its vector.
store::Memory metadata(const store::Memory& memory) {
    store::Memory row;
    row.id = memory.id;
    row.conversation_id = memory.conversation_id;
    row.source_message_id = memory.source_message_id;
    row.content = memory.content;
    row.embedding_dimension = memory.embedding_dimension;
    row.importance = memory.importance;
    row.access_count = memory.access_count;
    row.created_at = memory.created_at;
    row.updated_at = memory.updated_at;
    row.last_accessed_at = memory.last_accessed_at;
    return row;
}

// A candidate of the top k: the better of two has the higher score, then the smaller id.
struct Candidate {
    float score;
    std::uint32_t row;
};

}  // namespace

std::size_t MatrixCache::UserMatrix::bytes() const {
    std::size_t total = sizeof(UserMatrix) + vectors.capacity() * sizeof(float) +
                        halves.capacity() * sizeof(std::uint16_t) +
                        (rows.capacity() - rows.size()) * sizeof(store::Memory);
    for (const auto& row : rows) total += metadata_bytes(row);
    return total;
}

std::size_t MatrixCache::UserMatrix::find(const std::string& id) const {
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].id == id) return i;
    }
    return rows.size();
}

bool MatrixCache::UserMatrix::add(const store::Memory& memory) {
    if (memory.embedding.empty()) return false;
    if (dimension == 0) dimension = memory.embedding.size();
    if (memory.embedding.size() != dimension) return false;
    // Grown by a quarter rather than doubled: the budget counts capacity, not size.
    if (rows.size() == rows.capacity()) {
        const std::size_t more = std::max<std::size_t>(rows.capacity() / 4, 16);
        rows.reserve(rows.capacity() + more);
        vectors.reserve(rows.capacity() * dimension);
        if (screening) halves.reserve(rows.capacity() * dimension);
    }
    const std::size_t at = vectors.size();
    vectors.insert(vectors.end(), memory.embedding.begin(), memory.embedding.end());
    if (!normalise(std::span<float>(vectors.data() + at, dimension))) {
        vectors.resize(at);
        return false;
    }
    if (screening) {
        halves.resize(at + dimension);
        to_half(vectors.data() + at, dimension, halves.data() + at);
    }
    rows.push_back(metadata(memory));
    return true;
}

void MatrixCache::UserMatrix::remove_at(std::size_t row) {
    const std::size_t last = rows.size() - 1;
    if (row != last) {
        const auto from = static_cast<std::ptrdiff_t>(last * dimension);
        const auto to = static_cast<std::ptrdiff_t>(row * dimension);
        std::copy_n(vectors.begin() + from, dimension, vectors.begin() + to);
        if (screening) std::copy_n(halves.begin() + from, dimension, halves.begin() + to);
        rows[row] = std::move(rows[last]);
    }
    rows.pop_back();
    vectors.resize(last * dimension);
    if (screening) halves.resize(last * dimension);
}

MatrixCache::MatrixCache(MatrixCacheOptions options, Clock clock)
    : options_(std::move(options)), clock_(std::move(clock)), trusted_(options_.trusted) {}

MatrixCache::~MatrixCache() = default;

MatrixCache::Time MatrixCache::now() const {
    return clock_ ? clock_() : std::chrono::steady_clock::now();
}

bool MatrixCache::fresh(const Entry& entry) const {
    return entry.matrix && now() - entry.loaded_at < options_.max_age;
}

void MatrixCache::bump(Entry& entry) {
    entry.version = ++counter_;
}

void MatrixCache::drop_matrix(const std::string&, Entry& entry) {
    if (!entry.matrix) return;
    bytes_ -= entry.bytes;
    entry.bytes = 0;
    lru_.erase(entry.lru);
    entry.matrix.reset();
}

void MatrixCache::erase_if_idle(const std::string& user_id) {
    const auto found = entries_.find(user_id);
    if (found == entries_.end()) return;
    const Entry& entry = found->second;
    if (!entry.matrix && entry.loading == 0 && !entry.too_big_at) entries_.erase(found);
}

void MatrixCache::evict_beyond_budget(const std::string& keep) {
    while (bytes_ > options_.max_bytes && !lru_.empty()) {
        const std::string victim = lru_.back();
        if (victim == keep && lru_.size() == 1) break;
        const std::string& target = victim == keep ? *std::next(lru_.rbegin()) : victim;
        const std::string user = target;
        auto& entry = entries_.at(user);
        drop_matrix(user, entry);
        bump(entry);
        erase_if_idle(user);
        ++evictions_;
    }
}

std::optional<std::vector<store::ScoredMemory>> MatrixCache::search(const std::string& user_id,
                                                                    std::span<const float> query,
                                                                    std::size_t k,
                                                                    double min_score) {
    std::shared_ptr<UserMatrix> matrix;
    {
        std::lock_guard lock(mutex_);
        if (!trusted_) return std::nullopt;
        const auto found = entries_.find(user_id);
        if (found == entries_.end() || !found->second.matrix) return std::nullopt;
        Entry& entry = found->second;
        if (!fresh(entry)) {
            drop_matrix(user_id, entry);
            bump(entry);
            erase_if_idle(user_id);
            return std::nullopt;
        }
        lru_.splice(lru_.begin(), lru_, entry.lru);
        matrix = entry.matrix;
    }
    std::vector<float> normalised(query.begin(), query.end());
    std::shared_lock lock(matrix->mutex);
    std::vector<store::ScoredMemory> found;
    if (matrix->rows.empty() || k == 0) return found;
    if (normalised.size() != matrix->dimension) return std::nullopt;
    if (!normalise(normalised)) return found;  // a zero query is similar to nothing

    const auto worse = [&](const Candidate& a, const Candidate& b) {
        if (a.score != b.score) return a.score < b.score;
        return matrix->rows[a.row].id > matrix->rows[b.row].id;
    };
    // A heap of the best k so far with the worst on top.
    const auto heap_order = [&](const Candidate& a, const Candidate& b) { return worse(b, a); };
    std::vector<Candidate> best;
    best.reserve(std::min(k, matrix->rows.size()) + 1);
    const auto offer = [&](float score, std::uint32_t row) {
        if (!(static_cast<double>(score) >= min_score)) return;
        const Candidate candidate{score, row};
        if (best.size() < k) {
            best.push_back(candidate);
            std::push_heap(best.begin(), best.end(), heap_order);
        } else if (worse(best.front(), candidate)) {
            std::pop_heap(best.begin(), best.end(), heap_order);
            best.back() = candidate;
            std::push_heap(best.begin(), best.end(), heap_order);
        }
    };
    constexpr std::size_t kBlock = 512;  // scores of a block stay in L1
    float scores[kBlock];
    const std::size_t dimension = matrix->dimension;
    const std::size_t count = matrix->rows.size();
    if (!matrix->screening) {
        for (std::size_t first = 0; first < count; first += kBlock) {
            const std::size_t block = std::min(kBlock, count - first);
            dot_rows(matrix->vectors.data() + first * dimension, block, dimension,
                     normalised.data(), scores);
            for (std::size_t i = 0; i < block; ++i) {
                offer(scores[i], static_cast<std::uint32_t>(first + i));
            }
        }
    } else {
        // A row's half score is within `slack` of its float score. The exact top k is among
        // the rows whose half score reaches both min_score - slack and the k-th best half
        // score - 2 slack; the k-th best so far only rises, so a row below the running cut is
        // below the final one too.
        const double slack = half_error_bound(dimension);
        const double floor = min_score - slack;
        std::vector<float> kth;  // the k best half scores so far, the lowest on top
        std::vector<std::pair<float, std::uint32_t>> screened;
        const auto cut = [&] {
            return kth.size() < k ? floor
                                  : std::max(floor, static_cast<double>(kth.front()) - 2 * slack);
        };
        for (std::size_t first = 0; first < count; first += kBlock) {
            const std::size_t block = std::min(kBlock, count - first);
            dot_rows_half(matrix->halves.data() + first * dimension, block, dimension,
                          normalised.data(), scores);
            for (std::size_t i = 0; i < block; ++i) {
                const float score = scores[i];
                if (!(static_cast<double>(score) >= cut())) continue;
                screened.emplace_back(score, static_cast<std::uint32_t>(first + i));
                if (kth.size() < k) {
                    kth.push_back(score);
                    std::push_heap(kth.begin(), kth.end(), std::greater<>());
                } else if (score > kth.front()) {
                    std::pop_heap(kth.begin(), kth.end(), std::greater<>());
                    kth.back() = score;
                    std::push_heap(kth.begin(), kth.end(), std::greater<>());
                }
            }
        }
        const double final_cut = cut();
        for (const auto& [half_score, row] : screened) {
            if (static_cast<double>(half_score) < final_cut) continue;
            float exact = 0;
            dot_rows(matrix->vectors.data() + row * dimension, 1, dimension, normalised.data(),
                     &exact);
            offer(exact, row);
        }
    }
    std::sort(best.begin(), best.end(),
              [&](const Candidate& a, const Candidate& b) { return worse(b, a); });
    found.reserve(best.size());
    for (const auto& candidate : best) {
        store::ScoredMemory hit;
        hit.memory = matrix->rows[candidate.row];
        hit.memory.user_id = user_id;
        hit.memory.embedding_model = options_.model;
        hit.score = candidate.score;
        found.push_back(std::move(hit));
    }
    return found;
}

std::optional<MatrixCache::Ticket> MatrixCache::begin_load(const std::string& user_id) {
    std::lock_guard lock(mutex_);
    if (!trusted_ || options_.max_bytes == 0) return std::nullopt;
    Entry& entry = entries_[user_id];
    if (entry.loading != 0 || fresh(entry)) return std::nullopt;
    if (entry.too_big_at) {
        if (now() - *entry.too_big_at < options_.max_age) return std::nullopt;
        entry.too_big_at.reset();
    }
    drop_matrix(user_id, entry);  // a stale one
    bump(entry);
    entry.loading = ++counter_;
    return Ticket{entry.loading, entry.version};
}

MatrixCache::LoadOutcome MatrixCache::finish_load(const std::string& user_id, Ticket ticket,
                                                  std::vector<store::Memory> rows) {
    // Built before taking the lock: normalising a large user takes milliseconds.
    auto matrix = std::make_shared<UserMatrix>();
    matrix->screening = options_.half_precision_screening && half_kernel_available();
    std::size_t kept = 0;
    for (const auto& row : rows) {
        if (row.embedding_model == options_.model && !row.embedding.empty()) {
            if (matrix->dimension == 0) matrix->dimension = row.embedding.size();
            if (row.embedding.size() == matrix->dimension) ++kept;
        }
    }
    matrix->vectors.reserve(kept * matrix->dimension);
    if (matrix->screening) matrix->halves.reserve(kept * matrix->dimension);
    matrix->rows.reserve(kept);
    for (auto& row : rows) {
        if (row.embedding_model != options_.model) continue;
        matrix->add(row);
        std::vector<float>().swap(row.embedding);
    }
    const std::size_t bytes = matrix->bytes();

    std::lock_guard lock(mutex_);
    const auto found = entries_.find(user_id);
    if (found == entries_.end() || found->second.loading != ticket.load) return LoadOutcome::voided;
    Entry& entry = found->second;
    entry.loading = 0;
    if (!trusted_ || entry.version != ticket.version) {
        erase_if_idle(user_id);
        return LoadOutcome::voided;
    }
    if (bytes > options_.max_bytes) {
        entry.too_big_at = now();
        return LoadOutcome::too_big;
    }
    entry.matrix = std::move(matrix);
    entry.loaded_at = now();
    entry.bytes = bytes;
    bytes_ += bytes;
    lru_.push_front(user_id);
    entry.lru = lru_.begin();
    ++loads_;
    evict_beyond_budget(user_id);
    return LoadOutcome::installed;
}

void MatrixCache::abandon_load(const std::string& user_id, Ticket ticket) {
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(user_id);
    if (found == entries_.end() || found->second.loading != ticket.load) return;
    found->second.loading = 0;
    erase_if_idle(user_id);
}

std::shared_ptr<MatrixCache::UserMatrix> MatrixCache::matrix_of(const std::string& user_id,
                                                                bool bump_version) {
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(user_id);
    if (found == entries_.end()) return nullptr;
    if (bump_version) bump(found->second);
    return found->second.matrix;
}

void MatrixCache::account(const std::string& user_id, const std::shared_ptr<UserMatrix>& matrix,
                          std::ptrdiff_t delta) {
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(user_id);
    if (found == entries_.end() || found->second.matrix != matrix) return;  // dropped meanwhile
    Entry& entry = found->second;
    entry.bytes = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(entry.bytes) + delta);
    bytes_ = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(bytes_) + delta);
    if (entry.bytes > options_.max_bytes) {
        // Grown beyond the whole budget: the store answers for this user from now on.
        drop_matrix(user_id, entry);
        bump(entry);
        entry.too_big_at = now();
        ++evictions_;
        return;
    }
    evict_beyond_budget(user_id);
}

void MatrixCache::on_insert(const store::Memory& memory) {
    const auto matrix = matrix_of(memory.user_id, true);
    if (!matrix || memory.embedding_model != options_.model) return;
    std::ptrdiff_t delta = 0;
    {
        std::unique_lock lock(matrix->mutex);
        const auto before = static_cast<std::ptrdiff_t>(matrix->bytes());
        const std::size_t existing = matrix->find(memory.id);
        if (existing != matrix->rows.size()) matrix->remove_at(existing);
        matrix->add(memory);
        delta = static_cast<std::ptrdiff_t>(matrix->bytes()) - before;
    }
    account(memory.user_id, matrix, delta);
}

void MatrixCache::on_update(const store::Memory& memory) {
    const auto matrix = matrix_of(memory.user_id, true);
    if (!matrix) return;
    std::ptrdiff_t delta = 0;
    {
        std::unique_lock lock(matrix->mutex);
        const std::size_t at = matrix->find(memory.id);
        if (at == matrix->rows.size() || memory.updated_at < matrix->rows[at].updated_at) return;
        const auto before = static_cast<std::ptrdiff_t>(matrix->bytes());
        if (memory.embedding_model != options_.model || memory.embedding.empty()) {
            // Re-embedded by another model (or returned without its vector): not searchable here.
            matrix->remove_at(at);
        } else {
            matrix->remove_at(at);
            matrix->add(memory);
        }
        delta = static_cast<std::ptrdiff_t>(matrix->bytes()) - before;
    }
    account(memory.user_id, matrix, delta);
}

void MatrixCache::on_touch(const std::string& user_id, const std::vector<std::string>& ids,
                           store::Timestamp accessed_at) {
    const auto matrix = matrix_of(user_id, false);  // recall statistics: no reload needed
    if (!matrix) return;
    std::unique_lock lock(matrix->mutex);
    for (const auto& id : ids) {
        const std::size_t at = matrix->find(id);
        if (at == matrix->rows.size()) continue;
        ++matrix->rows[at].access_count;
        matrix->rows[at].last_accessed_at = accessed_at;
    }
}

void MatrixCache::on_refresh(const std::string& user_id, const store::RefreshedMemory& refreshed) {
    const auto matrix = matrix_of(user_id, true);
    if (!matrix) return;
    std::unique_lock lock(matrix->mutex);
    const std::size_t at = matrix->find(refreshed.id);
    if (at == matrix->rows.size() || refreshed.updated_at < matrix->rows[at].updated_at) return;
    matrix->rows[at].importance = refreshed.importance;
    matrix->rows[at].updated_at = refreshed.updated_at;
}

void MatrixCache::on_delete(const std::string& user_id, const std::string& id) {
    const auto matrix = matrix_of(user_id, true);
    if (!matrix) return;
    std::ptrdiff_t delta = 0;
    {
        std::unique_lock lock(matrix->mutex);
        const std::size_t at = matrix->find(id);
        if (at == matrix->rows.size()) return;
        const auto before = static_cast<std::ptrdiff_t>(matrix->bytes());
        matrix->remove_at(at);
        delta = static_cast<std::ptrdiff_t>(matrix->bytes()) - before;
    }
    account(user_id, matrix, delta);
}

void MatrixCache::on_delete_all(const std::string& user_id) {
    invalidate(user_id);
}

void MatrixCache::invalidate(const std::string& user_id) {
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(user_id);
    if (found == entries_.end()) return;
    drop_matrix(user_id, found->second);
    bump(found->second);
    erase_if_idle(user_id);
}

bool MatrixCache::trusted() const {
    std::lock_guard lock(mutex_);
    return trusted_;
}

void MatrixCache::set_trusted(bool trusted) {
    std::lock_guard lock(mutex_);
    trusted_ = trusted;
    entries_.clear();  // loads in flight find no entry and are voided
    lru_.clear();
    bytes_ = 0;
}

MatrixCache::Stats MatrixCache::stats() const {
    std::vector<std::shared_ptr<UserMatrix>> matrices;
    Stats stats;
    {
        std::lock_guard lock(mutex_);
        stats.bytes = bytes_;
        stats.evictions = evictions_;
        stats.loads = loads_;
        for (const auto& [user, entry] : entries_) {
            if (entry.matrix) matrices.push_back(entry.matrix);
        }
    }
    stats.users = matrices.size();
    for (const auto& matrix : matrices) {
        std::shared_lock lock(matrix->mutex);
        stats.rows += matrix->rows.size();
    }
    return stats;
}

bool MatrixCache::contains(const std::string& user_id) const {
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(user_id);
    return trusted_ && found != entries_.end() && fresh(found->second);
}

std::size_t MatrixCache::rows(const std::string& user_id) const {
    std::shared_ptr<UserMatrix> matrix;
    {
        std::lock_guard lock(mutex_);
        const auto found = entries_.find(user_id);
        if (found == entries_.end() || !found->second.matrix) return 0;
        matrix = found->second.matrix;
    }
    std::shared_lock lock(matrix->mutex);
    return matrix->rows.size();
}

}  // namespace companion::memory
