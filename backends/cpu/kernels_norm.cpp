// LayerNorm (one group per row) and GroupNorm, statistics in fp32 with a two-pass variance
// (x − mean is small next to mean for activations with a large offset; one-pass Σx² loses it).
#include "backends/cpu/kernels.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels_norm.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep
#include <hwy/highway.h>

#include "backends/cpu/simd_inl.h"

HWY_BEFORE_NAMESPACE();
namespace rwkv::cpu::HWY_NAMESPACE {

// Normalises one group of n values: y = (x − mean)/sqrt(var + eps)·w + b.
// The first pass sums x − x[0], so a large common offset does not eat the mantissa; the
// second pass also sums d = x − mean and corrects mean and variance with it (corrected
// two-pass algorithm), which removes what rounding is left in the mean.
void normGroup(const float* x, float* y, const float* w, const float* b, size_t n, float eps)
{
    const DF df;
    const size_t N = hn::Lanes(df);
    const float shift = x[0];
    const VF vshift = hn::Set(df, shift);
    VF acc0 = hn::Zero(df), acc1 = hn::Zero(df);
    size_t c = 0;
    for (; c + 2 * N <= n; c += 2 * N) {
        acc0 = hn::Add(acc0, hn::Sub(hn::LoadU(df, x + c), vshift));
        acc1 = hn::Add(acc1, hn::Sub(hn::LoadU(df, x + c + N), vshift));
    }
    for (; c + N <= n; c += N) acc0 = hn::Add(acc0, hn::Sub(hn::LoadU(df, x + c), vshift));
    float sum = sumLanes(hn::Add(acc0, acc1));
    for (; c < n; ++c) sum += x[c] - shift;
    const float roughMean = shift + sum / float(n);

    const VF vmean = hn::Set(df, roughMean);
    VF sq0 = hn::Zero(df), sq1 = hn::Zero(df);
    acc0 = hn::Zero(df);
    acc1 = hn::Zero(df);
    for (c = 0; c + 2 * N <= n; c += 2 * N) {
        const VF d0 = hn::Sub(hn::LoadU(df, x + c), vmean), d1 = hn::Sub(hn::LoadU(df, x + c + N), vmean);
        acc0 = hn::Add(acc0, d0);
        acc1 = hn::Add(acc1, d1);
        sq0 = hn::MulAdd(d0, d0, sq0);
        sq1 = hn::MulAdd(d1, d1, sq1);
    }
    for (; c + N <= n; c += N) {
        const VF d0 = hn::Sub(hn::LoadU(df, x + c), vmean);
        acc0 = hn::Add(acc0, d0);
        sq0 = hn::MulAdd(d0, d0, sq0);
    }
    float dsum = sumLanes(hn::Add(acc0, acc1)), sq = sumLanes(hn::Add(sq0, sq1));
    for (; c < n; ++c) {
        const float d = x[c] - roughMean;
        dsum += d;
        sq += d * d;
    }
    const float meanFix = dsum / float(n);
    const float mean = roughMean + meanFix;
    const float var = std::max(0.0f, sq / float(n) - meanFix * meanFix);
    const float inv = 1.0f / std::sqrt(var + eps);

    const VF vmeanFixed = hn::Set(df, mean), vinv = hn::Set(df, inv);
    for (c = 0; c + N <= n; c += N) {
        const VF normed = hn::Mul(hn::Sub(hn::LoadU(df, x + c), vmeanFixed), vinv);
        hn::StoreU(hn::MulAdd(normed, hn::LoadU(df, w + c), hn::LoadU(df, b + c)), df, y + c);
    }
    for (; c < n; ++c) y[c] = (x[c] - mean) * inv * w[c] + b[c];
}

void groupNormImpl(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, int groupSize,
                   float eps)
{
    const int64_t C = in.cols;
    for (int64_t t = 0; t < in.rows; ++t)
        for (int64_t g0 = 0; g0 < C; g0 += groupSize)
            normGroup(in.f32() + t * C + g0, out.f32() + t * C + g0, w.f32() + g0, b.f32() + g0, size_t(groupSize),
                      eps);
}

} // namespace rwkv::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace rwkv::cpu {

HWY_EXPORT(groupNormImpl);

void groupNormKernel(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, int groupSize,
                     float eps)
{
    HWY_DYNAMIC_DISPATCH(groupNormImpl)(out, in, w, b, groupSize, eps);
}

} // namespace rwkv::cpu
#endif
