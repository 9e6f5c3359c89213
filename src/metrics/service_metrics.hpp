// Metric families the service exposes from its first scrape, before the module that updates them
// has done anything (dashboards and alerts can rely on the names existing).
#pragma once

namespace companion::metrics {

class Registry;

void register_service_metrics(Registry& registry);

}  // namespace companion::metrics
