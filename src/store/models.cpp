#include "store/models.hpp"

namespace companion::store {

Timestamp now() { return std::chrono::time_point_cast<std::chrono::microseconds>(Clock::now()); }

std::string_view to_string(MessageRole role) {
    switch (role) {
        case MessageRole::user: return "user";
        case MessageRole::assistant: return "assistant";
        case MessageRole::system: return "system";
    }
    return "user";
}

std::string_view to_string(MessageStatus status) {
    switch (status) {
        case MessageStatus::complete: return "complete";
        case MessageStatus::interrupted: return "interrupted";
        case MessageStatus::failed: return "failed";
    }
    return "complete";
}

std::string_view to_string(GoalStatus status) {
    switch (status) {
        case GoalStatus::active: return "active";
        case GoalStatus::completed: return "completed";
        case GoalStatus::abandoned: return "abandoned";
    }
    return "active";
}

std::optional<MessageRole> parse_message_role(std::string_view text) {
    for (auto role : {MessageRole::user, MessageRole::assistant, MessageRole::system}) {
        if (to_string(role) == text) return role;
    }
    return std::nullopt;
}

std::optional<MessageStatus> parse_message_status(std::string_view text) {
    for (auto status :
         {MessageStatus::complete, MessageStatus::interrupted, MessageStatus::failed}) {
        if (to_string(status) == text) return status;
    }
    return std::nullopt;
}

std::optional<GoalStatus> parse_goal_status(std::string_view text) {
    for (auto status : {GoalStatus::active, GoalStatus::completed, GoalStatus::abandoned}) {
        if (to_string(status) == text) return status;
    }
    return std::nullopt;
}

}  // namespace companion::store
