-- The whole product's schema. Later migrations only add columns and indexes.
-- Embeddings are pgvector `vector` values whose dimension is recorded per row
-- (embedding_dimension, enforced by a CHECK), so a change of embedding model
-- re-embeds rows instead of rewriting the table.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    username            text NOT NULL,
    username_key        text NOT NULL,  -- lower(username): usernames are unique case-insensitively
    email               text,
    password_hash       text NOT NULL,
    is_local            boolean NOT NULL DEFAULT false,
    password_changed_at timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CONSTRAINT uq_users_username_key UNIQUE (username_key)
);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    prefix       text NOT NULL,
    key_hash     text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CONSTRAINT uq_api_keys_key_hash UNIQUE (key_hash)
);
CREATE INDEX ix_api_keys_user_id ON api_keys (user_id);

CREATE TABLE revoked_tokens (
    jti        text PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX ix_revoked_tokens_user_id ON revoked_tokens (user_id);
CREATE INDEX ix_revoked_tokens_expires_at ON revoked_tokens (expires_at);

CREATE TABLE conversations (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title         text NOT NULL DEFAULT '',
    message_count bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX ix_conversations_user_id ON conversations (user_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id                uuid PRIMARY KEY,
    conversation_id   uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role              text NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content           text NOT NULL,
    status            text NOT NULL DEFAULT 'complete'
                      CHECK (status IN ('complete', 'interrupted', 'failed')),
    prompt_tokens     integer,
    completion_tokens integer,
    latency_ms        integer,
    model             text,
    created_at        timestamptz NOT NULL
);
CREATE INDEX ix_messages_conversation_id ON messages (conversation_id, created_at, id);
CREATE INDEX ix_messages_user_id ON messages (user_id);

CREATE TABLE memories (
    id                  uuid PRIMARY KEY,
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id     uuid REFERENCES conversations (id) ON DELETE SET NULL,
    source_message_id   uuid REFERENCES messages (id) ON DELETE SET NULL,
    content             text NOT NULL,
    embedding           vector NOT NULL,
    embedding_model     text NOT NULL,
    embedding_dimension integer NOT NULL,
    importance          double precision NOT NULL DEFAULT 0.5,
    access_count        bigint NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    last_accessed_at    timestamptz,
    CONSTRAINT ck_memories_embedding_dimension CHECK (vector_dims(embedding) = embedding_dimension)
);
CREATE INDEX ix_memories_user_id ON memories (user_id, created_at DESC, id DESC);
CREATE INDEX ix_memories_conversation_id ON memories (conversation_id);
CREATE INDEX ix_memories_source_message_id ON memories (source_message_id);

CREATE TABLE emotion_history (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message_id      uuid REFERENCES messages (id) ON DELETE SET NULL,
    conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
    emotion         text NOT NULL,
    intensity       double precision NOT NULL,
    valence         double precision NOT NULL,
    arousal         double precision NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX ix_emotion_history_user_id ON emotion_history (user_id, created_at);
-- ON DELETE SET NULL on these would otherwise scan the table for every deleted message.
CREATE INDEX ix_emotion_history_message_id ON emotion_history (message_id);
CREATE INDEX ix_emotion_history_conversation_id ON emotion_history (conversation_id);

CREATE TABLE goals (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        text NOT NULL,
    description  text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'active'
                 CHECK (status IN ('active', 'completed', 'abandoned')),
    progress     integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    target_date  date,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    completed_at timestamptz
);
CREATE INDEX ix_goals_user_id ON goals (user_id, created_at DESC);

CREATE TABLE goal_progress (
    id         uuid PRIMARY KEY,
    goal_id    uuid NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    progress   integer NOT NULL CHECK (progress BETWEEN 0 AND 100),
    note       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL
);
CREATE INDEX ix_goal_progress_goal_id ON goal_progress (goal_id, created_at);
CREATE INDEX ix_goal_progress_user_id ON goal_progress (user_id);

-- Audit rows of a deleted user go with the user; the deletion itself is recorded
-- afterwards without a user id or any personal text.
CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at    timestamptz NOT NULL,
    user_id        uuid REFERENCES users (id) ON DELETE CASCADE,
    username_tried text,
    client_ip      text,
    user_agent     text,
    event          text NOT NULL,
    outcome        text NOT NULL CHECK (outcome IN ('success', 'failure')),
    reason         text
);
CREATE INDEX ix_audit_log_user_id ON audit_log (user_id, id DESC);
CREATE INDEX ix_audit_log_occurred_at ON audit_log (occurred_at);
