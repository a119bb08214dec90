#pragma once
// The CPU decode of int8 and 4-bit weights (T ≤ 8 input rows) multiplies each input row rounded
// to int16 per block of 32 (backends/cpu/int_dot_inl.h): each input moves by at most half a
// step, max|x over its block| / 65534. This is the most that moves output (t, o),
// Σ_i |w[o,i]| times that, written from the rule, not from the kernel, for the kernel tests'
// tolerances. x is [T, I], w [O, I], the bound [T, O].
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace rwkv::test {

inline std::vector<double> int16RoundingBound(const std::vector<float>& x, const std::vector<double>& w, size_t I, size_t O)
{
    const size_t T = x.size() / I;
    std::vector<double> bound(T * O, 0.0), halfStep(I);
    for (size_t t = 0; t < T; ++t) {
        const float* row = x.data() + t * I;
        for (size_t b = 0; b < I; b += 32) {
            double m = 0.0;
            for (size_t i = b; i < std::min(I, b + 32); ++i) m = std::max(m, std::fabs(double(row[i])));
            for (size_t i = b; i < std::min(I, b + 32); ++i) halfStep[i] = m / 65534.0;
        }
        for (size_t o = 0; o < O; ++o)
            for (size_t i = 0; i < I; ++i) bound[t * O + o] += std::fabs(w[o * I + i]) * halfStep[i];
    }
    return bound;
}

} // namespace rwkv::test
