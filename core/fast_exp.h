#pragma once
// e^x for x ≤ 0 to 1e-7 relative (about an ulp of float), as plain arithmetic the compiler
// vectorizes: the sampler's softmax takes one per vocabulary entry (65536), where a call to
// std::exp each was about 40 % of a draw. Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2,
// then e^r by Cephes' degree-6 polynomial and 2^n by building the exponent bits.
#include <bit>
#include <cstdint>

namespace rwkv {

inline float expNonPositive(float x)
{
    // Below -87 e^x leaves float's normal range: 0 there (and for -inf and NaN), so such a
    // token is never drawn; the arithmetic runs on -87 instead.
    const bool normal = x >= -87.0f;
    const float c = normal ? x : -87.0f;
    // Adding 1.5·2^23 rounds to an integer n, which the low bits of the sum then hold.
    const float shifted = c * 1.44269504f + 12582912.0f;
    const float n = shifted - 12582912.0f;
    const float r = (c - n * 0.693359375f) - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float y = p * r * r + r + 1.0f;
    const float e = y * std::bit_cast<float>((std::bit_cast<int32_t>(shifted) - 0x4B400000 + 127) << 23);
    return normal ? e : 0.0f;
}

} // namespace rwkv
