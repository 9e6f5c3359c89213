// PgStore's declaration and what its .cpp files share (one .cpp per group of tables). Internal to
// src/store/postgres; tests reach the pool through it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/cursor.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/pool.hpp"

// Timestamps cross the wire as microseconds since the epoch, exactly (no double rounding).
#define PG_MICROS(column) "(extract(epoch from " column ") * 1000000)::bigint"
#define PG_TIME(param) "('epoch'::timestamptz + " param "::bigint * interval '1 microsecond')"

namespace companion::store {

class PgStore final : public Store {
public:
    PgStore(boost::asio::any_io_executor executor, const PgOptions& options);
    ~PgStore() override;
    PgStore(const PgStore&) = delete;
    PgStore& operator=(const PgStore&) = delete;

    std::string_view backend() const override { return "postgresql"; }
    void close() override;

    Task<MigrationStatus> migration_status() override;
    Task<std::vector<MigrationStep>> migrate_up() override;
    Task<bool> ping() override;

    Task<User> create_user(NewUser user) override;
    Task<std::optional<User>> find_user(std::string id) override;
    Task<std::optional<User>> find_user_by_username(std::string username) override;
    Task<bool> update_password(std::string user_id, std::string password_hash) override;
    Task<bool> delete_user(std::string user_id) override;

    Task<ApiKey> create_api_key(std::string user_id, std::string name, std::string prefix,
                                std::string key_hash) override;
    Task<std::vector<ApiKey>> list_api_keys(std::string user_id) override;
    Task<std::optional<ApiKey>> find_api_key_by_hash(std::string key_hash) override;
    Task<bool> revoke_api_key(std::string user_id, std::string key_id) override;
    Task<void> touch_api_key(std::string key_id) override;

    Task<void> revoke_token(std::string jti, std::string user_id, Timestamp expires_at) override;
    Task<bool> is_token_revoked(std::string jti) override;
    Task<std::vector<std::string>> revoked_tokens(std::string user_id) override;
    Task<std::int64_t> purge_expired_tokens() override;

    Task<Conversation> create_conversation(std::string user_id, std::string title) override;
    Task<std::optional<Conversation>> find_conversation(std::string user_id,
                                                        std::string id) override;
    Task<Page<Conversation>> list_conversations(std::string user_id, int limit,
                                                std::optional<std::string> cursor) override;
    Task<bool> update_conversation_title(std::string user_id, std::string id,
                                         std::string title) override;
    Task<bool> delete_conversation(std::string user_id, std::string id) override;

    Task<std::optional<Message>> append_message(Message message) override;
    Task<std::optional<RecordedTurn>> record_turn(TurnRecord record) override;
    Task<Page<Message>> list_messages(std::string user_id, std::string conversation_id, int limit,
                                      std::optional<std::string> cursor) override;
    Task<std::vector<Message>> recent_messages(std::string user_id, std::string conversation_id,
                                               int limit) override;

    Task<Memory> insert_memory(Memory memory) override;
    Task<std::optional<Memory>> find_memory(std::string user_id, std::string id) override;
    Task<Page<Memory>> list_memories(std::string user_id, int limit,
                                     std::optional<std::string> cursor) override;
    Task<std::vector<Memory>> load_memories(std::string user_id) override;
    Task<std::optional<Memory>> update_memory(std::string user_id, std::string id,
                                              MemoryUpdate update) override;
    Task<void> touch_memories(std::string user_id, std::vector<std::string> ids) override;
    Task<bool> delete_memory(std::string user_id, std::string id) override;
    Task<std::int64_t> delete_all_memories(std::string user_id) override;
    Task<std::vector<ScoredMemory>> search_memories(std::string user_id, std::vector<float> query,
                                                    std::string embedding_model, double min_score,
                                                    int limit) override;
    Task<std::vector<ScoredMemory>> keyword_search_memories(std::string user_id, std::string text,
                                                            std::string embedding_model,
                                                            int limit) override;
    Task<std::map<std::string, std::int64_t>> count_memories_by_model() override;
    Task<std::vector<Memory>> memories_not_embedded_by(std::string model,
                                                       std::optional<std::string> after_id,
                                                       int limit) override;
    Task<std::int64_t> replace_embeddings(std::vector<EmbeddingReplacement> replacements) override;

    Task<EmotionRecord> insert_emotion(EmotionRecord record) override;
    Task<std::vector<EmotionRecord>> list_emotions(std::string user_id, Timestamp from,
                                                   Timestamp to, int limit) override;

    Task<Goal> create_goal(Goal goal) override;
    Task<std::optional<Goal>> find_goal(std::string user_id, std::string id) override;
    Task<std::vector<Goal>> list_goals(std::string user_id,
                                       std::optional<GoalStatus> status) override;
    Task<std::optional<Goal>> update_goal(std::string user_id, std::string id,
                                          GoalUpdate update) override;
    Task<bool> delete_goal(std::string user_id, std::string id) override;
    Task<std::optional<Goal>> add_goal_progress(std::string user_id, std::string goal_id,
                                                int progress, std::string note) override;
    Task<std::vector<GoalProgress>> list_goal_progress(std::string user_id,
                                                       std::string goal_id) override;

    Task<std::int64_t> append_audit(AuditEvent event) override;
    Task<Page<AuditEvent>> list_audit(std::string user_id, int limit,
                                      std::optional<std::string> cursor) override;
    Task<std::vector<AuditEvent>> list_anonymous_audit(int limit) override;

    Task<std::map<std::string, std::int64_t>> count_user_rows(std::string user_id) override;

    pg::PgPool& pool() { return *pool_; }
    // Keeps `resource` alive as long as the store (tests: the throwaway database, an I/O thread).
    void attach(std::shared_ptr<void> resource) { attachments_.push_back(std::move(resource)); }

private:
    // Now, but strictly later than every timestamp this store handed out before, so that rows
    // written in a burst keep their order (as the SQLite backend does).
    Timestamp next_timestamp();
    // A single-statement query that returns at most one row, as a T read by `read`.
    template <class T, class Read>
    Task<std::optional<T>> one(const pg::Statement& statement, const pg::Params& params,
                               Read read) {
        pg::PgResult result = co_await pool_->query(statement, params);
        if (result.rows() == 0) co_return std::nullopt;
        pg::RowReader row(result, 0);
        co_return read(row);
    }

    std::vector<std::shared_ptr<void>> attachments_;  // released after the pool
    std::shared_ptr<pg::PgPool> pool_;
    std::atomic<std::int64_t> last_timestamp_{0};
    std::atomic<bool> closed_{false};  // ends a migration waiting for another one's lock
};

namespace pg {

// Page sizes are clamped to 1..1000.
int clamp_limit(int limit);
// The position after which a page continues; nullopt for the first page. Throws
// std::invalid_argument("invalid cursor") for a cursor this store did not produce: cursors on a
// (timestamp, id) key carry the id, cursors on a unique key (the audit row id) do not.
std::optional<CursorPosition> parse_cursor(const std::optional<std::string>& cursor,
                                           bool unique_key = false);
std::int64_t micros(Timestamp timestamp);
Timestamp from_micros(std::int64_t micros);
// A referenced row that does not exist or is another user's: std::invalid_argument, as the SQLite
// backend reports it.
[[noreturn]] void throw_missing_reference(const std::string& table, const std::string& id);
// throw_missing_reference for an id that is given but not a uuid (it must never reach the SQL).
void require_uuid(const std::optional<std::string>& id, const std::string& table);

// Keeps the first `limit` of rows fetched with LIMIT limit + 1; a next cursor only when more
// rows follow.
template <class Row, class PositionOf>
Page<Row> make_page(std::vector<Row> rows, int limit, PositionOf position_of) {
    Page<Row> page;
    if (rows.size() > static_cast<std::size_t>(limit)) {
        rows.resize(static_cast<std::size_t>(limit));
        page.next_cursor = encode_cursor(position_of(rows.back()));
    }
    page.rows = std::move(rows);
    return page;
}

template <class Row, class Read>
std::vector<Row> read_rows(const PgResult& result, Read read) {
    std::vector<Row> rows;
    rows.reserve(static_cast<std::size_t>(result.rows()));
    for (int i = 0; i < result.rows(); ++i) {
        RowReader row(result, i);
        rows.push_back(read(row));
    }
    return rows;
}

}  // namespace pg
}  // namespace companion::store
