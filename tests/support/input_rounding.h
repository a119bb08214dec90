#pragma once
// The CPU decode of int8 and 4-bit weights (T ≤ 8 input rows) multiplies each input row rounded
// per block of 32 to integers of `levels` steps each side of 0 (backends/cpu/int_dot_inl.h:
// int16, 32767, for int8 weights; int8, 127, for 4-bit ones): each input moves by at most half
// a step, max|x over its block| / (2 · levels). This is the most that moves output (t, o),
// Σ_i |w[o,i]| times that, written from the rule, not from the kernel, for the kernel tests'
// tolerances. x is [T, I], w [O, I], the bound [T, O].
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace rwkv::test {

inline std::vector<double> inputRoundingBound(const std::vector<float>& x, const std::vector<double>& w, size_t I, size_t O, int levels)
{
    const size_t T = x.size() / I;
    std::vector<double> bound(T * O, 0.0), halfStep(I);
    for (size_t t = 0; t < T; ++t) {
        const float* row = x.data() + t * I;
        for (size_t b = 0; b < I; b += 32) {
            double m = 0.0;
            for (size_t i = b; i < std::min(I, b + 32); ++i) m = std::max(m, std::fabs(double(row[i])));
            for (size_t i = b; i < std::min(I, b + 32); ++i) halfStep[i] = m / (2.0 * levels);
        }
        for (size_t o = 0; o < O; ++o)
            for (size_t i = 0; i < I; ++i) bound[t * O + o] += std::fabs(w[o * I + i]) * halfStep[i];
    }
    return bound;
}

} // namespace rwkv::test
