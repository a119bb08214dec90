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

// The fp16 scale of block `block` of a 4-bit (q4) matrix of `numel` elements, from the layout
// written in core/quantize.h: numel / 2 packed bytes, then one little-endian fp16 scale per block.
inline double q4Scale(const std::vector<std::byte>& bytes, size_t numel, size_t block)
{
    const size_t s = numel / 2 + 2 * block;
    return decodeF16(uint16_t(uint16_t(bytes[s]) | uint16_t(bytes[s + 1]) << 8));
}

// The 4-bit code (0..15) of element e: a block's 16 bytes hold its values 0-15 in their low
// nibbles and 16-31 in their high nibbles.
inline int q4Code(const std::vector<std::byte>& bytes, size_t e)
{
    const size_t block = e / 32, j = e % 32;
    const unsigned byte = unsigned(bytes[block * 16 + j % 16]);
    return int(j < 16 ? byte % 16 : byte / 16);
}

// Element e of such a matrix: (code - 8) · scale.
inline double decodeQ4(const std::vector<std::byte>& bytes, size_t numel, size_t e)
{
    return double(q4Code(bytes, e) - 8) * q4Scale(bytes, numel, e / 32);
}

// Element e of a Q8 (isQ4 false) or Q4 matrix.
inline double decodeQuantized(bool isQ4, const std::vector<std::byte>& bytes, size_t numel, size_t e)
{
    return isQ4 ? decodeQ4(bytes, numel, e) : decodeQ8(bytes, numel, e);
}

} // namespace rwkv::test
