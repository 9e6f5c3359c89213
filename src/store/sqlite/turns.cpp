// The rows a chat turn writes after the LLM answered, in one transaction.
#include <optional>
#include <set>
#include <string>

#include "store/sqlite/sqlite_store_impl.hpp"
#include "store/turn_rows.hpp"
#include "util/uuid.hpp"

namespace companion::store {

namespace {

using sqlite::Connection;

// A message the turn's rows refer to must be the user's, in the turn's conversation.
bool in_conversation(Connection& db, const std::optional<std::string>& message_id,
                     const TurnRecord& record) {
    if (!message_id) return true;
    if (!util::is_uuid(*message_id)) return false;
    auto statement = db.prepare(
        "SELECT 1 FROM messages WHERE id = ?1 AND user_id = ?2 AND conversation_id = ?3");
    statement.bind(*message_id, record.user_id, record.conversation_id);
    return statement.step();
}

bool conversation_exists(Connection& db, const TurnRecord& record) {
    auto statement = db.prepare("SELECT 1 FROM conversations WHERE id = ?1 AND user_id = ?2");
    statement.bind(record.conversation_id, record.user_id);
    return statement.step();
}

}  // namespace

Task<std::optional<RecordedTurn>> SqliteStore::record_turn(TurnRecord record) {
    if (!util::is_uuid(record.user_id) || !util::is_uuid(record.conversation_id)) {
        co_return std::nullopt;
    }
    co_return co_await write([&](Connection& db) -> std::optional<RecordedTurn> {
        const auto* memory_source = record.memory ? &record.memory->source_message_id : nullptr;
        const auto* emotion_source = record.emotion ? &record.emotion->message_id : nullptr;
        if (!conversation_exists(db, record) ||
            (memory_source != nullptr && !in_conversation(db, *memory_source, record)) ||
            (emotion_source != nullptr && !in_conversation(db, *emotion_source, record))) {
            return std::nullopt;
        }
        RecordedTurn recorded;
        recorded.recorded_at = next_timestamp();
        stamp_turn_rows(record, recorded.recorded_at);
        if (record.reply) {
            auto& reply = *record.reply;
            db.prepare(
                  "UPDATE conversations SET updated_at = ?3, message_count = message_count + 1 "
                  "WHERE id = ?1 AND user_id = ?2")
                .bind(record.conversation_id, record.user_id, reply.created_at)
                .run();
            db.prepare(
                  "INSERT INTO messages (id, conversation_id, user_id, role, content, status, "
                  "prompt_tokens, completion_tokens, latency_ms, model, created_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
                .bind(reply.id, reply.conversation_id, reply.user_id, to_string(reply.role),
                      reply.content, to_string(reply.status), reply.prompt_tokens,
                      reply.completion_tokens, reply.latency_ms, reply.model, reply.created_at)
                .run();
            recorded.reply = std::move(reply);
        }
        if (record.memory) {
            auto& memory = *record.memory;
            sqlite::insert_memory_row(db, memory);
            recorded.memory = std::move(memory);
        } else if (record.refresh_memory_id && util::is_uuid(*record.refresh_memory_id)) {
            auto statement = db.prepare(
                "UPDATE memories SET importance = max(importance, ?3), updated_at = ?4 "
                "WHERE id = ?1 AND user_id = ?2 RETURNING importance");
            statement.bind(*record.refresh_memory_id, record.user_id, record.refresh_importance,
                           recorded.recorded_at);
            if (statement.step()) {
                recorded.refreshed = RefreshedMemory{*record.refresh_memory_id, statement.real(0),
                                                     recorded.recorded_at};
            }
        }
        std::set<std::string> recalled;
        for (const auto& id : record.recalled_memory_ids) {
            if (util::is_uuid(id)) recalled.insert(id);
        }
        for (const auto& id : recalled) {
            db.prepare(
                  "UPDATE memories SET last_accessed_at = ?3, access_count = access_count + 1 "
                  "WHERE id = ?1 AND user_id = ?2")
                .bind(id, record.user_id, recorded.recorded_at)
                .run();
        }
        if (record.emotion) {
            auto& emotion = *record.emotion;
            db.prepare(
                  "INSERT INTO emotion_history (id, user_id, message_id, conversation_id, "
                  "emotion, intensity, valence, arousal, created_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                .bind(emotion.id, emotion.user_id, emotion.message_id, emotion.conversation_id,
                      emotion.emotion, emotion.intensity, emotion.valence, emotion.arousal,
                      emotion.created_at)
                .run();
            recorded.emotion = std::move(emotion);
        }
        return recorded;
    });
}

}  // namespace companion::store
