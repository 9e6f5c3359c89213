// The per-user (per-IP when anonymous) request rate limit: 429 with Retry-After past the limit,
// X-RateLimit-* headers on every limited route's answer.
#include <string>
#include <string_view>

#include "api/routes.hpp"
#include "auth/auth_service.hpp"
#include "cache/rate_limiter.hpp"
#include "http/api_error.hpp"

namespace companion::api {

namespace asio = boost::asio;

namespace {

// Probes and scrapers are never limited.
bool is_exempt_path(std::string_view path) {
    return path == "/health" || path == "/ready" || path == "/metrics";
}

std::string key_of(const http::Request& request) {
    std::string key;
    if (!request.user_id.empty()) {
        key.append("user:");
        key.append(request.user_id);
    } else {
        key.append("ip:");
        key.append(request.client_ip);
    }
    return key;
}

}  // namespace

http::Middleware rate_limit(cache::RateLimiter& limiter, int per_minute) {
    return [&limiter, per_minute](http::Request& request,
                                  const http::Handler& next) -> asio::awaitable<http::Response> {
        if (is_exempt_path(request.path)) co_return co_await next(request);
        auto key = key_of(request);
        const cache::RateDecision decision = co_await limiter.check(std::move(key), per_minute);
        const auto headers = cache::rate_limit_headers(decision);
        if (!decision.allowed) {
            http::ApiError error(429, "rate_limited", "too many requests, retry later");
            for (const auto& [name, value] : headers) std::move(error).with_header(name, value);
            throw error;
        }
        http::Response response;
        try {
            response = co_await next(request);
        } catch (const http::ApiError& error) {
            // Error answers carry the headers too; no co_await in here.
            http::ApiError copy = error;
            for (const auto& [name, value] : headers) std::move(copy).with_header(name, value);
            throw copy;
        }
        for (const auto& [name, value] : headers) response.set_header_if_absent(name, value);
        co_return response;
    };
}

http::Middleware limit_failed_authentication(cache::RateLimiter& limiter, int per_minute) {
    return [&limiter, per_minute](http::Request& request,
                                  const http::Handler& next) -> asio::awaitable<http::Response> {
        std::exception_ptr refused;
        try {
            co_return co_await next(request);
        } catch (const auth::AuthError& error) {
            if (error.kind() != auth::AuthErrorKind::unauthorized) throw;
            refused = std::current_exception();
        }
        std::string key("authfail:");
        key.append(request.client_ip);
        const cache::RateDecision decision = co_await limiter.check(std::move(key), per_minute);
        if (decision.allowed) std::rethrow_exception(refused);
        http::ApiError error(429, "rate_limited",
                             "too many requests with invalid credentials, retry later");
        for (const auto& [name, value] : cache::rate_limit_headers(decision)) {
            std::move(error).with_header(name, value);
        }
        throw error;
    };
}

}  // namespace companion::api
