// The classifier's lexicon: emotion words, phrases, emoticons and emoji with their class weight,
// valence and arousal, plus the words that change how others count (negators, intensifiers and
// diminishers, contrast words). Written for this project; see docs/emotion.md for its design.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "emotion/emotion.hpp"

namespace companion::emotion {

struct LexiconEntry {
    std::string_view term;  // lower-case word, words separated by one space, emoticon or emoji
    Emotion emotion = Emotion::neutral;  // neutral: a phrase that only shields its words
    double weight = 0;                   // evidence for `emotion`; about 1 for a clear word
    double valence = 0;                  // -1 (unpleasant) .. 1 (pleasant)
    double arousal = 0;                  // 0 (calm) .. 1 (agitated)
    // The class a negated occurrence counts for ("didn't expect" -> surprise); nullopt: the
    // default of negated_emotion(), neutral: none.
    std::optional<Emotion> when_negated = std::nullopt;
    // Ambiguous words ("down", "blue", "empty") count only shortly after a feeling word.
    bool needs_feeling_context = false;
};

// What a single word or a phrase does when the classifier meets it.
struct Cue {
    std::span<const LexiconEntry> entries;  // emotion evidence (several classes possible)
    double modifier = 1.0;                  // != 1: scales the next emotion word ("very", "a bit")
    bool negator = false;                   // "not", "never", "don't" ...
    bool emphatic_negator = false;  // "never", "couldn't": "never been so happy" intensifies
    bool contrast = false;          // "but", "however": what follows counts more
    bool feeling_anchor = false;    // "feel", "I'm", "so": opens the context ambiguous words need
    bool emphasis = false;          // "so", "this", "more", "ever" after an emphatic negator
};

struct Phrase {
    std::vector<std::string_view> words;  // two or more tokens; punctuation tokens as "?", "?!"
    Cue cue;
};

// The default class a negated occurrence of `emotion` counts for ("not happy" -> sadness), and
// the factor its weight is multiplied by; neutral when negation cancels it ("not surprised").
struct NegatedEvidence {
    Emotion emotion;
    double factor;
};
NegatedEvidence negated_emotion(Emotion emotion);

class Lexicon {
  public:
    // The built-in lexicon, built once on first use; thread-safe.
    static const Lexicon& builtin();

    // The cue of exactly this single token, or nullptr.
    const Cue* find(std::string_view token) const;

    // The cue of this word or of the base form an English suffix rule gives ("worried" ->
    // "worry", "happiest" -> "happy"); sets `comparative` when the match went through -er/-est.
    const Cue* find_word(std::string_view word, bool& comparative) const;

    // Only the suffix rules of find_word, for a word already known to have no cue of its own.
    const Cue* find_inflected(std::string_view word, bool& comparative) const;

    // Phrases whose first token is `token`, longest first.
    std::span<const Phrase> phrases_starting_with(std::string_view token) const;

    // find() and phrases_starting_with() in one hash lookup.
    struct Lookup {
        const Cue* cue = nullptr;
        std::span<const Phrase> phrases;
    };
    Lookup lookup(std::string_view token) const;

    // Number of emotion entries (words, phrases, emoticons, emoji); documented in docs/emotion.md.
    std::size_t entry_count() const;

    struct Index;
    explicit Lexicon(std::unique_ptr<const Index> index);
    ~Lexicon();
    Lexicon(const Lexicon&) = delete;
    Lexicon& operator=(const Lexicon&) = delete;

  private:
    std::unique_ptr<const Index> index_;
};

// The raw table, for tests and documentation.
std::span<const LexiconEntry> builtin_lexicon_entries();

}  // namespace companion::emotion
