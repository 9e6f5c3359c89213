// The security checks of a production configuration: weak secrets, open access, wildcard CORS.
#include "config/production_checks.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "config/url.hpp"

namespace companion::config {
namespace {

using Verdict = CheckResult::Verdict;

constexpr std::size_t min_jwt_secret_length = 32;
constexpr std::size_t min_database_password_length = 16;

// Compared case-insensitively.
constexpr std::string_view well_known_passwords[] = {
    // defaults of images, tutorials and this project's own examples
    "postgres", "password", "changeme", "change-me", "change_me", "changeit", "admin", "root",
    "secret", "ai_service", "postgrespassword", "change-me-in-production", "default", "pgpass",
    // common weak choices
    "123456", "12345678", "123456789", "1234567890", "qwerty", "letmein", "test", "toor", "pass",
    "passw0rd", "password1", "password123", "admin123", "user"};

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

CheckResult jwt_secret_not_default(const Settings& settings) {
    const std::string name = "jwt_secret_not_default";
    if (settings.jwt_secret_key == Settings{}.jwt_secret_key) {
        return {name, Verdict::fail, "JWT_SECRET_KEY is using default value!"};
    }
    return {name, Verdict::pass, "JWT_SECRET_KEY is not the default value"};
}

CheckResult jwt_secret_length(const Settings& settings) {
    const std::string name = "jwt_secret_length";
    const std::string minimum = std::to_string(min_jwt_secret_length);
    if (settings.jwt_secret_key.size() < min_jwt_secret_length) {
        return {name, Verdict::fail,
                "JWT_SECRET_KEY is shorter than " + minimum + " characters: use " + minimum +
                    "+ random characters, e.g. generated with `openssl rand -base64 48`"};
    }
    return {name, Verdict::pass, "JWT_SECRET_KEY has " + minimum + "+ characters"};
}

CheckResult authentication_required(const Settings& settings) {
    const std::string name = "authentication_required";
    if (!settings.require_authentication) {
        return {name, Verdict::fail,
                "REQUIRE_AUTHENTICATION is false: anyone could call the API as any user"};
    }
    return {name, Verdict::pass, "REQUIRE_AUTHENTICATION is true"};
}

CheckResult cors_origins_restricted(const Settings& settings) {
    const std::string name = "cors_origins_restricted";
    const auto& origins = settings.cors_origins;
    if (std::find(origins.begin(), origins.end(), "*") != origins.end()) {
        return {name, Verdict::fail,
                "CORS_ORIGINS contains *: list the exact origins of your web clients instead"};
    }
    if (origins.empty()) {
        return {name, Verdict::fail,
                "CORS_ORIGINS is empty: set it to the exact origins of your web clients"};
    }
    return {name, Verdict::pass,
            "CORS_ORIGINS lists " + std::to_string(origins.size()) + " explicit origin(s)"};
}

CheckResult database_password_strength(const Settings& settings) {
    const std::string name = "database_password_strength";
    if (settings.postgres_url.empty()) {
        return {name, Verdict::pass, "POSTGRES_URL is not set (embedded SQLite store)"};
    }
    const std::string password = url_password(settings.postgres_url).value_or("");
    const std::string minimum = std::to_string(min_database_password_length);
    const std::string advice = ": use " + minimum + "+ random characters";
    if (password.empty()) return {name, Verdict::warn, "POSTGRES_URL has no password" + advice};
    if (std::ranges::find(well_known_passwords, lower(password)) !=
        std::end(well_known_passwords)) {
        return {name, Verdict::warn, "POSTGRES_URL uses a well-known default password" + advice};
    }
    if (password.size() < min_database_password_length) {
        return {name, Verdict::warn,
                "POSTGRES_URL password is shorter than " + minimum + " characters" + advice};
    }
    return {name, Verdict::pass,
            "POSTGRES_URL password has " + minimum + "+ characters and is not a known default"};
}

}  // namespace

std::vector<CheckResult> run_production_checks(const Settings& settings) {
    return {jwt_secret_not_default(settings), jwt_secret_length(settings),
            authentication_required(settings), cors_origins_restricted(settings),
            database_password_strength(settings)};
}

bool passes(const std::vector<CheckResult>& results) {
    return std::none_of(results.begin(), results.end(),
                        [](const CheckResult& result) { return result.verdict == Verdict::fail; });
}

}  // namespace companion::config
