// The rows of the store as plain structs. Ids are UUIDv7 strings (time-ordered, not guessable);
// timestamps are UTC with microsecond precision.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace companion::store {

using Clock = std::chrono::system_clock;
using Timestamp = std::chrono::time_point<Clock, std::chrono::microseconds>;

Timestamp now();

struct User {
    std::string id;
    std::string username;  // as registered; unique case-insensitively
    std::optional<std::string> email;
    std::string password_hash;  // argon2id encoded string (parameters and salt inside)
    bool is_local = false;      // the REQUIRE_AUTHENTICATION=false local user
    Timestamp password_changed_at{};
    Timestamp created_at{};
    Timestamp updated_at{};
};

struct NewUser {
    std::string username;
    std::optional<std::string> email;
    std::string password_hash;
    bool is_local = false;
};

struct ApiKey {
    std::string id;
    std::string user_id;
    std::string name;
    std::string prefix;    // shown to the user, e.g. "ck_3f9a1b"
    std::string key_hash;  // SHA-256 hex of the whole key; the key itself is never stored
    Timestamp created_at{};
    std::optional<Timestamp> last_used_at;
    std::optional<Timestamp> revoked_at;
};

struct Conversation {
    std::string id;
    std::string user_id;
    std::string title;
    Timestamp created_at{};
    Timestamp updated_at{};
    std::int64_t message_count = 0;
};

enum class MessageRole { user, assistant, system };
enum class MessageStatus { complete, interrupted, failed };

std::string_view to_string(MessageRole role);
std::string_view to_string(MessageStatus status);
std::optional<MessageRole> parse_message_role(std::string_view text);
std::optional<MessageStatus> parse_message_status(std::string_view text);

struct Message {
    std::string id;
    std::string conversation_id;
    std::string user_id;
    MessageRole role = MessageRole::user;
    std::string content;
    MessageStatus status = MessageStatus::complete;
    std::optional<std::int32_t> prompt_tokens;
    std::optional<std::int32_t> completion_tokens;
    std::optional<std::int32_t> latency_ms;
    std::optional<std::string> model;
    Timestamp created_at{};
    // Not a column: a user message's valence as the lexicon reads it, carried by the short-term
    // window so that the mood's direction does not read earlier messages again.
    std::optional<double> valence;
};

struct Memory {
    std::string id;
    std::string user_id;
    std::optional<std::string> conversation_id;
    std::optional<std::string> source_message_id;
    std::string content;
    std::vector<float> embedding;
    std::string embedding_model;
    std::int32_t embedding_dimension = 0;
    double importance = 0.5;
    std::int64_t access_count = 0;
    Timestamp created_at{};
    Timestamp updated_at{};
    std::optional<Timestamp> last_accessed_at;
};

struct EmotionRecord {
    std::string id;
    std::string user_id;
    std::optional<std::string> message_id;
    std::optional<std::string> conversation_id;
    std::string emotion;  // joy, sadness, anger, fear, surprise, disgust, trust, anticipation, neutral
    double intensity = 0;
    double valence = 0;
    double arousal = 0;
    Timestamp created_at{};
};

enum class GoalStatus { active, completed, abandoned };
std::string_view to_string(GoalStatus status);
std::optional<GoalStatus> parse_goal_status(std::string_view text);

struct Goal {
    std::string id;
    std::string user_id;
    std::string title;
    std::string description;
    GoalStatus status = GoalStatus::active;
    std::int32_t progress = 0;  // 0-100
    std::optional<std::string> target_date;  // YYYY-MM-DD
    Timestamp created_at{};
    Timestamp updated_at{};
    std::optional<Timestamp> completed_at;
};

struct GoalProgress {
    std::string id;
    std::string goal_id;
    std::string user_id;
    std::int32_t progress = 0;
    std::string note;
    Timestamp created_at{};
};

struct AuditEvent {
    std::int64_t id = 0;
    Timestamp occurred_at{};
    std::optional<std::string> user_id;
    std::optional<std::string> username_tried;
    std::optional<std::string> client_ip;
    std::optional<std::string> user_agent;
    std::string event;    // e.g. "login", "register", "api_key_created"
    std::string outcome;  // "success" or "failure"
    std::optional<std::string> reason;
};

// A page of rows in a stable order and the cursor that continues after its last row.
template <class Row>
struct Page {
    std::vector<Row> rows;
    std::optional<std::string> next_cursor;
};

}  // namespace companion::store
