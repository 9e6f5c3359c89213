// Long-term memories (with their embeddings) and the emotion history.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "store/keyword_search.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"
#include "util/uuid.hpp"

namespace companion::store {

namespace {

using sqlite::BlobView;
using sqlite::Connection;
using sqlite::Statement;

constexpr auto kLastKey = std::numeric_limits<std::int64_t>::max();

const std::string kMemoryColumns =
    "id, user_id, conversation_id, source_message_id, content, embedding, embedding_model, "
    "embedding_dimension, importance, access_count, created_at, updated_at, last_accessed_at";
// The same, of `memories m` (the FTS5 table has a `content` column too).
const std::string kMemoryColumnsOfM =
    "m.id, m.user_id, m.conversation_id, m.source_message_id, m.content, m.embedding, "
    "m.embedding_model, m.embedding_dimension, m.importance, m.access_count, m.created_at, "
    "m.updated_at, m.last_accessed_at";
const std::string kEmotionColumns =
    "id, user_id, message_id, conversation_id, emotion, intensity, valence, arousal, created_at";

Memory read_memory(const Statement& row) {
    Memory memory;
    memory.id = row.text(0);
    memory.user_id = row.text(1);
    memory.conversation_id = row.optional_text(2);
    memory.source_message_id = row.optional_text(3);
    memory.content = row.text(4);
    memory.embedding = sqlite::decode_embedding(row.blob(5));
    memory.embedding_model = row.text(6);
    memory.embedding_dimension = static_cast<std::int32_t>(row.int64(7));
    memory.importance = row.real(8);
    memory.access_count = row.int64(9);
    memory.created_at = row.timestamp(10);
    memory.updated_at = row.timestamp(11);
    memory.last_accessed_at = row.optional_timestamp(12);
    return memory;
}

std::vector<Memory> read_memories(Statement& statement) {
    std::vector<Memory> memories;
    while (statement.step()) memories.push_back(read_memory(statement));
    return memories;
}

EmotionRecord read_emotion(const Statement& row) {
    EmotionRecord record;
    record.id = row.text(0);
    record.user_id = row.text(1);
    record.message_id = row.optional_text(2);
    record.conversation_id = row.optional_text(3);
    record.emotion = row.text(4);
    record.intensity = row.real(5);
    record.valence = row.real(6);
    record.arousal = row.real(7);
    record.created_at = row.timestamp(8);
    return record;
}

CursorPosition memory_position(const Memory& row) {
    return {sqlite::micros(row.created_at), row.id};
}

// An FTS5 query matching any of the words: each a string in double quotes (a quote inside
// doubled), so that nothing of the user's text is read as FTS5 syntax (AND, NEAR, *, :, ^, ...).
std::string fts5_any_of(const std::vector<std::string>& words) {
    std::string query;
    for (const auto& word : words) {
        if (!query.empty()) query += " OR ";
        query += '"';
        for (const char c : word) {
            if (c == '"') query += '"';
            query += c;
        }
        query += '"';
    }
    return query;
}

// A row referenced by a new row must be the same user's: ids of other users are rejected like
// ids that do not exist.
void require_own(Connection& db, const char* table, const std::optional<std::string>& id,
                 const std::string& user_id) {
    if (!id) return;
    bool found = false;
    if (util::is_uuid(*id)) {
        auto statement =
            db.prepare(std::string("SELECT 1 FROM ") + table + " WHERE id = ?1 AND user_id = ?2");
        statement.bind(*id, user_id);
        found = statement.step();
    }
    if (!found) {
        throw std::invalid_argument(std::string("no such row in ") + table +
                                    " for this user: " + *id);
    }
}

}  // namespace

// ---- memories ----

namespace sqlite {

void insert_memory_row(Connection& db, const Memory& memory) {
    db.prepare(
          "INSERT INTO memories (id, user_id, conversation_id, source_message_id, "
          "content, embedding, embedding_model, embedding_dimension, importance, "
          "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)")
        .bind(memory.id, memory.user_id, memory.conversation_id, memory.source_message_id,
              memory.content, BlobView{encode_embedding(memory.embedding)}, memory.embedding_model,
              memory.embedding_dimension, memory.importance, memory.created_at)
        .run();
}

}  // namespace sqlite

Task<Memory> SqliteStore::insert_memory(Memory memory) {
    co_return co_await write([&](Connection& db) {
        require_own(db, "conversations", memory.conversation_id, memory.user_id);
        require_own(db, "messages", memory.source_message_id, memory.user_id);
        memory.id = util::new_uuid_v7();
        memory.embedding_dimension = static_cast<std::int32_t>(memory.embedding.size());
        memory.access_count = 0;
        memory.last_accessed_at.reset();
        memory.created_at = memory.updated_at = next_timestamp();
        sqlite::insert_memory_row(db, memory);
        return memory;
    });
}

Task<std::optional<Memory>> SqliteStore::find_memory(std::string user_id, std::string id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return std::nullopt;
    co_return co_await read([&](Connection& db) -> std::optional<Memory> {
        auto statement = db.prepare("SELECT " + kMemoryColumns +
                                    " FROM memories WHERE id = ?1 AND user_id = ?2");
        statement.bind(id, user_id);
        if (!statement.step()) return std::nullopt;
        return read_memory(statement);
    });
}

Task<Page<Memory>> SqliteStore::list_memories(std::string user_id, int limit,
                                              std::optional<std::string> cursor) {
    const auto after = sqlite::parse_cursor(cursor);
    limit = sqlite::clamp_limit(limit);
    if (!util::is_uuid(user_id)) co_return Page<Memory>{};
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT " + kMemoryColumns +
                                    " FROM memories WHERE user_id = ?1 "
                                    "AND (created_at, id) < (?2, ?3) "
                                    "ORDER BY created_at DESC, id DESC LIMIT ?4");
        statement.bind(user_id, after ? after->key : kLastKey, after ? after->id : "", limit + 1);
        return sqlite::make_page(read_memories(statement), limit, memory_position);
    });
}

Task<std::vector<Memory>> SqliteStore::load_memories(std::string user_id) {
    if (!util::is_uuid(user_id)) co_return std::vector<Memory>{};
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT " + kMemoryColumns +
                                    " FROM memories WHERE user_id = ?1 ORDER BY created_at, id");
        statement.bind(user_id);
        return read_memories(statement);
    });
}

Task<std::optional<Memory>> SqliteStore::update_memory(std::string user_id, std::string id,
                                                       MemoryUpdate update) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return std::nullopt;
    co_return co_await write([&](Connection& db) -> std::optional<Memory> {
        std::optional<std::string> embedding;
        std::optional<std::int64_t> dimension;
        if (update.embedding) {
            embedding = sqlite::encode_embedding(*update.embedding);
            dimension = static_cast<std::int64_t>(update.embedding->size());
        }
        auto statement = db.prepare(
            "UPDATE memories SET content = COALESCE(?3, content), "
            "embedding = COALESCE(?4, embedding), "
            "embedding_dimension = COALESCE(?5, embedding_dimension), "
            "embedding_model = COALESCE(?6, embedding_model), "
            "importance = COALESCE(?7, importance), updated_at = ?8 "
            "WHERE id = ?1 AND user_id = ?2 RETURNING " +
            kMemoryColumns);
        statement.bind(id, user_id, update.content, nullptr, dimension, update.embedding_model,
                       update.importance, next_timestamp());
        if (embedding) statement.bind_at(4, BlobView{*embedding});
        if (!statement.step()) return std::nullopt;
        return read_memory(statement);
    });
}

Task<void> SqliteStore::touch_memories(std::string user_id, std::vector<std::string> ids) {
    if (!util::is_uuid(user_id)) co_return;
    std::set<std::string> unique;
    for (auto& id : ids) {
        if (util::is_uuid(id)) unique.insert(std::move(id));
    }
    if (unique.empty()) co_return;
    co_await write([&](Connection& db) {
        const auto accessed_at = next_timestamp();
        for (const auto& id : unique) {
            db.prepare(
                  "UPDATE memories SET last_accessed_at = ?3, access_count = access_count + 1 "
                  "WHERE id = ?1 AND user_id = ?2")
                .bind(id, user_id, accessed_at)
                .run();
        }
    });
}

Task<bool> SqliteStore::delete_memory(std::string user_id, std::string id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return false;
    co_return co_await write([&](Connection& db) {
        db.prepare("DELETE FROM memories WHERE id = ?1 AND user_id = ?2").bind(id, user_id).run();
        return db.changes() > 0;
    });
}

Task<std::int64_t> SqliteStore::delete_all_memories(std::string user_id) {
    if (!util::is_uuid(user_id)) co_return 0;
    co_return co_await write([&](Connection& db) {
        db.prepare("DELETE FROM memories WHERE user_id = ?1").bind(user_id).run();
        return db.changes();
    });
}

Task<std::vector<ScoredMemory>> SqliteStore::search_memories(std::string user_id,
                                                             std::vector<float> query,
                                                             std::string embedding_model,
                                                             double min_score, int limit) {
    if (!util::is_uuid(user_id) || query.empty() || limit <= 0) {
        co_return std::vector<ScoredMemory>{};
    }
    limit = sqlite::clamp_limit(limit);
    co_return co_await read([&](Connection& db) {
        const double query_norm = std::sqrt(std::inner_product(
            query.begin(), query.end(), query.begin(), 0.0, std::plus<>(),
            [](float a, float b) { return static_cast<double>(a) * static_cast<double>(b); }));
        // First the scores of every candidate, then the rows of the best ones only.
        std::vector<std::pair<double, std::string>> scored;
        auto candidates = db.prepare(
            "SELECT id, embedding FROM memories WHERE user_id = ?1 AND embedding_model = ?2 "
            "AND embedding_dimension = ?3");
        candidates.bind(user_id, embedding_model, static_cast<std::int64_t>(query.size()));
        while (candidates.step()) {
            const auto embedding = sqlite::decode_embedding(candidates.blob(1));
            if (embedding.size() != query.size()) continue;
            double dot = 0;
            double norm = 0;
            for (std::size_t i = 0; i < embedding.size(); ++i) {
                dot += static_cast<double>(embedding[i]) * static_cast<double>(query[i]);
                norm += static_cast<double>(embedding[i]) * static_cast<double>(embedding[i]);
            }
            if (norm == 0 || query_norm == 0) continue;
            const double score = dot / (std::sqrt(norm) * query_norm);
            if (score >= min_score) scored.emplace_back(score, candidates.text(0));
        }
        const auto best_first = [](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        };
        const auto kept = std::min(scored.size(), static_cast<std::size_t>(limit));
        std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(kept),
                          scored.end(), best_first);
        scored.resize(kept);
        std::vector<ScoredMemory> found;
        for (auto& [score, id] : scored) {
            auto row = db.prepare("SELECT " + kMemoryColumns +
                                  " FROM memories WHERE id = ?1 AND user_id = ?2");
            row.bind(id, user_id);
            if (!row.step()) continue;
            found.push_back(ScoredMemory{read_memory(row), score});
        }
        return found;
    });
}

Task<std::vector<ScoredMemory>> SqliteStore::keyword_search_memories(std::string user_id,
                                                                     std::string text,
                                                                     std::string embedding_model,
                                                                     int limit) {
    if (!util::is_uuid(user_id) || limit <= 0) co_return std::vector<ScoredMemory>{};
    const auto query = fts5_any_of(keyword_terms(text));
    if (query.empty()) co_return std::vector<ScoredMemory>{};
    limit = sqlite::clamp_limit(limit);
    co_return co_await read([&](Connection& db) {
        // memories_fts (migration 0002) indexes memories.content by rowid; bm25() is negative,
        // lower is better.
        auto statement = db.prepare(
            "SELECT " + kMemoryColumnsOfM +
            ", bm25(memories_fts) AS keyword_rank FROM memories_fts "
            "JOIN memories m ON m.rowid = memories_fts.rowid WHERE memories_fts MATCH ?1 "
            "AND m.user_id = ?2 AND m.embedding_model = ?3 ORDER BY keyword_rank, m.id LIMIT ?4");
        statement.bind(query, user_id, embedding_model, limit);
        std::vector<ScoredMemory> found;
        while (statement.step()) {
            found.push_back(ScoredMemory{read_memory(statement), -statement.real(13)});
        }
        scale_to_best(found);
        return found;
    });
}

Task<std::map<std::string, std::int64_t>> SqliteStore::count_memories_by_model() {
    co_return co_await read([](Connection& db) {
        auto statement =
            db.prepare("SELECT embedding_model, count(*) FROM memories GROUP BY embedding_model");
        std::map<std::string, std::int64_t> counts;
        while (statement.step()) counts[statement.text(0)] = statement.int64(1);
        return counts;
    });
}

Task<std::vector<Memory>> SqliteStore::memories_not_embedded_by(std::string model,
                                                                std::optional<std::string> after_id,
                                                                int limit) {
    if (after_id && !util::is_uuid(*after_id)) {
        throw std::invalid_argument("after_id is not a memory id");
    }
    limit = sqlite::clamp_limit(limit);
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT " + kMemoryColumns +
                                    " FROM memories WHERE embedding_model <> ?1 AND id > ?2 "
                                    "ORDER BY id LIMIT ?3");
        statement.bind(model, after_id.value_or(""), limit);
        return read_memories(statement);
    });
}

Task<std::int64_t> SqliteStore::replace_embeddings(
    std::vector<EmbeddingReplacement> replacements) {
    if (replacements.empty()) co_return 0;
    co_return co_await write([&](Connection& db) {
        std::int64_t changed = 0;
        for (const auto& replacement : replacements) {
            const auto blob = sqlite::encode_embedding(replacement.embedding);
            db.prepare(
                  "UPDATE memories SET embedding = ?4, embedding_dimension = ?5, "
                  "embedding_model = ?6 WHERE id = ?1 AND user_id = ?2 AND content = ?3")
                .bind(replacement.id, replacement.user_id, replacement.content, BlobView{blob},
                      static_cast<std::int64_t>(replacement.embedding.size()),
                      replacement.embedding_model)
                .run();
            changed += db.changes();
        }
        return changed;
    });
}

// ---- emotions ----

Task<EmotionRecord> SqliteStore::insert_emotion(EmotionRecord record) {
    co_return co_await write([&](Connection& db) {
        require_own(db, "messages", record.message_id, record.user_id);
        require_own(db, "conversations", record.conversation_id, record.user_id);
        record.id = util::new_uuid_v7();
        record.created_at = next_timestamp();
        db.prepare("INSERT INTO emotion_history (" + kEmotionColumns +
                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
            .bind(record.id, record.user_id, record.message_id, record.conversation_id,
                  record.emotion, record.intensity, record.valence, record.arousal,
                  record.created_at)
            .run();
        return record;
    });
}

Task<std::vector<EmotionRecord>> SqliteStore::list_emotions(std::string user_id, Timestamp from,
                                                            Timestamp to, int limit) {
    limit = sqlite::clamp_limit(limit);
    if (!util::is_uuid(user_id)) co_return std::vector<EmotionRecord>{};
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT " + kEmotionColumns +
                                    " FROM emotion_history WHERE user_id = ?1 "
                                    "AND created_at >= ?2 AND created_at < ?3 "
                                    "ORDER BY created_at, id LIMIT ?4");
        statement.bind(user_id, from, to, limit);
        std::vector<EmotionRecord> records;
        while (statement.step()) records.push_back(read_emotion(statement));
        return records;
    });
}

}  // namespace companion::store
