#include "metrics/service_metrics.hpp"

#include <vector>

#include "metrics/registry.hpp"

namespace companion::metrics {
namespace {

// A model answers in tenths of a second to minutes: finer and longer than the HTTP buckets.
const std::vector<double>& llm_duration_buckets() {
    static const std::vector<double> bounds = {0.05, 0.1, 0.25, 0.5, 1,  2.5,
                                               5,    10,  20,   30,  60, 120, 300};
    return bounds;
}

const std::vector<double>& llm_first_token_buckets() {
    static const std::vector<double> bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                               1,     2.5,  5,     10,   30,  60};
    return bounds;
}

// A recall takes tens of microseconds from the in-process index, milliseconds from the database,
// and longer with an embedding server.
const std::vector<double>& memory_retrieval_buckets() {
    static const std::vector<double> bounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                               0.01,   0.025,   0.05,   0.1,   0.25,   1};
    return bounds;
}

}  // namespace

void register_service_metrics(Registry& registry) {
    register_llm_metrics(registry);
    register_memory_metrics(registry);
}

MemoryMetricFamilies register_memory_metrics(Registry& registry) {
    MemoryMetricFamilies families{
        registry.counter("memory_retrievals_total", "Long-term memory retrievals"),
        registry.histogram("memory_retrieval_duration_seconds",
                           "Time of a long-term memory retrieval, the query's embedding included",
                           {}, memory_retrieval_buckets()),
    };
    families.retrievals.with({});
    families.duration.with({});
    return families;
}

LlmMetricFamilies register_llm_metrics(Registry& registry) {
    LlmMetricFamilies families{
        registry.counter("llm_requests_total",
                         "Chat completions asked of the LLM server, by outcome "
                         "(success, unavailable, timeout, upstream_error, cancelled)",
                         {"status"}),
        registry.histogram("llm_request_duration_seconds",
                           "Time of a chat completion call, queueing and retries included", {},
                           llm_duration_buckets()),
        registry.histogram("llm_time_to_first_token_seconds",
                           "Time from a streamed chat completion call to its first text", {},
                           llm_first_token_buckets()),
        registry.counter("llm_tokens_total", "Tokens the LLM server reported using, by kind",
                         {"kind"}),
        registry.counter("llm_embedding_requests_total",
                         "Embedding requests to the LLM server, by outcome", {"status"}),
    };
    // Every series at 0 from the start, so that rate() and alerts see them before the first call.
    for (const char* status :
         {"success", "unavailable", "timeout", "upstream_error", "cancelled"}) {
        families.requests.with({status});
        families.embedding_requests.with({status});
    }
    families.tokens.with({"prompt"});
    families.tokens.with({"completion"});
    return families;
}

}  // namespace companion::metrics
