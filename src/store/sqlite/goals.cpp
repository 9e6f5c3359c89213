// Goals, their progress history, and the audit log.
#include <limits>
#include <stdexcept>
#include <string>

#include "store/sqlite/sqlite_store_impl.hpp"
#include "util/uuid.hpp"

namespace companion::store {

namespace {

using sqlite::Connection;
using sqlite::Statement;

const std::string kGoalColumns =
    "id, user_id, title, description, status, progress, target_date, created_at, updated_at, "
    "completed_at";
const std::string kProgressColumns = "id, goal_id, user_id, progress, note, created_at";
const std::string kAuditColumns =
    "id, occurred_at, user_id, username_tried, client_ip, user_agent, event, outcome, reason";

Goal read_goal(const Statement& row) {
    Goal goal;
    goal.id = row.text(0);
    goal.user_id = row.text(1);
    goal.title = row.text(2);
    goal.description = row.text(3);
    goal.status = parse_goal_status(row.text(4)).value_or(GoalStatus::active);
    goal.progress = static_cast<std::int32_t>(row.int64(5));
    goal.target_date = row.optional_text(6);
    goal.created_at = row.timestamp(7);
    goal.updated_at = row.timestamp(8);
    goal.completed_at = row.optional_timestamp(9);
    return goal;
}

GoalProgress read_progress(const Statement& row) {
    GoalProgress progress;
    progress.id = row.text(0);
    progress.goal_id = row.text(1);
    progress.user_id = row.text(2);
    progress.progress = static_cast<std::int32_t>(row.int64(3));
    progress.note = row.text(4);
    progress.created_at = row.timestamp(5);
    return progress;
}

AuditEvent read_audit(const Statement& row) {
    AuditEvent event;
    event.id = row.int64(0);
    event.occurred_at = row.timestamp(1);
    event.user_id = row.optional_text(2);
    event.username_tried = row.optional_text(3);
    event.client_ip = row.optional_text(4);
    event.user_agent = row.optional_text(5);
    event.event = row.text(6);
    event.outcome = row.text(7);
    event.reason = row.optional_text(8);
    return event;
}

std::optional<Goal> next_goal(Statement& statement) {
    if (!statement.step()) return std::nullopt;
    return read_goal(statement);
}

CursorPosition audit_position(const AuditEvent& row) {
    return {row.id, ""};
}

}  // namespace

// ---- goals ----

Task<Goal> SqliteStore::create_goal(Goal goal) {
    co_return co_await write([&](Connection& db) {
        goal.id = util::new_uuid_v7();
        goal.created_at = goal.updated_at = next_timestamp();
        goal.completed_at.reset();
        if (goal.status == GoalStatus::completed) goal.completed_at = goal.created_at;
        db.prepare("INSERT INTO goals (" + kGoalColumns +
                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)")
            .bind(goal.id, goal.user_id, goal.title, goal.description, to_string(goal.status),
                  goal.progress, goal.target_date, goal.created_at, goal.completed_at)
            .run();
        return goal;
    });
}

Task<std::optional<Goal>> SqliteStore::find_goal(std::string user_id, std::string id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return std::nullopt;
    co_return co_await read([&](Connection& db) {
        auto statement =
            db.prepare("SELECT " + kGoalColumns + " FROM goals WHERE id = ?1 AND user_id = ?2");
        statement.bind(id, user_id);
        return next_goal(statement);
    });
}

Task<std::vector<Goal>> SqliteStore::list_goals(std::string user_id,
                                                std::optional<GoalStatus> status) {
    if (!util::is_uuid(user_id)) co_return std::vector<Goal>{};
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT " + kGoalColumns +
                                    " FROM goals WHERE user_id = ?1 "
                                    "AND (?2 IS NULL OR status = ?2) "
                                    "ORDER BY created_at DESC, id DESC");
        std::optional<std::string_view> status_text;
        if (status) status_text = to_string(*status);
        statement.bind(user_id, status_text);
        std::vector<Goal> goals;
        while (statement.step()) goals.push_back(read_goal(statement));
        return goals;
    });
}

Task<std::optional<Goal>> SqliteStore::update_goal(std::string user_id, std::string id,
                                                   GoalUpdate update) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return std::nullopt;
    co_return co_await write([&](Connection& db) {
        // Completing keeps an earlier completion time; any other status clears it.
        auto statement = db.prepare(
            "UPDATE goals SET title = COALESCE(?3, title), "
            "description = COALESCE(?4, description), "
            "status = COALESCE(?5, status), "
            "completed_at = CASE WHEN ?5 IS NULL THEN completed_at "
            "WHEN ?5 = 'completed' THEN COALESCE(completed_at, ?8) ELSE NULL END, "
            "target_date = CASE WHEN ?6 THEN ?7 ELSE target_date END, "
            "updated_at = ?8 WHERE id = ?1 AND user_id = ?2 RETURNING " +
            kGoalColumns);
        std::optional<std::string_view> status;
        if (update.status) status = to_string(*update.status);
        std::optional<std::string> target_date;
        if (update.target_date) target_date = *update.target_date;
        statement.bind(id, user_id, update.title, update.description, status,
                       update.target_date.has_value(), target_date, next_timestamp());
        return next_goal(statement);
    });
}

Task<bool> SqliteStore::delete_goal(std::string user_id, std::string id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return false;
    co_return co_await write([&](Connection& db) {
        db.prepare("DELETE FROM goals WHERE id = ?1 AND user_id = ?2").bind(id, user_id).run();
        return db.changes() > 0;
    });
}

Task<std::optional<Goal>> SqliteStore::add_goal_progress(std::string user_id, std::string goal_id,
                                                         int progress, std::string note) {
    if (progress < 0 || progress > 100) {
        throw std::invalid_argument("goal progress must be between 0 and 100");
    }
    if (!util::is_uuid(user_id) || !util::is_uuid(goal_id)) co_return std::nullopt;
    co_return co_await write([&](Connection& db) -> std::optional<Goal> {
        const auto recorded_at = next_timestamp();
        // Progress below 100 never reopens a goal; 100 completes it (keeping an earlier time).
        auto goal = db.prepare(
            "UPDATE goals SET progress = ?3, updated_at = ?4, "
            "status = CASE WHEN ?3 = 100 THEN 'completed' ELSE status END, "
            "completed_at = CASE WHEN ?3 = 100 "
            "THEN COALESCE(completed_at, ?4) ELSE completed_at END "
            "WHERE id = ?1 AND user_id = ?2 RETURNING " +
            kGoalColumns);
        goal.bind(goal_id, user_id, progress, recorded_at);
        auto updated = next_goal(goal);
        if (!updated) return std::nullopt;
        db.prepare("INSERT INTO goal_progress (" + kProgressColumns +
                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .bind(util::new_uuid_v7(), goal_id, user_id, progress, note, recorded_at)
            .run();
        return updated;
    });
}

Task<std::vector<GoalProgress>> SqliteStore::list_goal_progress(std::string user_id,
                                                                std::string goal_id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(goal_id)) {
        co_return std::vector<GoalProgress>{};
    }
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT " + kProgressColumns +
                                    " FROM goal_progress WHERE goal_id = ?1 AND user_id = ?2 "
                                    "ORDER BY created_at, id");
        statement.bind(goal_id, user_id);
        std::vector<GoalProgress> rows;
        while (statement.step()) rows.push_back(read_progress(statement));
        return rows;
    });
}

// ---- audit log ----

Task<std::int64_t> SqliteStore::append_audit(AuditEvent event) {
    co_return co_await write([&](Connection& db) {
        auto statement = db.prepare(
            "INSERT INTO audit_log (occurred_at, user_id, username_tried, client_ip, user_agent, "
            "event, outcome, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id");
        statement.bind(next_timestamp(), event.user_id, event.username_tried, event.client_ip,
                       event.user_agent, event.event, event.outcome, event.reason);
        statement.step();
        return statement.int64(0);
    });
}

Task<Page<AuditEvent>> SqliteStore::list_audit(std::string user_id, int limit,
                                               std::optional<std::string> cursor) {
    const auto after = sqlite::parse_cursor(cursor, true);
    limit = sqlite::clamp_limit(limit);
    if (!util::is_uuid(user_id)) co_return Page<AuditEvent>{};
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT " + kAuditColumns +
                                    " FROM audit_log WHERE user_id = ?1 AND id < ?2 "
                                    "ORDER BY id DESC LIMIT ?3");
        statement.bind(user_id, after ? after->key : std::numeric_limits<std::int64_t>::max(),
                       limit + 1);
        std::vector<AuditEvent> rows;
        while (statement.step()) rows.push_back(read_audit(statement));
        return sqlite::make_page(std::move(rows), limit, audit_position);
    });
}

Task<std::vector<AuditEvent>> SqliteStore::list_anonymous_audit(int limit) {
    limit = sqlite::clamp_limit(limit);
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT " + kAuditColumns +
                                    " FROM audit_log WHERE user_id IS NULL ORDER BY id DESC LIMIT ?1");
        statement.bind(limit);
        std::vector<AuditEvent> rows;
        while (statement.step()) rows.push_back(read_audit(statement));
        return rows;
    });
}

}  // namespace companion::store
