// The emotion detector chosen by EMOTION_PROVIDER: the built-in one answers with the lexicon's
// reading at once; the factory builds the one the setting names (the LLM one is exercised against
// the fake LLM server in tests/integration/emotion_llm_test.cpp).
#include "emotion/detector.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "config/settings.hpp"
#include "llm/llm_client.hpp"
#include "metrics/registry.hpp"

namespace companion::emotion {
namespace {

DetectedEmotion run_detect(boost::asio::io_context& io, EmotionDetector& detector,
                           std::string text) {
    auto future =
        boost::asio::co_spawn(io, detector.detect(std::move(text)), boost::asio::use_future);
    io.run();
    io.restart();
    return future.get();
}

TEST(BuiltinEmotionDetector, AnswersWithTheLexiconReadingMarkedBuiltin) {
    boost::asio::io_context io;
    BuiltinEmotionDetector detector;
    const EmotionClassifier lexicon;
    for (const std::string text : {"I am so happy today!", "I'm scared of the exam", "ok"}) {
        const DetectedEmotion detected = run_detect(io, detector, text);
        const EmotionReading expected = lexicon.classify(text);
        EXPECT_EQ(detected.emotion, expected.emotion) << text;
        EXPECT_EQ(detected.intensity, expected.intensity) << text;
        EXPECT_EQ(detected.valence, expected.valence) << text;
        EXPECT_EQ(detected.arousal, expected.arousal) << text;
        EXPECT_EQ(detected.scores, expected.scores) << text;
        EXPECT_EQ(detected.source, "builtin");
        EXPECT_EQ(detected.fallback_reason, "");
    }
}

TEST(EmotionDetectorFactory, BuildsTheDetectorTheSettingNames) {
    boost::asio::io_context io;
    metrics::Registry registry;
    llm::LlmOptions options;
    options.base_url = "http://127.0.0.1:9/v1";  // never called here
    llm::LlmClient client(io.get_executor(), options, registry);

    config::Settings settings;
    EXPECT_EQ(make_emotion_detector(settings, client)->provider(), "builtin");
    settings.emotion_provider = config::EmotionProvider::llm;
    EXPECT_EQ(make_emotion_detector(settings, client)->provider(), "llm");
}

}  // namespace
}  // namespace companion::emotion
