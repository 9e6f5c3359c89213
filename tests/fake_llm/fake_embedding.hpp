// Deterministic embeddings for tests: each word adds ±1 to a hashed dimension, then the vector is
// normalised. Texts sharing words point in similar directions; the same text, the same vector.
#pragma once

#include <string_view>
#include <vector>

namespace companion::fake_llm {

std::vector<float> fake_embedding(std::string_view text, int dimensions);

}  // namespace companion::fake_llm
