// The brute-force reference for exact similarity search, and the comparison of a search's answer
// with it that tolerates only float rounding (scores within kScoreTolerance may swap places or
// fall either side of a cut). Shared by the unit tests of the matrix cache and the integration
// tests of the index on real stores.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "store/models.hpp"
#include "store/store.hpp"

namespace companion::testing::exact {

inline constexpr double kScoreTolerance = 1e-5;

struct Scored {
    std::string id;
    double score;
};

inline double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double dot = 0, na = 0, nb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        dot += double(a[i]) * double(b[i]);
        na += double(a[i]) * double(a[i]);
        nb += double(b[i]) * double(b[i]);
    }
    if (na == 0 || nb == 0) return std::nan("");
    return dot / (std::sqrt(na) * std::sqrt(nb));
}

// Every row of `model` with the query's dimension, scored in double, best first, ties by id.
inline std::vector<Scored> all_scores(const std::vector<store::Memory>& rows,
                                      const std::string& model, const std::vector<float>& query) {
    std::vector<Scored> scored;
    for (const auto& row : rows) {
        if (row.embedding_model != model || row.embedding.size() != query.size()) continue;
        const double score = cosine(row.embedding, query);
        if (!std::isnan(score)) scored.push_back({row.id, score});
    }
    std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
        return a.score != b.score ? a.score > b.score : a.id < b.id;
    });
    return scored;
}

inline std::vector<Scored> top_k(const std::vector<store::Memory>& rows, const std::string& model,
                                 const std::vector<float>& query, std::size_t k, double min_score) {
    auto scored = all_scores(rows, model, query);
    std::vector<Scored> kept;
    for (const auto& s : scored) {
        if (kept.size() == k || s.score < min_score) break;
        kept.push_back(s);
    }
    return kept;
}

// `actual` is the exact top k of `rows` for the query: same length, the same scores position by
// position, each id's own score right, and any id that differs from the reference explained by a
// tie within kScoreTolerance (at the k-th place or at the threshold).
inline void expect_exact(const std::vector<store::ScoredMemory>& actual,
                         const std::vector<store::Memory>& rows, const std::string& model,
                         const std::vector<float>& query, std::size_t k, double min_score) {
    const auto scored = all_scores(rows, model, query);
    std::map<std::string, double> score_of;
    for (const auto& s : scored) score_of[s.id] = s.score;
    const auto reference = top_k(rows, model, query, k, min_score);

    const auto near_threshold = [&](double s) { return std::abs(s - min_score) < kScoreTolerance; };
    if (actual.size() != reference.size()) {
        // Only a score at the threshold may be counted in by one and out by the other.
        const bool explained =
            actual.size() + 1 == reference.size()
                ? near_threshold(reference.back().score)
                : reference.size() + 1 == actual.size() && near_threshold(actual.back().score);
        ASSERT_TRUE(explained) << "expected " << reference.size() << " results, got "
                               << actual.size();
    }
    const std::size_t common = std::min(actual.size(), reference.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        const auto& hit = actual[i];
        ASSERT_TRUE(score_of.count(hit.memory.id)) << "not a candidate: " << hit.memory.id;
        EXPECT_NEAR(hit.score, score_of[hit.memory.id], kScoreTolerance) << hit.memory.id;
        EXPECT_GE(hit.score, min_score - kScoreTolerance);
        if (i < common) {
            EXPECT_NEAR(hit.score, reference[i].score, kScoreTolerance) << "place " << i;
            if (hit.memory.id != reference[i].id) {
                // A swap of near-equal scores, or a tie at the k-th place.
                EXPECT_NEAR(score_of[reference[i].id], hit.score, kScoreTolerance)
                    << hit.memory.id << " instead of " << reference[i].id;
            }
        }
        if (i > 0) {
            EXPECT_LE(hit.score, actual[i - 1].score + kScoreTolerance);
        }
    }
}

// Gaussian vectors: their cosines are spread (about N(0, 1/dimension)), so near-ties are rare.
inline std::vector<float> random_vector(std::mt19937& rng, std::size_t dimension) {
    std::normal_distribution<float> normal;
    std::vector<float> v(dimension);
    for (float& x : v) x = normal(rng);
    return v;
}

// A vector whose cosine with `base` is about `similarity` (base unit or not).
inline std::vector<float> near(const std::vector<float>& base, double similarity,
                               std::mt19937& rng) {
    auto noise = random_vector(rng, base.size());
    double nb = 0, nn = 0, dot = 0;
    for (std::size_t i = 0; i < base.size(); ++i) {
        nb += double(base[i]) * double(base[i]);
        dot += double(base[i]) * double(noise[i]);
    }
    for (std::size_t i = 0; i < base.size(); ++i) {
        noise[i] = static_cast<float>(double(noise[i]) - dot / nb * double(base[i]));
        nn += double(noise[i]) * double(noise[i]);
    }
    std::vector<float> out(base.size());
    const double a = similarity / std::sqrt(nb);
    const double b = std::sqrt(std::max(0.0, 1 - similarity * similarity)) / std::sqrt(nn);
    for (std::size_t i = 0; i < base.size(); ++i) {
        out[i] = static_cast<float>(a * double(base[i]) + b * double(noise[i]));
    }
    return out;
}

}  // namespace companion::testing::exact
