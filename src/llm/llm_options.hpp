// Everything the LLM client is configured with, in the units it uses; built from Settings.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace companion::config {
struct Settings;
}

namespace companion::llm {

struct LlmOptions {
    std::string base_url = "http://localhost:1234/v1";  // http:// or https://, no trailing /
    std::string model = "local-model";
    double temperature = 0.7;
    int max_tokens = 2000;
    std::string api_key;  // sent as `Authorization: Bearer` when not empty; never logged
    std::string ca_file;  // extra trusted CA certificates (PEM), besides the system's

    std::chrono::milliseconds connect_timeout{5000};
    // Streaming only: from sending the request to the first text; the total timeout bounds the
    // rest (and a call without streaming).
    std::chrono::milliseconds first_token_timeout{60000};
    std::chrono::milliseconds total_timeout{300000};

    // Retries of connection errors, 429 and 5xx, only before any text arrived, with exponential
    // backoff and full jitter: attempt n waits uniform [0, min(max, base * 2^n)].
    int max_retries = 2;
    std::chrono::milliseconds retry_base_delay{250};
    std::chrono::milliseconds retry_max_delay{4000};

    std::size_t max_concurrency = 32;  // calls in flight at once
    std::size_t queue_size = 256;      // calls waiting for a slot; more fail at once

    int breaker_failures = 5;  // consecutive failures that open the circuit (0: never opens)
    std::chrono::milliseconds breaker_open_for{5000};

    std::chrono::milliseconds probe_interval{10000};  // the health probe is cached this long
    std::chrono::milliseconds probe_timeout{3000};

    std::size_t embedding_batch_size = 64;                     // inputs per POST /embeddings
    std::chrono::milliseconds idle_connection_timeout{30000};  // a kept-alive connection unused
                                                               // this long is closed
};

LlmOptions options_from_settings(const config::Settings& settings);

}  // namespace companion::llm
