#include "api/resource_json.hpp"

#include <boost/json.hpp>

#include "api/auth_context.hpp"

namespace companion::api {

namespace json = boost::json;

namespace {

json::value optional_text(const std::optional<std::string>& text) {
    return text ? json::value(*text) : json::value(nullptr);
}

json::value optional_time(const std::optional<store::Timestamp>& timestamp) {
    return timestamp ? json::value(format_timestamp(*timestamp)) : json::value(nullptr);
}

template <class Integer>
json::value optional_number(const std::optional<Integer>& number) {
    return number ? json::value(*number) : json::value(nullptr);
}

}  // namespace

json::object user_json(const store::User& user) {
    json::object body;
    body["id"] = user.id;
    body["username"] = user.username;
    body["email"] = optional_text(user.email);
    body["created_at"] = format_timestamp(user.created_at);
    return body;
}

json::object api_key_json(const store::ApiKey& key) {
    json::object body;
    body["id"] = key.id;
    body["name"] = key.name;
    body["prefix"] = key.prefix;
    body["created_at"] = format_timestamp(key.created_at);
    body["last_used_at"] = optional_time(key.last_used_at);
    body["revoked_at"] = optional_time(key.revoked_at);
    return body;
}

json::object audit_json(const store::AuditEvent& event) {
    json::object body;
    body["id"] = event.id;
    body["occurred_at"] = format_timestamp(event.occurred_at);
    body["event"] = event.event;
    body["outcome"] = event.outcome;
    body["reason"] = optional_text(event.reason);
    body["username_tried"] = optional_text(event.username_tried);
    body["client_ip"] = optional_text(event.client_ip);
    body["user_agent"] = optional_text(event.user_agent);
    return body;
}

json::object conversation_json(const store::Conversation& conversation) {
    json::object body;
    body["id"] = conversation.id;
    body["title"] = conversation.title;
    body["created_at"] = format_timestamp(conversation.created_at);
    body["updated_at"] = format_timestamp(conversation.updated_at);
    body["message_count"] = conversation.message_count;
    return body;
}

json::object message_json(const store::Message& message) {
    json::object body;
    body["id"] = message.id;
    body["conversation_id"] = message.conversation_id;
    body["role"] = store::to_string(message.role);
    body["content"] = message.content;
    body["status"] = store::to_string(message.status);
    body["prompt_tokens"] = optional_number(message.prompt_tokens);
    body["completion_tokens"] = optional_number(message.completion_tokens);
    body["latency_ms"] = optional_number(message.latency_ms);
    body["model"] = optional_text(message.model);
    body["created_at"] = format_timestamp(message.created_at);
    return body;
}

json::object memory_json(const store::Memory& memory) {
    json::object body;
    body["id"] = memory.id;
    body["content"] = memory.content;
    body["conversation_id"] = optional_text(memory.conversation_id);
    body["source_message_id"] = optional_text(memory.source_message_id);
    body["importance"] = memory.importance;
    body["access_count"] = memory.access_count;
    body["embedding_model"] = memory.embedding_model;
    body["embedding_dimension"] = memory.embedding_dimension;
    body["created_at"] = format_timestamp(memory.created_at);
    body["updated_at"] = format_timestamp(memory.updated_at);
    body["last_accessed_at"] = optional_time(memory.last_accessed_at);
    return body;
}

json::object emotion_json(const store::EmotionRecord& record) {
    json::object body;
    body["id"] = record.id;
    body["emotion"] = record.emotion;
    body["intensity"] = record.intensity;
    body["valence"] = record.valence;
    body["arousal"] = record.arousal;
    body["message_id"] = optional_text(record.message_id);
    body["conversation_id"] = optional_text(record.conversation_id);
    body["created_at"] = format_timestamp(record.created_at);
    return body;
}

json::object goal_json(const store::Goal& goal) {
    json::object body;
    body["id"] = goal.id;
    body["title"] = goal.title;
    body["description"] = goal.description;
    body["status"] = store::to_string(goal.status);
    body["progress"] = goal.progress;
    body["target_date"] = optional_text(goal.target_date);
    body["created_at"] = format_timestamp(goal.created_at);
    body["updated_at"] = format_timestamp(goal.updated_at);
    body["completed_at"] = optional_time(goal.completed_at);
    return body;
}

json::object goal_progress_json(const store::GoalProgress& progress) {
    json::object body;
    body["id"] = progress.id;
    body["progress"] = progress.progress;
    body["note"] = progress.note;
    body["created_at"] = format_timestamp(progress.created_at);
    return body;
}

}  // namespace companion::api
