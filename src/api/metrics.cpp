// GET /metrics: the Prometheus text exposition.
#include "api/routes.hpp"
#include "http/router.hpp"
#include "metrics/registry.hpp"

namespace companion::api {

namespace asio = boost::asio;

void register_metrics_routes(http::Router& router, Services& services) {
    router.add(http::Method::get, "/metrics",
               [&services](http::Request&) -> asio::awaitable<http::Response> {
                   http::Response response;
                   response.content_type = "text/plain; version=0.0.4; charset=utf-8";
                   response.body = services.metrics.expose();
                   co_return response;
               });
}

}  // namespace companion::api
