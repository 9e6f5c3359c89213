// Every route of the service, registered in one place.
#pragma once

namespace companion::config {
struct Settings;
}
namespace companion::health {
class HealthMonitor;
class Readiness;
}  // namespace companion::health
namespace companion::metrics {
class Registry;
}

namespace companion::store {
class Store;
}

namespace companion::http {
class Router;
}

namespace companion::auth {
class AuthService;
}

namespace companion::cache {
class RateLimiter;
}

namespace companion::chat {
class ChatService;
}

namespace companion::memory {
class MemoryService;
}

#include <string>

#include "http/middleware.hpp"

namespace companion::api {

// What the handlers use; everything outlives the router.
struct Services {
    const config::Settings& settings;
    health::HealthMonitor& health;
    health::Readiness& readiness;
    metrics::Registry& metrics;
    store::Store& store;
    auth::AuthService& auth;
    chat::ChatService& chat;
    memory::MemoryService& memories;
};

void register_routes(http::Router& router, Services& services);

// A handler of a resource file: a free function of the services and the request.
using ServiceHandler = boost::asio::awaitable<http::Response> (*)(Services&, http::Request&);
// Registers `handler` for the method and path pattern, bound to `services`.
void add_route(http::Router& router, Services& services, http::Method method,
               std::string pattern, ServiceHandler handler);

// Storage failures as HTTP answers: 503 database_unavailable / database_busy, 409 conflict, and
// 400 invalid_request for what the store refuses as malformed (a cursor it did not produce).
http::Middleware store_errors();

// auth::AuthError as HTTP answers: 401 (with WWW-Authenticate), 404, 409, 422, 429.
http::Middleware auth_errors();
// Sets Request::user_id/auth_method from `Authorization: Bearer <jwt or api key>`; routes other
// than the public ones need it when `require` is set, else they run as the local user.
http::Middleware authenticate(auth::AuthService& auth, bool require);
// RATE_LIMIT_REQUESTS_PER_MINUTE per authenticated user ("user:<id>"), per client IP when
// anonymous ("ip:<address>"): X-RateLimit-* headers on answers, 429 rate_limited with
// Retry-After past the limit. /health, /ready and /metrics are never limited. Goes right after
// authenticate so that the user is known.
http::Middleware rate_limit(cache::RateLimiter& limiter, int per_minute);
// Goes between auth_errors and authenticate: a request whose credentials are refused counts
// against its client IP ("authfail:<address>", the same per-minute limit), so that guessing
// tokens or API keys is rate limited too; past the limit the answer is 429 instead of 401.
http::Middleware limit_failed_authentication(cache::RateLimiter& limiter, int per_minute);

// One function per resource file.
void register_health_routes(http::Router& router, Services& services);
void register_metrics_routes(http::Router& router, Services& services);
void register_auth_routes(http::Router& router, Services& services);
void register_api_key_routes(http::Router& router, Services& services);
void register_user_routes(http::Router& router, Services& services);
void register_conversation_routes(http::Router& router, Services& services);
void register_chat_routes(http::Router& router, Services& services);
void register_openai_routes(http::Router& router, Services& services);
void register_goal_routes(http::Router& router, Services& services);
void register_memory_routes(http::Router& router, Services& services);
void register_emotion_routes(http::Router& router, Services& services);
// GET /openapi.json, /docs and /docs/{file} (api/docs.cpp, docs/api.md).
void register_docs_routes(http::Router& router, Services& services);

}  // namespace companion::api
