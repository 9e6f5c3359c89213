// Users, API keys and revoked tokens.
#include <algorithm>
#include <string>

#include "store/postgres/store_impl.hpp"
#include "util/uuid.hpp"

namespace companion::store {
namespace {

using pg::Params;
using pg::RowReader;
using pg::Statement;

#define USER_COLUMNS                                                                          \
    "id, username, email, password_hash, is_local, " PG_MICROS("password_changed_at") ", " \
        PG_MICROS("created_at") ", " PG_MICROS("updated_at")
#define KEY_COLUMNS                                                                        \
    "id, user_id, name, prefix, key_hash, " PG_MICROS("created_at") ", " PG_MICROS( \
        "last_used_at") ", " PG_MICROS("revoked_at")

const Statement kInsertUser{
    "", "INSERT INTO users (id, username, username_key, email, password_hash, is_local, "
        "password_changed_at, created_at, updated_at) VALUES ($1::uuid, $2::text, $3::text, "
        "$4::text, $5::text, $6::boolean, " PG_TIME("$7") ", " PG_TIME("$7") ", "
        PG_TIME("$7") ")"};
const Statement kFindUser{"companion_find_user",
                          "SELECT " USER_COLUMNS " FROM users WHERE id = $1::uuid"};
const Statement kFindUserByName{"companion_find_user_by_name",
                                "SELECT " USER_COLUMNS " FROM users WHERE username_key = $1::text"};
const Statement kUpdatePassword{
    "", "UPDATE users SET password_hash = $2::text, password_changed_at = " PG_TIME("$3") ", "
        "updated_at = " PG_TIME("$3") " WHERE id = $1::uuid"};
const Statement kDeleteUser{"", "DELETE FROM users WHERE id = $1::uuid"};

const Statement kInsertKey{
    "", "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at) VALUES ($1::uuid, "
        "$2::uuid, $3::text, $4::text, $5::text, " PG_TIME("$6") ")"};
const Statement kListKeys{"", "SELECT " KEY_COLUMNS " FROM api_keys WHERE user_id = $1::uuid "
                              "ORDER BY created_at DESC, id DESC"};
const Statement kFindKeyByHash{"companion_find_api_key_by_hash",
                               "SELECT " KEY_COLUMNS " FROM api_keys WHERE key_hash = $1::text"};
// Revoking twice keeps the first revocation time.
const Statement kRevokeKey{"", "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, " PG_TIME(
                                   "$3") ") WHERE id = $1::uuid AND user_id = $2::uuid"};
const Statement kTouchKey{
    "", "UPDATE api_keys SET last_used_at = " PG_TIME("$2") " WHERE id = $1::uuid"};

const Statement kRevokeToken{
    "", "INSERT INTO revoked_tokens (jti, user_id, expires_at) "
        "VALUES ($1::text, $2::uuid, " PG_TIME("$3") ") ON CONFLICT (jti) DO NOTHING"};
const Statement kTokenRevoked{"", "SELECT 1 FROM revoked_tokens WHERE jti = $1::text"};
const Statement kUserRevokedTokens{
    "", "SELECT jti FROM revoked_tokens WHERE user_id = $1::uuid AND expires_at > " PG_TIME(
            "$2") " ORDER BY jti"};
const Statement kPurgeTokens{"",
                             "DELETE FROM revoked_tokens WHERE expires_at <= " PG_TIME("$1")};

// Usernames are unique case-insensitively by ASCII lower-casing: other letters compare exactly.
std::string username_key(std::string_view username) {
    std::string key(username);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; });
    return key;
}

User read_user(RowReader& row) {
    User user;
    user.id = row.text();
    user.username = row.text();
    user.email = row.opt_text();
    user.password_hash = row.text();
    user.is_local = row.boolean();
    user.password_changed_at = row.timestamp();
    user.created_at = row.timestamp();
    user.updated_at = row.timestamp();
    return user;
}

ApiKey read_key(RowReader& row) {
    ApiKey key;
    key.id = row.text();
    key.user_id = row.text();
    key.name = row.text();
    key.prefix = row.text();
    key.key_hash = row.text();
    key.created_at = row.timestamp();
    key.last_used_at = row.opt_timestamp();
    key.revoked_at = row.opt_timestamp();
    return key;
}

}  // namespace

// ---- users ----

Task<User> PgStore::create_user(NewUser user) {
    User created;
    created.id = util::new_uuid_v7();
    created.username = std::move(user.username);
    created.email = std::move(user.email);
    created.password_hash = std::move(user.password_hash);
    created.is_local = user.is_local;
    created.created_at = created.updated_at = created.password_changed_at = next_timestamp();
    const Params params(created.id, created.username, username_key(created.username),
                        created.email, created.password_hash, created.is_local,
                        created.created_at);
    try {
        co_await pool_->query(kInsertUser, params);
    } catch (const Conflict&) {
        throw Conflict("the username \"" + created.username + "\" is already taken");
    }
    co_return created;
}

Task<std::optional<User>> PgStore::find_user(std::string id) {
    if (!util::is_uuid(id)) co_return std::nullopt;
    const Params params(id);
    co_return co_await one<User>(kFindUser, params, read_user);
}

Task<std::optional<User>> PgStore::find_user_by_username(std::string username) {
    const Params params(username_key(username));
    co_return co_await one<User>(kFindUserByName, params, read_user);
}

Task<bool> PgStore::update_password(std::string user_id, std::string password_hash) {
    if (!util::is_uuid(user_id)) co_return false;
    const Params params(user_id, password_hash, next_timestamp());
    const auto result = co_await pool_->query(kUpdatePassword, params);
    co_return result.affected() > 0;
}

Task<bool> PgStore::delete_user(std::string user_id) {
    if (!util::is_uuid(user_id)) co_return false;
    const Params params(user_id);
    const auto result = co_await pool_->query(kDeleteUser, params);
    co_return result.affected() > 0;
}

// ---- API keys ----

Task<ApiKey> PgStore::create_api_key(std::string user_id, std::string name, std::string prefix,
                                     std::string key_hash) {
    pg::require_uuid(user_id, "users");
    ApiKey key;
    key.id = util::new_uuid_v7();
    key.user_id = std::move(user_id);
    key.name = std::move(name);
    key.prefix = std::move(prefix);
    key.key_hash = std::move(key_hash);
    key.created_at = next_timestamp();
    const Params params(key.id, key.user_id, key.name, key.prefix, key.key_hash, key.created_at);
    co_await pool_->query(kInsertKey, params);
    co_return key;
}

Task<std::vector<ApiKey>> PgStore::list_api_keys(std::string user_id) {
    if (!util::is_uuid(user_id)) co_return std::vector<ApiKey>{};
    const Params params(user_id);
    const auto result = co_await pool_->query(kListKeys, params);
    co_return pg::read_rows<ApiKey>(result, read_key);
}

Task<std::optional<ApiKey>> PgStore::find_api_key_by_hash(std::string key_hash) {
    const Params params(key_hash);
    co_return co_await one<ApiKey>(kFindKeyByHash, params, read_key);
}

Task<bool> PgStore::revoke_api_key(std::string user_id, std::string key_id) {
    if (!util::is_uuid(user_id) || !util::is_uuid(key_id)) co_return false;
    const Params params(key_id, user_id, next_timestamp());
    const auto result = co_await pool_->query(kRevokeKey, params);
    co_return result.affected() > 0;
}

Task<void> PgStore::touch_api_key(std::string key_id) {
    if (!util::is_uuid(key_id)) co_return;
    const Params params(key_id, next_timestamp());
    co_await pool_->query(kTouchKey, params);
}

// ---- revoked tokens ----

Task<void> PgStore::revoke_token(std::string jti, std::string user_id, Timestamp expires_at) {
    pg::require_uuid(user_id, "users");
    const Params params(jti, user_id, expires_at);
    co_await pool_->query(kRevokeToken, params);
}

Task<bool> PgStore::is_token_revoked(std::string jti) {
    const Params params(jti);
    const auto result = co_await pool_->query(kTokenRevoked, params);
    co_return result.rows() > 0;
}

Task<std::vector<std::string>> PgStore::revoked_tokens(std::string user_id) {
    if (!util::is_uuid(user_id)) co_return std::vector<std::string>{};
    const Params params(user_id, now());
    const auto result = co_await pool_->query(kUserRevokedTokens, params);
    co_return pg::read_rows<std::string>(result, [](pg::RowReader& row) { return row.text(); });
}

Task<std::int64_t> PgStore::purge_expired_tokens() {
    const Params params(now());
    const auto result = co_await pool_->query(kPurgeTokens, params);
    co_return result.affected();
}

}  // namespace companion::store
