// Decode (up to kMaxIntRows<W> input rows) of int8 and 4-bit weights with integer dot
// products (kernels_matmul.cpp). Widening every quantized weight to fp32 costs 3–5 vector
// operations per 8 weights, more than the memory system needs to deliver them: the int8 and
// 4-bit decode ran compute-bound at 48–87 % of the bandwidth limit. So each input row is
// rounded to integers once per matmul, per block of 32 with its own fp32 scale, and each
// block's 32 products are summed in int32 by multiply-add-pairs: the weights widen at most to
// 16 bits, once for all input rows. For int8 weights the inputs are int16 (pmaddwd, 16
// products an instruction on AVX2): the rounding moves each input by at most 1/65534 of its
// block's largest magnitude, 1/256 of what bf16 activations would. For 4-bit weights, whose
// own rounding is 1/16 of a block's largest weight, the inputs are int8 (1/254 of the block's
// largest input), so x86 multiplies the nibbles as bytes (pmaddubsw, 32 products an
// instruction): 6 operations a block instead of 8, and half the input bytes read (as
// llama.cpp's Q4_0 × Q8_0). Tests bound both roundings exactly.
// Toggled guard: included once per SIMD target through hwy/foreach_target.h.
#if defined(RWKV_CPU_INT_DOT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RWKV_CPU_INT_DOT_INL_H_
#undef RWKV_CPU_INT_DOT_INL_H_
#else
#define RWKV_CPU_INT_DOT_INL_H_
#endif

#include "backends/cpu/weight_ptr.h"
#include "core/dtype.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace rwkv::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// An input row as integer blocks: x[i] ≈ v[i] · scale[i / 32], v of type InputInt. offset[b]
// = 8 · scale[b] · Σ v over block b: a 4-bit weight q stands for (q − 8) · d, and Σ (q − 8)·v
// = Σ q·v − 8 Σ v lets the kernel multiply the stored nibbles as they are.
struct IntRow {
    const void* v;
    const float* scale;
    const float* offset;
};

// The integers input rows are rounded to for weights W (see the top of this file).
template <typename W>
using InputInt = std::conditional_t<std::is_same_v<W, Q4Ptr>, int8_t, int16_t>;

// Rounds x[0..I) (I a multiple of 32) into v (int16 or int8), scale and offset (I / 32 each;
// offsets only for int8 inputs, the 4-bit rows' that subtract them). A block whose largest
// magnitude is not finite gets a NaN scale, so the products stay NaN as in fp32.
template <typename V>
HWY_INLINE void quantizeRow(const float* x, size_t I, V* v, float* scale, float* offset)
{
    constexpr float kLevels = std::numeric_limits<V>::max();
    constexpr bool kOffsets = std::is_same_v<V, int8_t>;
    const hn::CappedTag<float, kQ8Block> df;
    const hn::Rebind<int32_t, decltype(df)> di;
    const hn::Rebind<V, decltype(df)> dv;
    const size_t N = hn::Lanes(df);
    for (size_t b = 0; b * kQ8Block < I; ++b) {
        const float* xb = x + b * kQ8Block;
        auto m = hn::Zero(df), nan = hn::Zero(df); // nan: x · 0 is NaN for x ±inf or NaN
        for (size_t j = 0; j < kQ8Block; j += N) {
            const auto xv = hn::LoadU(df, xb + j);
            m = hn::Max(m, hn::Abs(xv));
            nan = hn::Add(nan, hn::Mul(xv, hn::Zero(df)));
        }
        const float maxAbs = hn::GetLane(hn::MaxOfLanes(df, m));
        const bool finite = hn::GetLane(hn::SumOfLanes(df, nan)) == 0.0f;
        const float inv = finite && maxAbs > 0.0f ? kLevels / maxAbs : 0.0f;
        auto sum = hn::Zero(di);
        for (size_t j = 0; j < kQ8Block; j += N) {
            const auto q = hn::NearestInt(hn::Mul(hn::LoadU(df, xb + j), hn::Set(df, inv)));
            if constexpr (kOffsets) sum = hn::Add(sum, q);
            hn::StoreU(hn::DemoteTo(dv, q), dv, v + b * kQ8Block + j);
        }
        scale[b] = finite ? maxAbs / kLevels : std::numeric_limits<float>::quiet_NaN();
        if constexpr (kOffsets) offset[b] = 8.0f * scale[b] * float(hn::GetLane(hn::SumOfLanes(di, sum)));
    }
}

// The int16 lanes the block products take: any width for int8 weights (a block is 32
// values); at most 16 for 4-bit ones, so one load of 16 packed bytes holds lanes j.. of both
// halves of a block (byte j carries value j and j + 16).
template <typename W>
using IntTag = hn::CappedTag<int16_t, std::is_same_v<W, Q4Ptr> ? Q4Ptr::kHalf : kQ8Block>;

// sums[t] = Σ v[t][j]·q[j] over the int8 block q[0..32), for TT input rows at once, so the
// weights widen once for all of them; in int32 lanes (|sum| < 32 · 128 · 32767 < 2^31).
template <size_t TT, class D16>
HWY_INLINE void blockDots(D16 d16, const int16_t* const* v, const int8_t* q, hn::Vec<hn::Repartition<int32_t, D16>>* sums)
{
    const hn::Repartition<int32_t, D16> d32;
    const hn::Rebind<int8_t, D16> d8;
    hn::Vec<decltype(d32)> s1[TT]; // the second half some targets' widening multiply-add keeps
    for (size_t t = 0; t < TT; ++t) sums[t] = s1[t] = hn::Zero(d32);
    for (size_t j = 0; j < kQ8Block; j += hn::Lanes(d16)) {
        const auto w = hn::PromoteTo(d16, hn::LoadU(d8, q + j));
        for (size_t t = 0; t < TT; ++t) sums[t] = hn::ReorderWidenMulAccumulate(d32, w, hn::LoadU(d16, v[t] + j), sums[t], s1[t]);
    }
    for (size_t t = 0; t < TT; ++t) sums[t] = hn::Add(sums[t], s1[t]);
}

// The same for the 4-bit block packed in bytes[0..16) and the int8 inputs, with the stored
// nibbles q (0..15), not q − 8 (IntRow::offset).
template <size_t TT, class D16>
HWY_INLINE void blockDots(D16 d16, const int8_t* const* v, const uint8_t* bytes, hn::Vec<hn::Repartition<int32_t, D16>>* sums)
{
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
    static_assert(hn::MaxLanes(D16()) == Q4Ptr::kHalf); // 256-bit vectors: sums[t].raw is a __m256i
    // The 16 bytes twice, the upper copy shifted down a nibble, so byte j holds value j, as
    // the inputs: a block in one vector.
    const __m256i packed = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes)));
    const __m256i q = _mm256_and_si256(_mm256_srlv_epi64(packed, _mm256_set_epi64x(4, 4, 0, 0)), _mm256_set1_epi8(15));
    for (size_t t = 0; t < TT; ++t) {
        // Unsigned nibbles times signed inputs, pairs summed into int16 (at most 2 · 15 · 127,
        // never saturating), then pairs of those into int32.
        const __m256i pairs = _mm256_maddubs_epi16(q, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v[t])));
        sums[t].raw = _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
    }
#else
    const hn::Repartition<int32_t, D16> d32;
    const hn::Rebind<uint8_t, D16> d8;
    const hn::Rebind<int8_t, D16> ds8;
    const hn::RebindToUnsigned<D16> du16;
    const auto low = hn::Set(d16, 15);
    hn::Vec<decltype(d32)> s1[TT];
    for (size_t t = 0; t < TT; ++t) sums[t] = s1[t] = hn::Zero(d32);
    for (size_t j = 0; j < Q4Ptr::kHalf; j += hn::Lanes(d16)) {
        const auto w = hn::BitCast(d16, hn::PromoteTo(du16, hn::LoadU(d8, bytes + j)));
        const auto lo = hn::And(w, low), hi = hn::ShiftRight<4>(w);
        for (size_t t = 0; t < TT; ++t) {
            sums[t] = hn::ReorderWidenMulAccumulate(d32, lo, hn::PromoteTo(d16, hn::LoadU(ds8, v[t] + j)), sums[t], s1[t]);
            sums[t] = hn::ReorderWidenMulAccumulate(d32, hi, hn::PromoteTo(d16, hn::LoadU(ds8, v[t] + Q4Ptr::kHalf + j)), sums[t], s1[t]);
        }
    }
    for (size_t t = 0; t < TT; ++t) sums[t] = hn::Add(sums[t], s1[t]);
#endif
}

// scale[0..n) = the weight's fp16 block scales bits[0..n) times the input's block scales xs;
// with Offset (4-bit rows) returns Σ weight scale · xo, the input's offsets (IntRow::offset)
// those rows subtract, else 0.
// At most 8 lanes: n is 24 for a 768-wide row (the head's), and 16 lanes left 8 blocks per
// row to the scalar tail, which made q4 decode 1.7x slower on AVX3 than on AVX2 (Zen 4).
template <bool Offset>
HWY_INLINE float combineScales(const uint16_t* bits, const float* xs, const float* xo, size_t n, float* scale)
{
    const hn::CappedTag<float, 8> df;
    const hn::Rebind<hwy::float16_t, decltype(df)> dh;
    const auto* h = reinterpret_cast<const hwy::float16_t*>(bits);
    const size_t N = hn::Lanes(df);
    auto off = hn::Zero(df);
    size_t i = 0;
    for (; i + N <= n; i += N) {
        const auto d = hn::PromoteTo(df, hn::LoadU(dh, h + i));
        hn::StoreU(hn::Mul(d, hn::LoadU(df, xs + i)), df, scale + i);
        if constexpr (Offset) off = hn::MulAdd(d, hn::LoadU(df, xo + i), off);
    }
    float o = Offset ? hn::GetLane(hn::SumOfLanes(df, off)) : 0.0f;
    for (; i < n; ++i) {
        const float d = f16ToFloat(bits[i]);
        scale[i] = d * xs[i];
        if constexpr (Offset) o += d * xo[i];
    }
    return o;
}

} // namespace rwkv::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif
