#pragma once
// The block-quantized weight formats of device matrices (design.md "int8 weights", "q4 weights").
//
// The int8 weight format (DType::Q8, strategy precision "int8"; design.md "int8 weights"),
// GGUF Q8_0's arithmetic in a planar layout. A [rows, cols] matrix, cols % kQ8Block == 0:
//   rows·cols int8 values q, row-major, then rows·cols/kQ8Block fp16 scales d, one per block
//   of kQ8Block consecutive values of a row, in the same order:
//   w[e] ≈ q[e] · d[e / kQ8Block],  d = max|w| / 127 over the block,  q = round(w / d).
// So |w - deq(q(w))| ≤ d/2 for every element, + 127·2^-25 where d is an fp16 subnormal.
//
// The 4-bit format (DType::Q4, precision "q4"), GGUF Q4_0's arithmetic in the same planar
// layout. A [rows, cols] matrix, cols % kQ4Block == 0:
//   rows·cols/2 bytes, row-major, 16 per block of kQ4Block values of a row: byte j of a block
//   holds its value j in the low nibble and value j + 16 in the high nibble; then
//   rows·cols/kQ4Block fp16 scales d, one per block, in the same order:
//   w[e] ≈ (q[e] - 8) · d[e / kQ4Block],  d = m / -8,  q = clamp(round(w / d) + 8, 0, 15),
//   where m is the block's value of largest magnitude, sign kept (so d may be negative and m
//   itself is exact up to d's fp16 rounding: q = 0). |w - deq(q(w))| ≤ |d|/2, except for values
//   near -m, which clamp from 16 to 15 (≤ |d|), + 8·2^-25 where d is an fp16 subnormal.
#include "core/dtype.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rwkv {

// Quantizes a row-major matrix with cols % kQ8Block == 0 into the layout above
// (storageBytes(DType::Q8, values.size()) bytes). Non-finite values are a programmer error.
std::vector<std::byte> quantizeQ8(std::span<const float> values, int64_t cols);
// The fp32 values a Q8 matrix of numel elements stands for (the reference the kernels are tested against).
std::vector<float> dequantizeQ8(const void* data, size_t numel);

// The same for the 4-bit layout above (storageBytes(DType::Q4, values.size()) bytes).
std::vector<std::byte> quantizeQ4(std::span<const float> values, int64_t cols);
std::vector<float> dequantizeQ4(const void* data, size_t numel);

} // namespace rwkv
