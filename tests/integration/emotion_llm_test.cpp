// EMOTION_PROVIDER=llm against the fake OpenAI-compatible server as a real process: a usable JSON
// answer is taken (alone or wrapped in prose), every failure (malformed JSON, an unknown class, a
// missing field, HTTP 500, a timeout, an unreachable server) gives the lexicon's reading, and the
// request carries the classification prompt and the user's text.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/settings.hpp"
#include "emotion/classifier.hpp"
#include "emotion/detector.hpp"
#include "emotion/llm_answer.hpp"
#include "emotion/llm_detector.hpp"
#include "support/fake_llm.hpp"
#include "support/fake_llm_client.hpp"

namespace companion::testing {
namespace {

namespace json = boost::json;
using emotion::DetectedEmotion;
using emotion::LlmEmotionDetector;

// The lexicon reads this as joy; the staged LLM answers say otherwise, so the two are told apart.
constexpr std::string_view kHappyText = "I am so happy today, we won the final!";

void stage_reply(FakeLlm& fake, std::string_view reply) {
    fake.configure(json::serialize(json::object{{"reply", reply}}));
}

DetectedEmotion detect(LlmHarness& llm, emotion::EmotionDetector& detector,
                       std::string_view text = kHappyText) {
    return llm.loop().run(detector.detect(std::string(text)));
}

void expect_lexicon_reading(const DetectedEmotion& detected, std::string_view text,
                            std::string_view reason) {
    const emotion::EmotionReading lexicon = emotion::EmotionClassifier().classify(text);
    EXPECT_EQ(detected.source, "builtin");
    EXPECT_EQ(detected.fallback_reason, reason);
    EXPECT_EQ(detected.emotion, lexicon.emotion);
    EXPECT_EQ(detected.intensity, lexicon.intensity);
    EXPECT_EQ(detected.valence, lexicon.valence);
    EXPECT_EQ(detected.arousal, lexicon.arousal);
    EXPECT_EQ(detected.scores, lexicon.scores);
}

TEST(EmotionLlm, AValidJsonAnswerIsTheReading) {
    FakeLlm fake;
    stage_reply(fake, R"({"emotion": "fear", "intensity": 0.7, "valence": -0.6, "arousal": 0.8})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    LlmEmotionDetector detector(llm.client());
    const DetectedEmotion detected = detect(llm, detector);
    EXPECT_EQ(detected.source, "llm");
    EXPECT_EQ(detected.fallback_reason, "");
    EXPECT_EQ(detected.emotion, "fear");
    EXPECT_DOUBLE_EQ(detected.intensity, 0.7);
    EXPECT_DOUBLE_EQ(detected.valence, -0.6);
    EXPECT_DOUBLE_EQ(detected.arousal, 0.8);
    EXPECT_EQ(detected.scores.at("fear"), 1.0);
    EXPECT_EQ(detected.scores.at("joy"), 0.0);
}

TEST(EmotionLlm, JsonWrappedInProseAndFencesIsUsed) {
    FakeLlm fake;
    stage_reply(fake,
                "Here is the classification you asked for:\n```json\n{\"emotion\": \"surprise\", "
                "\"intensity\": 0.55, \"valence\": 0.2, \"arousal\": 0.9}\n```\nHope this helps!");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    LlmEmotionDetector detector(llm.client());
    const DetectedEmotion detected = detect(llm, detector);
    EXPECT_EQ(detected.source, "llm");
    EXPECT_EQ(detected.emotion, "surprise");
    EXPECT_DOUBLE_EQ(detected.intensity, 0.55);
}

TEST(EmotionLlm, MalformedJsonFallsBackToTheLexicon) {
    FakeLlm fake;
    stage_reply(fake, R"({"emotion": "fear", "intensity": 0.7, "valence": -0.6,)");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    LlmEmotionDetector detector(llm.client());
    expect_lexicon_reading(detect(llm, detector), kHappyText, "no_json");
}

TEST(EmotionLlm, AnUnknownEmotionFallsBackToTheLexicon) {
    FakeLlm fake;
    stage_reply(fake,
                R"({"emotion": "happiness", "intensity": 0.7, "valence": 0.6, "arousal": 0.5})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    LlmEmotionDetector detector(llm.client());
    expect_lexicon_reading(detect(llm, detector), kHappyText, "unknown_emotion");
}

TEST(EmotionLlm, AMissingFieldFallsBackToTheLexicon) {
    FakeLlm fake;
    stage_reply(fake, R"({"emotion": "fear", "intensity": 0.7, "valence": -0.6})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    LlmEmotionDetector detector(llm.client());
    expect_lexicon_reading(detect(llm, detector), kHappyText, "missing_field");
}

TEST(EmotionLlm, Http500FallsBackToTheLexicon) {
    FakeLlm fake;
    fake.configure(R"({"status": 500, "error_message": "model crashed"})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    LlmEmotionDetector detector(llm.client());
    expect_lexicon_reading(detect(llm, detector), kHappyText, "upstream_error");
    EXPECT_GE(fake.chat_requests().size(), 1u);
}

TEST(EmotionLlm, ASlowServerFallsBackToTheLexiconAtTheDetectorsDeadline) {
    FakeLlm fake;
    fake.configure(json::serialize(json::object{
        {"reply", R"({"emotion": "fear", "intensity": 0.7, "valence": -0.6, "arousal": 0.8})"},
        {"first_token_delay_ms", 5000}}));
    // The client's own total timeout is 10 s: the detector's 300 ms deadline must be the one.
    LlmHarness llm(fast_llm_options(fake.base_url()));
    LlmEmotionDetector detector(llm.client(), std::chrono::milliseconds(300));
    DetectedEmotion detected;
    const long long took = elapsed_ms([&] { detected = detect(llm, detector); });
    expect_lexicon_reading(detected, kHappyText, "timeout");
    EXPECT_GE(took, 250);
    EXPECT_LT(took, 2500);
}

TEST(EmotionLlm, AnUnreachableServerFallsBackToTheLexicon) {
    FakeLlm fake;
    const std::string base_url = fake.base_url();
    fake.stop();
    LlmHarness llm(fast_llm_options(base_url));
    LlmEmotionDetector detector(llm.client());
    expect_lexicon_reading(detect(llm, detector), kHappyText, "unavailable");
}

TEST(EmotionLlm, TheRequestCarriesTheSystemPromptAndTheUsersTextAtTemperatureZero) {
    FakeLlm fake;
    stage_reply(fake, R"({"emotion": "joy", "intensity": 0.8, "valence": 0.9, "arousal": 0.7})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    LlmEmotionDetector detector(llm.client());
    const std::string text =
        "Ich bin \xC3\xBC"
        "berrascht \xE2\x80\x94 \"wirklich\"!\nZweite Zeile";
    EXPECT_EQ(detect(llm, detector, text).source, "llm");

    const auto chats = fake.chat_requests();
    ASSERT_EQ(chats.size(), 1u);
    const auto& body = chats[0].at("body").as_object();
    EXPECT_EQ(body.at("messages"),
              (json::array{json::object{{"role", "system"},
                                        {"content", emotion::llm_emotion_system_prompt()}},
                           json::object{{"role", "user"}, {"content", text}}}));
    EXPECT_EQ(body.at("temperature").to_number<double>(), 0.0);
    EXPECT_EQ(body.at("max_tokens").as_int64(), emotion::kLlmEmotionMaxTokens);
    EXPECT_EQ(body.at("stream"), false);
    EXPECT_EQ(body.at("model"), "test-model");
}

TEST(EmotionLlm, TheFactoryAsksTheLlmOnlyWhenTheProviderIsLlm) {
    FakeLlm fake;
    stage_reply(fake, R"({"emotion": "fear", "intensity": 0.7, "valence": -0.6, "arousal": 0.8})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    config::Settings settings;
    auto builtin = emotion::make_emotion_detector(settings, llm.client());
    const DetectedEmotion lexicon = detect(llm, *builtin);
    EXPECT_EQ(lexicon.source, "builtin");
    EXPECT_EQ(lexicon.emotion, "joy");
    EXPECT_TRUE(fake.chat_requests().empty());

    settings.emotion_provider = config::EmotionProvider::llm;
    auto asks_llm = emotion::make_emotion_detector(settings, llm.client());
    const DetectedEmotion answered = detect(llm, *asks_llm);
    EXPECT_EQ(answered.source, "llm");
    EXPECT_EQ(answered.emotion, "fear");
    EXPECT_EQ(fake.chat_requests().size(), 1u);
}

}  // namespace
}  // namespace companion::testing
