#include "store/turn_rows.hpp"

#include "util/uuid.hpp"

namespace companion::store {

void stamp_turn_rows(TurnRecord& record, Timestamp now) {
    if (record.reply) {
        auto& reply = *record.reply;
        reply.id = util::new_uuid_v7();
        reply.conversation_id = record.conversation_id;
        reply.user_id = record.user_id;
        reply.created_at = now;
    }
    if (record.memory) {
        auto& memory = *record.memory;
        memory.id = util::new_uuid_v7();
        memory.user_id = record.user_id;
        memory.conversation_id = record.conversation_id;
        memory.embedding_dimension = static_cast<std::int32_t>(memory.embedding.size());
        memory.access_count = 0;
        memory.last_accessed_at.reset();
        memory.created_at = memory.updated_at = now;
    }
    if (record.emotion) {
        auto& emotion = *record.emotion;
        emotion.id = util::new_uuid_v7();
        emotion.user_id = record.user_id;
        emotion.conversation_id = record.conversation_id;
        if (emotion.created_at == Timestamp{}) emotion.created_at = now;
    }
}

}  // namespace companion::store
