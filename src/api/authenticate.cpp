// The authentication middleware, the auth error mapping and the request helpers they share.
#include <ctime>

#include <fmt/format.h>

#include "api/auth_context.hpp"
#include "api/routes.hpp"
#include "util/utf8.hpp"

namespace companion::api {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kUnauthorized = "missing or invalid credentials";

http::ApiError unauthorized(std::string message) {
    return http::ApiError(401, "unauthorized", std::move(message))
        .with_header("WWW-Authenticate", "Bearer");
}

bool is_public(std::string_view path) {
    for (const std::string_view exact : {"/health", "/ready", "/metrics", "/docs", "/openapi.json",
                                         "/api/v1/auth/register", "/api/v1/auth/login"}) {
        if (path == exact) return true;
    }
    return path.starts_with("/docs/");
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace

auth::ClientInfo client_info(const http::Request& request) {
    return auth::ClientInfo{request.client_ip, util::sanitize_utf8(request.header("User-Agent"))};
}

std::string bearer_token(const http::Request& request) {
    const auto value = trim(request.header("Authorization"));
    if (value.size() < 7 || !http::iequals(value.substr(0, 7), "Bearer ")) return {};
    return std::string(trim(value.substr(7)));
}

std::string format_timestamp(store::Timestamp timestamp) {
    const auto micros = timestamp.time_since_epoch().count();
    auto seconds = static_cast<std::time_t>(micros / 1000000);
    auto fraction = micros % 1000000;
    if (fraction < 0) {
        fraction += 1000000;
        --seconds;
    }
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", utc.tm_year + 1900,
                       utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, fraction);
}

http::Middleware auth_errors() {
    return
        [](http::Request& request, const http::Handler& next) -> asio::awaitable<http::Response> {
            try {
                co_return co_await next(request);
            } catch (const auth::AuthError& error) {
                using Kind = auth::AuthErrorKind;
                switch (error.kind()) {
                    case Kind::unauthorized:
                        throw unauthorized(error.what());
                    case Kind::username_taken:
                        throw http::ApiError(409, "username_taken", error.what());
                    case Kind::weak_password:
                        throw http::ApiError(422, "weak_password", error.what());
                    case Kind::invalid_input:
                        throw http::ApiError(422, "invalid_field", error.what());
                    case Kind::not_found:
                        throw http::ApiError(404, "not_found", error.what());
                    case Kind::locked: {
                        const auto seconds = std::max<std::int64_t>(1, error.retry_after().count());
                        throw http::ApiError(429, "too_many_attempts", error.what())
                            .with_header("Retry-After", std::to_string(seconds));
                    }
                }
                throw;
            }
        };
}

http::Middleware authenticate(auth::AuthService& auth, bool require) {
    return [&auth, require](http::Request& request,
                            const http::Handler& next) -> asio::awaitable<http::Response> {
        // Unknown routes still answer 404/405, and refused requests keep their own error.
        const bool exempt = request.rejection ||
                            request.route_outcome != http::RouteOutcome::found ||
                            request.handler == nullptr || is_public(request.path);
        if (!exempt) {
            auth::Principal principal;
            if (request.has_header("Authorization")) {
                auto token = bearer_token(request);
                if (token.empty()) throw unauthorized(std::string(kUnauthorized));
                auto client = client_info(request);
                principal = co_await auth.authenticate(std::move(token), std::move(client));
            } else if (require) {
                throw unauthorized(std::string(kUnauthorized));
            } else {
                principal = co_await auth.local_principal();
            }
            request.user_id = std::move(principal.user_id);
            request.auth_method = std::move(principal.method);
        }
        co_return co_await next(request);
    };
}

}  // namespace companion::api
