#pragma once
// The weight pointers the matmul templates take: const float*, const hwy::float16_t*,
// const hwy::bfloat16_t* (the elements themselves), Q8Ptr or Q4Ptr, a position in an int8 or
// 4-bit matrix (core/quantize.h) that indexes like a pointer, so one loop serves every weight type.
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

struct Q4Ptr {
    static constexpr size_t kHalf = kQ4Block / 2;
    const uint8_t* packed;   // the matrix's first byte
    const uint16_t* scales;  // its first fp16 scale
    size_t e = 0;            // element index this pointer is at

    Q4Ptr operator+(size_t n) const { return {packed, scales, e + n}; }
    uint16_t scaleBits() const { return scales[e / kQ4Block]; }
    // The byte holding element e: value j and j + 16 of a block share its byte j.
    const uint8_t* byte() const { return packed + e / kQ4Block * kHalf + e % kHalf; }
    // Where in that byte: the low nibble for the first half of a block, the high one after.
    int shift() const { return e % kQ4Block < kHalf ? 0 : 4; }
};

// Bytes of n consecutive weights as the loops stream them (Q8: the values, Q4: n / 2; the
// scales add 1/16 of a byte per weight).
template <typename P>
constexpr size_t weightBytes(size_t n) { return n * sizeof(std::remove_pointer_t<P>); }
template <>
constexpr size_t weightBytes<Q8Ptr>(size_t n) { return n; }
template <>
constexpr size_t weightBytes<Q4Ptr>(size_t n) { return n / 2; }

// Block-quantized pointers (a scale per 32 values): decode sums each block in integers,
// then multiplies the sum by its scales once (int_dot_inl.h).
template <typename P>
inline constexpr bool kBlockQuantized = false;
template <>
inline constexpr bool kBlockQuantized<Q8Ptr> = true;
template <>
inline constexpr bool kBlockQuantized<Q4Ptr> = true;

// The first byte of the block p starts (p.e a multiple of the block size), which the
// integer decode advances by weightBytes(block) a block.
inline const int8_t* blockValues(Q8Ptr p) { return p.q + p.e; }
inline const uint8_t* blockValues(Q4Ptr p) { return p.packed + p.e / 2; }

// The address of the weight's value, for prefetching (for 4-bit weights inside a block,
// within 16 bytes of it: the right cache line is all a prefetch needs).
template <typename T>
const void* weightAddress(const T* p) { return p; }
inline const void* weightAddress(Q8Ptr p) { return blockValues(p); }
inline const void* weightAddress(Q4Ptr p) { return blockValues(p); }

} // namespace rwkv::cpu
