// Conversations and their messages.
#include <algorithm>
#include <limits>
#include <string>

#include "store/sqlite/sqlite_store_impl.hpp"
#include "util/uuid.hpp"

namespace companion::store {

namespace {

using sqlite::Connection;
using sqlite::Statement;

constexpr auto kFirstKey = std::numeric_limits<std::int64_t>::min();
constexpr auto kLastKey = std::numeric_limits<std::int64_t>::max();

const std::string kConversationColumns =
    "id, user_id, title, created_at, updated_at, message_count";
const std::string kMessageColumns =
    "id, conversation_id, user_id, role, content, status, prompt_tokens, completion_tokens, "
    "latency_ms, model, created_at";

Conversation read_conversation(const Statement& row) {
    Conversation conversation;
    conversation.id = row.text(0);
    conversation.user_id = row.text(1);
    conversation.title = row.text(2);
    conversation.created_at = row.timestamp(3);
    conversation.updated_at = row.timestamp(4);
    conversation.message_count = row.int64(5);
    return conversation;
}

std::optional<std::int32_t> optional_int32(const Statement& row, int column) {
    const auto value = row.optional_int64(column);
    if (!value) return std::nullopt;
    return static_cast<std::int32_t>(*value);
}

Message read_message(const Statement& row) {
    Message message;
    message.id = row.text(0);
    message.conversation_id = row.text(1);
    message.user_id = row.text(2);
    message.role = parse_message_role(row.text(3)).value_or(MessageRole::user);
    message.content = row.text(4);
    message.status = parse_message_status(row.text(5)).value_or(MessageStatus::complete);
    message.prompt_tokens = optional_int32(row, 6);
    message.completion_tokens = optional_int32(row, 7);
    message.latency_ms = optional_int32(row, 8);
    message.model = row.optional_text(9);
    message.created_at = row.timestamp(10);
    return message;
}

std::vector<Message> read_messages(Statement& statement) {
    std::vector<Message> messages;
    while (statement.step()) messages.push_back(read_message(statement));
    return messages;
}

CursorPosition conversation_position(const Conversation& row) {
    return {sqlite::micros(row.updated_at), row.id};
}

CursorPosition message_position(const Message& row) {
    return {sqlite::micros(row.created_at), row.id};
}

}  // namespace

// ---- conversations ----

Task<Conversation> SqliteStore::create_conversation(std::string user_id, std::string title) {
    co_return co_await write([&](Connection& db) {
        Conversation conversation;
        conversation.id = util::new_uuid_v7();
        conversation.user_id = user_id;
        conversation.title = title;
        conversation.created_at = conversation.updated_at = next_timestamp();
        db.prepare(
              "INSERT INTO conversations (id, user_id, title, created_at, updated_at) "
              "VALUES (?1, ?2, ?3, ?4, ?4)")
            .bind(conversation.id, conversation.user_id, conversation.title,
                  conversation.created_at)
            .run();
        return conversation;
    });
}

Task<std::optional<Conversation>> SqliteStore::find_conversation(std::string user_id,
                                                                 std::string id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return std::nullopt;
    co_return co_await read([&](Connection& db) -> std::optional<Conversation> {
        auto statement = db.prepare("SELECT " + kConversationColumns +
                                    " FROM conversations WHERE id = ?1 AND user_id = ?2");
        statement.bind(id, user_id);
        if (!statement.step()) return std::nullopt;
        return read_conversation(statement);
    });
}

Task<Page<Conversation>> SqliteStore::list_conversations(std::string user_id, int limit,
                                                         std::optional<std::string> cursor) {
    const auto after = sqlite::parse_cursor(cursor);
    limit = sqlite::clamp_limit(limit);
    if (!util::is_uuid(user_id)) co_return Page<Conversation>{};
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT " + kConversationColumns +
                                    " FROM conversations WHERE user_id = ?1 "
                                    "AND (updated_at, id) < (?2, ?3) "
                                    "ORDER BY updated_at DESC, id DESC LIMIT ?4");
        statement.bind(user_id, after ? after->key : kLastKey, after ? after->id : "", limit + 1);
        std::vector<Conversation> rows;
        while (statement.step()) rows.push_back(read_conversation(statement));
        return sqlite::make_page(std::move(rows), limit, conversation_position);
    });
}

Task<bool> SqliteStore::update_conversation_title(std::string user_id, std::string id,
                                                  std::string title) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return false;
    co_return co_await write([&](Connection& db) {
        db.prepare(
              "UPDATE conversations SET title = ?3, updated_at = ?4 "
              "WHERE id = ?1 AND user_id = ?2")
            .bind(id, user_id, title, next_timestamp())
            .run();
        return db.changes() > 0;
    });
}

Task<bool> SqliteStore::delete_conversation(std::string user_id, std::string id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return false;
    co_return co_await write([&](Connection& db) {
        db.prepare("DELETE FROM conversations WHERE id = ?1 AND user_id = ?2")
            .bind(id, user_id)
            .run();
        return db.changes() > 0;
    });
}

// ---- messages ----

Task<std::optional<Message>> SqliteStore::append_message(Message message) {
    if (!util::is_uuid(message.user_id) || !util::is_uuid(message.conversation_id)) {
        co_return std::nullopt;
    }
    co_return co_await write([&](Connection& db) -> std::optional<Message> {
        message.id = util::new_uuid_v7();
        message.created_at = next_timestamp();
        db.prepare(
              "UPDATE conversations SET updated_at = ?3, message_count = message_count + 1 "
              "WHERE id = ?1 AND user_id = ?2")
            .bind(message.conversation_id, message.user_id, message.created_at)
            .run();
        if (db.changes() == 0) return std::nullopt;
        db.prepare("INSERT INTO messages (" + kMessageColumns +
                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
            .bind(message.id, message.conversation_id, message.user_id, to_string(message.role),
                  message.content, to_string(message.status), message.prompt_tokens,
                  message.completion_tokens, message.latency_ms, message.model, message.created_at)
            .run();
        return message;
    });
}

Task<Page<Message>> SqliteStore::list_messages(std::string user_id, std::string conversation_id,
                                               int limit, std::optional<std::string> cursor) {
    const auto after = sqlite::parse_cursor(cursor);
    limit = sqlite::clamp_limit(limit);
    if (!util::is_uuid(user_id) || !util::is_uuid(conversation_id)) co_return Page<Message>{};
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT " + kMessageColumns +
                                    " FROM messages WHERE conversation_id = ?1 AND user_id = ?2 "
                                    "AND (created_at, id) > (?3, ?4) "
                                    "ORDER BY created_at, id LIMIT ?5");
        statement.bind(conversation_id, user_id, after ? after->key : kFirstKey,
                       after ? after->id : "", limit + 1);
        return sqlite::make_page(read_messages(statement), limit, message_position);
    });
}

Task<std::vector<Message>> SqliteStore::recent_messages(std::string user_id,
                                                        std::string conversation_id, int limit) {
    limit = sqlite::clamp_limit(limit);
    if (!util::is_uuid(user_id) || !util::is_uuid(conversation_id)) {
        co_return std::vector<Message>{};
    }
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT " + kMessageColumns +
                                    " FROM messages WHERE conversation_id = ?1 AND user_id = ?2 "
                                    "ORDER BY created_at DESC, id DESC LIMIT ?3");
        statement.bind(conversation_id, user_id, limit);
        auto messages = read_messages(statement);
        std::reverse(messages.begin(), messages.end());
        return messages;
    });
}

}  // namespace companion::store
