#include "llm/llm_options.hpp"

#include <algorithm>
#include <cmath>

#include "config/settings.hpp"

namespace companion::llm {
namespace {

std::chrono::milliseconds from_seconds(double seconds) {
    return std::chrono::milliseconds(std::max<long long>(1, std::llround(seconds * 1000)));
}

}  // namespace

LlmOptions options_from_settings(const config::Settings& settings) {
    LlmOptions options;
    options.base_url = settings.lm_studio_base_url;
    options.model = settings.lm_studio_model_name;
    options.temperature = settings.lm_studio_temperature;
    options.max_tokens = settings.lm_studio_max_tokens;
    options.api_key = settings.lm_studio_api_key;
    options.ca_file = settings.llm_ca_file;
    options.connect_timeout = from_seconds(settings.llm_connect_timeout_seconds);
    options.first_token_timeout = from_seconds(settings.llm_first_token_timeout_seconds);
    options.total_timeout = from_seconds(settings.llm_timeout_seconds);
    options.max_retries = settings.llm_max_retries;
    options.max_concurrency = static_cast<std::size_t>(settings.llm_max_concurrency);
    options.queue_size = static_cast<std::size_t>(settings.llm_queue_size);
    options.breaker_failures = settings.llm_breaker_failures;
    options.breaker_open_for = from_seconds(settings.llm_breaker_open_seconds);
    options.probe_interval = from_seconds(settings.llm_probe_interval_seconds);
    return options;
}

}  // namespace companion::llm
