// SqliteStore's declaration and the helpers its .cpp files share (one .cpp per group of tables).
// Internal to src/store/sqlite.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "store/cursor.hpp"
#include "store/sqlite/connection_pool.hpp"
#include "store/sqlite/database.hpp"
#include "store/store.hpp"
#include "util/blocking.hpp"

namespace companion::store {

class SqliteStore final : public Store {
public:
    SqliteStore(const std::string& database_path, int worker_threads);
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    std::string_view backend() const override { return "sqlite"; }

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

private:
    // Runs work(connection) on a worker thread.
    template <class Work>
    auto read(Work work) {
        return util::run_blocking(workers_, [this, work = std::move(work)]() mutable {
            auto connection = connections_.acquire();
            return work(*connection);
        });
    }

    // Runs work(connection) on a worker thread inside one BEGIN IMMEDIATE transaction; this
    // process's writers queue on a mutex instead of polling SQLite's busy handler.
    template <class Work>
    auto write(Work work) {
        return util::run_blocking(workers_, [this, work = std::move(work)]() mutable {
            auto connection = connections_.acquire();
            std::lock_guard lock(write_mutex_);
            sqlite::Transaction transaction(*connection);
            if constexpr (std::is_void_v<std::invoke_result_t<Work&, sqlite::Connection&>>) {
                work(*connection);
                transaction.commit();
            } else {
                auto result = work(*connection);
                transaction.commit();
                return result;
            }
        });
    }

    // Now, but strictly later than every timestamp this store handed out before, so that rows
    // written in a burst keep their order.
    Timestamp next_timestamp();
    bool select_one();
    std::vector<MigrationStep> apply_pending_migrations(sqlite::Connection& connection);

    sqlite::ConnectionPool connections_;
    std::mutex write_mutex_;
    std::atomic<std::int64_t> last_timestamp_{0};
    boost::asio::thread_pool workers_;  // last: joined before the connections close
};

namespace sqlite {

// Page sizes are clamped to 1..1000.
int clamp_limit(int limit);

// The position after which a page continues; nullopt for the first page. Throws
// std::invalid_argument("invalid cursor") for a cursor this store did not produce: cursors on a
// (timestamp, id) key carry the id, cursors on a unique key (the audit row id) do not.
std::optional<CursorPosition> parse_cursor(const std::optional<std::string>& cursor,
                                           bool unique_key = false);

// Little-endian float32, whatever the host's byte order.
std::string encode_embedding(const std::vector<float>& embedding);
std::vector<float> decode_embedding(std::string_view bytes);

std::int64_t micros(Timestamp timestamp);

// The memory's row as given (id, embedding dimension and timestamps already set): shared by
// insert_memory and record_turn.
void insert_memory_row(Connection& db, const Memory& memory);

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

}  // namespace sqlite
}  // namespace companion::store
