#pragma once
// Element types of checkpoint tensors and device weights, with the scalar conversions
// every loader and reference kernel needs.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rwkv {

// Q8 / Q4: int8 / 4-bit weights in blocks of 32 along a row, one fp16 scale per block; only for
// device matrices, never a checkpoint's type (core/quantize.h holds the layouts). I8 / U8: the
// int8 values / packed 4-bit pairs of a quantized checkpoint's matrix, beside its fp16 scales
// (core/quantized_file.h).
enum class DType : uint8_t { F32, F16, BF16, F64, I64, I32, U8, Q8, I8, Q4 };
inline constexpr size_t kQ8Block = 32;
inline constexpr size_t kQ4Block = 32;

// The block-quantized device types (Q8, Q4).
inline bool isQuantized(DType t) { return t == DType::Q8 || t == DType::Q4; }

// Bytes per element (Q8: of its int8 values; Q4: 1 for two values, so use storageBytes,
// which also adds the scales).
size_t dtypeSize(DType t);
// Bytes of numel elements of type t, block scales included.
size_t storageBytes(DType t, size_t numel);
// Where the fp16 block scales of a Q8 or Q4 matrix of numel elements start (bytes): after its values.
inline size_t quantizedScalesOffset(DType t, size_t numel) { return t == DType::Q4 ? numel / 2 : numel; }
// Lower-case name as in strategies and safetensors, e.g. "bf16".
std::string_view dtypeName(DType t);

inline float bf16ToFloat(uint16_t h) { return std::bit_cast<float>(uint32_t(h) << 16); }

// Round to nearest even, NaN kept quiet.
inline uint16_t floatToBf16(float f)
{
    uint32_t u = std::bit_cast<uint32_t>(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return uint16_t(u >> 16);
}

float f16ToFloat(uint16_t h);
uint16_t floatToF16(float f);

// Widens n elements of a little-endian F32/F16/BF16/F64 array to fp32.
void convertToFloat(const void* src, DType t, size_t n, float* dst);

// Reads element i of a little-endian array of type t as float (F32/F16/BF16/F64 only).
float loadAsFloat(const void* data, DType t, size_t i);

} // namespace rwkv
