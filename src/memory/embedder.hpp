// Text embeddings behind one interface, chosen by EMBEDDING_PROVIDER: the builtin lexical
// embedder (no model, no network) or an OpenAI-compatible /embeddings endpoint. Every stored
// vector records model_name(), so that a change of model is noticed (memory/reembed.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace companion::config {
struct Settings;
}

namespace companion::llm {
class LlmClient;
}

namespace companion::memory {

template <class T>
using Task = boost::asio::awaitable<T>;

class Embedder {
  public:
    virtual ~Embedder() = default;

    // One vector per input, in order, each of the model's dimension. The builtin embedder's are
    // L2-normalised; a server's may not be (the index normalises what it keeps). Failures of an
    // embedding server are llm::LlmError.
    virtual Task<std::vector<std::vector<float>>> embed(std::vector<std::string> inputs) = 0;

    // Recorded with every stored vector, e.g. "builtin-lexical-v1/384" or the server's model.
    virtual const std::string& model_name() const = 0;

    // The vectors' length; 0 while not known yet (a server's model, before its first answer).
    virtual int dimension() const = 0;
};

// The embedder the settings ask for. `llm` is the client that reaches EMBEDDING_BASE_URL (the
// chat client when EMBEDDING_BASE_URL is empty or equal to LM_STUDIO_BASE_URL); it is only used,
// and only required, for EMBEDDING_PROVIDER=openai (std::invalid_argument without it). It must
// outlive the embedder.
std::unique_ptr<Embedder> make_embedder(const config::Settings& settings, llm::LlmClient* llm);

// The base URL the openai embedder posts to: EMBEDDING_BASE_URL, else LM_STUDIO_BASE_URL. The
// composition root builds a second LlmClient for it when it differs from LM_STUDIO_BASE_URL.
std::string embedding_base_url(const config::Settings& settings);

}  // namespace companion::memory
