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

#include "http/middleware.hpp"

namespace companion::api {

// What the handlers use; everything outlives the router.
struct Services {
    const config::Settings& settings;
    health::HealthMonitor& health;
    health::Readiness& readiness;
    metrics::Registry& metrics;
    store::Store& store;
};

void register_routes(http::Router& router, Services& services);

// Storage failures as HTTP answers: 503 database_unavailable / database_busy, 409 conflict.
http::Middleware store_errors();

// One function per resource file.
void register_health_routes(http::Router& router, Services& services);
void register_metrics_routes(http::Router& router, Services& services);

}  // namespace companion::api
