#pragma once
// The int8 weight format (DType::Q8, strategy precision "int8"; design.md "int8 weights"),
// GGUF Q8_0's arithmetic in a planar layout. A [rows, cols] matrix, cols % kQ8Block == 0:
//   rows·cols int8 values q, row-major, then rows·cols/kQ8Block fp16 scales d, one per block
//   of kQ8Block consecutive values of a row, in the same order:
//   w[e] ≈ q[e] · d[e / kQ8Block],  d = max|w| / 127 over the block,  q = round(w / d).
// So |w - deq(q(w))| ≤ d/2 for every element, + 127·2^-25 where d is an fp16 subnormal.
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

} // namespace rwkv
