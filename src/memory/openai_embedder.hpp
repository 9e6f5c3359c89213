// Embeddings from an OpenAI-compatible server: POST {base}/embeddings with EMBEDDING_MODEL, in
// batches (llm::LlmOptions::embedding_batch_size), with the LLM client's timeouts, retries,
// concurrency cap and circuit breaker. Failures are llm::LlmError.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "memory/embedder.hpp"

namespace companion::memory {

class OpenAiEmbedder final : public Embedder {
  public:
    // `client` reaches the embedding server and must outlive the embedder. Throws
    // std::invalid_argument for an empty model name.
    OpenAiEmbedder(llm::LlmClient& client, std::string model);

    // Throws llm::LlmError (upstream_error) when the server's vectors change dimension
    // between calls: the stored ones could not be compared with them.
    Task<std::vector<std::vector<float>>> embed(std::vector<std::string> inputs) override;
    const std::string& model_name() const override { return model_; }
    // The model's dimension as seen in its first answer; 0 before.
    int dimension() const override { return dimension_.load(); }

  private:
    llm::LlmClient& client_;
    std::string model_;
    std::atomic<int> dimension_{0};
};

}  // namespace companion::memory
