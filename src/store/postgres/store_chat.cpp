// Conversations and their messages.
#include <algorithm>
#include <string>

#include "store/postgres/store_impl.hpp"
#include "util/uuid.hpp"

namespace companion::store {
namespace {

using pg::Params;
using pg::RowReader;
using pg::Statement;

#define CONVERSATION_COLUMNS \
    "id, user_id, title, " PG_MICROS("created_at") ", " PG_MICROS("updated_at") ", message_count"
#define MESSAGE_COLUMNS                                                                    \
    "id, conversation_id, user_id, role, content, status, prompt_tokens, completion_tokens, " \
    "latency_ms, model, " PG_MICROS("created_at")

const Statement kInsertConversation{
    "", "INSERT INTO conversations (id, user_id, title, created_at, updated_at) VALUES ($1::uuid, "
        "$2::uuid, $3::text, " PG_TIME("$4") ", " PG_TIME("$4") ")"};
const Statement kFindConversation{
    "companion_find_conversation",
    "SELECT " CONVERSATION_COLUMNS " FROM conversations "
    "WHERE id = $1::uuid AND user_id = $2::uuid"};
const Statement kListConversations{
    "", "SELECT " CONVERSATION_COLUMNS " FROM conversations WHERE user_id = $1::uuid "
        "ORDER BY updated_at DESC, id DESC LIMIT $2::integer"};
const Statement kListConversationsAfter{
    "", "SELECT " CONVERSATION_COLUMNS " FROM conversations WHERE user_id = $1::uuid "
        "AND (updated_at, id) < (" PG_TIME("$2") ", $3::uuid) "
        "ORDER BY updated_at DESC, id DESC LIMIT $4::integer"};
const Statement kUpdateTitle{"", "UPDATE conversations SET title = $3::text, updated_at = " PG_TIME(
                                     "$4") " WHERE id = $1::uuid AND user_id = $2::uuid"};
const Statement kDeleteConversation{
    "", "DELETE FROM conversations WHERE id = $1::uuid AND user_id = $2::uuid"};

// One statement, so one transaction: the message goes in only when the conversation is the
// user's, and the conversation's counters move with it.
const Statement kAppendMessage{
    "companion_append_message",
    "WITH conversation AS (UPDATE conversations SET updated_at = " PG_TIME("$11") ", "
    "message_count = message_count + 1 WHERE id = $2::uuid AND user_id = $3::uuid RETURNING id) "
    "INSERT INTO messages (id, conversation_id, user_id, role, content, status, prompt_tokens, "
    "completion_tokens, latency_ms, model, created_at) SELECT $1::uuid, conversation.id, "
    "$3::uuid, $4::text, $5::text, $6::text, $7::integer, $8::integer, $9::integer, $10::text, "
    PG_TIME("$11") " FROM conversation"};
const Statement kListMessages{"companion_list_messages",
                              "SELECT " MESSAGE_COLUMNS " FROM messages WHERE conversation_id = "
                              "$1::uuid AND user_id = $2::uuid ORDER BY created_at, id "
                              "LIMIT $3::integer"};
const Statement kListMessagesAfter{
    "companion_list_messages_after",
    "SELECT " MESSAGE_COLUMNS " FROM messages WHERE conversation_id = $1::uuid "
    "AND user_id = $2::uuid AND (created_at, id) > (" PG_TIME("$3") ", $4::uuid) "
    "ORDER BY created_at, id LIMIT $5::integer"};
const Statement kRecentMessages{"companion_recent_messages",
                                "SELECT " MESSAGE_COLUMNS " FROM messages WHERE conversation_id = "
                                "$1::uuid AND user_id = $2::uuid "
                                "ORDER BY created_at DESC, id DESC LIMIT $3::integer"};

Conversation read_conversation(RowReader& row) {
    Conversation conversation;
    conversation.id = row.text();
    conversation.user_id = row.text();
    conversation.title = row.text();
    conversation.created_at = row.timestamp();
    conversation.updated_at = row.timestamp();
    conversation.message_count = row.i64();
    return conversation;
}

Message read_message(RowReader& row) {
    Message message;
    message.id = row.text();
    message.conversation_id = row.text();
    message.user_id = row.text();
    message.role = parse_message_role(row.text()).value_or(MessageRole::user);
    message.content = row.text();
    message.status = parse_message_status(row.text()).value_or(MessageStatus::complete);
    message.prompt_tokens = row.opt_i32();
    message.completion_tokens = row.opt_i32();
    message.latency_ms = row.opt_i32();
    message.model = row.opt_text();
    message.created_at = row.timestamp();
    return message;
}

CursorPosition conversation_position(const Conversation& row) {
    return {pg::micros(row.updated_at), row.id};
}

CursorPosition message_position(const Message& row) {
    return {pg::micros(row.created_at), row.id};
}

}  // namespace

// ---- conversations ----

Task<Conversation> PgStore::create_conversation(std::string user_id, std::string title) {
    pg::require_uuid(user_id, "users");
    Conversation conversation;
    conversation.id = util::new_uuid_v7();
    conversation.user_id = std::move(user_id);
    conversation.title = std::move(title);
    conversation.created_at = conversation.updated_at = next_timestamp();
    const Params params(conversation.id, conversation.user_id, conversation.title,
                        conversation.created_at);
    co_await pool_->query(kInsertConversation, params);
    co_return conversation;
}

Task<std::optional<Conversation>> PgStore::find_conversation(std::string user_id, std::string id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return std::nullopt;
    const Params params(id, user_id);
    co_return co_await one<Conversation>(kFindConversation, params, read_conversation);
}

Task<Page<Conversation>> PgStore::list_conversations(std::string user_id, int limit,
                                                     std::optional<std::string> cursor) {
    const auto after = pg::parse_cursor(cursor);
    limit = pg::clamp_limit(limit);
    if (!util::is_uuid(user_id)) co_return Page<Conversation>{};
    Params params(user_id);
    if (after) params.add(pg::from_micros(after->key)).add(after->id);
    params.add(limit + 1);
    const auto result =
        co_await pool_->query(after ? kListConversationsAfter : kListConversations, params);
    auto rows = pg::read_rows<Conversation>(result, read_conversation);
    co_return pg::make_page(std::move(rows), limit, conversation_position);
}

Task<bool> PgStore::update_conversation_title(std::string user_id, std::string id,
                                              std::string title) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return false;
    const Params params(id, user_id, title, next_timestamp());
    const auto result = co_await pool_->query(kUpdateTitle, params);
    co_return result.affected() > 0;
}

Task<bool> PgStore::delete_conversation(std::string user_id, std::string id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return false;
    const Params params(id, user_id);
    const auto result = co_await pool_->query(kDeleteConversation, params);
    co_return result.affected() > 0;
}

// ---- messages ----

Task<std::optional<Message>> PgStore::append_message(Message message) {
    if (!util::is_uuid(message.user_id) || !util::is_uuid(message.conversation_id)) {
        co_return std::nullopt;
    }
    message.id = util::new_uuid_v7();
    message.created_at = next_timestamp();
    const Params params(message.id, message.conversation_id, message.user_id,
                        to_string(message.role), message.content, to_string(message.status),
                        message.prompt_tokens, message.completion_tokens, message.latency_ms,
                        message.model, message.created_at);
    const auto result = co_await pool_->query(kAppendMessage, params);
    if (result.affected() == 0) co_return std::nullopt;
    co_return message;
}

Task<Page<Message>> PgStore::list_messages(std::string user_id, std::string conversation_id,
                                           int limit, std::optional<std::string> cursor) {
    const auto after = pg::parse_cursor(cursor);
    limit = pg::clamp_limit(limit);
    if (!util::is_uuid(user_id) || !util::is_uuid(conversation_id)) co_return Page<Message>{};
    Params params(conversation_id, user_id);
    if (after) params.add(pg::from_micros(after->key)).add(after->id);
    params.add(limit + 1);
    const auto result = co_await pool_->query(after ? kListMessagesAfter : kListMessages, params);
    auto rows = pg::read_rows<Message>(result, read_message);
    co_return pg::make_page(std::move(rows), limit, message_position);
}

Task<std::vector<Message>> PgStore::recent_messages(std::string user_id,
                                                    std::string conversation_id, int limit) {
    limit = pg::clamp_limit(limit);
    if (!util::is_uuid(user_id) || !util::is_uuid(conversation_id)) {
        co_return std::vector<Message>{};
    }
    const Params params(conversation_id, user_id, limit);
    const auto result = co_await pool_->query(kRecentMessages, params);
    auto messages = pg::read_rows<Message>(result, read_message);
    std::reverse(messages.begin(), messages.end());
    co_return messages;
}

}  // namespace companion::store
