#include "emotion/lexicon.hpp"

#include <map>
#include <set>
#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace companion::emotion {
namespace {

bool is_word_term(std::string_view term) {
    for (char c : term) {
        if (c >= 'A' && c <= 'Z') return false;
    }
    return !term.empty() && ((term.front() >= 'a' && term.front() <= 'z') || term.front() == '\'');
}

TEST(EmotionLexicon, HoldsSeveralHundredEntriesForEveryClass) {
    const Lexicon& lexicon = Lexicon::builtin();
    EXPECT_GE(lexicon.entry_count(), 800u);
    std::map<Emotion, int> per_class;
    for (const LexiconEntry& entry : builtin_lexicon_entries()) ++per_class[entry.emotion];
    for (Emotion emotion : kAllEmotions) {
        if (emotion == Emotion::neutral) continue;
        EXPECT_GE(per_class[emotion], 60) << to_string(emotion);
    }
}

TEST(EmotionLexicon, EveryEntryHasValuesInRangeAndIsListedOnce) {
    std::set<std::pair<std::string_view, Emotion>> seen;
    for (const LexiconEntry& entry : builtin_lexicon_entries()) {
        SCOPED_TRACE(std::string(entry.term));
        EXPECT_TRUE(seen.emplace(entry.term, entry.emotion).second) << "listed twice";
        EXPECT_GE(entry.valence, -1.0);
        EXPECT_LE(entry.valence, 1.0);
        EXPECT_GE(entry.arousal, 0.0);
        EXPECT_LE(entry.arousal, 1.0);
        if (entry.emotion == Emotion::neutral) {
            EXPECT_EQ(entry.weight, 0.0);
        } else {
            EXPECT_GT(entry.weight, 0.0);
            EXPECT_LE(entry.weight, 1.5);
        }
        EXPECT_EQ(entry.term.find("  "), std::string_view::npos);
        EXPECT_NE(entry.term.front(), ' ');
        EXPECT_NE(entry.term.back(), ' ');
        // Words are lower case; emoticons (":D", "xD", "T_T") and emoji are exempt.
        const bool symbol = !(entry.term.front() >= 'a' && entry.term.front() <= 'z');
        if (!symbol && entry.term != "xD") {
            EXPECT_TRUE(is_word_term(entry.term));
        }
    }
}

TEST(EmotionLexicon, EveryTermIsFoundAsAWordOrAPhrase) {
    const Lexicon& lexicon = Lexicon::builtin();
    for (const LexiconEntry& entry : builtin_lexicon_entries()) {
        const std::size_t space = entry.term.find(' ');
        if (space == std::string_view::npos) {
            const Cue* cue = lexicon.find(entry.term);
            ASSERT_NE(cue, nullptr) << entry.term;
            EXPECT_FALSE(cue->entries.empty()) << entry.term;
            continue;
        }
        bool found = false;
        for (const Phrase& phrase : lexicon.phrases_starting_with(entry.term.substr(0, space))) {
            std::string joined;
            for (std::string_view word : phrase.words) {
                if (!joined.empty()) joined.push_back(' ');
                joined.append(word);
            }
            found = found || joined == entry.term;
        }
        EXPECT_TRUE(found) << entry.term;
    }
}

TEST(EmotionLexicon, FindsBaseFormsThroughSuffixRules) {
    const Lexicon& lexicon = Lexicon::builtin();
    bool comparative = false;
    const std::vector<std::pair<std::string_view, std::string_view>> forms{
        {"annoys", "annoy"},      {"sobbing", "sob"},           {"smiling", "smile"},
        {"worries", "worry"},     {"happiest", "happy"},        {"sadder", "sad"},
        {"gloominess", "gloomy"}, {"celebrating", "celebrate"},
    };
    for (const auto& [form, base] : forms) {
        EXPECT_EQ(lexicon.find_word(form, comparative), lexicon.find(base)) << form;
    }
    EXPECT_NE(lexicon.find_word("happier", comparative), nullptr);
    EXPECT_TRUE(comparative);
    EXPECT_NE(lexicon.find_word("happy", comparative), nullptr);
    EXPECT_FALSE(comparative);
    // Stems shorter than three letters are never tried: "sing" is not "s".
    EXPECT_EQ(lexicon.find_word("thing", comparative), nullptr);
    EXPECT_EQ(lexicon.find_word("meeting", comparative), nullptr);
}

TEST(EmotionLexicon, LongerPhrasesAreTriedFirst) {
    const auto phrases = Lexicon::builtin().phrases_starting_with("can't");
    ASSERT_FALSE(phrases.empty());
    for (std::size_t i = 1; i < phrases.size(); ++i) {
        EXPECT_GE(phrases[i - 1].words.size(), phrases[i].words.size());
    }
}

TEST(EmotionLexicon, NegationDefaultsMapPositiveToNegativeAndNegativeToMildJoy) {
    EXPECT_EQ(negated_emotion(Emotion::joy).emotion, Emotion::sadness);
    EXPECT_EQ(negated_emotion(Emotion::trust).emotion, Emotion::fear);
    EXPECT_EQ(negated_emotion(Emotion::anticipation).emotion, Emotion::sadness);
    EXPECT_EQ(negated_emotion(Emotion::surprise).emotion, Emotion::neutral);
    for (Emotion emotion : {Emotion::sadness, Emotion::anger, Emotion::fear, Emotion::disgust}) {
        EXPECT_EQ(negated_emotion(emotion).emotion, Emotion::joy);
        EXPECT_LT(negated_emotion(emotion).factor, negated_emotion(Emotion::joy).factor);
    }
}

}  // namespace
}  // namespace companion::emotion
