// Users, API keys and revoked tokens.
#include <algorithm>
#include <string>

#include "store/errors.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"
#include "util/uuid.hpp"

namespace companion::store {

namespace {

using sqlite::Connection;
using sqlite::Statement;

const std::string kUserColumns =
    "id, username, email, password_hash, is_local, password_changed_at, created_at, updated_at";
const std::string kKeyColumns =
    "id, user_id, name, prefix, key_hash, created_at, last_used_at, revoked_at";

// Usernames are unique case-insensitively by ASCII lower-casing: other letters compare exactly.
std::string username_key(std::string_view username) {
    std::string key(username);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; });
    return key;
}

User read_user(const Statement& row) {
    User user;
    user.id = row.text(0);
    user.username = row.text(1);
    user.email = row.optional_text(2);
    user.password_hash = row.text(3);
    user.is_local = row.int64(4) != 0;
    user.password_changed_at = row.timestamp(5);
    user.created_at = row.timestamp(6);
    user.updated_at = row.timestamp(7);
    return user;
}

ApiKey read_key(const Statement& row) {
    ApiKey key;
    key.id = row.text(0);
    key.user_id = row.text(1);
    key.name = row.text(2);
    key.prefix = row.text(3);
    key.key_hash = row.text(4);
    key.created_at = row.timestamp(5);
    key.last_used_at = row.optional_timestamp(6);
    key.revoked_at = row.optional_timestamp(7);
    return key;
}

std::optional<User> find_user_where(Connection& db, const std::string& condition,
                                    const std::string& value) {
    auto statement = db.prepare("SELECT " + kUserColumns + " FROM users WHERE " + condition);
    statement.bind(value);
    if (!statement.step()) return std::nullopt;
    return read_user(statement);
}

}  // namespace

// ---- users ----

Task<User> SqliteStore::create_user(NewUser user) {
    co_return co_await write([&](Connection& db) {
        User created;
        created.id = util::new_uuid_v7();
        created.username = user.username;
        created.email = user.email;
        created.password_hash = user.password_hash;
        created.is_local = user.is_local;
        created.created_at = created.updated_at = created.password_changed_at = next_timestamp();
        try {
            db.prepare(
                  "INSERT INTO users (id, username, username_key, email, password_hash, "
                  "is_local, password_changed_at, created_at, updated_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)")
                .bind(created.id, created.username, username_key(created.username), created.email,
                      created.password_hash, created.is_local, created.created_at)
                .run();
        } catch (const Conflict&) {
            throw Conflict("the username \"" + created.username + "\" is already taken");
        }
        return created;
    });
}

Task<std::optional<User>> SqliteStore::find_user(std::string id) {
    if (!util::is_uuid(id)) co_return std::nullopt;
    co_return co_await read([&](Connection& db) { return find_user_where(db, "id = ?1", id); });
}

Task<std::optional<User>> SqliteStore::find_user_by_username(std::string username) {
    co_return co_await read([&](Connection& db) {
        return find_user_where(db, "username_key = ?1", username_key(username));
    });
}

Task<bool> SqliteStore::update_password(std::string user_id, std::string password_hash) {
    if (!util::is_uuid(user_id)) co_return false;
    co_return co_await write([&](Connection& db) {
        db.prepare(
              "UPDATE users SET password_hash = ?2, password_changed_at = ?3, "
              "updated_at = ?3 WHERE id = ?1")
            .bind(user_id, password_hash, next_timestamp())
            .run();
        return db.changes() > 0;
    });
}

Task<bool> SqliteStore::delete_user(std::string user_id) {
    if (!util::is_uuid(user_id)) co_return false;
    co_return co_await write([&](Connection& db) {
        db.prepare("DELETE FROM users WHERE id = ?1").bind(user_id).run();
        return db.changes() > 0;
    });
}

// ---- API keys ----

Task<ApiKey> SqliteStore::create_api_key(std::string user_id, std::string name, std::string prefix,
                                         std::string key_hash) {
    co_return co_await write([&](Connection& db) {
        ApiKey key;
        key.id = util::new_uuid_v7();
        key.user_id = user_id;
        key.name = name;
        key.prefix = prefix;
        key.key_hash = key_hash;
        key.created_at = next_timestamp();
        try {
            db.prepare(
                  "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .bind(key.id, key.user_id, key.name, key.prefix, key.key_hash, key.created_at)
                .run();
        } catch (const Conflict&) {
            throw Conflict("an API key with this hash already exists");
        }
        return key;
    });
}

Task<std::vector<ApiKey>> SqliteStore::list_api_keys(std::string user_id) {
    if (!util::is_uuid(user_id)) co_return std::vector<ApiKey>{};
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT " + kKeyColumns +
                                    " FROM api_keys WHERE user_id = ?1 "
                                    "ORDER BY created_at DESC, id DESC");
        statement.bind(user_id);
        std::vector<ApiKey> keys;
        while (statement.step()) keys.push_back(read_key(statement));
        return keys;
    });
}

Task<std::optional<ApiKey>> SqliteStore::find_api_key_by_hash(std::string key_hash) {
    co_return co_await read([&](Connection& db) -> std::optional<ApiKey> {
        auto statement = db.prepare("SELECT " + kKeyColumns + " FROM api_keys WHERE key_hash = ?1");
        statement.bind(key_hash);
        if (!statement.step()) return std::nullopt;
        return read_key(statement);
    });
}

Task<bool> SqliteStore::revoke_api_key(std::string user_id, std::string key_id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(key_id)) co_return false;
    co_return co_await write([&](Connection& db) {
        // Revoking twice keeps the first revocation time.
        db.prepare(
              "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?3) "
              "WHERE id = ?1 AND user_id = ?2")
            .bind(key_id, user_id, next_timestamp())
            .run();
        return db.changes() > 0;
    });
}

Task<void> SqliteStore::touch_api_key(std::string key_id) {
    if (!util::is_uuid(key_id)) co_return;
    co_await write([&](Connection& db) {
        db.prepare("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1")
            .bind(key_id, next_timestamp())
            .run();
    });
}

// ---- revoked tokens ----

Task<void> SqliteStore::revoke_token(std::string jti, std::string user_id, Timestamp expires_at) {
    co_await write([&](Connection& db) {
        db.prepare(
              "INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES (?1, ?2, ?3) "
              "ON CONFLICT (jti) DO NOTHING")
            .bind(jti, user_id, expires_at)
            .run();
    });
}

Task<bool> SqliteStore::is_token_revoked(std::string jti) {
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare("SELECT 1 FROM revoked_tokens WHERE jti = ?1");
        statement.bind(jti);
        return statement.step();
    });
}

Task<std::vector<std::string>> SqliteStore::revoked_tokens(std::string user_id) {
    co_return co_await read([&](Connection& db) {
        auto statement = db.prepare(
            "SELECT jti FROM revoked_tokens WHERE user_id = ?1 AND expires_at > ?2 ORDER BY jti");
        statement.bind(user_id, now());
        std::vector<std::string> ids;
        while (statement.step()) ids.push_back(statement.text(0));
        return ids;
    });
}

Task<std::int64_t> SqliteStore::purge_expired_tokens() {
    co_return co_await write([&](Connection& db) {
        db.prepare("DELETE FROM revoked_tokens WHERE expires_at <= ?1").bind(now()).run();
        return db.changes();
    });
}

}  // namespace companion::store
