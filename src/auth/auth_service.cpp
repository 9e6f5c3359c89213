#include "auth/auth_service.hpp"

#include <cctype>

#include <openssl/rand.h>

#include <fmt/format.h>

#include "auth/credential_events.hpp"
#include "auth/password_policy.hpp"
#include "cache/login_guard.hpp"
#include "store/errors.hpp"
#include "store/store.hpp"
#include "util/blocking.hpp"
#include "util/log.hpp"
#include "util/unix_time.hpp"

namespace companion::auth {

namespace {

// A value no argon2id verification accepts, so that the local user cannot log in.
std::string unusable_password_hash() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness available");
    std::string out = "!local:";
    for (const unsigned char b : bytes) out += fmt::format("{:02x}", b);
    return out;
}

// The REQUIRE_AUTHENTICATION=false user's name, which nobody may register.
bool is_reserved_username(std::string_view username) {
    if (username.size() != 5) return false;
    std::string lower(username);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower == "local";
}

}  // namespace

std::optional<std::string> username_problem(const std::string& username) {
    if (username.size() < 3 || username.size() > 64) {
        return std::string("username must be 3 to 64 characters long");
    }
    for (const char c : username) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) {
            return std::string("username may only contain letters, digits, '.', '_' and '-'");
        }
    }
    return std::nullopt;
}

AuthService::AuthService(store::Store& store, const config::Settings& settings,
                         boost::asio::thread_pool& cpu_pool, cache::LoginGuard& guard,
                         AuthCache& cache, CredentialEvents* events, Argon2Params argon2)
    : store_(store),
      settings_(settings),
      cpu_pool_(cpu_pool),
      guard_(guard),
      cache_(cache),
      events_(events),
      argon2_(argon2),
      jwt_(settings.jwt_algorithm, settings.jwt_secret_key) {}

// The jobs are named locals: g++ 12 destroys a lambda temporary with non-trivial captures twice
// when it is passed straight into a co_await expression.
Task<std::string> AuthService::hash(std::string password) {
    auto job = [password = std::move(password), params = argon2_] {
        return hash_password(password, params);
    };
    std::string encoded = co_await util::run_blocking(cpu_pool_, std::move(job));
    co_return encoded;
}

Task<bool> AuthService::verify(std::string password, std::string encoded) {
    auto job = [password = std::move(password), encoded = std::move(encoded)] {
        return verify_password(password, encoded);
    };
    const bool ok = co_await util::run_blocking(cpu_pool_, std::move(job));
    co_return ok;
}

Task<bool> AuthService::verify_dummy(std::string password) {
    auto job = [password = std::move(password), params = argon2_] {
        return verify_against_dummy(password, params);
    };
    const bool ok = co_await util::run_blocking(cpu_pool_, std::move(job));
    co_return ok;
}

store::AuditEvent AuthService::audit_row(std::optional<std::string> user_id,
                                         std::optional<std::string> username,
                                         const ClientInfo& client, std::string event, bool success,
                                         std::optional<std::string> reason) const {
    const std::string_view outcome = success ? "success" : "failure";
    const std::string no_value;
    log::write(success ? log::Level::info : log::Level::warning, "auth event",
               {{"event", std::string_view(event)},
                {"outcome", outcome},
                {"user_id", std::string_view(user_id ? *user_id : no_value)},
                {"username", std::string_view(username ? *username : no_value)},
                {"reason", std::string_view(reason ? *reason : no_value)},
                {"client_ip", std::string_view(client.ip)}});
    store::AuditEvent row;
    row.occurred_at = store::now();
    row.user_id = std::move(user_id);
    row.username_tried = std::move(username);
    if (!client.ip.empty()) row.client_ip = client.ip;
    if (!client.user_agent.empty()) row.user_agent = client.user_agent.substr(0, 512);
    row.event = std::move(event);
    row.outcome = std::string(outcome);
    row.reason = std::move(reason);
    return row;
}

Task<store::User> AuthService::register_user(std::string username, std::string password,
                                             std::optional<std::string> email, ClientInfo client) {
    if (auto problem = username_problem(username)) {
        throw AuthError(AuthErrorKind::invalid_input, *problem);
    }
    if (is_reserved_username(username)) {
        throw AuthError(AuthErrorKind::username_taken, "username taken");
    }
    if (auto problem = password_policy_problem(username, password)) {
        auto row = audit_row(std::nullopt, username, client, "register", false,
                             std::string("weak_password"));
        co_await store_.append_audit(std::move(row));
        throw AuthError(AuthErrorKind::weak_password, *problem);
    }
    store::NewUser user;
    user.username = username;
    user.email = std::move(email);
    user.password_hash = co_await hash(std::move(password));
    bool taken = false;
    std::optional<store::User> created;
    try {
        created = co_await store_.create_user(std::move(user));
    } catch (const store::Conflict&) {
        taken = true;
    }
    if (taken) {
        auto row = audit_row(std::nullopt, username, client, "register", false,
                             std::string("username_taken"));
        co_await store_.append_audit(std::move(row));
        throw AuthError(AuthErrorKind::username_taken, "username taken");
    }
    auto row = audit_row(created->id, username, client, "register", true, std::nullopt);
    co_await store_.append_audit(std::move(row));
    co_return std::move(*created);
}

Task<IssuedToken> AuthService::login(std::string username, std::string password,
                                     ClientInfo client) {
    const auto status = co_await guard_.check(username, client.ip);
    if (status.locked) {
        auto row = audit_row(std::nullopt, username, client, "login", false, std::string("locked"));
        co_await store_.append_audit(std::move(row));
        throw AuthError(AuthErrorKind::locked, "too many failed login attempts; retry later",
                        status.retry_after);
    }
    const auto user = co_await store_.find_user_by_username(username);
    bool ok = false;
    if (user && !user->is_local) {
        ok = co_await verify(std::move(password), user->password_hash);
    } else {
        // Same work as a real verification, so that timing does not reveal unknown usernames.
        ok = co_await verify_dummy(std::move(password));
    }
    if (!ok) {
        co_await guard_.record_failure(username, client.ip);
        std::optional<std::string> known_id;
        if (user) known_id = user->id;
        std::string reason = user ? "wrong_password" : "unknown_user";
        auto row =
            audit_row(std::move(known_id), username, client, "login", false, std::move(reason));
        co_await store_.append_audit(std::move(row));
        throw AuthError(AuthErrorKind::unauthorized, "invalid username or password");
    }
    co_await guard_.record_success(username);
    JwtClaims claims;
    claims.sub = user->id;
    claims.jti = JwtCodec::new_jti();
    claims.iat = util::unix_seconds_now();
    claims.pwc = user->password_changed_at.time_since_epoch().count();
    const std::int64_t lifetime = std::int64_t{settings_.jwt_expiration_hours} * 3600;
    claims.exp = claims.iat + lifetime;
    auto row = audit_row(user->id, username, client, "login", true, std::nullopt);
    co_await store_.append_audit(std::move(row));
    co_return IssuedToken{jwt_.sign(claims), lifetime};
}

Task<void> AuthService::change_password(std::string user_id, std::string current_password,
                                        std::string new_password, ClientInfo client) {
    const auto user = co_await store_.find_user(user_id);
    if (!user) throw AuthError(AuthErrorKind::unauthorized, "missing or invalid credentials");
    const bool current_ok = co_await verify(std::move(current_password), user->password_hash);
    if (!current_ok) {
        auto row = audit_row(user->id, user->username, client, "password_change", false,
                             std::string("wrong_password"));
        co_await store_.append_audit(std::move(row));
        throw AuthError(AuthErrorKind::unauthorized, "current password is wrong");
    }
    if (auto problem = password_policy_problem(user->username, new_password)) {
        auto row = audit_row(user->id, user->username, client, "password_change", false,
                             std::string("weak_password"));
        co_await store_.append_audit(std::move(row));
        throw AuthError(AuthErrorKind::weak_password, *problem);
    }
    auto encoded = co_await hash(std::move(new_password));
    co_await store_.update_password(user->id, std::move(encoded));
    co_await credentials_changed(user->id);
    auto row = audit_row(user->id, user->username, client, "password_change", true, std::nullopt);
    co_await store_.append_audit(std::move(row));
}

Task<void> AuthService::logout(std::string user_id, std::string token, ClientInfo client) {
    const auto verification = jwt_.verify(token, util::unix_seconds_now());
    if (verification.claims && verification.claims->sub == user_id) {
        const auto& claims = *verification.claims;
        const store::Timestamp expires_at{std::chrono::seconds(claims.exp)};
        co_await store_.revoke_token(claims.jti, user_id, expires_at);
        co_await credentials_changed(user_id);
    }
    auto row = audit_row(user_id, std::nullopt, client, "logout", true, std::nullopt);
    co_await store_.append_audit(std::move(row));
}

Task<Principal> AuthService::local_principal() {
    {
        std::lock_guard lock(local_mutex_);
        if (local_user_id_) co_return Principal{*local_user_id_, "local"};
    }
    const std::string local_name = "local";
    auto user = co_await store_.find_user_by_username(local_name);
    if (user && !user->is_local) throw store::Unavailable("the username local is taken");
    if (!user) {
        store::NewUser fresh;
        fresh.username = local_name;
        fresh.password_hash = unusable_password_hash();
        fresh.is_local = true;
        bool raced = false;
        try {
            user = co_await store_.create_user(std::move(fresh));
        } catch (const store::Conflict&) {
            raced = true;
        }
        if (raced) user = co_await store_.find_user_by_username(local_name);
        if (!user || !user->is_local) {
            throw store::Unavailable("the local user could not be created");
        }
    }
    std::lock_guard lock(local_mutex_);
    local_user_id_ = user->id;
    co_return Principal{user->id, "local"};
}

Task<store::User> AuthService::current_user(std::string user_id) {
    auto snapshot = co_await user_snapshot(user_id);
    if (!snapshot) throw AuthError(AuthErrorKind::unauthorized, "missing or invalid credentials");
    co_return std::move(snapshot->user);
}

Task<std::optional<UserSnapshot>> AuthService::user_snapshot(const std::string& user_id) {
    if (auto cached = cache_.user(user_id)) co_return cached;
    const auto ticket = cache_.ticket();
    auto user = co_await store_.find_user(user_id);
    if (!user) co_return std::nullopt;
    const auto revoked = co_await store_.revoked_tokens(user_id);
    UserSnapshot snapshot{std::move(*user), {revoked.begin(), revoked.end()}};
    cache_.put_user(snapshot, ticket);
    co_return snapshot;
}

Task<void> AuthService::credentials_changed(const std::string& user_id) {
    cache_.forget_user(user_id);
    if (events_ != nullptr) co_await events_->user_changed(user_id);
}

Task<void> AuthService::delete_account(std::string user_id, std::string password,
                                       ClientInfo client) {
    const auto user = co_await store_.find_user(user_id);
    if (!user) throw AuthError(AuthErrorKind::unauthorized, "missing or invalid credentials");
    if (!user->is_local) {
        const auto status = co_await guard_.check(user->username, client.ip);
        if (status.locked) {
            throw AuthError(AuthErrorKind::locked, "too many failed password attempts; retry later",
                            status.retry_after);
        }
        const bool ok = co_await verify(std::move(password), user->password_hash);
        if (!ok) {
            co_await guard_.record_failure(user->username, client.ip);
            auto row = audit_row(user->id, std::nullopt, client, "account_deleted", false,
                                 std::string("wrong_password"));
            co_await store_.append_audit(std::move(row));
            throw AuthError(AuthErrorKind::unauthorized, "password is wrong");
        }
    }
    co_await store_.delete_user(user->id);
    co_await credentials_changed(user->id);
    if (user->is_local) {
        std::lock_guard lock(local_mutex_);
        local_user_id_.reset();
    }
    log::info("account deleted", {{"user_id", std::string_view(user->id)}});
    // Nothing that identifies the person: not the id (its rows are gone), name, address or agent.
    store::AuditEvent row;
    row.occurred_at = store::now();
    row.event = "account_deleted";
    row.outcome = "success";
    co_await store_.append_audit(std::move(row));
}

Task<void> AuthService::record_export(std::string user_id, ClientInfo client) {
    auto row = audit_row(std::move(user_id), std::nullopt, client, "data_exported", true,
                         std::nullopt);
    co_await store_.append_audit(std::move(row));
}

}  // namespace companion::auth
