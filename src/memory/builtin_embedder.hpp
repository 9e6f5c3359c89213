// The builtin embedder: deterministic, lexical, no model and no network (docs/memory.md).
//
// A text becomes words (memory/lexical_text.hpp); stop words go (unless nothing else is left),
// the rest are stemmed. Each distinct stem weighs w = 1 + ln(tf) (sublinear), times 0.35 for weak
// words ("day", "nice", "month"...). Features, hashed with a random sign into `dimension`
// buckets:
//   - the stem (weight w, spread over 8 buckets),
//   - the stem's character 3- to 5-grams with boundary marks ("<ru", "run", "un>", ...), together
//     weighing w: words sharing a root or a typo still meet,
//   - each pair of neighbouring stems (0.3 of the lighter one): word order a little,
//   - the text's own direction (0.7, over 32 buckets), from the set of its stems: a text of
//     nothing but weak words ("good morning") stays far from everything, while texts with several
//     content words barely notice it; the same words in any order still score 1.
// The vector is L2-normalised, so a dot product is the cosine similarity. Unrelated texts score
// about 0 +- 0.05 (hash collisions: 1/sqrt(dimension)); texts sharing one content word among four
// or five score 0.25-0.5. MEMORY_SIMILARITY_THRESHOLD's default for this embedder, 0.2
// (config::kBuiltinSimilarityThreshold), is calibrated on
// tests/memory/embedder_relatedness_test.cpp.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "memory/embedder.hpp"

namespace companion::memory {

class BuiltinEmbedder final : public Embedder {
  public:
    static constexpr int kDefaultDimension = 384;
    static constexpr int kMinDimension = 32;
    static constexpr int kMaxDimension = 4096;

    // Throws std::invalid_argument for a dimension outside [kMinDimension, kMaxDimension].
    explicit BuiltinEmbedder(int dimension = kDefaultDimension);

    Task<std::vector<std::vector<float>>> embed(std::vector<std::string> inputs) override;
    const std::string& model_name() const override { return model_name_; }
    int dimension() const override { return dimension_; }

    // The same, synchronously (a few microseconds for a chat message; thread-safe).
    std::vector<float> embed_text(std::string_view text) const;
    // Writes the embedding into `out` (dimension() floats).
    void embed_into(std::string_view text, std::span<float> out) const;

  private:
    int dimension_;
    std::string model_name_;  // "builtin-lexical-v1/<dimension>"
};

}  // namespace companion::memory
