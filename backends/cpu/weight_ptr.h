#pragma once
// The weight pointers the matmul templates take: const float*, const hwy::float16_t*,
// const hwy::bfloat16_t* (the elements themselves) or Q8Ptr, a position in an int8 matrix
// (core/quantize.h) that indexes like a pointer, so one loop serves every weight type.
#include "core/dtype.h"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace rwkv::cpu {

struct Q8Ptr {
    const int8_t* q;         // the matrix's first value
    const uint16_t* scales;  // its first fp16 scale
    size_t e = 0;            // element index this pointer is at

    Q8Ptr operator+(size_t n) const { return {q, scales, e + n}; }
    uint16_t scaleBits() const { return scales[e / kQ8Block]; }
};

// Bytes of one weight as the loops stream it (Q8: the value; its scale adds 1/16).
template <typename P>
inline constexpr size_t kWeightBytes = sizeof(std::remove_pointer_t<P>);
template <>
inline constexpr size_t kWeightBytes<Q8Ptr> = 1;

// Block-quantized pointers (a scale per kQ8Block values): decode sums each block unscaled,
// then multiplies the sum by its scale once (simd_inl.h blockDot).
template <typename P>
inline constexpr bool kBlockQuantized = false;
template <>
inline constexpr bool kBlockQuantized<Q8Ptr> = true;

// The address of the weight's value, for prefetching.
template <typename T>
const void* weightAddress(const T* p) { return p; }
inline const void* weightAddress(Q8Ptr p) { return p.q + p.e; }

} // namespace rwkv::cpu
