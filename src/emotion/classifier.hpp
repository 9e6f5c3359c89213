// The built-in emotion classifier: a deterministic lexicon classifier of chat messages (no model,
// no network, a few microseconds per message). See docs/emotion.md for how it decides.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "emotion/emotion.hpp"

namespace companion::emotion {

class Lexicon;

struct EmotionReading {
    // joy, sadness, anger, fear, surprise, disgust, trust, anticipation or neutral
    std::string emotion;
    double intensity = 0;  // 0..1; 0 for neutral
    double valence = 0;    // -1 (unpleasant) .. 1 (pleasant)
    double arousal = 0;    // 0 (calm) .. 1 (agitated)
    // Share of the evidence per class, all nine classes, summing to 1 (neutral holds a fixed
    // prior, so weak evidence leaves neutral the largest share).
    std::map<std::string, double> scores;
};

class EmotionClassifier {
  public:
    // Uses the built-in lexicon.
    EmotionClassifier();
    explicit EmotionClassifier(const Lexicon& lexicon);

    // Any bytes are accepted; invalid UTF-8 is skipped. Thread-safe (the classifier is immutable).
    EmotionReading classify(std::string_view text) const;

  private:
    const Lexicon* lexicon_;
};

}  // namespace companion::emotion
