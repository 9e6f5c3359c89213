// The storage contract's fixture and helpers, shared by the store_contract_*_test.cpp files:
// every Store operation against every real backend, through support/stores.hpp. A backend that
// is not built yet fails on purpose; it is never skipped.
#pragma once

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <future>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "store/errors.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"
#include "support/async.hpp"
#include "support/stores.hpp"

namespace companion::testing::contract {

using namespace std::chrono_literals;
using store::ApiKey;
using store::AuditEvent;
using store::Conversation;
using store::EmotionRecord;
using store::Goal;
using store::GoalStatus;
using store::Memory;
using store::Message;
using store::MessageRole;
using store::MessageStatus;
using store::Timestamp;
using store::User;

// Well-formed, but no row has it.
inline const std::string kUnknownId = "01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d21";
inline const std::vector<std::string> kMalformedIds = {"",
                                                "nope",
                                                "01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d2",
                                                "01936f0e8c4a7b3e9f1d2a6c5e4b3d21abcd",
                                                "' OR '1'='1",
                                                "01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d21' --"};
inline const std::set<std::string> kUserTables = {
    "users",    "api_keys",        "revoked_tokens", "conversations", "messages",
    "memories", "emotion_history", "goals",          "goal_progress", "audit_log"};

inline std::int64_t us(Timestamp time) {
    return time.time_since_epoch().count();
}

inline std::optional<std::int64_t> us(const std::optional<Timestamp>& time) {
    if (!time) return std::nullopt;
    return us(*time);
}

inline std::vector<std::uint32_t> bits(const std::vector<float>& values) {
    std::vector<std::uint32_t> result;
    for (const float value : values) result.push_back(std::bit_cast<std::uint32_t>(value));
    return result;
}

// Rows as comparable (and printable) tuples.
inline auto fields(const User& u) {
    return std::make_tuple(u.id, u.username, u.email, u.password_hash, u.is_local,
                           us(u.password_changed_at), us(u.created_at), us(u.updated_at));
}
inline auto fields(const ApiKey& k) {
    return std::make_tuple(k.id, k.user_id, k.name, k.prefix, k.key_hash, us(k.created_at),
                           us(k.last_used_at), us(k.revoked_at));
}
inline auto fields(const Conversation& c) {
    return std::make_tuple(c.id, c.user_id, c.title, us(c.created_at), us(c.updated_at),
                           c.message_count);
}
inline auto fields(const Message& m) {
    return std::make_tuple(m.id, m.conversation_id, m.user_id, m.role, m.content, m.status,
                           m.prompt_tokens, m.completion_tokens, m.latency_ms, m.model,
                           us(m.created_at));
}
inline auto fields(const Memory& m) {
    return std::make_tuple(m.id, m.user_id, m.conversation_id, m.source_message_id, m.content,
                           bits(m.embedding), m.embedding_model, m.embedding_dimension,
                           m.importance, m.access_count, us(m.created_at), us(m.updated_at),
                           us(m.last_accessed_at));
}
inline auto fields(const EmotionRecord& e) {
    return std::make_tuple(e.id, e.user_id, e.message_id, e.conversation_id, e.emotion, e.intensity,
                           e.valence, e.arousal, us(e.created_at));
}
inline auto fields(const Goal& g) {
    return std::make_tuple(g.id, g.user_id, g.title, g.description, g.status, g.progress,
                           g.target_date, us(g.created_at), us(g.updated_at), us(g.completed_at));
}
inline auto fields(const AuditEvent& a) {
    return std::make_tuple(a.id, us(a.occurred_at), a.user_id, a.username_tried, a.client_ip,
                           a.user_agent, a.event, a.outcome, a.reason);
}

template <class Row>
inline std::vector<std::string> ids(const std::vector<Row>& rows) {
    std::vector<std::string> result;
    for (const auto& row : rows) {
        if constexpr (std::is_same_v<Row, AuditEvent>) {
            result.push_back(std::to_string(row.id));
        } else {
            result.push_back(row.id);
        }
    }
    return result;
}

template <class Row>
inline std::vector<std::string> reversed_ids(const std::vector<Row>& rows) {
    auto result = ids(rows);
    std::reverse(result.begin(), result.end());
    return result;
}

// Follows next_cursor to the end; every page but the last is full.
template <class Fetch>
inline auto collect_pages(Fetch fetch, int page_size) {
    using PageType = decltype(fetch(page_size, std::optional<std::string>{}));
    decltype(PageType::rows) rows;
    std::optional<std::string> cursor;
    for (int pages = 0; pages < 10000; ++pages) {
        auto page = fetch(page_size, cursor);
        EXPECT_LE(page.rows.size(), static_cast<std::size_t>(page_size));
        rows.insert(rows.end(), page.rows.begin(), page.rows.end());
        if (!page.next_cursor) break;
        EXPECT_EQ(page.rows.size(), static_cast<std::size_t>(page_size));
        cursor = page.next_cursor;
    }
    return rows;
}

inline void expect_no_duplicates(const std::vector<std::string>& values) {
    EXPECT_EQ(std::set<std::string>(values.begin(), values.end()).size(), values.size());
}

inline store::Task<void> append_many(store::Store& db, Message base, int writer, int count) {
    for (int i = 0; i < count; ++i) {
        auto message = base;
        message.content = "writer " + std::to_string(writer) + " message " + std::to_string(i);
        auto appended = co_await db.append_message(std::move(message));
        if (!appended) throw std::runtime_error("append_message refused a valid conversation");
    }
}

// Everything one user can own, one row or two of each.
struct Footprint {
    User user;
    ApiKey key;
    std::string jti;
    Conversation conversation;
    std::vector<Message> messages;
    Memory memory;
    EmotionRecord emotion;
    Goal goal;
    std::int64_t audit_id = 0;
};

class StoreContract : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { store_ = make_test_store(GetParam(), loop_); }

    template <class T>
    T run(store::Task<T> task) {
        return loop_.run(std::move(task));
    }
    store::Store& db() { return *store_; }

    User make_user(std::string name = {}) {
        if (name.empty()) name = "user" + std::to_string(++counter_);
        return run(db().create_user(
            store::NewUser{name, name + "@example.com", "$argon2id$v=19$hash-of-" + name, false}));
    }

    Conversation make_conversation(const User& owner, std::string title = "chat") {
        return run(db().create_conversation(owner.id, std::move(title)));
    }

    static Message new_message(const User& owner, const Conversation& conversation,
                               std::string content) {
        Message message;
        message.conversation_id = conversation.id;
        message.user_id = owner.id;
        message.content = std::move(content);
        return message;
    }

    Message append(const User& owner, const Conversation& conversation, std::string content) {
        return run(db().append_message(new_message(owner, conversation, std::move(content))))
            .value();
    }

    static Memory new_memory(const User& owner, std::string content,
                             std::vector<float> embedding = {0.25f, -0.5f, 1.0f}) {
        Memory memory;
        memory.user_id = owner.id;
        memory.content = std::move(content);
        memory.embedding = std::move(embedding);
        memory.embedding_model = "builtin-hash-v1";
        memory.importance = 0.75;
        return memory;
    }

    Memory make_memory(const User& owner, std::string content) {
        return run(db().insert_memory(new_memory(owner, std::move(content))));
    }

    Goal make_goal(const User& owner, std::string title) {
        Goal goal;
        goal.user_id = owner.id;
        goal.title = std::move(title);
        goal.description = "because";
        goal.target_date = "2030-01-31";
        return run(db().create_goal(goal));
    }

    std::int64_t audit(const std::optional<std::string>& user_id, std::string event) {
        AuditEvent row;
        row.user_id = user_id;
        row.username_tried = "someone";
        row.client_ip = "192.0.2.7";
        row.user_agent = "tests/1.0";
        row.event = std::move(event);
        row.outcome = "success";
        return run(db().append_audit(row));
    }

    Footprint populate(const std::string& name) {
        Footprint f;
        f.user = make_user(name);
        f.key = run(db().create_api_key(f.user.id, "laptop", "ck_" + name, "sha256-of-" + name));
        f.jti = "jti-of-" + name;
        run(db().revoke_token(f.jti, f.user.id, store::now() + 1h));
        f.conversation = make_conversation(f.user, name + "'s chat");
        f.messages.push_back(append(f.user, f.conversation, "hello from " + name));
        f.messages.push_back(append(f.user, f.conversation, "bye from " + name));
        auto memory = new_memory(f.user, name + " likes tea");
        memory.conversation_id = f.conversation.id;
        memory.source_message_id = f.messages.front().id;
        f.memory = run(db().insert_memory(memory));
        EmotionRecord emotion;
        emotion.user_id = f.user.id;
        emotion.message_id = f.messages.front().id;
        emotion.conversation_id = f.conversation.id;
        emotion.emotion = "joy";
        emotion.intensity = 0.75;
        emotion.valence = 0.5;
        emotion.arousal = 0.25;
        f.emotion = run(db().insert_emotion(emotion));
        f.goal = make_goal(f.user, name + " runs 5k");
        f.goal = run(db().add_goal_progress(f.user.id, f.goal.id, 40, "halfway")).value();
        f.audit_id = audit(f.user.id, "login");
        return f;
    }

    std::map<std::string, std::int64_t> counts(const User& user) {
        return run(db().count_user_rows(user.id));
    }

    TestLoop loop_;  // declared first: outlives the store
    std::unique_ptr<store::Store> store_;
    int counter_ = 0;
};

}  // namespace companion::testing::contract
