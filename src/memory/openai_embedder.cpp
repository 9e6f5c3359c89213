#include "memory/openai_embedder.hpp"

#include <stdexcept>
#include <utility>

#include "llm/llm_client.hpp"

namespace companion::memory {

OpenAiEmbedder::OpenAiEmbedder(llm::LlmClient& client, std::string model)
    : client_(client), model_(std::move(model)) {
    if (model_.empty()) throw std::invalid_argument("the embedding model name is empty");
}

Task<std::vector<std::vector<float>>> OpenAiEmbedder::embed(std::vector<std::string> inputs) {
    if (inputs.empty()) co_return std::vector<std::vector<float>>{};
    auto vectors = co_await client_.embed(std::move(inputs), model_);
    // The client checks that one answer's vectors agree; across answers it is checked here.
    const int dimension = static_cast<int>(vectors.front().size());
    int expected = 0;
    if (!dimension_.compare_exchange_strong(expected, dimension) && expected != dimension) {
        throw llm::LlmError(llm::LlmError::Kind::upstream_error,
                            "the embedding model " + model_ + " answered vectors of " +
                                std::to_string(dimension) + " dimensions after " +
                                std::to_string(expected));
    }
    co_return vectors;
}

}  // namespace companion::memory
