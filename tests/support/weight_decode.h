#pragma once
// Decoders of the weight formats written independently of core/dtype.cpp and core/quantize.cpp
// (the kernels use Highway's conversions), so the tests' references do not share their code.
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rwkv::test {

inline double decodeBf16(uint16_t h) { return double(std::bit_cast<float>(uint32_t(h) << 16)); }

inline double decodeF16(uint16_t h)
{
    const int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    const double sign = (h & 0x8000) ? -1.0 : 1.0;
    if (exponent == 0) return sign * std::ldexp(double(mantissa), -24);
    return sign * std::ldexp(1.0 + mantissa / 1024.0, exponent - 15);
}

// The fp16 scale of 32-value block `block` of an int8 matrix of `numel` elements, from the
// layout written in core/quantize.h: int8 values, then one little-endian fp16 scale per block.
inline double q8Scale(const std::vector<std::byte>& bytes, size_t numel, size_t block)
{
    const size_t s = numel + 2 * block;
    return decodeF16(uint16_t(uint16_t(bytes[s]) | uint16_t(bytes[s + 1]) << 8));
}

// Element e of such a matrix.
inline double decodeQ8(const std::vector<std::byte>& bytes, size_t numel, size_t e)
{
    return double(int8_t(bytes[e])) * q8Scale(bytes, numel, e / 32);
}

} // namespace rwkv::test
