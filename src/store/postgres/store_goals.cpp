// Goals, their progress history, and the audit log.
#include <stdexcept>
#include <string>

#include "store/postgres/store_impl.hpp"
#include "util/uuid.hpp"

namespace companion::store {
namespace {

using pg::Params;
using pg::RowReader;
using pg::Statement;

#define GOAL_COLUMNS                                                                         \
    "id, user_id, title, description, status, progress, to_char(target_date, 'YYYY-MM-DD'), " \
        PG_MICROS("created_at") ", " PG_MICROS("updated_at") ", " PG_MICROS("completed_at")
#define PROGRESS_COLUMNS "id, goal_id, user_id, progress, note, " PG_MICROS("created_at")
#define AUDIT_COLUMNS                                                                        \
    "id, " PG_MICROS("occurred_at") ", user_id, username_tried, client_ip, user_agent, event, " \
                                    "outcome, reason"

const Statement kInsertGoal{
    "", "INSERT INTO goals (id, user_id, title, description, status, progress, target_date, "
        "created_at, updated_at, completed_at) VALUES ($1::uuid, $2::uuid, $3::text, $4::text, "
        "$5::text, $6::integer, $7::date, " PG_TIME("$8") ", " PG_TIME("$8") ", "
        PG_TIME("$9") ")"};
const Statement kFindGoal{"", "SELECT " GOAL_COLUMNS
                              " FROM goals WHERE id = $1::uuid AND user_id = $2::uuid"};
// Prepared (named): every chat turn reads the active goals.
const Statement kListGoals{"companion_list_goals",
                           "SELECT " GOAL_COLUMNS " FROM goals WHERE user_id = $1::uuid "
                           "AND ($2::text IS NULL OR status = $2::text) "
                           "ORDER BY created_at DESC, id DESC"};
// Completing keeps an earlier completion time; any other status clears it.
const Statement kUpdateGoal{
    "", "UPDATE goals SET title = COALESCE($3::text, title), "
        "description = COALESCE($4::text, description), status = COALESCE($5::text, status), "
        "completed_at = CASE WHEN $5::text IS NULL THEN completed_at "
        "WHEN $5::text = 'completed' THEN COALESCE(completed_at, " PG_TIME("$8") ") ELSE NULL END, "
        "target_date = CASE WHEN $6::boolean THEN $7::date ELSE target_date END, "
        "updated_at = " PG_TIME("$8") " WHERE id = $1::uuid AND user_id = $2::uuid "
        "RETURNING " GOAL_COLUMNS};
const Statement kDeleteGoal{"", "DELETE FROM goals WHERE id = $1::uuid AND user_id = $2::uuid"};
// Progress below 100 never reopens a goal; 100 completes it (keeping an earlier time).
const Statement kSetProgress{
    "", "UPDATE goals SET progress = $3::integer, updated_at = " PG_TIME("$4") ", "
        "status = CASE WHEN $3::integer = 100 THEN 'completed' ELSE status END, "
        "completed_at = CASE WHEN $3::integer = 100 THEN COALESCE(completed_at, " PG_TIME("$4") ") "
        "ELSE completed_at END WHERE id = $1::uuid AND user_id = $2::uuid RETURNING " GOAL_COLUMNS};
const Statement kInsertProgress{
    "", "INSERT INTO goal_progress (id, goal_id, user_id, progress, note, created_at) "
        "VALUES ($1::uuid, $2::uuid, $3::uuid, $4::integer, $5::text, " PG_TIME("$6") ")"};
const Statement kListProgress{"", "SELECT " PROGRESS_COLUMNS " FROM goal_progress "
                                  "WHERE goal_id = $1::uuid AND user_id = $2::uuid "
                                  "ORDER BY created_at, id"};

const Statement kInsertAudit{
    "", "INSERT INTO audit_log (occurred_at, user_id, username_tried, client_ip, user_agent, "
        "event, outcome, reason) VALUES (" PG_TIME("$1") ", $2::uuid, $3::text, $4::text, "
        "$5::text, $6::text, $7::text, $8::text) RETURNING id"};
const Statement kListAudit{"", "SELECT " AUDIT_COLUMNS " FROM audit_log WHERE user_id = $1::uuid "
                               "ORDER BY id DESC LIMIT $2::integer"};
const Statement kListAuditAfter{"", "SELECT " AUDIT_COLUMNS " FROM audit_log "
                                    "WHERE user_id = $1::uuid AND id < $2::bigint "
                                    "ORDER BY id DESC LIMIT $3::integer"};
const Statement kListAnonymousAudit{"", "SELECT " AUDIT_COLUMNS " FROM audit_log "
                                        "WHERE user_id IS NULL ORDER BY id DESC LIMIT $1::integer"};

Goal read_goal(RowReader& row) {
    Goal goal;
    goal.id = row.text();
    goal.user_id = row.text();
    goal.title = row.text();
    goal.description = row.text();
    goal.status = parse_goal_status(row.text()).value_or(GoalStatus::active);
    goal.progress = row.i32();
    goal.target_date = row.opt_text();
    goal.created_at = row.timestamp();
    goal.updated_at = row.timestamp();
    goal.completed_at = row.opt_timestamp();
    return goal;
}

GoalProgress read_progress(RowReader& row) {
    GoalProgress progress;
    progress.id = row.text();
    progress.goal_id = row.text();
    progress.user_id = row.text();
    progress.progress = row.i32();
    progress.note = row.text();
    progress.created_at = row.timestamp();
    return progress;
}

AuditEvent read_audit(RowReader& row) {
    AuditEvent event;
    event.id = row.i64();
    event.occurred_at = row.timestamp();
    event.user_id = row.opt_text();
    event.username_tried = row.opt_text();
    event.client_ip = row.opt_text();
    event.user_agent = row.opt_text();
    event.event = row.text();
    event.outcome = row.text();
    event.reason = row.opt_text();
    return event;
}

CursorPosition audit_position(const AuditEvent& row) { return {row.id, ""}; }

}  // namespace

// ---- goals ----

Task<Goal> PgStore::create_goal(Goal goal) {
    pg::require_uuid(goal.user_id, "users");
    goal.id = util::new_uuid_v7();
    goal.created_at = goal.updated_at = next_timestamp();
    goal.completed_at.reset();
    if (goal.status == GoalStatus::completed) goal.completed_at = goal.created_at;
    const Params params(goal.id, goal.user_id, goal.title, goal.description,
                        to_string(goal.status), goal.progress, goal.target_date,
                        goal.created_at, goal.completed_at);
    co_await pool_->query(kInsertGoal, params);
    co_return goal;
}

Task<std::optional<Goal>> PgStore::find_goal(std::string user_id, std::string id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return std::nullopt;
    const Params params(id, user_id);
    co_return co_await one<Goal>(kFindGoal, params, read_goal);
}

Task<std::vector<Goal>> PgStore::list_goals(std::string user_id,
                                            std::optional<GoalStatus> status) {
    if (!util::is_uuid(user_id)) co_return std::vector<Goal>{};
    Params params(user_id);
    if (status) {
        params.add(to_string(*status));
    } else {
        params.add_null();
    }
    const auto result = co_await pool_->query(kListGoals, params);
    co_return pg::read_rows<Goal>(result, read_goal);
}

Task<std::optional<Goal>> PgStore::update_goal(std::string user_id, std::string id,
                                               GoalUpdate update) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return std::nullopt;
    Params params(id, user_id, update.title, update.description);
    if (update.status) {
        params.add(to_string(*update.status));
    } else {
        params.add_null();
    }
    params.add(update.target_date.has_value());
    params.add(update.target_date ? *update.target_date : std::optional<std::string>());
    params.add(next_timestamp());
    co_return co_await one<Goal>(kUpdateGoal, params, read_goal);
}

Task<bool> PgStore::delete_goal(std::string user_id, std::string id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(id)) co_return false;
    const Params params(id, user_id);
    const auto result = co_await pool_->query(kDeleteGoal, params);
    co_return result.affected() > 0;
}

Task<std::optional<Goal>> PgStore::add_goal_progress(std::string user_id, std::string goal_id,
                                                     int progress, std::string note) {
    if (progress < 0 || progress > 100) {
        throw std::invalid_argument("goal progress must be between 0 and 100");
    }
    if (!util::is_uuid(user_id) || !util::is_uuid(goal_id)) co_return std::nullopt;
    const auto recorded_at = next_timestamp();
    const Params goal_params(goal_id, user_id, progress, recorded_at);
    const Params progress_params(util::new_uuid_v7(), goal_id, user_id, progress, note,
                                 recorded_at);
    auto body = [&](pg::Tx& tx) -> Task<std::optional<Goal>> {
        const auto updated = co_await tx.query(kSetProgress, goal_params);
        if (updated.rows() == 0) co_return std::nullopt;
        RowReader row(updated, 0);
        Goal goal = read_goal(row);
        co_await tx.query(kInsertProgress, progress_params);
        co_return goal;
    };
    auto goal = co_await pool_->transaction(body);
    co_return goal;
}

Task<std::vector<GoalProgress>> PgStore::list_goal_progress(std::string user_id,
                                                            std::string goal_id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(goal_id)) {
        co_return std::vector<GoalProgress>{};
    }
    const Params params(goal_id, user_id);
    const auto result = co_await pool_->query(kListProgress, params);
    co_return pg::read_rows<GoalProgress>(result, read_progress);
}

// ---- audit log ----

Task<std::int64_t> PgStore::append_audit(AuditEvent event) {
    pg::require_uuid(event.user_id, "users");
    const Params params(next_timestamp(), event.user_id, event.username_tried, event.client_ip,
                        event.user_agent, event.event, event.outcome, event.reason);
    const auto result = co_await pool_->query(kInsertAudit, params);
    RowReader row(result, 0);
    co_return row.i64();
}

Task<Page<AuditEvent>> PgStore::list_audit(std::string user_id, int limit,
                                           std::optional<std::string> cursor) {
    const auto after = pg::parse_cursor(cursor, true);
    limit = pg::clamp_limit(limit);
    if (!util::is_uuid(user_id)) co_return Page<AuditEvent>{};
    Params params(user_id);
    if (after) params.add(after->key);
    params.add(limit + 1);
    const auto result = co_await pool_->query(after ? kListAuditAfter : kListAudit, params);
    auto rows = pg::read_rows<AuditEvent>(result, read_audit);
    co_return pg::make_page(std::move(rows), limit, audit_position);
}

Task<std::vector<AuditEvent>> PgStore::list_anonymous_audit(int limit) {
    const Params params(pg::clamp_limit(limit));
    const auto result = co_await pool_->query(kListAnonymousAudit, params);
    co_return pg::read_rows<AuditEvent>(result, read_audit);
}

}  // namespace companion::store
