// An LlmClient in the test process, on its own io_context, pointed at a FakeLlm: blocking helpers
// for completions, streams (collecting the deltas) and failures.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "llm/llm_client.hpp"
#include "metrics/registry.hpp"
#include "support/async.hpp"

namespace companion::testing {

// Short timeouts and retry delays, so that failure tests run in a fraction of a second.
llm::LlmOptions fast_llm_options(const std::string& base_url);

llm::ChatRequest chat_request(const std::string& user_message = "Hello there");

// The deltas a stream delivered, in order (filled from the client's threads).
class Deltas {
  public:
    void add(std::string_view delta);
    std::vector<std::string> all() const;
    std::size_t count() const;
    std::string joined() const;

  private:
    mutable std::mutex mutex_;
    std::vector<std::string> deltas_;
};

class LlmHarness {
  public:
    explicit LlmHarness(llm::LlmOptions options, int threads = 2);
    ~LlmHarness();

    llm::LlmClient& client() { return *client_; }
    metrics::Registry& registry() { return registry_; }
    TestLoop& loop() { return loop_; }

    llm::Completion complete(llm::ChatRequest request = chat_request());
    // A sink that answers false once it has `stop_after` deltas (never when negative).
    llm::Completion stream(llm::ChatRequest request, Deltas& deltas, int stop_after = -1);
    std::future<llm::Completion> start_complete(llm::ChatRequest request = chat_request());
    std::future<llm::Completion> start_stream(llm::ChatRequest request,
                                              std::shared_ptr<Deltas> deltas, int stop_after = -1);
    std::vector<std::vector<float>> embed(std::vector<std::string> inputs,
                                          const std::string& model = "embedder");
    bool probe();

  private:
    TestLoop loop_;
    metrics::Registry registry_;
    std::unique_ptr<llm::LlmClient> client_;
};

// The LlmError the call failed with; a test failure (and a default error) when it succeeded.
llm::LlmError llm_error_of(const std::function<void()>& call);

// Milliseconds `call` took.
long long elapsed_ms(const std::function<void()>& call);

}  // namespace companion::testing
