// make_embedder: the Embedder the settings ask for.
#include <stdexcept>

#include "config/settings.hpp"
#include "memory/builtin_embedder.hpp"
#include "memory/embedder.hpp"
#include "memory/openai_embedder.hpp"

namespace companion::memory {

std::unique_ptr<Embedder> make_embedder(const config::Settings& settings, llm::LlmClient* llm) {
    switch (settings.embedding_provider) {
        case config::EmbeddingProvider::builtin:
            return std::make_unique<BuiltinEmbedder>(settings.embedding_dimensions);
        case config::EmbeddingProvider::openai:
            if (llm == nullptr) {
                throw std::invalid_argument("EMBEDDING_PROVIDER=openai needs an LLM client");
            }
            return std::make_unique<OpenAiEmbedder>(*llm, settings.embedding_model);
    }
    throw std::invalid_argument("unknown EMBEDDING_PROVIDER");
}

std::string embedding_base_url(const config::Settings& settings) {
    return settings.embedding_base_url.empty() ? settings.lm_studio_base_url
                                               : settings.embedding_base_url;
}

}  // namespace companion::memory
