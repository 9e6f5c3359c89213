#include "memory/lexical_text.hpp"

#include <array>
#include <cstddef>
#include <initializer_list>

namespace companion::memory::lexical {
namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;

// Decodes one code point at text[i], advancing i; kInvalid (one byte consumed) when malformed.
char32_t decode(std::string_view text, std::size_t& i) {
    const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
        ++i;
        return lead;
    }
    std::size_t length = 0;
    char32_t cp = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        cp = lead & 0x07;
    } else {
        ++i;
        return kInvalid;
    }
    if (i + length > text.size()) {
        ++i;
        return kInvalid;
    }
    for (std::size_t k = 1; k < length; ++k) {
        const unsigned char next = byte(i + k);
        if ((next & 0xC0) != 0x80) {
            ++i;
            return kInvalid;
        }
        cp = (cp << 6) | (next & 0x3F);
    }
    constexpr std::array<char32_t, 5> smallest = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < smallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return kInvalid;
    }
    i += length;
    return cp;
}

// Writes the code point's UTF-8 form at out; returns its length.
std::uint32_t encode(char32_t cp, char* out) {
    if (cp < 0x80) {
        out[0] = static_cast<char>(cp);
        return 1;
    }
    if (cp < 0x800) {
        out[0] = static_cast<char>(0xC0 | (cp >> 6));
        out[1] = static_cast<char>(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = static_cast<char>(0xE0 | (cp >> 12));
        out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out[2] = static_cast<char>(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = static_cast<char>(0xF0 | (cp >> 18));
    out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[3] = static_cast<char>(0x80 | (cp & 0x3F));
    return 4;
}

// ASCII letters and digits lower-cased; 0 for everything else (a separator).
const std::array<char, 128>& ascii_table() {
    static const std::array<char, 128> table = [] {
        std::array<char, 128> t{};
        for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<char>(c);
        for (int c = 'a'; c <= 'z'; ++c) {
            t[static_cast<std::size_t>(c)] = static_cast<char>(c);
            t[static_cast<std::size_t>(c - 32)] = static_cast<char>(c);
        }
        return t;
    }();
    return table;
}

enum class CharClass { separator, letter, emoji };

CharClass classify(char32_t cp) {
    if (cp < 0x80) {
        const bool alnum =
            (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
        return alnum ? CharClass::letter : CharClass::separator;
    }
    if (cp == kInvalid || cp <= 0xBF || cp == 0xD7 || cp == 0xF7) return CharClass::separator;
    if (cp >= 0x2000 && cp <= 0x206F) return CharClass::separator;  // general punctuation
    if (cp >= 0x2190 && cp <= 0x23FF) return CharClass::separator;  // arrows, math, technical
    if (cp >= 0x2500 && cp <= 0x25FF) return CharClass::separator;  // box drawing, shapes
    if (cp >= 0x3000 && cp <= 0x303F) return CharClass::separator;  // CJK punctuation
    if (cp >= 0xFE00 && cp <= 0xFE0F) return CharClass::separator;  // variation selectors
    if (cp >= 0xFF00 && cp <= 0xFF0F) return CharClass::separator;  // fullwidth punctuation
    if (cp >= 0xFF1A && cp <= 0xFF20) return CharClass::separator;
    if (cp == 0xFEFF || cp == 0xFFFD) return CharClass::separator;
    if ((cp >= 0x2600 && cp <= 0x27BF) || (cp >= 0x1F000 && cp <= 0x1FAFF)) {
        return CharClass::emoji;
    }
    if (cp >= 0x1F3FB && cp <= 0x1F3FF) return CharClass::separator;  // skin tone modifiers
    return CharClass::letter;
}

char32_t to_lower(char32_t cp) {
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if (cp < 0x80) return cp;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;  // Latin-1
    if (cp >= 0x100 && cp <= 0x137 && cp % 2 == 0) return cp + 1;  // Latin Extended-A
    if (cp >= 0x14A && cp <= 0x177 && cp % 2 == 0) return cp + 1;
    if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 0x20;  // Greek
    if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;                 // Cyrillic
    if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
    return cp;
}

// A set of words held as their hashes in an open-addressing table (64-bit hashes of a few
// hundred words do not collide in practice); a lookup is one hash and a probe or two.
class WordSet {
  public:
    WordSet() { slots_.fill(0); }
    void add(std::string_view word) {
        const std::uint64_t hash = key(word);
        std::size_t at = hash & (kSlots - 1);
        while (slots_[at] != 0 && slots_[at] != hash) at = (at + 1) & (kSlots - 1);
        slots_[at] = hash;
    }
    bool contains(std::string_view word) const {
        const std::uint64_t hash = key(word);
        for (std::size_t at = hash & (kSlots - 1);; at = (at + 1) & (kSlots - 1)) {
            if (slots_[at] == hash) return true;
            if (slots_[at] == 0) return false;
        }
    }

  private:
    static constexpr std::size_t kSlots = 2048;
    static std::uint64_t key(std::string_view word) { return hash_word(word) | 1; }  // never 0
    std::array<std::uint64_t, kSlots> slots_;
};

const WordSet& stop_words() {
    static const WordSet set = [] {
        WordSet words;
        for (const char* word :
             {// articles, conjunctions, adverbs of degree
              "a", "an", "the", "and", "or", "but", "if", "then", "else", "so", "than", "too",
              "very", "just", "also", "only", "not", "no", "nor", "yes", "yeah", "yep", "ok",
              "okay", "as", "because", "while", "until", "unless", "although", "though", "really",
              "actually", "maybe", "perhaps", "quite", "rather", "pretty", "still", "even", "ever",
              "already", "much", "many", "lot", "lots", "bit", "kind", "sort", "every", "again",
              // pronouns and determiners
              "i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves", "you",
              "your", "yours", "yourself", "yourselves", "he", "him", "his", "himself", "she",
              "her", "hers", "herself", "it", "its", "itself", "they", "them", "their", "theirs",
              "themselves", "what", "which", "who", "whom", "whose", "this", "that", "these",
              "those", "there", "here", "where", "when", "why", "how", "all", "any", "both", "each",
              "few", "more", "most", "other", "some", "such", "own", "same", "something",
              "anything", "everything", "nothing", "someone", "anyone", "everyone", "one",
              // auxiliaries and modals
              "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had",
              "having", "do", "does", "did", "doing", "done", "will", "would", "shall", "should",
              "can", "could", "may", "might", "must", "get", "got", "gets", "getting", "let",
              "lets",
              // prepositions
              "of", "at", "by", "for", "with", "about", "against", "between", "into", "through",
              "during", "before", "after", "above", "below", "to", "from", "up", "down", "in",
              "out", "on", "off", "over", "under", "again", "further", "once", "around", "via",
              // pieces of contractions ("don't" gives "don" and "t") and apostrophe-less ones
              "s", "t", "m", "d", "ll", "re", "ve", "don", "doesn", "didn", "isn", "aren", "wasn",
              "weren", "won", "wouldn", "couldn", "shouldn", "hasn", "haven", "hadn", "ain", "im",
              "ive", "id", "youre", "dont", "cant", "wont", "didnt", "doesnt", "isnt", "gonna",
              "wanna",
              // greetings and fillers
              "hello", "hi", "hey", "hiya", "thanks", "thank", "thx", "please", "bye", "goodbye",
              "lol", "haha", "hahaha", "hmm", "um", "uh", "ah", "oh", "wow", "well"}) {
            words.add(word);
        }
        return words;
    }();
    return set;
}

const WordSet& weak_stems() {
    static const WordSet set = [] {
        WordSet stems;
        std::string buffer;
        for (const char* word :
             {"day",     "days",      "today",    "tonight", "tomorrow", "yesterday", "morning",
              "evening", "thing",     "things",   "stuff",   "way",      "time",      "times",
              "nice",    "good",      "great",    "fine",    "bad",      "cool",      "awesome",
              "amazing", "lovely",    "love",     "like",    "want",     "need",      "know",
              "think",   "feel",      "feeling",  "go",      "going",    "make",      "take",
              "say",     "tell",      "see",      "look",    "come",     "try",       "guess",
              "mean",    "talk",      "chat",     "new",     "old",      "big",       "little",
              "last",    "next",      "first",    "always",  "never",    "sometimes", "often",
              "now",     "soon",      "later",    "right",   "sure",     "ask",       "help",
              "plan",    "long",      "week",     "month",   "year",     "night",     "afternoon",
              "weekend", "favourite", "favorite", "start",   "keep",     "stop",      "happen",
              "watch",   "hard",      "easy",     "place",   "people",   "person"}) {
            buffer.clear();
            stems.add(stem(word, true, buffer));
        }
        return stems;
    }();
    return set;
}

template <std::size_t N>
bool ends_with(std::string_view word, const char (&suffix)[N]) {
    constexpr std::size_t length = N - 1;
    if (word.size() < length) return false;
    const char* tail = word.data() + word.size() - length;
    for (std::size_t i = 0; i < length; ++i) {
        if (tail[i] != suffix[i]) return false;
    }
    return true;
}

bool is_vowel(char c) {
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

// "runn" -> "run", "planned" -> "plan"; keeps "ll", "ss", "zz" (called, missed, buzzed).
std::string_view undouble(std::string_view word) {
    const std::size_t n = word.size();
    if (n >= 3 && word[n - 1] == word[n - 2] && !is_vowel(word[n - 1]) && word[n - 1] != 'l' &&
        word[n - 1] != 's' && word[n - 1] != 'z') {
        return word.substr(0, n - 1);
    }
    return word;
}

bool has_digit(std::string_view word) {
    for (const char c : word) {
        if (c >= '0' && c <= '9') return true;
    }
    return false;
}

}  // namespace

void split_words(std::string_view text, AnalysedText& into) {
    into.words.clear();
    // Lower-casing keeps every code point's length and separators are dropped, so the words
    // never need more bytes than the text.
    into.lowered.resize(text.size());
    char* const out = into.lowered.data();
    std::uint32_t size = 0;
    bool in_word = false;
    const auto& ascii = ascii_table();
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {
            ++i;
            const char lowered = ascii[byte];
            if (lowered == 0) {
                in_word = false;
            } else if (in_word) {
                out[size++] = lowered;
                ++into.words.back().size;
            } else {
                into.words.push_back(Word{size, 1, WordKind::word, true});
                out[size++] = lowered;
                in_word = true;
            }
            continue;
        }
        const char32_t cp = decode(text, i);
        const CharClass kind = classify(cp);
        if (kind == CharClass::separator) {
            in_word = false;
            continue;
        }
        const std::uint32_t begin = size;
        size += encode(to_lower(cp), out + size);
        if (kind == CharClass::emoji) {
            into.words.push_back(Word{begin, size - begin, WordKind::emoji, false});
            in_word = false;
        } else if (in_word) {
            Word& word = into.words.back();
            word.size += size - begin;
            word.ascii = false;
        } else {
            into.words.push_back(Word{begin, size - begin, WordKind::word, false});
            in_word = true;
        }
    }
    into.lowered.resize(size);
}

std::string_view stem(std::string_view word, bool ascii, std::string& out) {
    const std::size_t start = out.size();
    if (!ascii || word.size() < 4 || has_digit(word)) {
        out.append(word);
        return std::string_view(out).substr(start);
    }
    std::string_view base = word;
    char replacement = 0;  // appended after base: the 'y' of studies -> study
    if (ends_with(base, "ies") && base.size() > 4) {
        base.remove_suffix(3);
        replacement = 'y';
    } else if (ends_with(base, "sses")) {
        base.remove_suffix(2);
    } else if (ends_with(base, "ss") || ends_with(base, "us") || ends_with(base, "is")) {
    } else if (ends_with(base, "s")) {
        base.remove_suffix(1);
    }
    if (replacement == 0) {
        if (ends_with(base, "ied") && base.size() > 4) {
            base.remove_suffix(3);
            replacement = 'y';
        } else if (ends_with(base, "ing") && base.size() >= 6) {
            base = undouble(base.substr(0, base.size() - 3));
        } else if (ends_with(base, "ed") && base.size() >= 5) {
            base = undouble(base.substr(0, base.size() - 2));
        } else if (ends_with(base, "ly") && base.size() >= 6) {
            base.remove_suffix(2);
        }
        if (ends_with(base, "e") && base.size() >= 4) base.remove_suffix(1);
    }
    out.append(base);
    if (replacement != 0) out += replacement;
    return std::string_view(out).substr(start);
}

bool is_stop_word(std::string_view lowered_word) {
    return stop_words().contains(lowered_word);
}

bool is_weak_word(std::string_view stem) {
    return weak_stems().contains(stem);
}

}  // namespace companion::memory::lexical
