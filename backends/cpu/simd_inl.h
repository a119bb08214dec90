// Highway helpers shared by the kernels_*.cpp files, compiled once per SIMD target: each
// file re-includes this through hwy/foreach_target.h, hence the toggled guard instead of
// #pragma once (Highway's "-inl.h" convention).
#if defined(RWKV_CPU_SIMD_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RWKV_CPU_SIMD_INL_H_
#undef RWKV_CPU_SIMD_INL_H_
#else
#define RWKV_CPU_SIMD_INL_H_
#endif

#include "backends/cpu/prefetch_hint.h"
#include "backends/cpu/weight_ptr.h"
#include "core/dtype.h"

#include <cstdint>
#include <cstring>
#include <type_traits>

#include <hwy/cache_control.h>
#include <hwy/highway.h>

#if HWY_ARCH_X86
#include <xmmintrin.h>
#endif

HWY_BEFORE_NAMESPACE();
namespace rwkv::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;

// Loads Lanes(d) weights of type W (float, hwy::bfloat16_t, hwy::float16_t) widened to fp32.
// The Q8Ptr / Q4Ptr overloads below do the same for int8 / 4-bit weights (weight_ptr.h).
template <class D, typename W>
HWY_INLINE hn::Vec<D> loadWidened(D d, const W* p)
{
    if constexpr (std::is_same_v<W, float>) {
        return hn::LoadU(d, p);
    } else {
        const hn::Rebind<W, D> dw;
        return hn::PromoteTo(d, hn::LoadU(dw, p));
    }
}

// One weight element as fp32 (tails of rows that are not a whole number of vectors).
template <typename W>
HWY_INLINE float scalarWidened(const W* p)
{
    if constexpr (std::is_same_v<W, float>) {
        return *p;
    } else {
        uint16_t bits;
        std::memcpy(&bits, p, sizeof bits);
        if constexpr (std::is_same_v<W, hwy::bfloat16_t>)
            return bf16ToFloat(bits);
        else
            return f16ToFloat(bits);
    }
}

// Lanes(df) int8 weights widened to fp32 times their block's scale. Vector loads start at
// multiples of Lanes(df) within rows of whole blocks, so on targets of at most kQ8Block lanes
// a vector never straddles two blocks; wider ones take the scales per lane.
HWY_INLINE VF loadWidened(DF df, Q8Ptr p)
{
    const hn::Rebind<int8_t, DF> d8;
    const hn::Rebind<int32_t, DF> d32;
    const VF v = hn::ConvertTo(df, hn::PromoteTo(d32, hn::LoadU(d8, p.q + p.e)));
    if constexpr (hn::MaxLanes(DF()) <= kQ8Block) {
        const hn::Rebind<uint16_t, DF> d16;
        const hn::Rebind<hwy::float16_t, DF> dh;
        return hn::Mul(v, hn::PromoteTo(df, hn::BitCast(dh, hn::Set(d16, p.scaleBits()))));
    } else {
        HWY_ALIGN float s[hn::MaxLanes(DF())];
        for (size_t i = 0; i < hn::Lanes(df); ++i) s[i] = f16ToFloat((p + i).scaleBits());
        return hn::Mul(v, hn::Load(df, s));
    }
}

HWY_INLINE float scalarWidened(Q8Ptr p) { return float(p.q[p.e]) * f16ToFloat(p.scaleBits()); }

HWY_INLINE float scalarWidened(Q4Ptr p)
{
    return float(((*p.byte() >> p.shift()) & 15) - 8) * f16ToFloat(p.scaleBits());
}

// Lanes(df) 4-bit weights as fp32 times their block's scale. As for Q8, a vector starts at a
// multiple of Lanes(df) in rows of whole blocks; with at most 16 lanes it then lies in one
// half of a block, whose values are the low (or high) nibbles of 16 consecutive bytes: one
// byte load, one shift, one mask. Wider targets take the values per lane.
HWY_INLINE VF loadWidened(DF df, Q4Ptr p)
{
    if constexpr (hn::MaxLanes(DF()) <= Q4Ptr::kHalf) {
        const hn::Rebind<uint8_t, DF> d8;
        const hn::Rebind<int32_t, DF> d32;
        const hn::Rebind<uint16_t, DF> d16;
        const hn::Rebind<hwy::float16_t, DF> dh;
        const auto bytes = hn::PromoteTo(d32, hn::LoadU(d8, p.byte()));
        const auto q = hn::And(hn::ShiftRightSame(bytes, p.shift()), hn::Set(d32, 15));
        const VF v = hn::ConvertTo(df, hn::Sub(q, hn::Set(d32, 8)));
        return hn::Mul(v, hn::PromoteTo(df, hn::BitCast(dh, hn::Set(d16, p.scaleBits()))));
    } else {
        HWY_ALIGN float s[hn::MaxLanes(DF())];
        for (size_t i = 0; i < hn::Lanes(df); ++i) s[i] = scalarWidened(p + i);
        return hn::Load(df, s);
    }
}

#if HWY_TARGET == HWY_SCALAR
// dst[0..3] = {Σa, Σb, Σc, Σd} (+= when accumulate); one lane each on the scalar target.
HWY_INLINE void storeSum4(VF a, VF b, VF c, VF d, float* dst, bool accumulate)
{
    const float s[4] = {hn::GetLane(a), hn::GetLane(b), hn::GetLane(c), hn::GetLane(d)};
    for (int i = 0; i < 4; ++i) dst[i] = accumulate ? dst[i] + s[i] : s[i];
}
#else
template <class D>
HWY_INLINE hn::Vec<hn::Full128<float>> sumBlocks(D d, hn::Vec<D> v)
{
    if constexpr (hn::MaxLanes(d) <= 4) {
        return v;
    } else {
        const hn::Half<D> dh;
        return sumBlocks(dh, hn::Add(hn::LowerHalf(dh, v), hn::UpperHalf(dh, v)));
    }
}

// dst[0..3] = {Σa, Σb, Σc, Σd} (+= when accumulate), for the price of about one horizontal
// sum: interleaving pairs inside each 128-bit block halves the vectors twice, then the
// blocks are added.
HWY_INLINE void storeSum4(VF a, VF b, VF c, VF d, float* dst, bool accumulate)
{
    const DF df;
    const hn::Full128<float> d4;
    const hn::Repartition<uint64_t, DF> d64;
    const VF ab = hn::Add(hn::InterleaveLower(df, a, b), hn::InterleaveUpper(df, a, b));
    const VF cd = hn::Add(hn::InterleaveLower(df, c, d), hn::InterleaveUpper(df, c, d));
    const auto ab64 = hn::BitCast(d64, ab), cd64 = hn::BitCast(d64, cd);
    const VF abcd = hn::Add(hn::BitCast(df, hn::InterleaveLower(d64, ab64, cd64)),
                            hn::BitCast(df, hn::InterleaveUpper(d64, ab64, cd64)));
    auto sums = sumBlocks(df, abcd);
    if (accumulate) sums = hn::Add(sums, hn::LoadU(d4, dst));
    hn::StoreU(sums, d4, dst);
}
#endif

// Prefetch of weights read once per token, a few KiB ahead of use, with the locality hint
// chosen per CPU (prefetch_hint.h).
template <PrefetchHint H>
HWY_INLINE void prefetchOnce(const void* p)
{
    const char* c = static_cast<const char*>(p);
#if HWY_ARCH_X86
    if constexpr (H == PrefetchHint::T0) _mm_prefetch(c, _MM_HINT_T0);
    if constexpr (H == PrefetchHint::T1) _mm_prefetch(c, _MM_HINT_T1);
    if constexpr (H == PrefetchHint::Nta) _mm_prefetch(c, _MM_HINT_NTA);
#else
    if constexpr (H != PrefetchHint::None) hwy::Prefetch(c);
#endif
    (void)c;
}

// Σ of all lanes.
HWY_INLINE float sumLanes(VF v) { return hn::GetLane(hn::SumOfLanes(DF(), v)); }

} // namespace rwkv::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif
