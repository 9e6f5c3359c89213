// EMOTION_PROVIDER=llm: reading the LLM's JSON answer (found inside fences or prose, every field
// validated) and the once-per-reason warnings of the fallback.
#include "emotion/llm_answer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "emotion/llm_detector.hpp"

namespace companion::emotion {
namespace {

EmotionReading usable(std::string_view answer) {
    const ParsedEmotionAnswer parsed = parse_llm_emotion_answer(answer);
    EXPECT_TRUE(parsed.reading.has_value())
        << answer << " -> " << to_string(parsed.problem) << " " << parsed.field;
    return parsed.reading.value_or(EmotionReading{});
}

void expect_rejected(std::string_view answer, FallbackReason problem, std::string_view field) {
    const ParsedEmotionAnswer parsed = parse_llm_emotion_answer(answer);
    EXPECT_FALSE(parsed.reading.has_value()) << answer;
    EXPECT_EQ(parsed.problem, problem) << answer << " -> " << to_string(parsed.problem);
    EXPECT_EQ(parsed.field, field) << answer;
}

TEST(LlmEmotionAnswer, APlainJsonObjectGivesItsReading) {
    const EmotionReading reading =
        usable(R"({"emotion": "fear", "intensity": 0.7, "valence": -0.6, "arousal": 0.8})");
    EXPECT_EQ(reading.emotion, "fear");
    EXPECT_DOUBLE_EQ(reading.intensity, 0.7);
    EXPECT_DOUBLE_EQ(reading.valence, -0.6);
    EXPECT_DOUBLE_EQ(reading.arousal, 0.8);
}

TEST(LlmEmotionAnswer, ScoresNameAllNineClassesWithTheAnswerAtOne) {
    const EmotionReading reading =
        usable(R"({"emotion": "trust", "intensity": 0.4, "valence": 0.5, "arousal": 0.2})");
    ASSERT_EQ(reading.scores.size(), kEmotionCount);
    for (Emotion emotion : kAllEmotions) {
        const std::string name(to_string(emotion));
        ASSERT_TRUE(reading.scores.contains(name)) << name;
        EXPECT_EQ(reading.scores.at(name), emotion == Emotion::trust ? 1.0 : 0.0) << name;
    }
}

TEST(LlmEmotionAnswer, AnObjectInsideJsonFencesOrProseIsFound) {
    EXPECT_EQ(usable("```json\n{\"emotion\": \"joy\", \"intensity\": 0.6, \"valence\": 0.8, "
                     "\"arousal\": 0.5}\n```")
                  .emotion,
              "joy");
    EXPECT_EQ(usable("Sure! Here is my analysis:\n```\n{\"emotion\": \"sadness\", \"intensity\": "
                     "0.5, \"valence\": -0.6, \"arousal\": 0.2}\n```\nLet me know if you need "
                     "more.")
                  .emotion,
              "sadness");
    EXPECT_EQ(usable("The user sounds angry: {\"emotion\": \"anger\", \"intensity\": 0.9, "
                     "\"valence\": -0.8, \"arousal\": 0.9} (high confidence)")
                  .emotion,
              "anger");
}

TEST(LlmEmotionAnswer, TheObjectWithAnEmotionKeyWinsOverOtherObjects) {
    const EmotionReading reading =
        usable(R"(Format: {"type": "label"}. Answer: {"emotion": "surprise", "intensity": 0.5, )"
               R"("valence": 0.1, "arousal": 0.9})");
    EXPECT_EQ(reading.emotion, "surprise");
}

TEST(LlmEmotionAnswer, BracesInsideStringsDoNotEndTheObject) {
    const EmotionReading reading = usable(
        R"({"note": "a } inside {", "emotion": "disgust", "intensity": 0.5, "valence": -0.5, )"
        R"("arousal": 0.5})");
    EXPECT_EQ(reading.emotion, "disgust");
}

TEST(LlmEmotionAnswer, TheEmotionNameIsTrimmedAndCaseInsensitive) {
    EXPECT_EQ(usable(R"({"emotion": "  Anticipation ", "intensity": 0.5, "valence": 0.3, )"
                     R"("arousal": 0.6})")
                  .emotion,
              "anticipation");
}

TEST(LlmEmotionAnswer, OutOfRangeNumbersAreClampedAndRounded) {
    const EmotionReading reading =
        usable(R"({"emotion": "joy", "intensity": 1.7, "valence": -3, "arousal": 0.123456})");
    EXPECT_DOUBLE_EQ(reading.intensity, 1.0);
    EXPECT_DOUBLE_EQ(reading.valence, -1.0);
    EXPECT_DOUBLE_EQ(reading.arousal, 0.123);
    const EmotionReading low =
        usable(R"({"emotion": "joy", "intensity": -0.2, "valence": 2, "arousal": -1})");
    EXPECT_DOUBLE_EQ(low.intensity, 0.0);
    EXPECT_DOUBLE_EQ(low.valence, 1.0);
    EXPECT_DOUBLE_EQ(low.arousal, 0.0);
}

TEST(LlmEmotionAnswer, NumbersWrittenAsStringsAreAccepted) {
    const EmotionReading reading =
        usable(R"({"emotion": "fear", "intensity": "0.8", "valence": " -0.5 ", "arousal": "1"})");
    EXPECT_DOUBLE_EQ(reading.intensity, 0.8);
    EXPECT_DOUBLE_EQ(reading.valence, -0.5);
    EXPECT_DOUBLE_EQ(reading.arousal, 1.0);
}

TEST(LlmEmotionAnswer, NeutralHasNoIntensity) {
    const EmotionReading reading =
        usable(R"({"emotion": "neutral", "intensity": 0.6, "valence": 0.1, "arousal": 0.2})");
    EXPECT_EQ(reading.emotion, "neutral");
    EXPECT_DOUBLE_EQ(reading.intensity, 0.0);
    EXPECT_DOUBLE_EQ(reading.valence, 0.1);
}

TEST(LlmEmotionAnswer, AMissingFieldRejectsTheAnswerNamingIt) {
    expect_rejected(R"({"intensity": 0.5, "valence": 0.5, "arousal": 0.5})",
                    FallbackReason::missing_field, "emotion");
    expect_rejected(R"({"emotion": "joy", "valence": 0.5, "arousal": 0.5})",
                    FallbackReason::missing_field, "intensity");
    expect_rejected(R"({"emotion": "joy", "intensity": 0.5, "arousal": 0.5})",
                    FallbackReason::missing_field, "valence");
    expect_rejected(R"({"emotion": "joy", "intensity": 0.5, "valence": 0.5})",
                    FallbackReason::missing_field, "arousal");
}

TEST(LlmEmotionAnswer, AFieldOfTheWrongTypeRejectsTheAnswer) {
    expect_rejected(R"({"emotion": 3, "intensity": 0.5, "valence": 0.5, "arousal": 0.5})",
                    FallbackReason::invalid_field, "emotion");
    expect_rejected(R"({"emotion": "joy", "intensity": true, "valence": 0.5, "arousal": 0.5})",
                    FallbackReason::invalid_field, "intensity");
    expect_rejected(R"({"emotion": "joy", "intensity": 0.5, "valence": null, "arousal": 0.5})",
                    FallbackReason::invalid_field, "valence");
    expect_rejected(R"({"emotion": "joy", "intensity": 0.5, "valence": 0.5, "arousal": "high"})",
                    FallbackReason::invalid_field, "arousal");
    expect_rejected(R"({"emotion": "joy", "intensity": [0.5], "valence": 0.5, "arousal": 0.5})",
                    FallbackReason::invalid_field, "intensity");
    expect_rejected(R"({"emotion": "joy", "intensity": "nan", "valence": 0.5, "arousal": 0.5})",
                    FallbackReason::invalid_field, "intensity");
}

TEST(LlmEmotionAnswer, AClassOutsideTheNineIsUnknown) {
    expect_rejected(R"({"emotion": "happiness", "intensity": 0.5, "valence": 0.5, "arousal": 0.5})",
                    FallbackReason::unknown_emotion, "emotion");
    expect_rejected(
        R"({"emotion": "joy, trust", "intensity": 0.5, "valence": 0.5, "arousal": 0.5})",
        FallbackReason::unknown_emotion, "emotion");
}

TEST(LlmEmotionAnswer, TextWithoutAJsonObjectIsNoJson) {
    expect_rejected("", FallbackReason::no_json, "");
    expect_rejected("joy", FallbackReason::no_json, "");
    expect_rejected("{emotion: joy, intensity: 0.5}", FallbackReason::no_json, "");
    expect_rejected(R"({"emotion": "joy", "intensity": 0.5,)", FallbackReason::no_json, "");
    expect_rejected(R"(["joy", 0.5, 0.5, 0.5])", FallbackReason::no_json, "");
}

TEST(LlmEmotionAnswer, AnObjectWithoutAnEmotionKeyIsMissingTheField) {
    expect_rejected(R"({"label": "joy"})", FallbackReason::missing_field, "emotion");
}

TEST(LlmEmotionAnswer, EveryReasonHasItsOwnName) {
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < kFallbackReasonCount; ++i) {
        names.insert(to_string(static_cast<FallbackReason>(i)));
    }
    EXPECT_EQ(names.size(), kFallbackReasonCount);
    EXPECT_EQ(to_string(FallbackReason::timeout), "timeout");
    EXPECT_EQ(to_string(FallbackReason::unknown_emotion), "unknown_emotion");
}

TEST(LlmEmotionPrompt, NamesTheNineClassesAndTheFourFields) {
    const std::string_view prompt = llm_emotion_system_prompt();
    for (Emotion emotion : kAllEmotions) {
        EXPECT_NE(prompt.find(to_string(emotion)), std::string_view::npos) << to_string(emotion);
    }
    for (std::string_view field : {"\"emotion\"", "\"intensity\"", "\"valence\"", "\"arousal\""}) {
        EXPECT_NE(prompt.find(field), std::string_view::npos) << field;
    }
    EXPECT_NE(prompt.find("JSON"), std::string_view::npos);
}

TEST(LlmEmotionFallbackWarnings, EachReasonIsReportedOnceEvenFromManyThreads) {
    FallbackWarnings warnings;
    std::atomic<int> firsts{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 100; ++i) {
                if (warnings.first_time(FallbackReason::timeout)) ++firsts;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(firsts.load(), 1);
    EXPECT_TRUE(warnings.first_time(FallbackReason::no_json));
    EXPECT_FALSE(warnings.first_time(FallbackReason::no_json));
    EXPECT_FALSE(warnings.first_time(FallbackReason::timeout));
}

}  // namespace
}  // namespace companion::emotion
