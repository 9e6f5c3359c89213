#include "support/fake_llm_client.hpp"

#include <gtest/gtest.h>

namespace companion::testing {

namespace asio = boost::asio;

namespace {

asio::awaitable<llm::Completion> collect(llm::LlmClient& client, llm::ChatRequest request,
                                         std::shared_ptr<Deltas> deltas, int stop_after) {
    llm::DeltaSink sink = [deltas, stop_after](std::string_view delta) -> llm::Task<bool> {
        deltas->add(delta);
        co_return stop_after < 0 || static_cast<int>(deltas->count()) < stop_after;
    };
    co_return co_await client.stream(std::move(request), std::move(sink));
}

}  // namespace

llm::LlmOptions fast_llm_options(const std::string& base_url) {
    llm::LlmOptions options;
    options.base_url = base_url;
    options.model = "test-model";
    options.temperature = 0.5;
    options.max_tokens = 100;
    options.connect_timeout = std::chrono::milliseconds(1000);
    options.first_token_timeout = std::chrono::milliseconds(5000);
    options.total_timeout = std::chrono::milliseconds(10000);
    options.max_retries = 2;
    options.retry_base_delay = std::chrono::milliseconds(10);
    options.retry_max_delay = std::chrono::milliseconds(50);
    options.breaker_failures = 100;
    options.probe_interval = std::chrono::milliseconds(0);  // every probe asks the server
    options.probe_timeout = std::chrono::milliseconds(1000);
    return options;
}

llm::ChatRequest chat_request(const std::string& user_message) {
    llm::ChatRequest request;
    request.messages = {{"system", "You are a test companion."}, {"user", user_message}};
    return request;
}

void Deltas::add(std::string_view delta) {
    std::lock_guard lock(mutex_);
    deltas_.emplace_back(delta);
}

std::vector<std::string> Deltas::all() const {
    std::lock_guard lock(mutex_);
    return deltas_;
}

std::size_t Deltas::count() const {
    std::lock_guard lock(mutex_);
    return deltas_.size();
}

std::string Deltas::joined() const {
    std::string out;
    for (const auto& delta : all()) out += delta;
    return out;
}

LlmHarness::LlmHarness(llm::LlmOptions options, int threads)
    : loop_(threads),
      client_(std::make_unique<llm::LlmClient>(loop_.executor(), std::move(options), registry_)) {}

LlmHarness::~LlmHarness() {
    // Idle pooled connections go before the loop stops.
    client_.reset();
}

llm::Completion LlmHarness::complete(llm::ChatRequest request) {
    return start_complete(std::move(request)).get();
}

std::future<llm::Completion> LlmHarness::start_complete(llm::ChatRequest request) {
    return loop_.start(client_->complete(std::move(request)));
}

llm::Completion LlmHarness::stream(llm::ChatRequest request, Deltas& deltas, int stop_after) {
    auto shared = std::make_shared<Deltas>();
    auto future = start_stream(std::move(request), shared, stop_after);
    std::exception_ptr failure;
    std::optional<llm::Completion> completion;
    try {
        completion = future.get();
    } catch (...) {
        failure = std::current_exception();
    }
    for (const auto& delta : shared->all()) deltas.add(delta);
    if (failure) std::rethrow_exception(failure);
    return std::move(*completion);
}

std::future<llm::Completion> LlmHarness::start_stream(llm::ChatRequest request,
                                                      std::shared_ptr<Deltas> deltas,
                                                      int stop_after) {
    return loop_.start(collect(*client_, std::move(request), std::move(deltas), stop_after));
}

std::vector<std::vector<float>> LlmHarness::embed(std::vector<std::string> inputs,
                                                  const std::string& model) {
    return loop_.run(client_->embed(std::move(inputs), model));
}

bool LlmHarness::probe() {
    return loop_.run(client_->probe());
}

llm::LlmError llm_error_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const llm::LlmError& error) {
        return error;
    }
    ADD_FAILURE() << "the call succeeded; an LlmError was expected";
    return llm::LlmError(llm::LlmError::Kind::upstream_error, "no error");
}

long long elapsed_ms(const std::function<void()>& call) {
    const auto start = std::chrono::steady_clock::now();
    call();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start)
        .count();
}

}  // namespace companion::testing
