#include "emotion/summary.hpp"

#include <chrono>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace companion::emotion {
namespace {

using std::chrono::days;
using std::chrono::hours;

const store::Timestamp kNow = store::Timestamp(std::chrono::seconds(1'780'000'000));

store::EmotionRecord record(std::string emotion, double valence, double intensity,
                            store::Timestamp at) {
    store::EmotionRecord r;
    r.emotion = std::move(emotion);
    r.valence = valence;
    r.intensity = intensity;
    r.created_at = at;
    return r;
}

TEST(EmotionSummary, DistributionGivesEachEmotionItsShareAndListsAllNineClasses) {
    const std::vector<store::EmotionRecord> records{
        record("joy", 0.8, 0.6, kNow - hours(1)),
        record("joy", 0.6, 0.5, kNow - hours(2)),
        record("sadness", -0.6, 0.7, kNow - hours(3)),
        record("neutral", 0.0, 0.0, kNow - hours(4)),
    };
    const PeriodSummary period = summarize_emotions(records, kNow, days(7)).current;
    EXPECT_EQ(period.count, 4u);
    EXPECT_EQ(period.distribution.size(), 9u);
    EXPECT_DOUBLE_EQ(period.distribution.at("joy"), 0.5);
    EXPECT_DOUBLE_EQ(period.distribution.at("sadness"), 0.25);
    EXPECT_DOUBLE_EQ(period.distribution.at("neutral"), 0.25);
    EXPECT_DOUBLE_EQ(period.distribution.at("anger"), 0.0);
    ASSERT_TRUE(period.average_valence.has_value());
    EXPECT_DOUBLE_EQ(*period.average_valence, (0.8 + 0.6 - 0.6 + 0.0) / 4);
    EXPECT_DOUBLE_EQ(*period.average_intensity, (0.6 + 0.5 + 0.7 + 0.0) / 4);
    EXPECT_EQ(period.dominant_emotion, "joy");
}

TEST(EmotionSummary, EmptyPeriodHasZeroSharesAndNoAverages) {
    const PeriodSummary period = summarize_emotions({}, kNow, days(7)).current;
    EXPECT_EQ(period.count, 0u);
    EXPECT_EQ(period.distribution.size(), 9u);
    for (const auto& [name, share] : period.distribution) EXPECT_EQ(share, 0.0) << name;
    EXPECT_FALSE(period.average_valence.has_value());
    EXPECT_FALSE(period.average_intensity.has_value());
    EXPECT_FALSE(period.dominant_emotion.has_value());
}

TEST(EmotionSummary, DominantTieGoesToTheLargerIntensityThenToClassOrder) {
    const std::vector<store::EmotionRecord> by_intensity{
        record("fear", -0.5, 0.9, kNow - hours(1)),
        record("joy", 0.5, 0.3, kNow - hours(2)),
    };
    EXPECT_EQ(summarize_emotions(by_intensity, kNow, days(1)).current.dominant_emotion, "fear");
    const std::vector<store::EmotionRecord> by_order{
        record("trust", 0.5, 0.5, kNow - hours(1)),
        record("anger", -0.5, 0.5, kNow - hours(2)),
    };
    EXPECT_EQ(summarize_emotions(by_order, kNow, days(1)).current.dominant_emotion, "anger");
}

TEST(EmotionSummary, KeepsNamesOutsideTheNineClassesInTheDistribution) {
    const std::vector<store::EmotionRecord> records{
        record("love", 0.9, 0.5, kNow - hours(1)),
        record("joy", 0.7, 0.5, kNow - hours(2)),
    };
    const PeriodSummary period = summarize_emotions(records, kNow, days(1)).current;
    EXPECT_DOUBLE_EQ(period.distribution.at("love"), 0.5);
    EXPECT_EQ(period.distribution.size(), 10u);
    EXPECT_EQ(period.dominant_emotion, "joy");  // a full tie goes to the known class
}

TEST(EmotionSummary, PeriodsAreTheLastNDaysAndTheNDaysBeforeThem) {
    const std::vector<store::EmotionRecord> records{
        record("joy", 1.0, 1.0, kNow),            // at now: current
        record("joy", 1.0, 1.0, kNow - days(7)),  // first instant of current
        record("sadness", -1.0, 1.0, kNow - days(7) - std::chrono::microseconds(1)),  // previous
        record("sadness", -1.0, 1.0, kNow - days(14)),  // first instant of previous
        record("anger", -1.0, 1.0, kNow - days(14) - std::chrono::microseconds(1)),  // too old
        record("fear", -1.0, 1.0, kNow + std::chrono::microseconds(1)),              // future
    };
    const EmotionSummary summary = summarize_emotions(records, kNow, days(7));
    EXPECT_EQ(summary.current.count, 2u);
    EXPECT_EQ(summary.previous.count, 2u);
    EXPECT_EQ(summary.current.start, kNow - days(7));
    EXPECT_EQ(summary.previous.start, kNow - days(14));
    EXPECT_EQ(summary.previous.end, summary.current.start);
    EXPECT_DOUBLE_EQ(summary.current.distribution.at("joy"), 1.0);
    EXPECT_DOUBLE_EQ(summary.previous.distribution.at("sadness"), 1.0);
}

TEST(EmotionSummary, TrendIsImprovingWhenAverageValenceRisesByTheThreshold) {
    const std::vector<store::EmotionRecord> records{
        record("sadness", -0.4, 0.5, kNow - days(10)),
        record("joy", 0.2, 0.5, kNow - days(1)),
    };
    const EmotionSummary summary = summarize_emotions(records, kNow, days(7));
    ASSERT_TRUE(summary.valence_change.has_value());
    EXPECT_NEAR(*summary.valence_change, 0.6, 1e-12);
    EXPECT_EQ(summary.trend, Trend::improving);
    EXPECT_EQ(to_string(summary.trend), "improving");
}

TEST(EmotionSummary, TrendIsDecliningWhenAverageValenceFallsByTheThreshold) {
    const std::vector<store::EmotionRecord> records{
        record("joy", 0.5, 0.5, kNow - days(10)),
        record("sadness", -0.5, 0.5, kNow - days(1)),
    };
    const EmotionSummary summary = summarize_emotions(records, kNow, days(7));
    EXPECT_EQ(summary.trend, Trend::declining);
    EXPECT_EQ(to_string(summary.trend), "declining");
}

TEST(EmotionSummary, TrendIsStableInsideTheThresholdAndChangesExactlyAtIt) {
    EXPECT_EQ(classify_trend(0.20, 0.25), Trend::stable);
    EXPECT_EQ(classify_trend(0.20, 0.15), Trend::stable);
    EXPECT_EQ(classify_trend(0.2, 0.3), Trend::improving);  // 0.3 - 0.2 is 0.0999... in binary
    EXPECT_EQ(classify_trend(0.3, 0.2), Trend::declining);
    EXPECT_EQ(classify_trend(0.0, 0.05, 0.01), Trend::improving);
    EXPECT_EQ(kTrendValenceThreshold, 0.1);
    EXPECT_EQ(to_string(Trend::stable), "stable");
}

TEST(EmotionSummary, TrendNeedsRecordsInBothPeriods) {
    const std::vector<store::EmotionRecord> only_current{record("joy", 0.5, 0.5, kNow - days(1))};
    const EmotionSummary summary = summarize_emotions(only_current, kNow, days(7));
    EXPECT_EQ(summary.trend, Trend::insufficient_data);
    EXPECT_FALSE(summary.valence_change.has_value());
    EXPECT_EQ(to_string(summary.trend), "insufficient_data");
    EXPECT_EQ(classify_trend(std::nullopt, 0.5), Trend::insufficient_data);
    EXPECT_EQ(classify_trend(0.5, std::nullopt), Trend::insufficient_data);
}

TEST(EmotionSummary, RejectsAPeriodShorterThanOneDay) {
    EXPECT_THROW(summarize_emotions({}, kNow, days(0)), std::invalid_argument);
    EXPECT_THROW(summarize_emotions({}, kNow, days(-3)), std::invalid_argument);
}

}  // namespace
}  // namespace companion::emotion
