// The bearer-token half of AuthService: authentication, API keys and the audit listing.
#include "auth/api_keys.hpp"
#include "auth/auth_service.hpp"
#include "store/store.hpp"
#include "util/log.hpp"
#include "util/unix_time.hpp"
#include "util/uuid.hpp"

namespace companion::auth {

namespace {

// last_used_at (and the "api_key_used" audit row) is written at most this often per key and
// replica, so that a busy program does not turn every request into a write.
constexpr std::chrono::seconds kKeyUseRecordInterval{60};

}  // namespace

Task<std::optional<Principal>> AuthService::check_api_key(const std::string& token,
                                                          const ClientInfo& client,
                                                          std::string& reason,
                                                          std::optional<std::string>& known_user) {
    auto key_hash = hash_api_key(token);
    auto key = cache_.api_key(key_hash);
    if (!key) {
        const auto ticket = cache_.ticket();
        key = co_await store_.find_api_key_by_hash(key_hash);
        if (key) cache_.put_api_key(*key, ticket);
    }
    if (!key) {
        reason = "unknown_api_key";
        co_return std::nullopt;
    }
    known_user = key->user_id;
    if (key->revoked_at) {
        reason = "revoked_api_key";
        co_return std::nullopt;
    }
    if (cache_.should_touch(key->id, kKeyUseRecordInterval)) {
        co_await store_.touch_api_key(key->id);
        auto row = audit_row(key->user_id, std::nullopt, client, "api_key_used", true, key->prefix);
        co_await store_.append_audit(std::move(row));
    }
    co_return Principal{key->user_id, "api_key"};
}

Task<std::optional<Principal>> AuthService::check_jwt(const std::string& token, std::string& reason,
                                                      std::optional<std::string>& known_user) {
    const auto verification = jwt_.verify(token, util::unix_seconds_now());
    if (!verification.claims) {
        reason = std::string(to_string(*verification.rejection));
        co_return std::nullopt;
    }
    const auto& claims = *verification.claims;
    auto snapshot = co_await user_snapshot(claims.sub);
    const auto password_stamp = [](const UserSnapshot& s) {
        return s.user.password_changed_at.time_since_epoch().count();
    };
    if (snapshot && claims.pwc != password_stamp(*snapshot)) {
        // The cached copy may predate a change made on another replica a moment ago.
        cache_.forget_user(claims.sub);
        snapshot = co_await user_snapshot(claims.sub);
    }
    if (!snapshot) {
        reason = "user_deleted";
        co_return std::nullopt;
    }
    known_user = snapshot->user.id;
    if (claims.pwc != password_stamp(*snapshot)) {
        reason = "issued_before_password_change";
        co_return std::nullopt;
    }
    if (snapshot->revoked_jtis.contains(claims.jti)) {
        reason = "token_revoked";
        co_return std::nullopt;
    }
    co_return Principal{snapshot->user.id, "jwt"};
}

Task<Principal> AuthService::authenticate(std::string token, ClientInfo client) {
    std::string reason;
    std::optional<std::string> known_user;
    std::optional<Principal> principal;
    if (looks_like_api_key(token)) {
        principal = co_await check_api_key(token, client, reason, known_user);
    } else {
        principal = co_await check_jwt(token, reason, known_user);
    }
    if (!principal) {
        auto row = audit_row(known_user, std::nullopt, client, "authenticate", false, reason);
        co_await store_.append_audit(std::move(row));
        throw AuthError(AuthErrorKind::unauthorized, "missing or invalid credentials");
    }
    log::debug("authenticated", {{"user_id", std::string_view(principal->user_id)},
                                 {"method", std::string_view(principal->method)}});
    co_return std::move(*principal);
}

Task<CreatedApiKey> AuthService::create_api_key(std::string user_id, std::string name,
                                                ClientInfo client) {
    auto fresh = generate_api_key();
    auto key = co_await store_.create_api_key(user_id, std::move(name), fresh.prefix, fresh.hash);
    auto row = audit_row(user_id, std::nullopt, client, "api_key_created", true, key.prefix);
    co_await store_.append_audit(std::move(row));
    co_return CreatedApiKey{std::move(key), std::move(fresh.key)};
}

Task<std::vector<store::ApiKey>> AuthService::list_api_keys(std::string user_id) {
    co_return co_await store_.list_api_keys(std::move(user_id));
}

Task<void> AuthService::revoke_api_key(std::string user_id, std::string key_id, ClientInfo client) {
    bool revoked = false;
    if (util::is_uuid(key_id)) revoked = co_await store_.revoke_api_key(user_id, key_id);
    if (!revoked) throw AuthError(AuthErrorKind::not_found, "api key not found");
    co_await credentials_changed(user_id);
    auto row = audit_row(user_id, std::nullopt, client, "api_key_revoked", true, key_id);
    co_await store_.append_audit(std::move(row));
}

Task<store::Page<store::AuditEvent>> AuthService::audit_events(std::string user_id, int limit,
                                                               std::optional<std::string> cursor) {
    co_return co_await store_.list_audit(std::move(user_id), limit, std::move(cursor));
}

}  // namespace companion::auth
