// The one storage interface. Two real backends implement it: embedded SQLite (default) and
// PostgreSQL + pgvector. Every method that reads or changes user data takes the owning user's id
// and never touches another user's rows: a row of another user is "not found".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "store/models.hpp"

namespace companion::store {

template <class T>
using Task = boost::asio::awaitable<T>;

struct MigrationStep {
    int version = 0;
    std::string name;
};

struct MigrationStatus {
    int current_version = 0;             // 0 for an empty database
    int latest_version = 0;              // the newest migration this binary carries
    std::vector<MigrationStep> pending;  // oldest first
    bool up_to_date() const { return pending.empty(); }
};

struct MemoryUpdate {
    std::optional<std::string> content;
    std::optional<std::vector<float>> embedding;  // with embedding_model when set
    std::optional<std::string> embedding_model;
    std::optional<double> importance;
};

// A memory found by similarity, with its cosine similarity to the query.
struct ScoredMemory {
    Memory memory;
    double score = 0;
};

// A new embedding for a stored memory (re-embedding after a change of model). `content` is the
// text that was embedded: a row whose content changed since is left alone.
struct EmbeddingReplacement {
    std::string user_id;
    std::string id;
    std::string content;
    std::vector<float> embedding;
    std::string embedding_model;
};

// What a chat turn writes once the LLM has answered (ARCHITECTURE.md, "A chat turn"): all of it
// in one transaction, so that a turn costs at most two commits.
struct TurnRecord {
    std::string user_id;
    std::string conversation_id;
    std::optional<Message> reply;  // appended as by append_message
    // A new memory of the turn's user message (its conversation is this one; id and timestamps
    // are set by the store)...
    std::optional<Memory> memory;
    // ...or an existing near-duplicate refreshed instead: importance = max(importance,
    // refresh_importance), updated_at = now.
    std::optional<std::string> refresh_memory_id;
    double refresh_importance = 0;
    std::vector<std::string> recalled_memory_ids;  // marked recalled, as by touch_memories
    std::optional<EmotionRecord> emotion;          // of the user message
};

struct RefreshedMemory {
    std::string id;
    double importance = 0;
    Timestamp updated_at{};
};

struct RecordedTurn {
    std::optional<Message> reply;
    std::optional<Memory> memory;  // as inserted, embedding included
    std::optional<RefreshedMemory> refreshed;  // none when that memory was deleted meanwhile
    std::optional<EmotionRecord> emotion;
    Timestamp recorded_at{};  // the recalled memories' last_accessed_at
};

struct GoalUpdate {
    std::optional<std::string> title;
    std::optional<std::string> description;
    std::optional<GoalStatus> status;
    std::optional<std::optional<std::string>> target_date;  // set, or explicitly cleared
};

class Store {
public:
    virtual ~Store() = default;

    virtual std::string_view backend() const = 0;  // "sqlite" or "postgresql"

    // Ends background work (timers, idle connections, worker threads) so that the process can
    // exit; nothing may be called afterwards. Safe to call more than once.
    virtual void close() {}

    // ---- schema ----
    virtual Task<MigrationStatus> migration_status() = 0;
    // Applies every pending migration, each in its own transaction; safe to run from several
    // processes at once. Returns the steps this call applied.
    virtual Task<std::vector<MigrationStep>> migrate_up() = 0;

    // SELECT 1 within a bounded time; false instead of throwing.
    virtual Task<bool> ping() = 0;

    // ---- users ----
    // Throws Conflict when the username is taken (case-insensitively).
    virtual Task<User> create_user(NewUser user) = 0;
    virtual Task<std::optional<User>> find_user(std::string id) = 0;
    virtual Task<std::optional<User>> find_user_by_username(std::string username) = 0;
    virtual Task<bool> update_password(std::string user_id, std::string password_hash) = 0;
    // Deletes the user and, by cascade, every row the user owns.
    virtual Task<bool> delete_user(std::string user_id) = 0;

    // ---- API keys ----
    virtual Task<ApiKey> create_api_key(std::string user_id, std::string name, std::string prefix,
                                        std::string key_hash) = 0;
    virtual Task<std::vector<ApiKey>> list_api_keys(std::string user_id) = 0;
    // The authentication lookup: by hash, whoever owns it (revoked keys included).
    virtual Task<std::optional<ApiKey>> find_api_key_by_hash(std::string key_hash) = 0;
    virtual Task<bool> revoke_api_key(std::string user_id, std::string key_id) = 0;
    virtual Task<void> touch_api_key(std::string key_id) = 0;

    // ---- revoked tokens (logout without Redis) ----
    virtual Task<void> revoke_token(std::string jti, std::string user_id, Timestamp expires_at) = 0;
    virtual Task<bool> is_token_revoked(std::string jti) = 0;
    // The user's revoked token ids that have not expired yet.
    virtual Task<std::vector<std::string>> revoked_tokens(std::string user_id) = 0;
    virtual Task<std::int64_t> purge_expired_tokens() = 0;

    // ---- conversations ----
    virtual Task<Conversation> create_conversation(std::string user_id, std::string title) = 0;
    virtual Task<std::optional<Conversation>> find_conversation(std::string user_id,
                                                                std::string id) = 0;
    // Most recently updated first.
    virtual Task<Page<Conversation>> list_conversations(std::string user_id, int limit,
                                                        std::optional<std::string> cursor) = 0;
    virtual Task<bool> update_conversation_title(std::string user_id, std::string id,
                                                 std::string title) = 0;
    virtual Task<bool> delete_conversation(std::string user_id, std::string id) = 0;

    // ---- messages ----
    // Appends to a conversation of message.user_id (nullopt when there is no such conversation
    // of that user) and bumps the conversation's updated_at and message_count. id and
    // created_at are set by the store.
    virtual Task<std::optional<Message>> append_message(Message message) = 0;
    // Writes a turn's rows in one transaction. nullopt, with nothing written, when the
    // conversation is not the user's (deleted during the turn). Referenced ids of another user
    // (the emotion's message, the memory's source message) are refused like append_message's.
    virtual Task<std::optional<RecordedTurn>> record_turn(TurnRecord record) = 0;
    // Oldest first; the cursor continues after the last row.
    virtual Task<Page<Message>> list_messages(std::string user_id, std::string conversation_id,
                                              int limit, std::optional<std::string> cursor) = 0;
    // The last `limit` messages, oldest first.
    virtual Task<std::vector<Message>> recent_messages(std::string user_id,
                                                       std::string conversation_id,
                                                       int limit) = 0;

    // ---- memories ----
    virtual Task<Memory> insert_memory(Memory memory) = 0;
    virtual Task<std::optional<Memory>> find_memory(std::string user_id, std::string id) = 0;
    // Newest first.
    virtual Task<Page<Memory>> list_memories(std::string user_id, int limit,
                                             std::optional<std::string> cursor) = 0;
    // Every memory of the user with its embedding (for the in-process index).
    virtual Task<std::vector<Memory>> load_memories(std::string user_id) = 0;
    virtual Task<std::optional<Memory>> update_memory(std::string user_id, std::string id,
                                                      MemoryUpdate update) = 0;
    // Marks memories as recalled: last_accessed_at = now, access_count + 1.
    virtual Task<void> touch_memories(std::string user_id, std::vector<std::string> ids) = 0;
    virtual Task<bool> delete_memory(std::string user_id, std::string id) = 0;
    virtual Task<std::int64_t> delete_all_memories(std::string user_id) = 0;
    // The exact similarity search in the store (the fallback of memory::MemoryIndex, and for
    // operators): the user's memories embedded by `embedding_model` with the query's dimension
    // whose cosine similarity to `query` is at least `min_score`, most similar first (ties by
    // id), at most `limit` (clamped to 1..1000). PostgreSQL orders by pgvector's `<=>`; SQLite
    // scans the user's rows.
    virtual Task<std::vector<ScoredMemory>> search_memories(std::string user_id,
                                                            std::vector<float> query,
                                                            std::string embedding_model,
                                                            double min_score, int limit) = 0;
    // The keyword half of a hybrid recall (docs/memory.md, "Recall"): the user's memories
    // embedded by `embedding_model` that contain any of the words of `text` (store/
    // keyword_search.hpp: stop words dropped, so a text of stop words only finds nothing; the text
    // is never read as query syntax), best first (ties by id), at most `limit` (clamped to
    // 1..1000), each with its embedding. Ranked by BM25 (SQLite: FTS5's bm25()) or ts_rank_cd
    // (PostgreSQL, 'simple' configuration); `score` is the rank relative to the best hit's (the
    // best scores 1, a hit half as good 0.5).
    virtual Task<std::vector<ScoredMemory>> keyword_search_memories(std::string user_id,
                                                                    std::string text,
                                                                    std::string embedding_model,
                                                                    int limit) = 0;

    // ---- re-embedding (operators; every user's rows) ----
    // How many memories each embedding model has.
    virtual Task<std::map<std::string, std::int64_t>> count_memories_by_model() = 0;
    // Up to `limit` (clamped to 1..1000) memories of any user whose embedding_model is not
    // `model`, in id order, after `after_id` when given.
    virtual Task<std::vector<Memory>> memories_not_embedded_by(std::string model,
                                                               std::optional<std::string> after_id,
                                                               int limit) = 0;
    // Sets embedding, model and dimension of each row whose content still equals the embedded
    // text, in one transaction; updated_at is left alone. Returns how many rows changed.
    virtual Task<std::int64_t> replace_embeddings(
        std::vector<EmbeddingReplacement> replacements) = 0;

    // ---- emotions ----
    virtual Task<EmotionRecord> insert_emotion(EmotionRecord record) = 0;
    // Oldest first, created_at in [from, to).
    virtual Task<std::vector<EmotionRecord>> list_emotions(std::string user_id, Timestamp from,
                                                           Timestamp to, int limit) = 0;

    // ---- goals ----
    virtual Task<Goal> create_goal(Goal goal) = 0;
    virtual Task<std::optional<Goal>> find_goal(std::string user_id, std::string id) = 0;
    // Newest first; all statuses when status is nullopt.
    virtual Task<std::vector<Goal>> list_goals(std::string user_id,
                                               std::optional<GoalStatus> status) = 0;
    virtual Task<std::optional<Goal>> update_goal(std::string user_id, std::string id,
                                                  GoalUpdate update) = 0;
    virtual Task<bool> delete_goal(std::string user_id, std::string id) = 0;
    // Records progress and sets the goal's progress in one transaction; 100 completes the goal.
    // nullopt when the goal is not the user's.
    virtual Task<std::optional<Goal>> add_goal_progress(std::string user_id, std::string goal_id,
                                                        int progress, std::string note) = 0;
    // Oldest first.
    virtual Task<std::vector<GoalProgress>> list_goal_progress(std::string user_id,
                                                               std::string goal_id) = 0;

    // ---- audit log ----
    virtual Task<std::int64_t> append_audit(AuditEvent event) = 0;
    // Newest first.
    virtual Task<Page<AuditEvent>> list_audit(std::string user_id, int limit,
                                              std::optional<std::string> cursor) = 0;

    // Events that belong to no user (logins of unknown names, deleted accounts), newest first.
    virtual Task<std::vector<AuditEvent>> list_anonymous_audit(int limit) = 0;

    // ---- operators and tests ----
    // Rows per table that belong to the user (audit rows included).
    virtual Task<std::map<std::string, std::int64_t>> count_user_rows(std::string user_id) = 0;
};

}  // namespace companion::store
