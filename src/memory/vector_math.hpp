// The arithmetic of the exact search: dot products of a query with every row of a row-major
// float matrix (AVX2 + FMA when the CPU has them, chosen at run time; a portable loop the
// compiler vectorises otherwise) and L2 normalisation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace companion::memory {

// scores[r] = dot(matrix[r * dimension ...], query) for r < rows.
void dot_rows(const float* matrix, std::size_t rows, std::size_t dimension, const float* query,
              float* scores);

// The portable loop dot_rows falls back to (tests compare the two).
void dot_rows_portable(const float* matrix, std::size_t rows, std::size_t dimension,
                       const float* query, float* scores);

// "avx2+fma" or "portable": what dot_rows runs on this machine.
std::string_view dot_rows_kernel();

// Half precision (IEEE binary16) screening, on CPUs with F16C, AVX2 and FMA: a matrix kept in
// halves is read at half the memory traffic; its scores are within half_error_bound() of the
// float ones, so the exact top k can be found among the rows it screens in (matrix_cache.cpp).
bool half_kernel_available();
// Round to nearest even; only where half_kernel_available().
void to_half(const float* in, std::size_t count, std::uint16_t* out);
void dot_rows_half(const std::uint16_t* matrix, std::size_t rows, std::size_t dimension,
                   const float* query, float* scores);
// For unit vectors of this dimension: |half score - float score| is at most this (conversion
// 2^-11 relative per element, at most 2^-25 absolute below 2^-14, plus both sums' rounding).
double half_error_bound(std::size_t dimension);

// Scales the vector to length 1 (the norm summed in double). False, leaving it unchanged, when
// its norm is 0 or not finite: such a vector has no direction to compare.
bool normalise(std::span<float> vector);

}  // namespace companion::memory
