#include "emotion/classifier.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "emotion/lexicon.hpp"
#include "emotion/tokenizer.hpp"

namespace companion::emotion {

namespace {

// Tokens after a negator / modifier / feeling word that it reaches.
constexpr std::size_t kNegationScope = 3;
constexpr std::size_t kModifierScope = 2;
constexpr std::size_t kFeelingScope = 3;

constexpr double kBeforeContrast = 0.6;    // "X but Y": X counts less
constexpr double kCapsFactor = 1.5;        // "I HATE this"
constexpr double kElongationFactor = 1.2;  // "sooo haaappy"
constexpr double kEmphaticNegation = 1.5;  // "never been so happy", "couldn't be happier"
constexpr double kNegatedValence = -0.5;   // "not bad" is mildly good, "not happy" fairly bad
constexpr double kNegatedArousal = 0.7;
constexpr double kMinimumModifier = 0.25;
constexpr double kMaximumModifier = 2.5;
constexpr double kExclamationGain = 0.15;     // evidence gain per '!', up to kMaxExclamations
constexpr double kExclamationArousal = 0.08;  // arousal per '!', up to kMaxExclamations
constexpr int kMaxExclamations = 3;
constexpr double kCapsArousal = 0.1;  // per emotion word in capitals, up to two
constexpr int kMaxCapsHits = 2;
constexpr double kInterrobangSurprise = 0.4;  // "What?!"
constexpr double kInterrobangArousal = 0.7;
// Evidence the neutral class always has: an emotion must beat it to be reported.
constexpr double kNeutralPrior = 0.4;
// intensity = 1 - exp(-evidence / kIntensityScale): one plain word ~0.5, three ~0.9.
constexpr double kIntensityScale = 1.2;
// Valence and arousal are evidence-weighted means; below this much evidence they shrink to 0.
constexpr double kMinimumEvidenceWeight = 0.8;

double round3(double value) {
    return std::round(value * 1000.0) / 1000.0;
}

struct Evidence {
    std::array<double, kEmotionCount> score{};
    double weight = 0;
    double valence = 0;
    double arousal = 0;
    int caps_hits = 0;
    int exclamations = 0;
    bool interrobang = false;

    void add(Emotion emotion, double w, double v, double a) {
        if (emotion != Emotion::neutral) score[index_of(emotion)] += w;
        weight += w;
        valence += w * v;
        arousal += w * a;
    }
    void scale(double factor) {
        for (double& s : score) s *= factor;
        weight *= factor;
        valence *= factor;
        arousal *= factor;
    }
};

constexpr std::size_t kNowhere = static_cast<std::size_t>(-1);

bool within(std::size_t position, std::size_t start, std::size_t scope) {
    return start != kNowhere && position > start && position <= start + scope;
}

class Reading {
  public:
    Reading(const Lexicon& lexicon, std::vector<Token> tokens)
        : lexicon_(lexicon), tokens_(std::move(tokens)) {
        for (Token& token : tokens_) {
            if (token.kind == TokenKind::word && token.elongated)
                token.text = known_collapsed_form(token.text);
        }
    }

    Evidence run() {
        for (std::size_t i = 0; i < tokens_.size(); ++i) i = step(i);
        return evidence_;
    }

  private:
    // "sooo" -> "so", "haaappy" -> "happy": the collapsed form the lexicon knows, if any.
    std::string known_collapsed_form(std::string_view word) const {
        bool comparative = false;
        for (std::size_t keep : {2u, 1u}) {
            std::string collapsed = collapse_repeats(word, keep);
            const Lexicon::Lookup found = lexicon_.lookup(collapsed);
            if (found.cue != nullptr || !found.phrases.empty() ||
                lexicon_.find_inflected(collapsed, comparative) != nullptr) {
                return collapsed;
            }
        }
        return collapse_repeats(word, 2);
    }

    std::string_view key(std::size_t i) const { return tokens_[i].text; }

    // Handles the token at `i` (and the rest of a phrase starting there); returns the last index
    // used.
    std::size_t step(std::size_t i) {
        const Token& token = tokens_[i];
        if (token.kind == TokenKind::exclamation || token.kind == TokenKind::question ||
            token.kind == TokenKind::clause_break) {
            if (token.kind != TokenKind::clause_break) evidence_.exclamations += token.count;
            if (token.kind == TokenKind::question && token.text == "?!")
                evidence_.interrobang = true;
            end_clause();
            return i;
        }
        const Lexicon::Lookup found = lexicon_.lookup(key(i));
        for (const Phrase& phrase : found.phrases) {
            if (!matches(phrase, i)) continue;
            bool caps = false;
            for (std::size_t k = 0; k < phrase.words.size(); ++k)
                caps = caps || tokens_[i + k].all_caps;
            const std::size_t last = i + phrase.words.size() - 1;
            apply(phrase.cue, i, last, caps, false, false);
            return last;
        }
        if (token.kind == TokenKind::symbol) {
            if (found.cue != nullptr) add_symbol(*found.cue);
            return i;
        }
        // "not sad or angry": "or" carries a negation on to the next emotion word.
        if (key(i) == "or" && last_hit_negated_at_ != kNowhere &&
            last_hit_negated_at_ + kNegationScope >= i) {
            negation_at_ = i;
            return i;
        }
        bool comparative = false;
        const Cue* cue =
            found.cue != nullptr ? found.cue : lexicon_.find_inflected(key(i), comparative);
        if (cue != nullptr) apply(*cue, i, i, token.all_caps, token.elongated, comparative);
        return i;
    }

    bool matches(const Phrase& phrase, std::size_t i) const {
        if (i + phrase.words.size() > tokens_.size()) return false;
        for (std::size_t k = 1; k < phrase.words.size(); ++k) {
            if (tokens_[i + k].kind == TokenKind::clause_break || key(i + k) != phrase.words[k])
                return false;
        }
        return true;
    }

    void end_clause() {
        negation_at_ = kNowhere;
        last_hit_negated_at_ = kNowhere;
        modifier_at_ = kNowhere;
        modifier_ = 1.0;
        feeling_at_ = kNowhere;
    }

    // Emoji and emoticons: not negated or modified ("not :(" is not a thing people write).
    void add_symbol(const Cue& cue) {
        for (const LexiconEntry& entry : cue.entries) {
            evidence_.add(entry.emotion, entry.weight, entry.valence, entry.arousal);
        }
    }

    void apply(const Cue& cue, std::size_t first, std::size_t last, bool caps, bool elongated,
               bool comparative) {
        if (!cue.entries.empty()) add_word_evidence(cue, first, caps, elongated, comparative);
        if (cue.contrast) {
            evidence_.scale(kBeforeContrast);
            end_clause();
        }
        if (cue.negator) {
            negation_at_ = last;
            // "could not be happier": "not" after "could" is as emphatic as "couldn't".
            const bool after_could = first > 0 && key(first - 1) == "could";
            emphatic_negation_ = cue.emphatic_negator || after_could;
            emphasis_seen_ = false;
        }
        if (cue.emphasis && within(first, negation_at_, kNegationScope)) emphasis_seen_ = true;
        if (cue.modifier != 1.0) {
            modifier_ = within(first, modifier_at_, kModifierScope) ? modifier_ * cue.modifier
                                                                    : cue.modifier;
            modifier_ = std::clamp(modifier_, kMinimumModifier, kMaximumModifier);
            modifier_at_ = last;
        }
        if (cue.feeling_anchor) feeling_at_ = last;
    }

    void add_word_evidence(const Cue& cue, std::size_t at, bool caps, bool elongated,
                           bool comparative) {
        const bool has_context = within(at, feeling_at_, kFeelingScope);
        if (cue.entries.front().needs_feeling_context && !has_context) return;
        double factor = within(at, modifier_at_, kModifierScope) ? modifier_ : 1.0;
        if (caps) factor *= kCapsFactor;
        if (elongated) factor *= kElongationFactor;
        const bool negated = within(at, negation_at_, kNegationScope);
        const bool emphatic = negated && emphatic_negation_ && (emphasis_seen_ || comparative);
        for (const LexiconEntry& entry : cue.entries) {
            if (entry.emotion == Emotion::neutral) continue;  // a shield phrase: no evidence
            if (!negated || emphatic) {
                const double boost = emphatic ? kEmphaticNegation : 1.0;
                evidence_.add(entry.emotion, entry.weight * factor * boost, entry.valence,
                              entry.arousal);
                continue;
            }
            // Under negation an intensifier softens rather than strengthens: "not very happy".
            const double negated_factor = std::min(factor, 1.0);
            const NegatedEvidence fallback = negated_emotion(entry.emotion);
            const Emotion target = entry.when_negated.value_or(fallback.emotion);
            const double share = entry.when_negated ? 0.8 : fallback.factor;
            const double weight =
                entry.weight * negated_factor * (target == Emotion::neutral ? 0.5 : share);
            evidence_.add(target, weight, entry.valence * kNegatedValence,
                          entry.arousal * kNegatedArousal);
        }
        if (caps) ++evidence_.caps_hits;
        // A negation belongs to the first emotion word it reaches: "never expected to win".
        if (negated) negation_at_ = kNowhere;
        last_hit_negated_at_ = negated && !emphatic ? at : kNowhere;
        modifier_at_ = kNowhere;
        modifier_ = 1.0;
        feeling_at_ = at;  // "sad and empty": an emotion word opens the context too
    }

    const Lexicon& lexicon_;
    std::vector<Token> tokens_;
    Evidence evidence_;
    std::size_t negation_at_ = kNowhere;
    std::size_t last_hit_negated_at_ = kNowhere;
    bool emphatic_negation_ = false;
    bool emphasis_seen_ = false;
    std::size_t modifier_at_ = kNowhere;
    double modifier_ = 1.0;
    std::size_t feeling_at_ = kNowhere;
};

}  // namespace

EmotionClassifier::EmotionClassifier() : lexicon_(&Lexicon::builtin()) {}
EmotionClassifier::EmotionClassifier(const Lexicon& lexicon) : lexicon_(&lexicon) {}

EmotionReading EmotionClassifier::classify(std::string_view text) const {
    Evidence evidence = Reading(*lexicon_, tokenize(text)).run();

    const int exclamations = std::min(evidence.exclamations, kMaxExclamations);
    if (evidence.interrobang) {
        evidence.add(Emotion::surprise, kInterrobangSurprise, 0.0, kInterrobangArousal);
    }
    evidence.scale(1.0 + kExclamationGain * exclamations);

    Emotion winner = Emotion::neutral;
    double best = kNeutralPrior;
    double total = kNeutralPrior;
    for (Emotion emotion : kAllEmotions) {
        if (emotion == Emotion::neutral) continue;
        const double score = evidence.score[index_of(emotion)];
        total += score;
        if (score > best) {
            best = score;
            winner = emotion;
        }
    }

    EmotionReading reading;
    reading.emotion = std::string(to_string(winner));
    reading.intensity =
        winner == Emotion::neutral ? 0.0 : round3(1.0 - std::exp(-best / kIntensityScale));
    const double weight = std::max(evidence.weight, kMinimumEvidenceWeight);
    reading.valence = round3(std::clamp(evidence.valence / weight, -1.0, 1.0));
    const double arousal = evidence.arousal / weight + kExclamationArousal * exclamations +
                           kCapsArousal * std::min(evidence.caps_hits, kMaxCapsHits);
    reading.arousal = round3(std::clamp(arousal, 0.0, 1.0));
    for (Emotion emotion : kAllEmotions) {
        const double score =
            emotion == Emotion::neutral ? kNeutralPrior : evidence.score[index_of(emotion)];
        reading.scores.emplace(std::string(to_string(emotion)), round3(score / total));
    }
    return reading;
}

}  // namespace companion::emotion
