// Metric families the service exposes from its first scrape, before the module that updates them
// has done anything (dashboards and alerts can rely on the names existing).
#pragma once

namespace companion::metrics {

class Registry;
class Counter;
class Histogram;
template <class Series>
class Family;

void register_service_metrics(Registry& registry);

// The outbound LLM client's families (registered by register_service_metrics too; registering
// again returns the same families).
struct LlmMetricFamilies {
    Family<Counter>& requests;               // llm_requests_total{status}
    Family<Histogram>& duration;             // llm_request_duration_seconds
    Family<Histogram>& time_to_first_token;  // llm_time_to_first_token_seconds
    Family<Counter>& tokens;                 // llm_tokens_total{kind="prompt"|"completion"}
    Family<Counter>& embedding_requests;     // llm_embedding_requests_total{status}
};
LlmMetricFamilies register_llm_metrics(Registry& registry);

// Long-term memory recall (memory::MemoryService).
struct MemoryMetricFamilies {
    Family<Counter>& retrievals;    // memory_retrievals_total
    Family<Histogram>& duration;    // memory_retrieval_duration_seconds (embedding included)
};
MemoryMetricFamilies register_memory_metrics(Registry& registry);

}  // namespace companion::metrics
