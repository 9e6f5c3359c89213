// The rows a chat turn writes after the LLM answered: one statement, so one transaction and one
// round trip.
#include <optional>
#include <set>
#include <string>

#include "store/postgres/store_impl.hpp"
#include "store/turn_rows.hpp"
#include "util/uuid.hpp"

namespace companion::store {
namespace {

using pg::Params;
using pg::RowReader;
using pg::Statement;

#define TURN_MESSAGE_OF(param)                                                        \
    "(" param "::uuid IS NULL OR EXISTS (SELECT 1 FROM messages WHERE id = " param \
    "::uuid AND user_id = $2::uuid AND conversation_id = $1::uuid))"

// Everything hangs on `conversation`: when the conversation (or the user message the rows refer
// to) is gone, no row is written. The refresh and the recall marks are one UPDATE because a
// statement may not change a row twice.
const Statement kRecordTurn{
    "companion_record_turn",
    "WITH conversation AS (UPDATE conversations SET "
    "updated_at = CASE WHEN $4::boolean THEN " PG_TIME("$3") " ELSE updated_at END, "
    "message_count = message_count + CASE WHEN $4::boolean THEN 1 ELSE 0 END "
    "WHERE id = $1::uuid AND user_id = $2::uuid AND " TURN_MESSAGE_OF("$14") " AND "
    TURN_MESSAGE_OF("$24") " RETURNING id), "
    "reply AS (INSERT INTO messages (id, conversation_id, user_id, role, content, status, "
    "prompt_tokens, completion_tokens, latency_ms, model, created_at) SELECT $5::uuid, "
    "conversation.id, $2::uuid, $6::text, $7::text, $8::text, $9::integer, $10::integer, "
    "$11::integer, $12::text, " PG_TIME("$3") " FROM conversation WHERE $4::boolean RETURNING 1), "
    "remembered AS (INSERT INTO memories (id, user_id, conversation_id, source_message_id, "
    "content, embedding, embedding_model, embedding_dimension, importance, created_at, "
    "updated_at) SELECT $13::uuid, $2::uuid, conversation.id, $14::uuid, $15::text, "
    "$16::vector, $17::text, $18::integer, $19::double precision, " PG_TIME("$3") ", " PG_TIME(
        "$3") " FROM conversation WHERE $13::uuid IS NOT NULL RETURNING 1), "
    "marked AS (UPDATE memories SET "
    "importance = CASE WHEN id = $20::uuid THEN GREATEST(importance, $21::double precision) "
    "ELSE importance END, "
    "updated_at = CASE WHEN id = $20::uuid THEN " PG_TIME("$3") " ELSE updated_at END, "
    "access_count = access_count + CASE WHEN id = ANY($22::uuid[]) THEN 1 ELSE 0 END, "
    "last_accessed_at = CASE WHEN id = ANY($22::uuid[]) THEN " PG_TIME("$3") " ELSE "
    "last_accessed_at END "
    "WHERE user_id = $2::uuid AND (id = $20::uuid OR id = ANY($22::uuid[])) "
    "AND EXISTS (SELECT 1 FROM conversation) RETURNING id, importance), "
    "felt AS (INSERT INTO emotion_history (id, user_id, message_id, conversation_id, emotion, "
    "intensity, valence, arousal, created_at) SELECT $23::uuid, $2::uuid, $24::uuid, "
    "conversation.id, $25::text, $26::double precision, $27::double precision, "
    "$28::double precision, " PG_TIME("$29") " FROM conversation WHERE $23::uuid IS NOT NULL "
    "RETURNING 1) "
    "SELECT (SELECT count(*) FROM conversation), "
    "COALESCE((SELECT importance FROM marked WHERE id = $20::uuid), -1)"};

#undef TURN_MESSAGE_OF

void add_reply(Params& params, const std::optional<Message>& reply) {
    params.add(reply.has_value());
    if (!reply) {
        for (int i = 0; i < 8; ++i) params.add_null();
        return;
    }
    params.add(reply->id).add(to_string(reply->role)).add(reply->content);
    params.add(to_string(reply->status)).add(reply->prompt_tokens).add(reply->completion_tokens);
    params.add(reply->latency_ms).add(reply->model);
}

void add_memory(Params& params, const std::optional<Memory>& memory) {
    if (!memory) {
        for (int i = 0; i < 7; ++i) params.add_null();
        return;
    }
    params.add(memory->id).add(memory->source_message_id).add(memory->content);
    params.add(memory->embedding).add(memory->embedding_model).add(memory->embedding_dimension);
    params.add(memory->importance);
}

void add_emotion(Params& params, const std::optional<EmotionRecord>& emotion) {
    if (!emotion) {
        for (int i = 0; i < 7; ++i) params.add_null();
        return;
    }
    params.add(emotion->id).add(emotion->message_id).add(emotion->emotion);
    params.add(emotion->intensity).add(emotion->valence).add(emotion->arousal);
    params.add(emotion->created_at);
}

}  // namespace

Task<std::optional<RecordedTurn>> PgStore::record_turn(TurnRecord record) {
    if (!util::is_uuid(record.user_id) || !util::is_uuid(record.conversation_id)) {
        co_return std::nullopt;
    }
    if (record.memory) pg::require_uuid(record.memory->source_message_id, "messages");
    if (record.emotion) pg::require_uuid(record.emotion->message_id, "messages");
    RecordedTurn recorded;
    recorded.recorded_at = next_timestamp();
    stamp_turn_rows(record, recorded.recorded_at);
    const bool refresh = !record.memory && record.refresh_memory_id &&
                         util::is_uuid(*record.refresh_memory_id);
    std::set<std::string> recalled;
    for (const auto& id : record.recalled_memory_ids) {
        if (util::is_uuid(id)) recalled.insert(id);
    }

    Params params(record.conversation_id, record.user_id, recorded.recorded_at);
    add_reply(params, record.reply);
    add_memory(params, record.memory);
    if (refresh) {
        params.add(*record.refresh_memory_id).add(record.refresh_importance);
    } else {
        params.add_null().add_null();
    }
    params.add(pg::uuid_array({recalled.begin(), recalled.end()}));
    add_emotion(params, record.emotion);
    const auto result = co_await pool_->query(kRecordTurn, params);
    RowReader row(result, 0);
    if (row.i64() == 0) co_return std::nullopt;
    const double refreshed_importance = row.f64();  // -1: not refreshed
    if (refresh && refreshed_importance >= 0) {
        recorded.refreshed =
            RefreshedMemory{*record.refresh_memory_id, refreshed_importance, recorded.recorded_at};
    }
    recorded.reply = std::move(record.reply);
    recorded.memory = std::move(record.memory);
    recorded.emotion = std::move(record.emotion);
    co_return recorded;
}

}  // namespace companion::store
