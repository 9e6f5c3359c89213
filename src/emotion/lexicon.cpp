#include "emotion/lexicon.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

namespace companion::emotion {

namespace {

struct Modifier {
    std::string_view term;
    double factor;
};

// Intensifiers (> 1) and diminishers (< 1); they scale the next emotion word within two words.
constexpr auto kModifiers = std::to_array<Modifier>({
    {"very", 1.4},           {"so", 1.4},
    {"really", 1.4},         {"extremely", 1.8},
    {"incredibly", 1.7},     {"absolutely", 1.6},
    {"totally", 1.5},        {"utterly", 1.7},
    {"completely", 1.5},     {"deeply", 1.5},
    {"truly", 1.4},          {"super", 1.5},
    {"terribly", 1.5},       {"awfully", 1.4},
    {"insanely", 1.6},       {"ridiculously", 1.5},
    {"unbelievably", 1.6},   {"extraordinarily", 1.6},
    {"exceptionally", 1.5},  {"highly", 1.4},
    {"hugely", 1.4},         {"immensely", 1.6},
    {"massively", 1.5},      {"seriously", 1.3},
    {"genuinely", 1.3},      {"especially", 1.2},
    {"particularly", 1.2},   {"too", 1.2},
    {"quite", 1.2},          {"pretty", 1.2},
    {"most", 1.3},           {"such", 1.3},
    {"thoroughly", 1.5},     {"entirely", 1.4},
    {"freaking", 1.5},       {"fucking", 1.6},
    {"bloody", 1.4},         {"properly", 1.3},
    {"beyond", 1.5},         {"so much", 1.5},
    {"a lot", 1.3},          {"way too", 1.5},
    {"the most", 1.4},       {"even more", 1.4},
    {"more than ever", 1.5}, {"can't stop", 1.4},
    {"cannot stop", 1.4},    {"couldn't stop", 1.4},
    {"could not stop", 1.4}, {"a bit", 0.6},
    {"a little", 0.6},       {"a little bit", 0.5},
    {"little bit", 0.5},     {"slightly", 0.5},
    {"somewhat", 0.7},       {"kind of", 0.6},
    {"kinda", 0.6},          {"sort of", 0.6},
    {"sorta", 0.6},          {"a tad", 0.6},
    {"mildly", 0.5},         {"fairly", 0.8},
    {"rather", 0.9},         {"partly", 0.7},
    {"marginally", 0.5},     {"barely", 0.4},
    {"hardly", 0.4},         {"almost", 0.7},
    {"a touch", 0.6},
});

struct Negator {
    std::string_view term;
    bool emphatic;  // "never been so happy", "couldn't be happier" mean more, not less
};

constexpr auto kNegators = std::to_array<Negator>({
    {"not", false},       {"no", false},      {"never", true},      {"don't", false},
    {"dont", false},      {"doesn't", false}, {"doesnt", false},    {"didn't", false},
    {"didnt", false},     {"isn't", false},   {"isnt", false},      {"wasn't", false},
    {"wasnt", false},     {"aren't", false},  {"arent", false},     {"weren't", false},
    {"werent", false},    {"can't", true},    {"cant", true},       {"cannot", true},
    {"couldn't", true},   {"couldnt", true},  {"won't", false},     {"wont", false},
    {"wouldn't", false},  {"wouldnt", false}, {"shouldn't", false}, {"shouldnt", false},
    {"haven't", false},   {"havent", false},  {"hasn't", false},    {"hasnt", false},
    {"hadn't", false},    {"hadnt", false},   {"ain't", false},     {"aint", false},
    {"mustn't", false},   {"neither", false}, {"nor", false},       {"nobody", false},
    {"nothing", false},   {"none", false},    {"nowhere", false},   {"without", false},
    {"no longer", false}, {"no more", false}, {"not even", false},  {"could not", true},
    {"can not", true},
});

constexpr auto kContrasts = std::to_array<std::string_view>({"but", "however"});

// Words after which an ambiguous emotion word ("down", "empty") is about the speaker's feelings.
// Every modifier is one too.
constexpr auto kFeelingAnchors = std::to_array<std::string_view>({
    "feel",    "feels",  "feeling", "felt",  "i'm",    "im",     "am",    "get",    "gets",
    "getting", "got",    "seem",    "seems", "seemed", "look",   "looks", "looked", "sound",
    "sounds",  "become", "became",  "still", "just",   "you're", "youre", "he's",   "she's",
    "they're", "we're",  "makes",   "made",  "make",   "and",
});

// After an emphatic negator these turn "never felt so alone" into an intensified "alone".
constexpr auto kEmphasisWords =
    std::to_array<std::string_view>({"so", "this", "that", "more", "ever", "as"});

struct SuffixRule {
    std::string_view suffix;
    std::string_view replacement;
    bool comparative;
    bool undouble;  // "sobbing" -> "sobb" -> "sob"
};

constexpr auto kSuffixRules = std::to_array<SuffixRule>({
    {"iness", "y", false, false},
    {"ness", "", false, false},
    {"ily", "y", false, false},
    {"ly", "", false, false},
    {"iest", "y", true, false},
    {"ier", "y", true, false},
    {"est", "", true, true},
    {"est", "e", true, false},
    {"er", "", true, true},
    {"ied", "y", false, false},
    {"ies", "y", false, false},
    {"ing", "", false, true},
    {"ing", "e", false, false},
    {"ed", "", false, true},
    {"ed", "e", false, false},
    {"es", "", false, false},
    {"s", "", false, false},
});

constexpr std::size_t kMinimumStem = 3;

std::vector<std::string_view> split_words(std::string_view term) {
    std::vector<std::string_view> words;
    std::size_t start = 0;
    while (start <= term.size()) {
        const std::size_t space = term.find(' ', start);
        const std::size_t end = space == std::string_view::npos ? term.size() : space;
        if (end > start) words.push_back(term.substr(start, end - start));
        if (space == std::string_view::npos) break;
        start = space + 1;
    }
    return words;
}

}  // namespace

struct Lexicon::Index {
    struct Slot {
        Cue cue;
        bool has_cue = false;
        std::span<const Phrase> phrases;  // into phrase_lists
    };
    std::vector<LexiconEntry> entries;  // grouped by term; cues point into it
    std::unordered_map<std::string_view, Slot> slots;
    std::unordered_map<std::string_view, std::vector<Phrase>> phrase_lists;

    Cue& cue_for(std::string_view term) {
        const std::vector<std::string_view> words = split_words(term);
        if (words.size() == 1) {
            Slot& slot = slots[term];
            slot.has_cue = true;
            return slot.cue;
        }
        auto& list = phrase_lists[words.front()];
        for (Phrase& phrase : list) {
            if (phrase.words == words) return phrase.cue;
        }
        list.push_back(Phrase{words, Cue{}});
        return list.back().cue;
    }

    // Once every phrase is in: longest first, and each first word's slot points at its list.
    void link_phrases() {
        for (auto& [first, list] : phrase_lists) {
            std::stable_sort(list.begin(), list.end(), [](const Phrase& a, const Phrase& b) {
                return a.words.size() > b.words.size();
            });
            slots[first].phrases = list;
        }
    }
};

NegatedEvidence negated_emotion(Emotion emotion) {
    switch (emotion) {
        case Emotion::joy:
            return {Emotion::sadness, 0.6};  // "not happy"
        case Emotion::trust:
            return {Emotion::fear, 0.5};  // "I don't trust him"
        case Emotion::anticipation:
            return {Emotion::sadness, 0.5};  // "not looking forward to it"
        case Emotion::sadness:               // "not sad anymore"
        case Emotion::anger:
        case Emotion::fear:
        case Emotion::disgust:
            return {Emotion::joy, 0.3};
        case Emotion::surprise:  // "not surprised"
        case Emotion::neutral:
            return {Emotion::neutral, 0.0};
    }
    return {Emotion::neutral, 0.0};
}

const Lexicon& Lexicon::builtin() {
    static const Lexicon lexicon = [] {
        auto index = std::make_unique<Index>();
        const auto table = builtin_lexicon_entries();
        index->entries.assign(table.begin(), table.end());
        std::stable_sort(
            index->entries.begin(), index->entries.end(),
            [](const LexiconEntry& a, const LexiconEntry& b) { return a.term < b.term; });
        const std::span<const LexiconEntry> all(index->entries);
        for (std::size_t begin = 0; begin < all.size();) {
            std::size_t end = begin + 1;
            while (end < all.size() && all[end].term == all[begin].term) ++end;
            index->cue_for(all[begin].term).entries = all.subspan(begin, end - begin);
            begin = end;
        }
        for (const Modifier& modifier : kModifiers) {
            Cue& cue = index->cue_for(modifier.term);
            cue.modifier = modifier.factor;
            cue.feeling_anchor = true;
        }
        for (const Negator& negator : kNegators) {
            Cue& cue = index->cue_for(negator.term);
            cue.negator = true;
            cue.emphatic_negator = negator.emphatic;
        }
        for (std::string_view word : kContrasts) index->cue_for(word).contrast = true;
        for (std::string_view word : kFeelingAnchors) index->cue_for(word).feeling_anchor = true;
        for (std::string_view word : kEmphasisWords) index->cue_for(word).emphasis = true;
        index->link_phrases();
        return Lexicon(std::move(index));
    }();
    return lexicon;
}

Lexicon::Lexicon(std::unique_ptr<const Index> index) : index_(std::move(index)) {}
Lexicon::~Lexicon() = default;

Lexicon::Lookup Lexicon::lookup(std::string_view token) const {
    const auto found = index_->slots.find(token);
    if (found == index_->slots.end()) return {};
    const Index::Slot& slot = found->second;
    return {slot.has_cue ? &slot.cue : nullptr, slot.phrases};
}

const Cue* Lexicon::find(std::string_view token) const {
    return lookup(token).cue;
}

std::span<const Phrase> Lexicon::phrases_starting_with(std::string_view token) const {
    return lookup(token).phrases;
}

const Cue* Lexicon::find_word(std::string_view word, bool& comparative) const {
    comparative = false;
    if (const Cue* cue = find(word)) return cue;
    return find_inflected(word, comparative);
}

const Cue* Lexicon::find_inflected(std::string_view word, bool& comparative) const {
    comparative = false;
    // Every rule's suffix ends in one of these letters (or is "'s"); most words leave here.
    if (word.size() <= kMinimumStem ||
        std::string_view("sydtrg").find(word.back()) == std::string_view::npos) {
        return nullptr;
    }
    if (word.ends_with("'s")) {
        if (const Cue* cue = find(word.substr(0, word.size() - 2))) return cue;
    }
    std::string candidate;
    const auto try_candidate = [&](const SuffixRule& rule) -> const Cue* {
        const Cue* cue = find(candidate);
        if (cue != nullptr) comparative = rule.comparative;
        return cue;
    };
    for (const SuffixRule& rule : kSuffixRules) {
        if (!word.ends_with(rule.suffix)) continue;
        const std::string_view stem = word.substr(0, word.size() - rule.suffix.size());
        if (stem.size() < kMinimumStem) continue;
        candidate.assign(stem);
        candidate.append(rule.replacement);
        if (const Cue* cue = try_candidate(rule)) return cue;
        // A doubled final consonant is undone too ("sobbing" -> "sob", "sadder" -> "sad").
        const char last = stem.back();
        if (rule.undouble && last == stem[stem.size() - 2] &&
            std::string_view("aeiouy").find(last) == std::string_view::npos) {
            candidate.assign(stem.substr(0, stem.size() - 1));
            if (const Cue* cue = try_candidate(rule)) return cue;
        }
    }
    return nullptr;
}

std::size_t Lexicon::entry_count() const {
    return index_->entries.size();
}

}  // namespace companion::emotion
