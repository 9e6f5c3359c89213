#include "emotion/summary.hpp"

#include <stdexcept>
#include <tuple>

#include "emotion/emotion.hpp"

namespace companion::emotion {

namespace {

// Differences this close to the threshold count as reaching it (0.3 - 0.2 is 0.0999...).
constexpr double kTolerance = 1e-9;

struct Tally {
    std::size_t count = 0;
    double intensity = 0;
};

// Lower is earlier: the nine classes in their order, then other names.
std::size_t class_rank(const std::string& name) {
    const auto emotion = parse_emotion(name);
    return emotion ? index_of(*emotion) : kEmotionCount;
}

}  // namespace

std::string_view to_string(Trend trend) {
    switch (trend) {
        case Trend::improving:
            return "improving";
        case Trend::declining:
            return "declining";
        case Trend::stable:
            return "stable";
        case Trend::insufficient_data:
            return "insufficient_data";
    }
    return "insufficient_data";
}

PeriodSummary summarize_period(std::span<const store::EmotionRecord> records,
                               store::Timestamp start, store::Timestamp end) {
    PeriodSummary summary;
    summary.start = start;
    summary.end = end;
    for (Emotion emotion : kAllEmotions)
        summary.distribution.emplace(std::string(to_string(emotion)), 0.0);

    std::map<std::string, Tally> tallies;
    double valence_sum = 0;
    double intensity_sum = 0;
    for (const store::EmotionRecord& record : records) {
        if (record.created_at < start || record.created_at >= end) continue;
        ++summary.count;
        valence_sum += record.valence;
        intensity_sum += record.intensity;
        Tally& tally = tallies[record.emotion];
        ++tally.count;
        tally.intensity += record.intensity;
    }
    if (summary.count == 0) return summary;

    const auto n = static_cast<double>(summary.count);
    summary.average_valence = valence_sum / n;
    summary.average_intensity = intensity_sum / n;
    const auto ranks_before = [](const auto& a, const auto& b) {  // (name, tally) pairs
        if (a.second.count != b.second.count) return a.second.count > b.second.count;
        if (a.second.intensity != b.second.intensity)
            return a.second.intensity > b.second.intensity;
        return std::make_tuple(class_rank(a.first), a.first) <
               std::make_tuple(class_rank(b.first), b.first);
    };
    const std::pair<const std::string, Tally>* dominant = nullptr;
    for (const auto& entry : tallies) {
        summary.distribution[entry.first] = static_cast<double>(entry.second.count) / n;
        if (dominant == nullptr || ranks_before(entry, *dominant)) dominant = &entry;
    }
    summary.dominant_emotion = dominant->first;
    return summary;
}

Trend classify_trend(std::optional<double> previous_average_valence,
                     std::optional<double> current_average_valence, double threshold) {
    if (!previous_average_valence || !current_average_valence) return Trend::insufficient_data;
    const double change = *current_average_valence - *previous_average_valence;
    if (change >= threshold - kTolerance) return Trend::improving;
    if (change <= -threshold + kTolerance) return Trend::declining;
    return Trend::stable;
}

EmotionSummary summarize_emotions(std::span<const store::EmotionRecord> records,
                                  store::Timestamp now, std::chrono::days period) {
    if (period <= std::chrono::days::zero()) {
        throw std::invalid_argument("the summary period must be at least one day");
    }
    const store::Timestamp current_start = now - period;
    const store::Timestamp previous_start = current_start - period;
    EmotionSummary summary;
    // One microsecond past `now` so that a record written at `now` is part of the current period.
    summary.current = summarize_period(records, current_start, now + store::Timestamp::duration(1));
    summary.previous = summarize_period(records, previous_start, current_start);
    if (summary.current.average_valence && summary.previous.average_valence) {
        summary.valence_change =
            *summary.current.average_valence - *summary.previous.average_valence;
    }
    summary.trend =
        classify_trend(summary.previous.average_valence, summary.current.average_valence);
    return summary;
}

}  // namespace companion::emotion
