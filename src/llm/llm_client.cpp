#include "llm/llm_client.hpp"

#include <exception>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "llm/client_impl.hpp"
#include "llm/openai_json.hpp"
#include "metrics/registry.hpp"
#include "util/log.hpp"

namespace companion::llm {

namespace asio = boost::asio;

namespace {

// The watchdog, the gate and the sink rely on the call running on one strand; a coroutine on a
// multi-threaded executor without one is moved onto a strand of its own.
bool on_strand(const asio::any_io_executor& executor) {
    return executor.target<asio::strand<asio::io_context::executor_type>>() != nullptr ||
           executor.target<asio::strand<asio::any_io_executor>>() != nullptr;
}

// Runs a call on a new strand of `executor` (for callers not on one).
Task<Completion> on_own_strand(const asio::any_io_executor& executor, Task<Completion> call) {
    return asio::co_spawn(asio::make_strand(executor), std::move(call), asio::use_awaitable);
}

double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

std::chrono::microseconds micros_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration_cast<std::chrono::microseconds>(to - from);
}

// Reports a neutral outcome to the breaker unless the call resolved it.
class BreakerTicket {
  public:
    BreakerTicket(CircuitBreaker& breaker, CircuitBreaker::Admission admission)
        : breaker_(breaker), admission_(admission) {}
    ~BreakerTicket() {
        if (!resolved_) breaker_.neutral(admission_);
    }
    BreakerTicket(const BreakerTicket&) = delete;
    BreakerTicket& operator=(const BreakerTicket&) = delete;

    CircuitBreaker::Admission admission() const { return admission_; }
    void succeeded() {
        resolved_ = true;
        breaker_.succeeded(admission_);
    }
    void failed() {
        resolved_ = true;
        breaker_.failed(admission_, Clock::now());
    }

  private:
    CircuitBreaker& breaker_;
    CircuitBreaker::Admission admission_;
    bool resolved_ = false;
};

std::string seconds_text(std::chrono::milliseconds duration) {
    return fmt::format("{:.1f} s", static_cast<double>(duration.count()) / 1000.0);
}

}  // namespace

LlmClient::Impl::Impl(asio::any_io_executor executor, LlmOptions llm_options,
                      metrics::Registry& registry)
    : options(std::move(llm_options)),
      transport(std::move(executor), options),
      breaker(options.breaker_failures, options.breaker_open_for),
      gate(options.max_concurrency, options.queue_size),
      backoff(options.retry_base_delay, options.retry_max_delay),
      metrics(metrics::register_llm_metrics(registry)) {}

Task<MaybeFailed> LlmClient::Impl::admitted(CallState& call, Attempt& attempt) {
    BreakerTicket ticket(breaker, breaker.admit(Clock::now()));
    if (ticket.admission() == CircuitBreaker::Admission::rejected) {
        co_return Failure{LlmError::Kind::unavailable,
                          fmt::format("the LLM server failed {} times in a row: calls fail fast "
                                      "for another {} (circuit open)",
                                      options.breaker_failures,
                                      seconds_text(breaker.remaining_open(Clock::now()))),
                          0, false, false};
    }
    const auto admission = co_await gate.acquire(call.deadline);
    switch (admission) {
        case detail::ConcurrencyGate::Outcome::admitted:
            break;
        case detail::ConcurrencyGate::Outcome::queue_full:
            co_return Failure{LlmError::Kind::unavailable,
                              fmt::format("too many LLM calls: {} running and {} waiting "
                                          "(LLM_MAX_CONCURRENCY, LLM_QUEUE_SIZE)",
                                          options.max_concurrency, options.queue_size),
                              0, false, false};
        case detail::ConcurrencyGate::Outcome::timed_out:
            co_return Failure{LlmError::Kind::unavailable,
                              "too many LLM calls: no free slot before the deadline "
                              "(LLM_MAX_CONCURRENCY, LLM_TIMEOUT_SECONDS)",
                              0, false, false};
        case detail::ConcurrencyGate::Outcome::cancelled:
            co_return Failure{LlmError::Kind::cancelled, "the call was cancelled while waiting", 0,
                              false, false};
    }
    detail::GateSlot slot(gate);

    asio::steady_timer pause(co_await asio::this_coro::executor);
    MaybeFailed failed;
    for (int retry = 0;; ++retry) {
        call.attempts = retry + 1;
        call.usage = {};
        call.finish_reason.clear();
        call.model.clear();
        failed = co_await attempt();
        if (!failed || !failed->retryable || !call.text.empty() || retry >= options.max_retries) {
            break;
        }
        const auto wait = std::max(backoff.delay(retry), failed->retry_after);
        if (Clock::now() + wait >= call.deadline) break;
        log::debug("retrying the LLM call", {{"attempt", call.attempts},
                                             {"reason", std::string_view(failed->message)},
                                             {"wait_ms", static_cast<std::int64_t>(wait.count())}});
        pause.expires_after(wait);
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (!failed) {
        ticket.succeeded();
    } else if (failed->server_fault) {
        ticket.failed();
    }
    co_return failed;
}

Task<Completion> LlmClient::Impl::chat(ChatRequest request, const DeltaSink* sink) {
    CallState call(request.timeout.value_or(options.total_timeout));
    // Not const: a stream lets it go at its first text (attempt_stream).
    std::string body =
        chat_request_body(request, request.model.value_or(options.model),
                          request.temperature.value_or(options.temperature),
                          request.max_tokens.value_or(options.max_tokens), sink != nullptr);
    // The body is all the attempts need; a stream holds the call for as long as the model talks.
    std::vector<ChatMessage>().swap(request.messages);
    Attempt attempt;
    if (sink != nullptr) {
        attempt = [this, &body, sink, &call] { return attempt_stream(body, *sink, call); };
    } else {
        attempt = [this, &body, &call] { return attempt_complete(body, call); };
    }
    MaybeFailed failed;
    std::exception_ptr sink_error;
    try {
        failed = co_await admitted(call, attempt);
    } catch (...) {
        // The sink threw: the call is over for the caller, like a cancellation.
        sink_error = std::current_exception();
        failed = Failure{LlmError::Kind::cancelled, "the stream's receiver failed"};
    }
    record_chat(call, failed, sink != nullptr);
    if (sink_error) std::rethrow_exception(sink_error);
    if (failed) {
        throw LlmError(failed->kind, failed->message, std::move(call.text),
                       failed->upstream_status);
    }
    const auto ended = Clock::now();
    Completion completion;
    completion.text = std::move(call.text);
    completion.usage = call.usage;
    completion.finish_reason = std::move(call.finish_reason);
    completion.model = std::move(call.model);
    completion.latency = micros_between(call.started, ended);
    completion.time_to_first_token =
        micros_between(call.started, call.first_text_at.value_or(ended));
    completion.attempts = call.attempts;
    co_return completion;
}

void LlmClient::Impl::record_chat(const CallState& call, const MaybeFailed& failed, bool streamed) {
    const auto ended = Clock::now();
    const std::string_view status = failed ? to_string(failed->kind) : "success";
    metrics.requests.with({status}).inc();
    metrics.duration.with({}).observe(seconds_between(call.started, ended));
    if (streamed && call.first_text_at) {
        metrics.time_to_first_token.with({}).observe(
            seconds_between(call.started, *call.first_text_at));
    }
    if (!failed && call.usage.reported) {
        metrics.tokens.with({"prompt"}).inc(call.usage.prompt_tokens);
        metrics.tokens.with({"completion"}).inc(call.usage.completion_tokens);
    }
    if (failed && failed->kind != LlmError::Kind::cancelled) {
        log::warn("LLM call failed", {{"kind", to_string(failed->kind)},
                                      {"reason", std::string_view(failed->message)},
                                      {"attempts", call.attempts},
                                      {"partial_chars", call.text.size()}});
    }
}

Task<std::vector<std::vector<float>>> LlmClient::Impl::embed(std::vector<std::string> inputs,
                                                             std::string model) {
    if (model.empty()) throw std::invalid_argument("embed() needs a model name");
    std::vector<std::vector<float>> out;
    out.reserve(inputs.size());
    const std::size_t batch = std::max<std::size_t>(options.embedding_batch_size, 1);
    for (std::size_t first = 0; first < inputs.size(); first += batch) {
        const std::size_t count = std::min(batch, inputs.size() - first);
        const std::string body = embeddings_request_body(inputs, first, count, model);
        CallState call(options.total_timeout);
        std::vector<std::vector<float>> vectors;
        Attempt attempt = [this, &body, count, &call, &vectors] {
            return attempt_embeddings(body, count, call, vectors);
        };
        const MaybeFailed failed = co_await admitted(call, attempt);
        const std::string_view status = failed ? to_string(failed->kind) : "success";
        metrics.embedding_requests.with({status}).inc();
        if (failed) {
            log::warn("LLM embedding call failed", {{"kind", to_string(failed->kind)},
                                                    {"reason", std::string_view(failed->message)}});
            throw LlmError(failed->kind, failed->message, {}, failed->upstream_status);
        }
        for (auto& vector : vectors) out.push_back(std::move(vector));
    }
    co_return out;
}

Task<bool> LlmClient::Impl::probe() {
    {
        std::lock_guard lock(probe_mutex);
        if (probe_value && Clock::now() - probe_at < options.probe_interval) {
            co_return *probe_value;
        }
        if (probing) co_return probe_value.value_or(false);
        probing = true;
    }
    std::string problem;
    bool up = false;
    try {
        up = co_await probe_once(problem);
    } catch (const std::exception& error) {
        problem = error.what();
    }
    bool changed = false;
    {
        std::lock_guard lock(probe_mutex);
        changed = probe_value != up;
        probe_value = up;
        probe_at = Clock::now();
        probing = false;
    }
    const std::string origin = transport.url().origin();
    if (changed && up) log::info("LLM server reachable", {{"url", std::string_view(origin)}});
    if (changed && !up) {
        log::warn("LLM server unreachable",
                  {{"url", std::string_view(origin)}, {"reason", std::string_view(problem)}});
    }
    co_return up;
}

LlmClient::LlmClient(asio::any_io_executor executor, LlmOptions options,
                     metrics::Registry& registry)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), registry)) {}

LlmClient::~LlmClient() = default;

const LlmOptions& LlmClient::options() const {
    return impl_->options;
}

// The call is made once and awaited in either branch: the frame of a streamed call lasts as long
// as the stream, and each branch's temporaries would take room in it.
Task<Completion> LlmClient::complete(ChatRequest request) {
    auto impl = impl_;
    const auto executor = co_await asio::this_coro::executor;
    auto call = impl->chat(std::move(request), nullptr);
    if (on_strand(executor)) co_return co_await std::move(call);
    co_return co_await on_own_strand(executor, std::move(call));
}

Task<Completion> LlmClient::stream(ChatRequest request, DeltaSink sink) {
    if (!sink) throw std::invalid_argument("stream() needs a sink");
    auto impl = impl_;
    const auto executor = co_await asio::this_coro::executor;
    auto call = impl->chat(std::move(request), &sink);
    if (on_strand(executor)) co_return co_await std::move(call);
    co_return co_await on_own_strand(executor, std::move(call));
}

Task<std::vector<std::vector<float>>> LlmClient::embed(std::vector<std::string> inputs,
                                                       std::string model) {
    auto impl = impl_;
    const auto executor = co_await asio::this_coro::executor;
    if (on_strand(executor)) co_return co_await impl->embed(std::move(inputs), std::move(model));
    co_return co_await asio::co_spawn(asio::make_strand(executor),
                                      impl->embed(std::move(inputs), std::move(model)),
                                      asio::use_awaitable);
}

Task<bool> LlmClient::probe() {
    auto impl = impl_;
    const auto executor = co_await asio::this_coro::executor;
    if (on_strand(executor)) co_return co_await impl->probe();
    co_return co_await asio::co_spawn(asio::make_strand(executor), impl->probe(),
                                      asio::use_awaitable);
}

}  // namespace companion::llm
