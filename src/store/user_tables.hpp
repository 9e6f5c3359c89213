// Every table that holds rows of a user, and the column naming the user: what
// count_user_rows() counts and what deleting a user must empty. Shared by both backends.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>

namespace companion::store {

inline constexpr std::array<std::pair<std::string_view, std::string_view>, 10> user_tables = {{
    {"users", "id"},
    {"api_keys", "user_id"},
    {"revoked_tokens", "user_id"},
    {"conversations", "user_id"},
    {"messages", "user_id"},
    {"memories", "user_id"},
    {"emotion_history", "user_id"},
    {"goals", "user_id"},
    {"goal_progress", "user_id"},
    {"audit_log", "user_id"},
}};

// One SELECT returning the counts in user_tables order; `parameter` is the backend's placeholder
// for the user id (e.g. "$1::uuid" or "?1").
std::string count_user_rows_sql(std::string_view parameter);

}  // namespace companion::store
