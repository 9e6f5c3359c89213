// Accounts and authentication: registration, login with brute-force protection, bearer tokens
// (JWT or API key), password changes, logout, API keys and the REQUIRE_AUTHENTICATION=false local
// user. Every authentication event goes to the audit log; no password or token ever does.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "auth/auth_cache.hpp"
#include "auth/jwt.hpp"
#include "auth/passwords.hpp"
#include "config/settings.hpp"
#include "store/models.hpp"

namespace boost::asio {
class thread_pool;
}
namespace companion::store {
class Store;
}
namespace companion::cache {
class LoginGuard;
}

namespace companion::auth {

template <class T>
using Task = boost::asio::awaitable<T>;

enum class AuthErrorKind {
    unauthorized,    // any credential problem; the reason goes to the audit log only
    username_taken,  // 409
    weak_password,   // 422, the message names the rule
    invalid_input,   // 422, the message names the field
    locked,          // 429 with retry_after
    not_found,       // 404
};

class AuthError : public std::runtime_error {
  public:
    AuthError(AuthErrorKind kind, std::string message,
              std::chrono::seconds retry_after = std::chrono::seconds(0))
        : std::runtime_error(std::move(message)), kind_(kind), retry_after_(retry_after) {}

    AuthErrorKind kind() const noexcept { return kind_; }
    std::chrono::seconds retry_after() const noexcept { return retry_after_; }

  private:
    AuthErrorKind kind_;
    std::chrono::seconds retry_after_;
};

// Who is asking, for the audit log.
struct ClientInfo {
    std::string ip;
    std::string user_agent;
};

struct Principal {
    std::string user_id;
    std::string method;  // "jwt", "api_key" or "local"
};

struct IssuedToken {
    std::string access_token;
    std::int64_t expires_in = 0;  // seconds
};

struct CreatedApiKey {
    store::ApiKey key;
    std::string secret;  // the whole key, shown once
};

// Username rule: 3-64 characters of [A-Za-z0-9._-]; the problem as a sentence, else nullopt.
std::optional<std::string> username_problem(const std::string& username);

class CredentialEvents;

class AuthService {
  public:
    // `events` tells other replicas of credential changes (nullptr: there are none to tell).
    AuthService(store::Store& store, const config::Settings& settings,
                boost::asio::thread_pool& cpu_pool, cache::LoginGuard& guard, AuthCache& cache,
                CredentialEvents* events = nullptr, Argon2Params argon2 = {});

    Task<store::User> register_user(std::string username, std::string password,
                                    std::optional<std::string> email, ClientInfo client);
    Task<IssuedToken> login(std::string username, std::string password, ClientInfo client);
    // A bearer token: an API key ("ck_...") or a JWT. Throws AuthError unauthorized.
    Task<Principal> authenticate(std::string token, ClientInfo client);
    // The local user of REQUIRE_AUTHENTICATION=false, created on first use.
    Task<Principal> local_principal();
    // The user behind a principal; unauthorized when it no longer exists.
    Task<store::User> current_user(std::string user_id);
    Task<void> change_password(std::string user_id, std::string current_password,
                               std::string new_password, ClientInfo client);
    // Revokes the JWT until its expiry; an API key is left alone (revoke it by id).
    Task<void> logout(std::string user_id, std::string token, ClientInfo client);

    Task<CreatedApiKey> create_api_key(std::string user_id, std::string name, ClientInfo client);
    Task<std::vector<store::ApiKey>> list_api_keys(std::string user_id);
    // not_found for a key of another user or no key at all.
    Task<void> revoke_api_key(std::string user_id, std::string key_id, ClientInfo client);
    // Deletes the account and everything it owns after checking the password (not asked of the
    // REQUIRE_AUTHENTICATION=false local user, which has none). The audit row it leaves names
    // neither the user nor the client.
    Task<void> delete_account(std::string user_id, std::string password, ClientInfo client);
    // Audits a data export of the user.
    Task<void> record_export(std::string user_id, ClientInfo client);
    Task<store::Page<store::AuditEvent>> audit_events(std::string user_id, int limit,
                                                      std::optional<std::string> cursor);

  private:
    Task<std::optional<Principal>> check_api_key(const std::string& token, const ClientInfo& client,
                                                 std::string& reason,
                                                 std::optional<std::string>& known_user);
    Task<std::optional<Principal>> check_jwt(const std::string& token, std::string& reason,
                                             std::optional<std::string>& known_user);
    // The user with its revoked tokens, from the cache when it can be trusted.
    Task<std::optional<UserSnapshot>> user_snapshot(const std::string& user_id);
    // Forgets the user's cached credentials here and on every other replica.
    Task<void> credentials_changed(const std::string& user_id);
    // Logs the event and returns its audit row; never given a password or a token.
    store::AuditEvent audit_row(std::optional<std::string> user_id,
                                std::optional<std::string> username, const ClientInfo& client,
                                std::string event, bool success,
                                std::optional<std::string> reason) const;
    Task<std::string> hash(std::string password);
    Task<bool> verify(std::string password, std::string encoded);
    Task<bool> verify_dummy(std::string password);

    store::Store& store_;
    const config::Settings& settings_;
    boost::asio::thread_pool& cpu_pool_;
    cache::LoginGuard& guard_;
    AuthCache& cache_;
    CredentialEvents* events_;
    Argon2Params argon2_;
    JwtCodec jwt_;
    std::mutex local_mutex_;
    std::optional<std::string> local_user_id_;
};

}  // namespace companion::auth
