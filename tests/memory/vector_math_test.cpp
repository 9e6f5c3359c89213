#include "memory/vector_math.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace companion::memory {
namespace {

std::vector<float> random_vector(std::mt19937& rng, std::size_t size) {
    std::normal_distribution<float> normal;
    std::vector<float> v(size);
    for (float& x : v) x = normal(rng);
    return v;
}

TEST(DotRows, MatchesADoublePrecisionReferenceForEveryDimensionAndRowCount) {
    std::mt19937 rng(7);
    for (const std::size_t dimension : {1u, 3u, 7u, 8u, 9u, 31u, 32u, 33u, 100u, 384u, 1536u}) {
        for (const std::size_t rows : {0u, 1u, 5u, 64u}) {
            const auto matrix = random_vector(rng, rows * dimension);
            const auto query = random_vector(rng, dimension);
            std::vector<float> fast(rows, -1), portable(rows, -1);
            dot_rows(matrix.data(), rows, dimension, query.data(), fast.data());
            dot_rows_portable(matrix.data(), rows, dimension, query.data(), portable.data());
            for (std::size_t r = 0; r < rows; ++r) {
                double reference = 0;
                double magnitude = 0;
                for (std::size_t i = 0; i < dimension; ++i) {
                    reference += double(matrix[r * dimension + i]) * double(query[i]);
                    magnitude += std::abs(double(matrix[r * dimension + i]) * double(query[i]));
                }
                const double tolerance = 1e-6 * magnitude + 1e-6;
                EXPECT_NEAR(fast[r], reference, tolerance) << dimension << "x" << rows;
                EXPECT_NEAR(portable[r], reference, tolerance) << dimension << "x" << rows;
            }
        }
    }
}

TEST(DotRows, NamesTheKernelItUses) {
    const auto kernel = dot_rows_kernel();
    EXPECT_TRUE(kernel == "avx2+fma" || kernel == "portable") << kernel;
}

TEST(DotRowsHalf, StaysWithinTheErrorBoundOfTheFloatScoresForUnitVectors) {
    if (!half_kernel_available()) GTEST_SKIP() << "this CPU has no F16C: the float scan is used";
    std::mt19937 rng(9);
    for (const std::size_t dimension : {8u, 33u, 384u, 1536u}) {
        const std::size_t rows = 200;
        std::vector<float> matrix;
        for (std::size_t r = 0; r < rows; ++r) {
            auto row = random_vector(rng, dimension);
            // Some rows with elements below half precision's normal range.
            if (r % 5 == 0) {
                for (std::size_t i = 1; i < dimension; ++i) row[i] *= 1e-6f;
            }
            ASSERT_TRUE(normalise(row));
            matrix.insert(matrix.end(), row.begin(), row.end());
        }
        std::vector<std::uint16_t> halves(matrix.size());
        to_half(matrix.data(), matrix.size(), halves.data());
        for (int q = 0; q < 20; ++q) {
            auto query = random_vector(rng, dimension);
            if (q % 4 == 0) query.assign(matrix.begin(), matrix.begin() + dimension);
            ASSERT_TRUE(normalise(query));
            std::vector<float> exact(rows), half(rows);
            dot_rows(matrix.data(), rows, dimension, query.data(), exact.data());
            dot_rows_half(halves.data(), rows, dimension, query.data(), half.data());
            for (std::size_t r = 0; r < rows; ++r) {
                EXPECT_LE(std::abs(double(half[r]) - double(exact[r])), half_error_bound(dimension))
                    << dimension << " row " << r;
            }
        }
    }
    EXPECT_LT(half_error_bound(384), 1e-3);
}

TEST(Normalise, ScalesToUnitLengthAndRefusesVectorsWithoutDirection) {
    std::vector<float> v = {3, 4};
    ASSERT_TRUE(normalise(v));
    EXPECT_FLOAT_EQ(v[0], 0.6f);
    EXPECT_FLOAT_EQ(v[1], 0.8f);
    std::vector<float> zero = {0, 0, 0};
    EXPECT_FALSE(normalise(zero));
    EXPECT_EQ(zero, (std::vector<float>{0, 0, 0}));
    std::vector<float> infinite = {std::numeric_limits<float>::infinity(), 1};
    EXPECT_FALSE(normalise(infinite));
    std::vector<float> tiny = {1e-30f, 1e-30f};
    ASSERT_TRUE(normalise(tiny));
    EXPECT_NEAR(tiny[0], std::sqrt(0.5f), 1e-6);
}

}  // namespace
}  // namespace companion::memory
