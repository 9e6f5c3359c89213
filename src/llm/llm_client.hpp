// The client of an OpenAI-compatible LLM server (LM Studio, Ollama, llama.cpp, vLLM, OpenAI):
// chat completions with or without streaming, embeddings, and a cached health probe. Calls share
// kept-alive connections, a concurrency cap with a bounded queue and a circuit breaker; they are
// retried (backoff with full jitter) on connection errors, 429 and 5xx before any text arrived,
// never after. Failures are LlmError. Safe to use from coroutines on any I/O thread; destroy it
// before its io_context. See docs/llm.md.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "llm/chat_types.hpp"
#include "llm/llm_error.hpp"
#include "llm/llm_options.hpp"

namespace companion::metrics {
class Registry;
}

namespace companion::llm {

class LlmClient {
  public:
    // Throws std::invalid_argument for a bad base URL or an unreadable ca_file.
    LlmClient(boost::asio::any_io_executor executor, LlmOptions options,
              metrics::Registry& registry);
    ~LlmClient();
    LlmClient(const LlmClient&) = delete;
    LlmClient& operator=(const LlmClient&) = delete;

    // POST {base}/chat/completions without streaming.
    Task<Completion> complete(ChatRequest request);

    // The same with "stream": true: each piece of text goes to `sink` (not empty) as it arrives,
    // on the calling coroutine's executor when it is a strand; a sink answering false cancels the
    // call (LlmError cancelled), an exception from it is rethrown after closing the connection.
    // The Completion holds the whole text.
    Task<Completion> stream(ChatRequest request, DeltaSink sink);

    // POST {base}/embeddings, in batches of options.embedding_batch_size; one vector per input,
    // in order. `model` must not be empty (std::invalid_argument).
    Task<std::vector<std::vector<float>>> embed(std::vector<std::string> inputs, std::string model);

    // GET {base}/models answered 2xx within options.probe_timeout. The answer is cached for
    // options.probe_interval; never throws (for the health monitor).
    Task<bool> probe();

    const LlmOptions& options() const;

    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace companion::llm
