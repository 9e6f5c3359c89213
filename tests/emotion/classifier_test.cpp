#include "emotion/classifier.hpp"

#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "emotion/emotion.hpp"
#include "labelled_sentences.hpp"

namespace companion::emotion {
namespace {

const EmotionClassifier& classifier() {
    static const EmotionClassifier instance;
    return instance;
}

EmotionReading classify(std::string_view text) {
    return classifier().classify(text);
}

void expect_well_formed(const EmotionReading& reading, std::string_view text) {
    SCOPED_TRACE(std::string(text));
    EXPECT_TRUE(parse_emotion(reading.emotion).has_value());
    EXPECT_GE(reading.intensity, 0.0);
    EXPECT_LE(reading.intensity, 1.0);
    EXPECT_GE(reading.valence, -1.0);
    EXPECT_LE(reading.valence, 1.0);
    EXPECT_GE(reading.arousal, 0.0);
    EXPECT_LE(reading.arousal, 1.0);
    EXPECT_EQ(reading.scores.size(), kEmotionCount);
}

TEST(Emotion, NamesEveryClassAndParsesTheNameBack) {
    for (Emotion emotion : kAllEmotions) EXPECT_EQ(parse_emotion(to_string(emotion)), emotion);
    EXPECT_EQ(to_string(Emotion::anticipation), "anticipation");
    EXPECT_FALSE(parse_emotion("Joy").has_value());
    EXPECT_FALSE(parse_emotion("happiness").has_value());
}

TEST(EmotionClassifier, ReportsNeutralWithZeroIntensityWithoutEmotionalEvidence) {
    for (std::string_view text :
         {"The meeting is at 3pm.", "", "   ", "I had a sandwich for lunch.",
          "Please convert 20 EUR to USD", "hello \xF0\x9F\x91\x8B"}) {
        const EmotionReading reading = classify(text);
        EXPECT_EQ(reading.emotion, "neutral") << text;
        EXPECT_EQ(reading.intensity, 0.0) << text;
        EXPECT_EQ(reading.valence, 0.0) << text;
        EXPECT_EQ(reading.scores.at("neutral"), 1.0) << text;
    }
}

TEST(EmotionClassifier, NegationTurnsAPositiveWordNegative) {
    const EmotionReading happy = classify("I am happy");
    const EmotionReading not_happy = classify("I am not happy");
    EXPECT_EQ(happy.emotion, "joy");
    EXPECT_GT(happy.valence, 0.0);
    EXPECT_EQ(not_happy.emotion, "sadness");
    EXPECT_LT(not_happy.valence, 0.0);
    EXPECT_EQ(classify("I don't feel excited about it").emotion, "sadness");
    EXPECT_EQ(classify("I'm not looking forward to Monday").emotion, "sadness");
}

TEST(EmotionClassifier, NegatedNegativeWordIsMildlyPositive) {
    for (std::string_view text :
         {"not bad", "The soup was not bad at all", "I'm not angry", "I am not afraid"}) {
        const EmotionReading reading = classify(text);
        EXPECT_GT(reading.valence, 0.0) << text;
        EXPECT_LT(reading.valence, classify("good").valence) << text;
        EXPECT_LT(reading.intensity, 0.3) << text;
        EXPECT_TRUE(reading.emotion == "neutral" || reading.emotion == "joy")
            << text << ": " << reading.emotion;
    }
}

TEST(EmotionClassifier, NegationReachesThreeWordsAndStopsAtPunctuation) {
    EXPECT_EQ(classify("I am not really that happy").emotion, "sadness");
    EXPECT_EQ(classify("I didn't sleep much last night and I'm happy").emotion, "joy");
    EXPECT_EQ(classify("No. I'm happy").emotion, "joy");
    EXPECT_EQ(classify("Not today, I'm happy").emotion, "joy");
}

TEST(EmotionClassifier, NegationBelongsToTheFirstEmotionWordUnlessOrContinuesIt) {
    EXPECT_EQ(classify("I didn't expect to cry").emotion, "sadness");
    const EmotionReading neither = classify("I'm not sad or angry");
    EXPECT_TRUE(neither.emotion == "neutral" || neither.emotion == "joy") << neither.emotion;
    EXPECT_GT(neither.valence, 0.0);
    EXPECT_LT(neither.intensity, 0.5);
}

TEST(EmotionClassifier, NeverSoAndCouldNotBeHappierIntensifyInsteadOfNegating) {
    const EmotionReading alone = classify("I feel alone");
    const EmotionReading never_so_alone = classify("I've never felt so alone");
    EXPECT_EQ(never_so_alone.emotion, "sadness");
    EXPECT_GT(never_so_alone.intensity, alone.intensity);
    const EmotionReading happier = classify("I couldn't be happier");
    EXPECT_EQ(happier.emotion, "joy");
    EXPECT_GT(happier.intensity, classify("I'm happy").intensity);
    EXPECT_EQ(classify("I could not be happier").emotion, "joy");
    EXPECT_EQ(classify("I have never been this happy").emotion, "joy");
    EXPECT_EQ(classify("I can't stop crying").emotion, "sadness");
}

TEST(EmotionClassifier, NegatedExpectationIsSurprise) {
    EXPECT_EQ(classify("I didn't expect that").emotion, "surprise");
    EXPECT_EQ(classify("I did not see that coming").emotion, "surprise");
    EXPECT_EQ(classify("I don't doubt you").emotion, "trust");
}

TEST(EmotionClassifier, IntensifiersRaiseAndDiminishersLowerIntensity) {
    const std::vector<std::string_view> ladder{"I am slightly happy", "I am a bit happy",
                                               "I am happy", "I am very happy",
                                               "I am extremely happy"};
    double previous = 0;
    for (std::string_view text : ladder) {
        const EmotionReading reading = classify(text);
        EXPECT_EQ(reading.emotion, "joy") << text;
        EXPECT_GT(reading.intensity, previous) << text;
        previous = reading.intensity;
    }
    EXPECT_GT(classify("I'm so so sad").intensity, classify("I'm so sad").intensity);
    EXPECT_GT(classify("kind of worried").intensity, 0.0);
    EXPECT_LT(classify("kind of worried").intensity, classify("worried").intensity);
}

TEST(EmotionClassifier, AnIntensifierUnderNegationDoesNotStrengthenIt) {
    EXPECT_LE(classify("I am not very happy").intensity, classify("I am not happy").intensity);
}

TEST(EmotionClassifier, ReadsEmojiAndEmoticons) {
    const std::vector<std::pair<std::string_view, std::string_view>> cases{
        {":)", "joy"},
        {":-)", "joy"},
        {":D", "joy"},
        {"<3", "joy"},
        {":(", "sadness"},
        {":'(", "sadness"},
        {">:(", "anger"},
        {":O", "surprise"},
        {"\xF0\x9F\x98\x8A", "joy"},           // 😊
        {"\xF0\x9F\x98\x82", "joy"},           // 😂
        {"\xE2\x9D\xA4\xEF\xB8\x8F", "joy"},   // ❤️
        {"\xF0\x9F\x98\xA2", "sadness"},       // 😢
        {"\xF0\x9F\x92\x94", "sadness"},       // 💔
        {"\xF0\x9F\x98\xA1", "anger"},         // 😡
        {"\xF0\x9F\x98\xB1", "fear"},          // 😱
        {"\xF0\x9F\x98\xAE", "surprise"},      // 😮
        {"\xF0\x9F\xA4\xA2", "disgust"},       // 🤢
        {"\xF0\x9F\xA4\x9D", "trust"},         // 🤝
        {"\xF0\x9F\xA4\x9E", "anticipation"},  // 🤞
    };
    for (const auto& [text, expected] : cases) EXPECT_EQ(classify(text).emotion, expected) << text;
    // A skin tone changes the look, not the meaning.
    EXPECT_EQ(classify("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD").scores,
              classify("\xF0\x9F\x91\x8D").scores);
    EXPECT_EQ(classify("meh :(").emotion, "sadness");
    EXPECT_GT(classify("\xF0\x9F\x98\x82\xF0\x9F\x98\x82\xF0\x9F\x98\x82").intensity,
              classify("\xF0\x9F\x98\x82").intensity);
}

TEST(EmotionClassifier, ExclamationMarksRaiseIntensityAndArousalUpToThree) {
    const EmotionReading none = classify("I'm happy");
    const EmotionReading one = classify("I'm happy!");
    const EmotionReading three = classify("I'm happy!!!");
    const EmotionReading ten = classify("I'm happy!!!!!!!!!!");
    EXPECT_EQ(three.emotion, "joy");
    EXPECT_GT(one.intensity, none.intensity);
    EXPECT_GT(three.intensity, one.intensity);
    EXPECT_GT(one.arousal, none.arousal);
    EXPECT_GT(three.arousal, one.arousal);
    EXPECT_EQ(ten.intensity, three.intensity);
    EXPECT_EQ(ten.arousal, three.arousal);
}

TEST(EmotionClassifier, ExclamationMarksAloneRaiseArousalButCreateNoEmotion) {
    const EmotionReading reading = classify("The meeting is at 3pm!!!");
    EXPECT_EQ(reading.emotion, "neutral");
    EXPECT_GT(reading.arousal, 0.0);
}

TEST(EmotionClassifier, InterrobangSignalsSurprise) {
    EXPECT_EQ(classify("What?!").emotion, "surprise");
    EXPECT_EQ(classify("He did?!").emotion, "surprise");
}

TEST(EmotionClassifier, CapitalLettersRaiseIntensityAndArousal) {
    const EmotionReading quiet = classify("I hate this");
    const EmotionReading shouted = classify("I HATE this");
    EXPECT_EQ(shouted.emotion, "anger");
    EXPECT_GT(shouted.intensity, quiet.intensity);
    EXPECT_GT(shouted.arousal, quiet.arousal);
}

TEST(EmotionClassifier, RecognisesElongatedWords) {
    EXPECT_EQ(classify("I'm sooo haaappy").emotion, "joy");
    EXPECT_GT(classify("I'm haaappy").intensity, classify("I'm happy").intensity);
    EXPECT_EQ(classify("eeewww").emotion, "disgust");
    EXPECT_EQ(classify("yaaaay").emotion, "joy");
}

TEST(EmotionClassifier, RecognisesInflectionsThroughSuffixRules) {
    const std::vector<std::pair<std::string_view, std::string_view>> cases{
        {"she annoys me", "anger"},      {"I was sobbing", "sadness"},
        {"he is grieving", "sadness"},   {"that angered me", "anger"},
        {"the saddest news", "sadness"}, {"she hopes so", "anticipation"},
        {"my worries", "fear"},          {"we laughed", "joy"},
        {"I feel happier", "joy"},       {"she trusted me", "trust"},
        {"it frightens me", "fear"},     {"that saddens me", "sadness"},
    };
    for (const auto& [text, expected] : cases) EXPECT_EQ(classify(text).emotion, expected) << text;
}

TEST(EmotionClassifier, AmbiguousWordsCountOnlyAfterAFeelingWord) {
    EXPECT_EQ(classify("I walked down the street").emotion, "neutral");
    EXPECT_EQ(classify("I feel down").emotion, "sadness");
    EXPECT_EQ(classify("The fridge is empty").emotion, "neutral");
    EXPECT_EQ(classify("I feel so empty").emotion, "sadness");
    EXPECT_EQ(classify("Good morning!").emotion, "neutral");
    EXPECT_EQ(classify("What's the best way to cook rice?").emotion, "neutral");
}

TEST(EmotionClassifier, WhatFollowsButCountsMore) {
    EXPECT_EQ(classify("I was happy but now I'm sad").emotion, "sadness");
    EXPECT_EQ(classify("I was sad but now I'm happy").emotion, "joy");
}

TEST(EmotionClassifier, ValenceAndArousalHaveTheExpectedSigns) {
    for (std::string_view text : {"I'm so happy", "I trust you", "I can't wait"}) {
        EXPECT_GT(classify(text).valence, 0.0) << text;
    }
    for (std::string_view text : {"I'm sad", "I'm furious", "I'm scared", "That's disgusting"}) {
        EXPECT_LT(classify(text).valence, 0.0) << text;
    }
    EXPECT_GT(classify("I'm furious").arousal, classify("I'm sad").arousal);
    EXPECT_GT(classify("I'm terrified").arousal, classify("I feel calm and relaxed").arousal);
}

TEST(EmotionClassifier, ScoresCoverAllNineClassesAndSumToOne) {
    for (const auto& sentence : testing::kLabelledSentences) {
        const EmotionReading reading = classify(sentence.text);
        expect_well_formed(reading, sentence.text);
        double sum = 0;
        for (const auto& [name, share] : reading.scores) sum += share;
        EXPECT_NEAR(sum, 1.0, 0.01) << sentence.text;
        // The reported class has the largest share.
        for (const auto& [name, share] : reading.scores) {
            EXPECT_LE(share, reading.scores.at(reading.emotion)) << sentence.text << " " << name;
        }
    }
}

bool same_reading(const EmotionReading& a, const EmotionReading& b) {
    return a.emotion == b.emotion && a.intensity == b.intensity && a.valence == b.valence &&
           a.arousal == b.arousal && a.scores == b.scores;
}

TEST(EmotionClassifier, GivesTheSameReadingEveryTimeAndFromEveryThread) {
    std::vector<EmotionReading> first;
    for (const auto& sentence : testing::kLabelledSentences)
        first.push_back(classify(sentence.text));
    const EmotionClassifier another;
    std::vector<std::thread> threads;
    std::vector<int> mismatches(4, 0);
    for (std::size_t t = 0; t < mismatches.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 20; ++round) {
                for (std::size_t i = 0; i < testing::kLabelledSentences.size(); ++i) {
                    if (!same_reading(another.classify(testing::kLabelledSentences[i].text),
                                      first[i]))
                        ++mismatches[t];
                }
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (int count : mismatches) EXPECT_EQ(count, 0);
}

TEST(EmotionClassifier, SkipsInvalidUtf8AndStillReadsTheRest) {
    EXPECT_EQ(classify("I am \xFF\xFE so happy").emotion, "joy");
    EXPECT_EQ(classify("\xC0\xAF sad \xED\xA0\x80").emotion, "sadness");
    EXPECT_EQ(classify("truncated emoji \xF0\x9F\x98").emotion, "neutral");
    EXPECT_EQ(classify(std::string_view("nul\0byte angry", 14)).emotion, "anger");
}

TEST(EmotionClassifier, AcceptsArbitraryBytesWithoutFailing) {
    std::mt19937 random(20240607);  // fixed seed: the same inputs on every run
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 64);
    for (int i = 0; i < 20000; ++i) {
        std::string text(static_cast<std::size_t>(length(random)), '\0');
        for (char& c : text) c = static_cast<char>(byte(random));
        EmotionReading reading;
        ASSERT_NO_THROW(reading = classify(text));
        expect_well_formed(reading, "random bytes");
    }
}

TEST(EmotionClassifier, HandlesVeryLongMessages) {
    std::string text;
    while (text.size() < 200000) text += "I am so happy!!! but also :( and \xF0\x9F\x98\xA1 ";
    expect_well_formed(classify(text), "long message");
}

}  // namespace
}  // namespace companion::emotion
