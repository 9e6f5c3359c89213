// The JSON shape of every stored resource, shared by its own endpoints and the data export.
// Timestamps are RFC 3339 UTC with microseconds; absent optional values are null.
#pragma once

#include <boost/json/object.hpp>

#include "store/models.hpp"

namespace companion::api {

boost::json::object user_json(const store::User& user);
// Without the key hash: only the prefix is ever shown again.
boost::json::object api_key_json(const store::ApiKey& key);
boost::json::object audit_json(const store::AuditEvent& event);
boost::json::object conversation_json(const store::Conversation& conversation);
boost::json::object message_json(const store::Message& message);
// Without the vector itself: its model and dimension only.
boost::json::object memory_json(const store::Memory& memory);
boost::json::object emotion_json(const store::EmotionRecord& record);
boost::json::object goal_json(const store::Goal& goal);
boost::json::object goal_progress_json(const store::GoalProgress& progress);

}  // namespace companion::api
