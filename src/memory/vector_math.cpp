#include "memory/vector_math.hpp"

#include <cmath>
#include <stdexcept>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define COMPANION_HAVE_AVX2_KERNEL 1
#endif

namespace companion::memory {
namespace {

// Eight independent sums per row: without -ffast-math the compiler may not reorder one float
// sum, but it turns eight side-by-side sums into one vector register.
float dot_portable(const float* __restrict row, const float* __restrict query,
                   std::size_t dimension) {
    float sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 8 <= dimension; i += 8) {
        for (std::size_t lane = 0; lane < 8; ++lane) sums[lane] += row[i + lane] * query[i + lane];
    }
    float total =
        ((sums[0] + sums[4]) + (sums[1] + sums[5])) + ((sums[2] + sums[6]) + (sums[3] + sums[7]));
    for (; i < dimension; ++i) total += row[i] * query[i];
    return total;
}

#ifdef COMPANION_HAVE_AVX2_KERNEL

__attribute__((target("avx2,fma"))) float horizontal_sum(__m256 v) {
    const __m128 low = _mm256_castps256_ps128(v);
    const __m128 high = _mm256_extractf128_ps(v, 1);
    __m128 sum = _mm_add_ps(low, high);
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_shuffle_ps(sum, sum, 0x55));
    return _mm_cvtss_f32(sum);
}

// Four accumulators (32 floats per step) hide the FMA latency; the rows stream from memory.
__attribute__((target("avx2,fma"))) void dot_rows_avx2(const float* __restrict matrix,
                                                       std::size_t rows, std::size_t dimension,
                                                       const float* __restrict query,
                                                       float* __restrict scores) {
    for (std::size_t r = 0; r < rows; ++r) {
        const float* row = matrix + r * dimension;
        __m256 a0 = _mm256_setzero_ps();
        __m256 a1 = _mm256_setzero_ps();
        __m256 a2 = _mm256_setzero_ps();
        __m256 a3 = _mm256_setzero_ps();
        std::size_t i = 0;
        for (; i + 32 <= dimension; i += 32) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(row + i), _mm256_loadu_ps(query + i), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(row + i + 8), _mm256_loadu_ps(query + i + 8), a1);
            a2 =
                _mm256_fmadd_ps(_mm256_loadu_ps(row + i + 16), _mm256_loadu_ps(query + i + 16), a2);
            a3 =
                _mm256_fmadd_ps(_mm256_loadu_ps(row + i + 24), _mm256_loadu_ps(query + i + 24), a3);
        }
        for (; i + 8 <= dimension; i += 8) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(row + i), _mm256_loadu_ps(query + i), a0);
        }
        float total = horizontal_sum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
        for (; i < dimension; ++i) total += row[i] * query[i];
        scores[r] = total;
    }
}

bool cpu_has_avx2_fma() {
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return has;
}

bool cpu_has_f16c() {
    static const bool has = cpu_has_avx2_fma() && __builtin_cpu_supports("f16c");
    return has;
}

__attribute__((target("avx2,fma,f16c"))) void to_half_f16c(const float* in, std::size_t count,
                                                           std::uint16_t* out) {
    std::size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m128i halves = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), halves);
    }
    for (; i < count; ++i) out[i] = _cvtss_sh(in[i], _MM_FROUND_TO_NEAREST_INT);
}

__attribute__((target("avx2,fma,f16c"))) __m256 load_half(const std::uint16_t* at) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(at)));
}

__attribute__((target("avx2,fma,f16c"))) void dot_rows_f16c(const std::uint16_t* __restrict matrix,
                                                            std::size_t rows, std::size_t dimension,
                                                            const float* __restrict query,
                                                            float* __restrict scores) {
    for (std::size_t r = 0; r < rows; ++r) {
        const std::uint16_t* row = matrix + r * dimension;
        __m256 a0 = _mm256_setzero_ps();
        __m256 a1 = _mm256_setzero_ps();
        __m256 a2 = _mm256_setzero_ps();
        __m256 a3 = _mm256_setzero_ps();
        std::size_t i = 0;
        for (; i + 32 <= dimension; i += 32) {
            a0 = _mm256_fmadd_ps(load_half(row + i), _mm256_loadu_ps(query + i), a0);
            a1 = _mm256_fmadd_ps(load_half(row + i + 8), _mm256_loadu_ps(query + i + 8), a1);
            a2 = _mm256_fmadd_ps(load_half(row + i + 16), _mm256_loadu_ps(query + i + 16), a2);
            a3 = _mm256_fmadd_ps(load_half(row + i + 24), _mm256_loadu_ps(query + i + 24), a3);
        }
        for (; i + 8 <= dimension; i += 8) {
            a0 = _mm256_fmadd_ps(load_half(row + i), _mm256_loadu_ps(query + i), a0);
        }
        float total = horizontal_sum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
        for (; i < dimension; ++i) total += _cvtsh_ss(row[i]) * query[i];
        scores[r] = total;
    }
}

#endif

}  // namespace

void dot_rows_portable(const float* matrix, std::size_t rows, std::size_t dimension,
                       const float* query, float* scores) {
    for (std::size_t r = 0; r < rows; ++r) {
        scores[r] = dot_portable(matrix + r * dimension, query, dimension);
    }
}

void dot_rows(const float* matrix, std::size_t rows, std::size_t dimension, const float* query,
              float* scores) {
#ifdef COMPANION_HAVE_AVX2_KERNEL
    if (cpu_has_avx2_fma()) {
        dot_rows_avx2(matrix, rows, dimension, query, scores);
        return;
    }
#endif
    dot_rows_portable(matrix, rows, dimension, query, scores);
}

std::string_view dot_rows_kernel() {
#ifdef COMPANION_HAVE_AVX2_KERNEL
    if (cpu_has_avx2_fma()) return "avx2+fma";
#endif
    return "portable";
}

bool half_kernel_available() {
#ifdef COMPANION_HAVE_AVX2_KERNEL
    return cpu_has_f16c();
#else
    return false;
#endif
}

void to_half(const float* in, std::size_t count, std::uint16_t* out) {
#ifdef COMPANION_HAVE_AVX2_KERNEL
    if (cpu_has_f16c()) {
        to_half_f16c(in, count, out);
        return;
    }
#endif
    (void)in;
    (void)count;
    (void)out;
    throw std::logic_error("to_half needs a CPU with F16C");
}

void dot_rows_half(const std::uint16_t* matrix, std::size_t rows, std::size_t dimension,
                   const float* query, float* scores) {
#ifdef COMPANION_HAVE_AVX2_KERNEL
    if (cpu_has_f16c()) {
        dot_rows_f16c(matrix, rows, dimension, query, scores);
        return;
    }
#endif
    (void)matrix;
    (void)rows;
    (void)dimension;
    (void)query;
    (void)scores;
    throw std::logic_error("dot_rows_half needs a CPU with F16C");
}

double half_error_bound(std::size_t dimension) {
    const double d = static_cast<double>(dimension);
    const double unit = std::ldexp(1.0, -24);  // float's unit roundoff
    // Conversion: 2^-11 * sum |q_i r_i| <= 2^-11 (unit vectors), 2^-25 * sum |q_i| <= 2^-25
    // sqrt(d) for the tiny elements; each float sum adds at most d * u * sum |q_i r_i|.
    return std::ldexp(1.0, -11) + std::ldexp(1.0, -25) * std::sqrt(d) + 4 * d * unit;
}

bool normalise(std::span<float> vector) {
    double sum = 0;
    for (const float x : vector) sum += static_cast<double>(x) * static_cast<double>(x);
    if (!(sum > 0) || !std::isfinite(sum)) return false;
    const double scale = 1.0 / std::sqrt(sum);
    for (float& x : vector) x = static_cast<float>(static_cast<double>(x) * scale);
    return true;
}

}  // namespace companion::memory
