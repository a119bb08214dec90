#include "core/quantize.h"

#include "core/parallel_range.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

namespace rwkv {

namespace {

// Blocks one thread quantizes at least (512 KiB of fp32 values): smaller matrices stay on one.
// Blocks are independent, so the bytes are the same for any thread count.
constexpr int64_t kBlocksPerThread = 4096;

// nearbyint for |v| < 2^22 (here |v| ≤ 128) without its library call: adding 1.5·2^23 leaves
// no bits below the units, so the addition rounds to the nearest integer, ties to even, as
// nearbyint does in the default rounding mode.
float roundNearest(float v)
{
    constexpr float k = 0x1.8p23f;
    return (v + k) - k;
}

// The kQ8Block values at w into q and the fp16 scale at scale.
void quantizeQ8Block(const float* w, int8_t* q, std::byte* scale)
{
    float amax = 0.0f;
    for (size_t i = 0; i < kQ8Block; ++i) amax = std::max(amax, std::fabs(w[i]));
    // The scale is rounded to fp16 first and the values divided by the rounded scale, so
    // q·d is the nearest point of the grid actually stored: error ≤ d/2. A normal fp16 d
    // is within 2^-11 of max|w|/127, so |w/d| < 127.07 rounds into range; a subnormal d
    // (max|w| < 2^-14·127) is off by up to 2^-25, so the clamp adds at most 127·2^-25.
    const uint16_t dBits = floatToF16(amax / 127.0f);
    const float d = f16ToFloat(dBits);
    const float inv = d > 0.0f ? 1.0f / d : 0.0f;
    for (size_t i = 0; i < kQ8Block; ++i) q[i] = int8_t(std::clamp(roundNearest(w[i] * inv), -127.0f, 127.0f));
    std::memcpy(scale, &dBits, 2);
}

// The kQ4Block values at w into 16 packed bytes and the fp16 scale at scale.
void quantizeQ4Block(const float* w, uint8_t* packed, std::byte* scale)
{
    constexpr size_t kHalf = kQ4Block / 2;
    float peak = 0.0f; // the value of largest magnitude, with its sign
    for (size_t i = 0; i < kQ4Block; ++i)
        if (std::fabs(w[i]) > std::fabs(peak)) peak = w[i];
    // Mapping the peak to -8 (not ±7) uses the grid's longer side for the value that sets
    // the range, as Q4_0 does; the other side then reaches only 7·|d|. The scale is rounded
    // to fp16 first, so q is the nearest stored grid point (Q8's reasoning).
    const uint16_t dBits = floatToF16(peak / -8.0f);
    const float d = f16ToFloat(dBits);
    const float inv = d != 0.0f ? 1.0f / d : 0.0f;
    auto code = [&](float v) { return uint8_t(std::clamp(roundNearest(v * inv) + 8.0f, 0.0f, 15.0f)); };
    for (size_t j = 0; j < kHalf; ++j) packed[j] = uint8_t(code(w[j]) | code(w[j + kHalf]) << 4);
    std::memcpy(scale, &dBits, 2);
}

} // namespace

std::vector<std::byte> quantizeQ8(std::span<const float> values, int64_t cols)
{
    assert(cols > 0 && size_t(cols) % kQ8Block == 0 && values.size() % size_t(cols) == 0);
    (void)cols;
    const size_t n = values.size();
    std::vector<std::byte> out(storageBytes(DType::Q8, n));
    auto* q = reinterpret_cast<int8_t*>(out.data());
    std::byte* scales = out.data() + n;
    parallelRange(int64_t(n / kQ8Block), kBlocksPerThread, [&](int64_t b0, int64_t b1) {
        for (size_t b = size_t(b0); b < size_t(b1); ++b)
            quantizeQ8Block(values.data() + b * kQ8Block, q + b * kQ8Block, scales + 2 * b);
    });
    return out;
}

std::vector<float> dequantizeQ8(const void* data, size_t numel)
{
    const auto* q = static_cast<const int8_t*>(data);
    const auto* scales = static_cast<const std::byte*>(data) + numel;
    std::vector<float> out(numel);
    for (size_t e = 0; e < numel; ++e) {
        uint16_t dBits;
        std::memcpy(&dBits, scales + 2 * (e / kQ8Block), 2);
        out[e] = float(q[e]) * f16ToFloat(dBits);
    }
    return out;
}

std::vector<std::byte> quantizeQ4(std::span<const float> values, int64_t cols)
{
    assert(cols > 0 && size_t(cols) % kQ4Block == 0 && values.size() % size_t(cols) == 0);
    (void)cols;
    const size_t n = values.size();
    std::vector<std::byte> out(storageBytes(DType::Q4, n));
    auto* packed = reinterpret_cast<uint8_t*>(out.data());
    std::byte* scales = out.data() + n / 2;
    parallelRange(int64_t(n / kQ4Block), kBlocksPerThread, [&](int64_t b0, int64_t b1) {
        for (size_t b = size_t(b0); b < size_t(b1); ++b)
            quantizeQ4Block(values.data() + b * kQ4Block, packed + b * (kQ4Block / 2), scales + 2 * b);
    });
    return out;
}

std::vector<float> dequantizeQ4(const void* data, size_t numel)
{
    constexpr size_t kHalf = kQ4Block / 2;
    const auto* packed = static_cast<const uint8_t*>(data);
    const auto* scales = static_cast<const std::byte*>(data) + numel / 2;
    std::vector<float> out(numel);
    for (size_t e = 0; e < numel; ++e) {
        const size_t j = e % kQ4Block;
        const uint8_t byte = packed[e / kQ4Block * kHalf + j % kHalf];
        uint16_t dBits;
        std::memcpy(&dBits, scales + 2 * (e / kQ4Block), 2);
        out[e] = float(int(j < kHalf ? byte & 15 : byte >> 4) - 8) * f16ToFloat(dBits);
    }
    return out;
}

} // namespace rwkv
