// GET /health (can the service serve?) and GET /ready (should it get traffic now?).
#include <boost/json.hpp>

#include "api/json.hpp"
#include "api/routes.hpp"
#include "health/health_monitor.hpp"
#include "health/readiness.hpp"
#include "http/router.hpp"

namespace companion::api {

namespace asio = boost::asio;

void register_health_routes(http::Router& router, Services& services) {
    router.add(http::Method::get, "/health",
               [&services](http::Request&) -> asio::awaitable<http::Response> {
                   const auto report = co_await services.health.report();
                   boost::json::object body;
                   body["status"] = health::to_string(report.status);
                   body["version"] = COMPANION_VERSION;
                   body["database"] = report.database;
                   body["llm"] = report.llm;
                   body["redis"] = report.redis ? boost::json::value(*report.redis)
                                                : boost::json::value(nullptr);
                   body["uptime_seconds"] = static_cast<std::int64_t>(report.uptime_seconds);
                   const bool serving = report.status != health::HealthReport::Status::unhealthy;
                   co_return json_response(serving ? 200 : 503, body);
               });

    router.add(http::Method::get, "/ready",
               [&services](http::Request&) -> asio::awaitable<http::Response> {
                   const auto state = services.readiness.state();
                   boost::json::object body;
                   body["ready"] = state == health::Readiness::State::ready;
                   body["state"] = health::to_string(state);
                   co_return json_response(
                       state == health::Readiness::State::ready ? 200 : 503, body);
               });
}

}  // namespace companion::api
