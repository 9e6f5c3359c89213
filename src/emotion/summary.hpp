// How a user has been feeling over a period: the share of each emotion, the average valence, the
// dominant emotion, and the trend against the period before. Pure arithmetic over emotion_history
// rows; the API and the prompt builder call it.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "store/models.hpp"

namespace companion::emotion {

enum class Trend { improving, declining, stable, insufficient_data };

std::string_view to_string(Trend trend);

// The average valence (-1..1) must rise or fall by at least this much from one period to the
// next to count as improving or declining; smaller moves are stable.
inline constexpr double kTrendValenceThreshold = 0.1;

struct PeriodSummary {
    store::Timestamp start{};  // inclusive
    store::Timestamp end{};    // exclusive
    std::size_t count = 0;
    // Share of the period's records per emotion: the nine classes always present (0 when absent),
    // plus any other name found in the rows; the shares sum to 1 unless the period is empty.
    std::map<std::string, double> distribution;
    std::optional<double> average_valence;    // mean of the records' valence; none when empty
    std::optional<double> average_intensity;  // mean of the records' intensity; none when empty
    // Most frequent emotion; ties go to the larger summed intensity, then to the class order of
    // emotion.hpp (other names last, alphabetically). None when empty.
    std::optional<std::string> dominant_emotion;
};

struct EmotionSummary {
    PeriodSummary current;   // [now - period, now], records at `now` included
    PeriodSummary previous;  // [now - 2 * period, now - period)
    // current - previous average valence; none if either period is empty
    std::optional<double> valence_change;
    Trend trend = Trend::insufficient_data;
};

// The records with start <= created_at < end; the others are ignored.
PeriodSummary summarize_period(std::span<const store::EmotionRecord> records,
                               store::Timestamp start, store::Timestamp end);

// Throws std::invalid_argument when `period` is not positive.
EmotionSummary summarize_emotions(std::span<const store::EmotionRecord> records,
                                  store::Timestamp now, std::chrono::days period);

// improving when current - previous >= threshold, declining when <= -threshold, stable between,
// insufficient_data when either average is missing.
Trend classify_trend(std::optional<double> previous_average_valence,
                     std::optional<double> current_average_valence,
                     double threshold = kTrendValenceThreshold);

}  // namespace companion::emotion
