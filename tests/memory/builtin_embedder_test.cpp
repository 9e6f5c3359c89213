#include "memory/builtin_embedder.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace companion::memory {
namespace {

// sum of (i + 1) * v[i] for "I'm training for the Berlin marathon" (builtin-lexical-v1/384).
constexpr double kBuiltinV1Checksum = 67.42294;

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double dot = 0;
    for (std::size_t i = 0; i < a.size(); ++i) dot += double(a[i]) * double(b[i]);
    return dot;
}

double norm(const std::vector<float>& v) {
    return std::sqrt(cosine(v, v));
}

const std::vector<std::string> kSamples = {
    "I'm training for the Berlin marathon in September",
    "",
    "!!! ???",
    "how are you?",
    "ok",
    "🏃‍♀️🏃‍♀️",
    "我喜欢跑步",
    "Ich laufe jeden Morgen an der Isar entlang",
    std::string(4000, 'a'),
};

TEST(BuiltinEmbedder, VectorsHaveTheConfiguredDimensionAndUnitLength) {
    for (const int dimension : {32, 384, 1000}) {
        const BuiltinEmbedder embedder(dimension);
        EXPECT_EQ(embedder.dimension(), dimension);
        EXPECT_EQ(embedder.model_name(), "builtin-lexical-v1/" + std::to_string(dimension));
        for (const auto& text : kSamples) {
            const auto vector = embedder.embed_text(text);
            ASSERT_EQ(vector.size(), static_cast<std::size_t>(dimension)) << text;
            EXPECT_NEAR(norm(vector), 1.0, 1e-5) << text;
            for (const float x : vector) ASSERT_TRUE(std::isfinite(x)) << text;
        }
    }
}

TEST(BuiltinEmbedder, IsDeterministicAcrossInstancesAndThreads) {
    const BuiltinEmbedder first(384);
    const BuiltinEmbedder second(384);
    for (const auto& text : kSamples) {
        EXPECT_EQ(first.embed_text(text), second.embed_text(text)) << text;
    }
    std::vector<float> from_thread;
    std::thread([&] { from_thread = second.embed_text(kSamples[0]); }).join();
    EXPECT_EQ(from_thread, first.embed_text(kSamples[0]));
}

TEST(BuiltinEmbedder, AFixedTextHasAFixedVector) {
    // Stored vectors are compared with new ones for years: any change of the function must come
    // with a new model name (builtin-lexical-v2) so that start-up notices it.
    const auto vector = BuiltinEmbedder(384).embed_text("I'm training for the Berlin marathon");
    double checksum = 0;
    for (std::size_t i = 0; i < vector.size(); ++i) checksum += double(vector[i]) * double(i + 1);
    EXPECT_NEAR(checksum, kBuiltinV1Checksum, 1e-4);
}

TEST(BuiltinEmbedder, CaseStopWordsPunctuationAndWordOrderDoNotMatter) {
    const BuiltinEmbedder embedder;
    const auto a = embedder.embed_text("I'm training for the Berlin marathon in September");
    EXPECT_NEAR(cosine(a, embedder.embed_text("i am TRAINING for berlin marathon, september!!")),
                1.0, 1e-6);
    // Word order only moves the neighbouring-pair features.
    EXPECT_GT(cosine(a, embedder.embed_text("September: Berlin marathon training")), 0.9);
}

TEST(BuiltinEmbedder, NearDuplicatesScoreAboveTheDuplicateThresholdAndVariantsBelow) {
    const BuiltinEmbedder embedder;
    const auto fact = embedder.embed_text("My sister Anna lives in Toronto");
    EXPECT_GE(cosine(fact, embedder.embed_text("my sister anna lives in toronto.")), 0.95);
    EXPECT_LT(cosine(fact, embedder.embed_text("My sister Anna lives in Vancouver")), 0.95);
    EXPECT_LT(cosine(fact, embedder.embed_text("My brother Anton lives in Toronto")), 0.95);
}

TEST(BuiltinEmbedder, SharedWordsAndStemsBringTextsCloser) {
    const BuiltinEmbedder embedder;
    const auto fact = embedder.embed_text("I love hiking in the Alps");
    const auto same_stem = embedder.embed_text("We hiked all weekend");
    const auto unrelated = embedder.embed_text("My car needs new tyres");
    EXPECT_GT(cosine(fact, same_stem), cosine(fact, unrelated) + 0.1);
}

TEST(BuiltinEmbedder, NothingButFunctionWordsStillGivesADirection) {
    const BuiltinEmbedder embedder;
    const auto a = embedder.embed_text("how are you?");
    const auto b = embedder.embed_text("How are you");
    EXPECT_NEAR(cosine(a, b), 1.0, 1e-6);
    EXPECT_LT(cosine(a, embedder.embed_text("who were they?")), 0.5);
    EXPECT_NEAR(cosine(embedder.embed_text(""), embedder.embed_text("?!")), 1.0, 1e-6);
}

TEST(BuiltinEmbedder, TheAsynchronousInterfaceGivesTheSameVectorsInOrder) {
    BuiltinEmbedder embedder(128);
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(
        io, embedder.embed({"first text", "second text", "first text"}), boost::asio::use_future);
    io.run();
    const auto vectors = future.get();
    ASSERT_EQ(vectors.size(), 3u);
    EXPECT_EQ(vectors[0], embedder.embed_text("first text"));
    EXPECT_EQ(vectors[1], embedder.embed_text("second text"));
    EXPECT_EQ(vectors[2], vectors[0]);
}

TEST(BuiltinEmbedder, DimensionOutsideTheSupportedRangeIsRefused) {
    EXPECT_THROW(BuiltinEmbedder(31), std::invalid_argument);
    EXPECT_THROW(BuiltinEmbedder(4097), std::invalid_argument);
    const BuiltinEmbedder embedder(64);
    std::vector<float> wrong(63);
    EXPECT_THROW(embedder.embed_into("text", wrong), std::invalid_argument);
}

}  // namespace
}  // namespace companion::memory
