// Internal to llm/: the state behind LlmClient, shared by its calls (kept alive by them), and
// the steps of a call: admission (circuit breaker, concurrency gate), retries, one attempt.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llm/chat_types.hpp"
#include "llm/circuit_breaker.hpp"
#include "llm/concurrency_gate.hpp"
#include "llm/http_call.hpp"
#include "llm/llm_client.hpp"
#include "llm/llm_error.hpp"
#include "llm/llm_options.hpp"
#include "llm/retry_backoff.hpp"
#include "llm/transport.hpp"
#include "metrics/service_metrics.hpp"

namespace companion::llm {

using Clock = std::chrono::steady_clock;

// Why an attempt (or a whole call) failed.
struct Failure {
    LlmError::Kind kind;
    std::string message;
    int upstream_status = 0;
    bool retryable = false;                    // a connection error, 429 or 5xx (before any text)
    bool server_fault = true;                  // counts towards opening the circuit
    std::chrono::milliseconds retry_after{0};  // the server's Retry-After
};
using MaybeFailed = std::optional<Failure>;

// What one call has gathered so far, across its attempts.
struct CallState {
    explicit CallState(std::chrono::milliseconds total_timeout)
        : started(Clock::now()), deadline(started + total_timeout) {}

    Clock::time_point started;
    Clock::time_point deadline;
    std::string text;
    Usage usage;
    std::string finish_reason;
    std::string model;
    std::optional<Clock::time_point> first_text_at;
    int attempts = 0;
};

using Attempt = std::function<Task<MaybeFailed>()>;

struct LlmClient::Impl : std::enable_shared_from_this<LlmClient::Impl> {
    Impl(boost::asio::any_io_executor executor, LlmOptions options, metrics::Registry& registry);

    Task<Completion> chat(ChatRequest request, const DeltaSink* sink);
    Task<std::vector<std::vector<float>>> embed(std::vector<std::string> inputs, std::string model);
    Task<bool> probe();

    // The circuit breaker and the gate, then attempts until one succeeds, one fails for good or
    // the retries are spent.
    Task<MaybeFailed> admitted(CallState& call, Attempt& attempt);
    // Empties `body` at the first text: no retry can follow it, and a stream may last minutes.
    Task<MaybeFailed> attempt_stream(std::string& body, const DeltaSink& sink, CallState& call);
    Task<MaybeFailed> attempt_complete(const std::string& body, CallState& call);
    Task<MaybeFailed> attempt_embeddings(const std::string& body, std::size_t count,
                                         CallState& call, std::vector<std::vector<float>>& vectors);
    // A request whose whole answer is read into `answer`; an error status is a Failure.
    Task<MaybeFailed> exchange_buffered(std::string_view endpoint, const std::string& body,
                                        CallState& call, std::string& answer, std::size_t limit);
    Task<bool> probe_once(std::string& problem);

    Failure from_transport(const detail::TransportFailure& failure, const CallState& call,
                           bool before_first_token_deadline) const;
    Failure from_status(unsigned status, std::string_view body, std::string_view retry_after) const;
    void record_chat(const CallState& call, const MaybeFailed& failed, bool streamed);

    const LlmOptions options;
    detail::Transport transport;
    CircuitBreaker breaker;
    detail::ConcurrencyGate gate;
    RetryBackoff backoff;
    metrics::LlmMetricFamilies metrics;

    std::mutex probe_mutex;
    std::optional<bool> probe_value;
    Clock::time_point probe_at{};
    bool probing = false;
};

}  // namespace companion::llm
