#include "fake_embedding.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>

namespace companion::fake_llm {
namespace {

std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t hash = 1469598103934665603ull;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    return hash;
}

}  // namespace

std::vector<float> fake_embedding(std::string_view text, int dimensions) {
    std::vector<float> vector(static_cast<std::size_t>(dimensions), 0.0f);
    std::string word;
    const auto add_word = [&] {
        if (word.empty()) return;
        const std::uint64_t hash = fnv1a(word);
        vector[hash % vector.size()] += (hash >> 63) != 0 ? -1.0f : 1.0f;
        word.clear();
    };
    for (const char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) {
            word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else {
            add_word();
        }
    }
    add_word();
    double norm = 0;
    for (const float component : vector) norm += component * component;
    if (norm == 0) {
        vector[fnv1a(text) % vector.size()] = 1.0f;
        return vector;
    }
    const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (float& component : vector) component *= scale;
    return vector;
}

}  // namespace companion::fake_llm
