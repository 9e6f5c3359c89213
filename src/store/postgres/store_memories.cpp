// Long-term memories (embeddings as pgvector values) and the emotion history.
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/keyword_search.hpp"
#include "store/postgres/store_impl.hpp"
#include "util/uuid.hpp"

namespace companion::store {
namespace {

using pg::Params;
using pg::RowReader;
using pg::Statement;

#define MEMORY_COLUMNS                                                                         \
    "id, user_id, conversation_id, source_message_id, content, embedding, embedding_model, " \
    "embedding_dimension, importance, access_count, " PG_MICROS("created_at") ", " PG_MICROS( \
        "updated_at") ", " PG_MICROS("last_accessed_at")
#define EMOTION_COLUMNS                                                                   \
    "id, user_id, message_id, conversation_id, emotion, intensity, valence, arousal, " PG_MICROS( \
        "created_at")

// Referenced rows must be the same user's; the insert happens only when both are, and the
// checks come back so that the caller can say which one failed.
const Statement kInsertMemory{
    "", "WITH checks AS (SELECT ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM conversations "
        "WHERE id = $3::uuid AND user_id = $2::uuid)) AS conversation_ok, ($4::uuid IS NULL OR "
        "EXISTS (SELECT 1 FROM messages WHERE id = $4::uuid AND user_id = $2::uuid)) AS "
        "message_ok), inserted AS (INSERT INTO memories (id, user_id, conversation_id, "
        "source_message_id, content, embedding, embedding_model, embedding_dimension, importance, "
        "created_at, updated_at) SELECT $1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::text, "
        "$6::vector, $7::text, $8::integer, $9::double precision, " PG_TIME("$10") ", " PG_TIME(
            "$10") " FROM checks WHERE conversation_ok AND message_ok RETURNING 1) "
                   "SELECT conversation_ok, message_ok FROM checks"};
const Statement kFindMemory{"", "SELECT " MEMORY_COLUMNS
                                " FROM memories WHERE id = $1::uuid AND user_id = $2::uuid"};
const Statement kListMemories{"", "SELECT " MEMORY_COLUMNS " FROM memories "
                                  "WHERE user_id = $1::uuid "
                                  "ORDER BY created_at DESC, id DESC LIMIT $2::integer"};
const Statement kListMemoriesAfter{
    "", "SELECT " MEMORY_COLUMNS " FROM memories WHERE user_id = $1::uuid "
        "AND (created_at, id) < (" PG_TIME("$2") ", $3::uuid) "
        "ORDER BY created_at DESC, id DESC LIMIT $4::integer"};
const Statement kLoadMemories{"companion_load_memories",
                              "SELECT " MEMORY_COLUMNS " FROM memories WHERE user_id = $1::uuid "
                              "ORDER BY created_at, id"};
const Statement kUpdateMemory{
    "", "UPDATE memories SET content = COALESCE($3::text, content), "
        "embedding = COALESCE($4::vector, embedding), "
        "embedding_dimension = COALESCE($5::integer, embedding_dimension), "
        "embedding_model = COALESCE($6::text, embedding_model), "
        "importance = COALESCE($7::double precision, importance), updated_at = " PG_TIME("$8") " "
        "WHERE id = $1::uuid AND user_id = $2::uuid RETURNING " MEMORY_COLUMNS};
const Statement kTouchMemories{
    "", "UPDATE memories SET last_accessed_at = " PG_TIME("$3") ", access_count = access_count + 1 "
        "WHERE user_id = $1::uuid AND id = ANY($2::uuid[])"};
const Statement kDeleteMemory{"",
                              "DELETE FROM memories WHERE id = $1::uuid AND user_id = $2::uuid"};
const Statement kDeleteAllMemories{"", "DELETE FROM memories WHERE user_id = $1::uuid"};
// The CASE keeps `<=>` away from rows of another dimension (pgvector refuses to compare them)
// whatever order the planner checks the conditions in; OFFSET 0 keeps the subquery whole, so
// that each row's distance is computed once.
const Statement kSearchMemories{
    "companion_search_memories",
    "SELECT " MEMORY_COLUMNS ", distance FROM (SELECT memories.*, CASE WHEN embedding_dimension "
    "= $4::integer THEN embedding <=> $2::vector END AS distance FROM memories "
    "WHERE user_id = $1::uuid AND embedding_model = $3::text AND embedding_dimension = "
    "$4::integer OFFSET 0) AS candidates WHERE distance <= $5::double precision "
    "ORDER BY distance, id LIMIT $6::integer"};
// $2 is the search's words (keyword_terms) separated by spaces. The query is built from their
// lexemes, each quoted as a tsquery string (a quote or backslash inside doubled) and joined by
// `|`, so nothing of the user's text is read as tsquery syntax; no lexeme gives NULL, which
// matches nothing. `to_tsvector('simple', content)` is the expression of the index
// ix_memories_content_words (migration 0002), repeated exactly so that the index serves it.
const Statement kKeywordSearchMemories{
    "", "WITH query AS MATERIALIZED (SELECT string_agg('''' || replace(replace(lexeme, chr(92), "
        "chr(92) || chr(92)), '''', '''''') || '''', ' | ')::tsquery AS words "
        "FROM unnest(tsvector_to_array(to_tsvector('simple', $2::text))) AS lexeme) "
        "SELECT " MEMORY_COLUMNS ", ts_rank_cd(to_tsvector('simple', content), query.words)"
        "::double precision AS keyword_rank FROM memories, query WHERE user_id = $1::uuid "
        "AND embedding_model = $3::text AND to_tsvector('simple', content) @@ query.words "
        "ORDER BY keyword_rank DESC, id LIMIT $4::integer"};
const Statement kCountMemoriesByModel{
    "", "SELECT embedding_model, count(*) FROM memories GROUP BY embedding_model"};
const Statement kMemoriesNotEmbeddedBy{
    "", "SELECT " MEMORY_COLUMNS " FROM memories WHERE embedding_model <> $1::text "
        "AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3::integer"};
const Statement kReplaceEmbedding{
    "", "UPDATE memories SET embedding = $4::vector, embedding_dimension = $5::integer, "
        "embedding_model = $6::text WHERE id = $1::uuid AND user_id = $2::uuid "
        "AND content = $3::text"};

const Statement kInsertEmotion{
    "", "WITH checks AS (SELECT ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM messages "
        "WHERE id = $3::uuid AND user_id = $2::uuid)) AS message_ok, ($4::uuid IS NULL OR "
        "EXISTS (SELECT 1 FROM conversations WHERE id = $4::uuid AND user_id = $2::uuid)) AS "
        "conversation_ok), inserted AS (INSERT INTO emotion_history (id, user_id, message_id, "
        "conversation_id, emotion, intensity, valence, arousal, created_at) "
        "SELECT $1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::text, $6::double precision, "
        "$7::double precision, $8::double precision, " PG_TIME("$9") " FROM checks "
        "WHERE message_ok AND conversation_ok RETURNING 1) "
        "SELECT message_ok, conversation_ok FROM checks"};
const Statement kListEmotions{
    "", "SELECT " EMOTION_COLUMNS " FROM emotion_history WHERE user_id = $1::uuid "
        "AND created_at >= " PG_TIME("$2") " AND created_at < " PG_TIME("$3") " "
        "ORDER BY created_at, id LIMIT $4::integer"};

Memory read_memory(RowReader& row) {
    Memory memory;
    memory.id = row.text();
    memory.user_id = row.text();
    memory.conversation_id = row.opt_text();
    memory.source_message_id = row.opt_text();
    memory.content = row.text();
    memory.embedding = row.vector();
    memory.embedding_model = row.text();
    memory.embedding_dimension = row.i32();
    memory.importance = row.f64();
    memory.access_count = row.i64();
    memory.created_at = row.timestamp();
    memory.updated_at = row.timestamp();
    memory.last_accessed_at = row.opt_timestamp();
    return memory;
}

EmotionRecord read_emotion(RowReader& row) {
    EmotionRecord record;
    record.id = row.text();
    record.user_id = row.text();
    record.message_id = row.opt_text();
    record.conversation_id = row.opt_text();
    record.emotion = row.text();
    record.intensity = row.f64();
    record.valence = row.f64();
    record.arousal = row.f64();
    record.created_at = row.timestamp();
    return record;
}

CursorPosition memory_position(const Memory& row) { return {pg::micros(row.created_at), row.id}; }

// The (first, second) ownership checks of an insert that reports them.
void require_checks(const pg::PgResult& result, const char* first_table,
                    const std::optional<std::string>& first_id, const char* second_table,
                    const std::optional<std::string>& second_id) {
    RowReader row(result, 0);
    if (!row.boolean()) pg::throw_missing_reference(first_table, first_id.value_or(""));
    if (!row.boolean()) pg::throw_missing_reference(second_table, second_id.value_or(""));
}

}  // namespace

// ---- memories ----

Task<Memory> PgStore::insert_memory(Memory memory) {
    pg::require_uuid(memory.user_id, "users");
    pg::require_uuid(memory.conversation_id, "conversations");
    pg::require_uuid(memory.source_message_id, "messages");
    memory.id = util::new_uuid_v7();
    memory.embedding_dimension = static_cast<std::int32_t>(memory.embedding.size());
    memory.access_count = 0;
    memory.last_accessed_at.reset();
    memory.created_at = memory.updated_at = next_timestamp();
    const Params params(memory.id, memory.user_id, memory.conversation_id,
                        memory.source_message_id, memory.content, memory.embedding,
                        memory.embedding_model, memory.embedding_dimension, memory.importance,
                        memory.created_at);
    const auto result = co_await pool_->query(kInsertMemory, params);
    require_checks(result, "conversations", memory.conversation_id, "messages",
                   memory.source_message_id);
    co_return memory;
}

Task<std::optional<Memory>> PgStore::find_memory(std::string user_id, std::string id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return std::nullopt;
    const Params params(id, user_id);
    co_return co_await one<Memory>(kFindMemory, params, read_memory);
}

Task<Page<Memory>> PgStore::list_memories(std::string user_id, int limit,
                                          std::optional<std::string> cursor) {
    const auto after = pg::parse_cursor(cursor);
    limit = pg::clamp_limit(limit);
    if (!util::is_uuid(user_id)) co_return Page<Memory>{};
    Params params(user_id);
    if (after) params.add(pg::from_micros(after->key)).add(after->id);
    params.add(limit + 1);
    const auto result = co_await pool_->query(after ? kListMemoriesAfter : kListMemories, params);
    auto rows = pg::read_rows<Memory>(result, read_memory);
    co_return pg::make_page(std::move(rows), limit, memory_position);
}

Task<std::vector<Memory>> PgStore::load_memories(std::string user_id) {
    if (!util::is_uuid(user_id)) co_return std::vector<Memory>{};
    const Params params(user_id);
    const auto result = co_await pool_->query(kLoadMemories, params);
    co_return pg::read_rows<Memory>(result, read_memory);
}

Task<std::optional<Memory>> PgStore::update_memory(std::string user_id, std::string id,
                                                   MemoryUpdate update) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return std::nullopt;
    Params params(id, user_id, update.content);
    if (update.embedding) {
        params.add(*update.embedding);
        params.add(static_cast<std::int32_t>(update.embedding->size()));
    } else {
        params.add_null().add_null();
    }
    params.add(update.embedding_model);
    if (update.importance) {
        params.add(*update.importance);
    } else {
        params.add_null();
    }
    params.add(next_timestamp());
    co_return co_await one<Memory>(kUpdateMemory, params, read_memory);
}

Task<void> PgStore::touch_memories(std::string user_id, std::vector<std::string> ids) {
    if (!util::is_uuid(user_id)) co_return;
    std::set<std::string> unique;
    for (auto& id : ids) {
        if (util::is_uuid(id)) unique.insert(std::move(id));
    }
    if (unique.empty()) co_return;
    const Params params(user_id, pg::uuid_array({unique.begin(), unique.end()}), next_timestamp());
    co_await pool_->query(kTouchMemories, params);
}

Task<bool> PgStore::delete_memory(std::string user_id, std::string id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return false;
    const Params params(id, user_id);
    const auto result = co_await pool_->query(kDeleteMemory, params);
    co_return result.affected() > 0;
}

Task<std::int64_t> PgStore::delete_all_memories(std::string user_id) {
    if (!util::is_uuid(user_id)) co_return 0;
    const Params params(user_id);
    const auto result = co_await pool_->query(kDeleteAllMemories, params);
    co_return result.affected();
}

Task<std::vector<ScoredMemory>> PgStore::search_memories(std::string user_id,
                                                         std::vector<float> query,
                                                         std::string embedding_model,
                                                         double min_score, int limit) {
    if (!util::is_uuid(user_id) || query.empty() || limit <= 0) {
        co_return std::vector<ScoredMemory>{};
    }
    const Params params(user_id, query, embedding_model, static_cast<std::int32_t>(query.size()),
                        1.0 - min_score, pg::clamp_limit(limit));
    const auto result = co_await pool_->query(kSearchMemories, params);
    std::vector<ScoredMemory> found;
    found.reserve(static_cast<std::size_t>(result.rows()));
    for (int i = 0; i < result.rows(); ++i) {
        RowReader row(result, i);
        ScoredMemory hit;
        hit.memory = read_memory(row);
        hit.score = 1.0 - row.f64();
        found.push_back(std::move(hit));
    }
    co_return found;
}

Task<std::vector<ScoredMemory>> PgStore::keyword_search_memories(std::string user_id,
                                                                 std::string text,
                                                                 std::string embedding_model,
                                                                 int limit) {
    if (!util::is_uuid(user_id) || limit <= 0) co_return std::vector<ScoredMemory>{};
    std::string words;
    for (const auto& word : keyword_terms(text)) {
        if (!words.empty()) words += ' ';
        words += word;
    }
    if (words.empty()) co_return std::vector<ScoredMemory>{};
    const Params params(user_id, words, embedding_model, pg::clamp_limit(limit));
    const auto result = co_await pool_->query(kKeywordSearchMemories, params);
    std::vector<ScoredMemory> found;
    found.reserve(static_cast<std::size_t>(result.rows()));
    for (int i = 0; i < result.rows(); ++i) {
        RowReader row(result, i);
        ScoredMemory hit;
        hit.memory = read_memory(row);
        hit.score = row.f64();
        found.push_back(std::move(hit));
    }
    scale_to_best(found);
    co_return found;
}

Task<std::map<std::string, std::int64_t>> PgStore::count_memories_by_model() {
    const Params none;
    const auto result = co_await pool_->query(kCountMemoriesByModel, none);
    std::map<std::string, std::int64_t> counts;
    for (int i = 0; i < result.rows(); ++i) {
        RowReader row(result, i);
        auto model = row.text();
        counts[std::move(model)] = row.i64();
    }
    co_return counts;
}

Task<std::vector<Memory>> PgStore::memories_not_embedded_by(std::string model,
                                                            std::optional<std::string> after_id,
                                                            int limit) {
    if (after_id && !util::is_uuid(*after_id)) {
        throw std::invalid_argument("after_id is not a memory id");
    }
    const Params params(model, after_id, pg::clamp_limit(limit));
    const auto result = co_await pool_->query(kMemoriesNotEmbeddedBy, params);
    co_return pg::read_rows<Memory>(result, read_memory);
}

Task<std::int64_t> PgStore::replace_embeddings(std::vector<EmbeddingReplacement> replacements) {
    std::vector<Params> statements;
    for (const auto& replacement : replacements) {
        if (!util::is_uuid(replacement.user_id) || !util::is_uuid(replacement.id)) continue;
        statements.emplace_back(replacement.id, replacement.user_id, replacement.content,
                                replacement.embedding,
                                static_cast<std::int32_t>(replacement.embedding.size()),
                                replacement.embedding_model);
    }
    if (statements.empty()) co_return 0;
    auto body = [&](pg::Tx& tx) -> Task<std::int64_t> {
        std::int64_t changed = 0;
        for (const auto& params : statements) {
            const auto result = co_await tx.query(kReplaceEmbedding, params);
            changed += result.affected();
        }
        co_return changed;
    };
    const auto changed = co_await pool_->transaction(body);
    co_return changed;
}

// ---- emotions ----

Task<EmotionRecord> PgStore::insert_emotion(EmotionRecord record) {
    pg::require_uuid(record.user_id, "users");
    pg::require_uuid(record.message_id, "messages");
    pg::require_uuid(record.conversation_id, "conversations");
    record.id = util::new_uuid_v7();
    record.created_at = next_timestamp();
    const Params params(record.id, record.user_id, record.message_id, record.conversation_id,
                        record.emotion, record.intensity, record.valence, record.arousal,
                        record.created_at);
    const auto result = co_await pool_->query(kInsertEmotion, params);
    require_checks(result, "messages", record.message_id, "conversations",
                   record.conversation_id);
    co_return record;
}

Task<std::vector<EmotionRecord>> PgStore::list_emotions(std::string user_id, Timestamp from,
                                                        Timestamp to, int limit) {
    limit = pg::clamp_limit(limit);
    if (!util::is_uuid(user_id)) co_return std::vector<EmotionRecord>{};
    const Params params(user_id, from, to, limit);
    const auto result = co_await pool_->query(kListEmotions, params);
    co_return pg::read_rows<EmotionRecord>(result, read_emotion);
}

}  // namespace companion::store
