-- The whole product's schema, mirroring PostgreSQL's names. Ids are UUID text,
-- timestamps INTEGER microseconds since the Unix epoch (UTC), embeddings BLOBs
-- of little-endian float32 with their dimension recorded per row.
CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    username            TEXT NOT NULL,
    username_key        TEXT NOT NULL,
    email               TEXT,
    password_hash       TEXT NOT NULL,
    is_local            INTEGER NOT NULL DEFAULT 0,
    password_changed_at INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    CONSTRAINT uq_users_username_key UNIQUE (username_key)
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER,
    CONSTRAINT uq_api_keys_key_hash UNIQUE (key_hash)
);
CREATE INDEX ix_api_keys_user_id ON api_keys (user_id);

CREATE TABLE revoked_tokens (
    jti        TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX ix_revoked_tokens_user_id ON revoked_tokens (user_id);
CREATE INDEX ix_revoked_tokens_expires_at ON revoked_tokens (expires_at);

CREATE TABLE conversations (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title         TEXT NOT NULL DEFAULT '',
    message_count INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX ix_conversations_user_id ON conversations (user_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id                TEXT PRIMARY KEY,
    conversation_id   TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role              TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content           TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'complete'
                      CHECK (status IN ('complete', 'interrupted', 'failed')),
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    latency_ms        INTEGER,
    model             TEXT,
    created_at        INTEGER NOT NULL
);
CREATE INDEX ix_messages_conversation_id ON messages (conversation_id, created_at, id);
CREATE INDEX ix_messages_user_id ON messages (user_id);

CREATE TABLE memories (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id     TEXT REFERENCES conversations (id) ON DELETE SET NULL,
    source_message_id   TEXT REFERENCES messages (id) ON DELETE SET NULL,
    content             TEXT NOT NULL,
    embedding           BLOB NOT NULL,
    embedding_model     TEXT NOT NULL,
    embedding_dimension INTEGER NOT NULL,
    importance          REAL NOT NULL DEFAULT 0.5,
    access_count        INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    last_accessed_at    INTEGER,
    CONSTRAINT ck_memories_embedding_dimension
        CHECK (length(embedding) = 4 * embedding_dimension)
);
CREATE INDEX ix_memories_user_id ON memories (user_id, created_at DESC, id DESC);
CREATE INDEX ix_memories_conversation_id ON memories (conversation_id);
CREATE INDEX ix_memories_source_message_id ON memories (source_message_id);

CREATE TABLE emotion_history (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message_id      TEXT REFERENCES messages (id) ON DELETE SET NULL,
    conversation_id TEXT REFERENCES conversations (id) ON DELETE SET NULL,
    emotion         TEXT NOT NULL,
    intensity       REAL NOT NULL,
    valence         REAL NOT NULL,
    arousal         REAL NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX ix_emotion_history_user_id ON emotion_history (user_id, created_at);
-- ON DELETE SET NULL on these would otherwise scan the table for every deleted message.
CREATE INDEX ix_emotion_history_message_id ON emotion_history (message_id);
CREATE INDEX ix_emotion_history_conversation_id ON emotion_history (conversation_id);

CREATE TABLE goals (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'active'
                 CHECK (status IN ('active', 'completed', 'abandoned')),
    progress     INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    target_date  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    completed_at INTEGER
);
CREATE INDEX ix_goals_user_id ON goals (user_id, created_at DESC);

CREATE TABLE goal_progress (
    id         TEXT PRIMARY KEY,
    goal_id    TEXT NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    progress   INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
    note       TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX ix_goal_progress_goal_id ON goal_progress (goal_id, created_at);
CREATE INDEX ix_goal_progress_user_id ON goal_progress (user_id);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at    INTEGER NOT NULL,
    user_id        TEXT REFERENCES users (id) ON DELETE CASCADE,
    username_tried TEXT,
    client_ip      TEXT,
    user_agent     TEXT,
    event          TEXT NOT NULL,
    outcome        TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    reason         TEXT
);
CREATE INDEX ix_audit_log_user_id ON audit_log (user_id, id DESC);
CREATE INDEX ix_audit_log_occurred_at ON audit_log (occurred_at);
