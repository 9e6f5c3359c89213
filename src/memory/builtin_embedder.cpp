#include "memory/builtin_embedder.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "memory/lexical_text.hpp"

namespace companion::memory {
namespace {

constexpr float kWeakWeight = 0.35f;
constexpr float kNgramShare = 1.0f;   // all of a word's n-grams together, relative to its stem
constexpr float kBigramShare = 0.3f;  // a pair of neighbouring stems, relative to the lighter one
constexpr std::size_t kMaxGramCodePoints = 64;  // longer words (CJK runs): n-grams of the start

constexpr std::uint64_t kUnigramSeed = 0x243f6a8885a308d3ull;
constexpr std::uint64_t kNgramSeed = 0x13198a2e03707344ull;
constexpr std::uint64_t kBigramSeed = 0xa4093822299f31d0ull;
constexpr std::uint64_t kEmptySeed = 0x082efa98ec4e6c89ull;
constexpr std::uint64_t kResidualSeed = 0x452821e638d01377ull;
constexpr std::uint64_t kSpreadStep = 0x9e3779b97f4a7c15ull;

// The text's own direction, shared only by texts with the same words: it weighs as much as
// about one content word, so that a text made of nothing but weak words ("good morning") stays
// far from everything, while texts with several content words barely notice it.
constexpr float kResidualWeight = 0.7f;
// Heavy features go into several buckets with a share each, so that a hash collision between
// two texts adds a little noise rather than a false match.
constexpr int kStemBuckets = 8;
constexpr int kBigramBuckets = 2;
constexpr int kResidualBuckets = 32;

// One multiply of mixing on top of a feature's hash: the bucket comes from the high half, the
// sign from a low bit.
std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 32;
    return x;
}

struct Term {
    std::uint64_t hash = 0;        // of the stem
    std::uint32_t word = 0;        // its first occurrence in the analysed text
    std::uint32_t stem_begin = 0;  // the stem in Scratch::stems
    std::uint32_t stem_size = 0;
    std::uint32_t count = 0;  // term frequency
    bool weak = false;
    float weight = 0;
};

// Per-thread buffers, so that embedding a message allocates only its result.
struct Scratch {
    lexical::AnalysedText analysed;
    std::string stems;
    std::vector<std::uint32_t> content;   // indices of the words that count
    std::vector<Term> terms;              // distinct stems
    std::vector<std::uint32_t> sequence;  // term of each counted word, in text order
    std::vector<std::uint32_t> slots;     // open addressing over terms: index + 1, 0 empty
};

class Accumulator {
  public:
    explicit Accumulator(std::span<float> out) : out_(out) {
        std::fill(out.begin(), out.end(), 0.0f);
    }
    void add(std::uint64_t feature, float weight) { add_hashed(mix(feature), weight); }
    // For a feature whose bits are already random (tabulation hashing).
    void add_hashed(std::uint64_t h, float weight) {
        const auto bucket = static_cast<std::size_t>(((h >> 32) * out_.size()) >> 32);
        // The sign by flipping the sign bit: a branch on a random bit mispredicts half the time.
        const auto flip = static_cast<std::uint32_t>(h & 1) << 31;
        out_[bucket] += std::bit_cast<float>(std::bit_cast<std::uint32_t>(weight) ^ flip);
    }
    void add_spread(std::uint64_t feature, float weight, int buckets) {
        const float each = weight / std::sqrt(static_cast<float>(buckets));
        for (int i = 0; i < buckets; ++i) {
            add(feature + static_cast<std::uint64_t>(i) * kSpreadStep, each);
        }
    }

  private:
    std::span<float> out_;
};

bool all_digits(std::string_view word) {
    return std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Tabulation hashing for character n-grams: a random word per (position in the gram, ASCII
// character); other code points get a mixed value rotated by the position. A gram's hash is the
// XOR of its characters' words: no multiplication, and grams of one word share the work.
struct GramTables {
    std::array<std::array<std::uint64_t, 128>, 5> ascii{};
};

const GramTables& gram_tables() {
    static const GramTables tables = [] {
        GramTables t;
        std::uint64_t state = 0x6a09e667f3bcc908ull;  // splitmix64, a fixed seed
        for (auto& position : t.ascii) {
            for (auto& value : position) {
                state += 0x9e3779b97f4a7c15ull;
                std::uint64_t z = state;
                z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
                z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
                value = z ^ (z >> 31);
            }
        }
        return t;
    }();
    return tables;
}

std::uint64_t rotate_left(std::uint64_t x, unsigned bits) {
    return (x << bits) | (x >> ((64 - bits) & 63));
}

// The word's character 3- to 5-grams, code point-wise, with '<' and '>' marking its ends.
void add_ngrams(std::string_view word, float weight, Accumulator& into) {
    std::array<char32_t, kMaxGramCodePoints + 2> points;  // filled before use
    std::size_t count = 0;
    points[count++] = '<';
    for (std::size_t i = 0; i < word.size() && count <= kMaxGramCodePoints;) {
        const auto lead = static_cast<unsigned char>(word[i]);
        if (lead < 0x80) {
            points[count++] = lead;
            ++i;
            continue;
        }
        // The words are our own well-formed UTF-8 (split_words wrote them).
        const std::size_t length = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        char32_t cp = lead & (0x7F >> length);
        for (std::size_t k = 1; k < length && i + k < word.size(); ++k) {
            cp = (cp << 6) | (static_cast<unsigned char>(word[i + k]) & 0x3F);
        }
        points[count++] = cp;
        i += length;
    }
    points[count++] = '>';

    std::size_t grams = 0;
    for (std::size_t n = 3; n <= 5; ++n) grams += count >= n ? count - n + 1 : 0;
    if (grams == 0) return;
    const float each = kNgramShare * weight / std::sqrt(static_cast<float>(grams));
    const auto& tables = gram_tables().ascii;
    const auto value = [&](std::size_t position, char32_t cp) -> std::uint64_t {
        if (cp < 0x80) return tables[position][cp];
        return rotate_left(mix(cp ^ kNgramSeed), static_cast<unsigned>(13 * position + 7));
    };
    for (std::size_t first = 0; first + 3 <= count; ++first) {
        std::uint64_t hash =
            value(0, points[first]) ^ value(1, points[first + 1]) ^ value(2, points[first + 2]);
        into.add_hashed(hash, each);
        if (first + 4 > count) continue;
        hash ^= value(3, points[first + 3]);
        into.add_hashed(hash, each);
        if (first + 5 > count) continue;
        hash ^= value(4, points[first + 4]);
        into.add_hashed(hash, each);
    }
}

void embed_words(Scratch& s, std::span<float> out) {
    Accumulator features(out);
    const auto& analysed = s.analysed;
    s.content.clear();
    for (std::uint32_t i = 0; i < analysed.words.size(); ++i) {
        const auto& word = analysed.words[i];
        if (word.kind == lexical::WordKind::emoji) {
            s.content.push_back(i);
            continue;
        }
        const auto text = analysed.text_of(word);
        const bool single_letter = word.ascii && text.size() == 1;
        if (!single_letter && !lexical::is_stop_word(text)) s.content.push_back(i);
    }
    // Nothing but function words ("how are you?"): they are all there is to compare.
    if (s.content.empty()) {
        for (std::uint32_t i = 0; i < analysed.words.size(); ++i) s.content.push_back(i);
    }
    if (s.content.empty()) {
        features.add_spread(kEmptySeed, 1.0f, kResidualBuckets);
        return;
    }

    s.stems.clear();
    s.terms.clear();
    s.sequence.clear();
    std::size_t slot_count = 16;
    while (slot_count < 2 * s.content.size()) slot_count *= 2;
    s.slots.assign(slot_count, 0);
    for (const std::uint32_t index : s.content) {
        const auto& word = analysed.words[index];
        const auto stem_begin = static_cast<std::uint32_t>(s.stems.size());
        const auto stem = lexical::stem(analysed.text_of(word), word.ascii, s.stems);
        const std::uint64_t hash = lexical::hash_word(stem);
        std::size_t at = hash & (slot_count - 1);
        while (s.slots[at] != 0 && s.terms[s.slots[at] - 1].hash != hash) {
            at = (at + 1) & (slot_count - 1);
        }
        if (s.slots[at] == 0) {
            s.terms.push_back(Term{hash, index, stem_begin, static_cast<std::uint32_t>(stem.size()),
                                   0, lexical::is_weak_word(stem), 0});
            s.slots[at] = static_cast<std::uint32_t>(s.terms.size());
        } else {
            s.stems.resize(stem_begin);  // known stem: keep only the first copy
        }
        const std::uint32_t term = s.slots[at] - 1;
        ++s.terms[term].count;
        s.sequence.push_back(term);
    }

    std::uint64_t word_set = 0;  // order-independent: XOR of the distinct stems' hashes
    for (auto& term : s.terms) {
        term.weight =
            (1.0f + std::log(static_cast<float>(term.count))) * (term.weak ? kWeakWeight : 1.0f);
        word_set ^= mix(term.hash);
        features.add_spread(term.hash ^ kUnigramSeed, term.weight, kStemBuckets);
        // N-grams of the stem, so that inflections ("-ing", "-ed") do not make words alike.
        const auto stem = std::string_view(s.stems).substr(term.stem_begin, term.stem_size);
        if (analysed.words[term.word].kind == lexical::WordKind::word && !all_digits(stem)) {
            add_ngrams(stem, term.weight, features);
        }
    }
    for (std::size_t i = 1; i < s.sequence.size(); ++i) {
        const Term& left = s.terms[s.sequence[i - 1]];
        const Term& right = s.terms[s.sequence[i]];
        if (&left == &right) continue;
        const std::uint64_t pair = (left.hash * 0x9e3779b97f4a7c15ull) ^ right.hash ^ kBigramSeed;
        features.add_spread(pair, kBigramShare * std::min(left.weight, right.weight),
                            kBigramBuckets);
    }
    features.add_spread(word_set ^ kResidualSeed, kResidualWeight, kResidualBuckets);
}

void normalise(std::span<float> out) {
    double sum = 0;
    for (const float x : out) sum += static_cast<double>(x) * static_cast<double>(x);
    if (sum == 0) {
        // Every feature cancelled out (possible, never seen): a fixed direction, not a zero.
        std::fill(out.begin(), out.end(), 0.0f);
        out[0] = 1.0f;
        return;
    }
    const auto scale = static_cast<float>(1.0 / std::sqrt(sum));
    for (float& x : out) x *= scale;
}

}  // namespace

BuiltinEmbedder::BuiltinEmbedder(int dimension)
    : dimension_(dimension), model_name_("builtin-lexical-v1/" + std::to_string(dimension)) {
    if (dimension < kMinDimension || dimension > kMaxDimension) {
        throw std::invalid_argument("the builtin embedder's dimension must be from " +
                                    std::to_string(kMinDimension) + " to " +
                                    std::to_string(kMaxDimension));
    }
}

void BuiltinEmbedder::embed_into(std::string_view text, std::span<float> out) const {
    if (out.size() != static_cast<std::size_t>(dimension_)) {
        throw std::invalid_argument("embed_into: the output is not of the embedder's dimension");
    }
    thread_local Scratch scratch;
    lexical::split_words(text, scratch.analysed);
    embed_words(scratch, out);
    normalise(out);
}

std::vector<float> BuiltinEmbedder::embed_text(std::string_view text) const {
    std::vector<float> out(static_cast<std::size_t>(dimension_));
    embed_into(text, out);
    return out;
}

Task<std::vector<std::vector<float>>> BuiltinEmbedder::embed(std::vector<std::string> inputs) {
    std::vector<std::vector<float>> vectors;
    vectors.reserve(inputs.size());
    for (const auto& input : inputs) vectors.push_back(embed_text(input));
    co_return vectors;
}

}  // namespace companion::memory
