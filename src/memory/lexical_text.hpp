// The text analysis behind the builtin embedder: words lower-cased and split the way people
// write in chat (Unicode-aware enough for Latin, Greek and Cyrillic scripts; CJK runs stay whole
// and are matched by their character n-grams; emoji are words of their own), a light English
// stemmer, and the stop words and weak words that carry little meaning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace companion::memory::lexical {

enum class WordKind : std::uint8_t { word, emoji };

// A word of a text: [begin, begin + size) of the analysed text's lower-cased buffer.
struct Word {
    std::uint32_t begin = 0;
    std::uint32_t size = 0;
    WordKind kind = WordKind::word;
    bool ascii = true;
};

struct AnalysedText {
    std::string lowered;  // the words, lower-cased, back to back
    std::vector<Word> words;
    std::string_view text_of(const Word& word) const {
        return std::string_view(lowered).substr(word.begin, word.size);
    }
};

// Splits into words: letters and digits of any script (ASCII punctuation, Unicode punctuation
// and spaces separate; apostrophes too, so "I'm" gives "i" and "m"); invalid UTF-8 separates.
// Reuses `into`'s buffers.
void split_words(std::string_view text, AnalysedText& into);

// The light stemmer for ASCII words: plural -s/-es/-ies, -ing, -ed/-ied, -ly, a doubled final
// consonant after -ing/-ed (running -> run) and a final -e (hiking, hike, hikes -> hik). Other
// words come back unchanged. Appends the stem to `out` and returns its view.
std::string_view stem(std::string_view word, bool ascii, std::string& out);

// Function words (articles, pronouns, auxiliaries, prepositions, contractions' pieces).
bool is_stop_word(std::string_view lowered_word);

// Words that mean little on their own in chat ("day", "thing", "nice", "really"...): they count,
// with a lower weight. Tested on the stem.
bool is_weak_word(std::string_view stem);

// The hash words and stems are known by: 8 bytes at a time (read little-endian whatever the
// host, so that embeddings are the same everywhere), one multiply per chunk.
inline std::uint64_t hash_word(std::string_view bytes) {
    constexpr std::uint64_t kMultiplier = 0x9fb21c651e98df25ull;
    std::uint64_t hash = 0x9e3779b97f4a7c15ull ^ (bytes.size() * 0xff51afd7ed558ccdull);
    std::size_t at = 0;
    while (at < bytes.size()) {
        std::uint64_t chunk = 0;
        const std::size_t take = bytes.size() - at < 8 ? bytes.size() - at : 8;
        for (std::size_t i = 0; i < take; ++i) {
            chunk |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i]))
                     << (8 * i);
        }
        hash = (hash ^ chunk) * kMultiplier;
        hash ^= hash >> 29;
        at += take;
    }
    return hash;
}

}  // namespace companion::memory::lexical
