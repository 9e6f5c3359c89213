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

namespace companion::http {
class Router;
}

namespace companion::api {

// What the handlers use; everything outlives the router.
struct Services {
    const config::Settings& settings;
    health::HealthMonitor& health;
    health::Readiness& readiness;
    metrics::Registry& metrics;
};

void register_routes(http::Router& router, Services& services);

// One function per resource file.
void register_health_routes(http::Router& router, Services& services);
void register_metrics_routes(http::Router& router, Services& services);

}  // namespace companion::api
