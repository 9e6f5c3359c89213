#include "api/routes.hpp"

#include "http/router.hpp"

namespace companion::api {

void add_route(http::Router& router, Services& services, http::Method method,
               std::string pattern, ServiceHandler handler) {
    router.add(method, std::move(pattern),
               [&services, handler](http::Request& request) { return handler(services, request); });
}

void register_routes(http::Router& router, Services& services) {
    register_health_routes(router, services);
    register_metrics_routes(router, services);
    register_auth_routes(router, services);
    register_api_key_routes(router, services);
    register_user_routes(router, services);
    register_conversation_routes(router, services);
    register_chat_routes(router, services);
    register_openai_routes(router, services);
    register_goal_routes(router, services);
    register_memory_routes(router, services);
    register_emotion_routes(router, services);
    register_docs_routes(router, services);
}

}  // namespace companion::api
