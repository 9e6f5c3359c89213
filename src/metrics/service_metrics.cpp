#include "metrics/service_metrics.hpp"

#include "metrics/registry.hpp"

namespace companion::metrics {

void register_service_metrics(Registry& registry) {
    registry.counter("llm_requests_total", "Requests to the LLM server, by outcome", {"status"});
    registry.counter("memory_retrievals_total", "Long-term memory retrievals");
}

}  // namespace companion::metrics
