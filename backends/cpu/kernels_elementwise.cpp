// Element-wise kernels; an operand with one row broadcasts over the rows of `out`. Vector
// bodies with Highway (exp and tanh from hwy/contrib/math, ≤ 4 ulp); the few columns past
// the last whole vector use the scalar formulas.
#include "backends/cpu/kernels.h"

#include <cmath>
#include <cstddef>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels_elementwise.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep
#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include "backends/cpu/simd_inl.h"

#ifndef RWKV_CPU_ELEMENTWISE_SCALAR
#define RWKV_CPU_ELEMENTWISE_SCALAR
namespace rwkv::cpu {
namespace {

// exp(-0.606531·σ(x)) keeps the RWKV-7 decay in (0.5452, 1) (rwkv-spec §3.4).
constexpr float kDecayScale = -0.606531f;

// Row stride in floats: 0 for a broadcast row.
int64_t rowStride(const DTensor& t) { return t.rows == 1 ? 0 : t.cols; }

// The branch keeps exp's argument ≤ 0, so large |x| never overflows to inf/inf.
float sigmoidScalar(float x)
{
    const float e = std::exp(-std::fabs(x));
    const float s = 1.0f / (1.0f + e);
    return x >= 0.0f ? s : e * s;
}

float unaryScalar(UnaryOp op, float x)
{
    switch (op) {
    case UnaryOp::Tanh: return std::tanh(x);
    case UnaryOp::Sigmoid: return sigmoidScalar(x);
    case UnaryOp::ReluSquare: return x > 0.0f ? x * x : 0.0f;
    case UnaryOp::Silu: return x * sigmoidScalar(x);
    case UnaryOp::Decay6: return std::exp(-std::exp(x));
    case UnaryOp::Decay7: return std::exp(kDecayScale * sigmoidScalar(x));
    }
    return x;
}

} // namespace
} // namespace rwkv::cpu
#endif

HWY_BEFORE_NAMESPACE();
namespace rwkv::cpu::HWY_NAMESPACE {

HWY_INLINE VF sigmoidVec(DF df, VF x)
{
    const VF e = hn::Exp(df, hn::Neg(hn::Abs(x)));
    const VF s = hn::Div(hn::Set(df, 1.0f), hn::Add(hn::Set(df, 1.0f), e));
    return hn::IfThenElse(hn::Ge(x, hn::Zero(df)), s, hn::Mul(e, s));
}

template <UnaryOp kOp>
HWY_INLINE VF unaryVec(DF df, VF x)
{
    if constexpr (kOp == UnaryOp::Tanh) {
        return hn::Tanh(df, x);
    } else if constexpr (kOp == UnaryOp::Sigmoid) {
        return sigmoidVec(df, x);
    } else if constexpr (kOp == UnaryOp::ReluSquare) {
        const VF r = hn::Max(x, hn::Zero(df));
        return hn::Mul(r, r);
    } else if constexpr (kOp == UnaryOp::Silu) {
        return hn::Mul(x, sigmoidVec(df, x));
    } else if constexpr (kOp == UnaryOp::Decay6) {
        // hn::Exp is only defined up to 104; exp(88) already makes the decay exactly 0.
        return hn::Exp(df, hn::Neg(hn::Exp(df, hn::Min(x, hn::Set(df, 88.0f)))));
    } else {
        return hn::Exp(df, hn::Mul(hn::Set(df, kDecayScale), sigmoidVec(df, x)));
    }
}

template <UnaryOp kOp>
void unaryLoop(const float* x, float* y, size_t n)
{
    const DF df;
    const size_t N = hn::Lanes(df);
    size_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(unaryVec<kOp>(df, hn::LoadU(df, x + i)), df, y + i);
    for (; i < n; ++i) y[i] = unaryScalar(kOp, x[i]);
}

void unaryImpl(UnaryOp op, const DTensor& out, const DTensor& in)
{
    const size_t n = size_t(in.numel());
    switch (op) {
    case UnaryOp::Tanh: unaryLoop<UnaryOp::Tanh>(in.f32(), out.f32(), n); break;
    case UnaryOp::Sigmoid: unaryLoop<UnaryOp::Sigmoid>(in.f32(), out.f32(), n); break;
    case UnaryOp::ReluSquare: unaryLoop<UnaryOp::ReluSquare>(in.f32(), out.f32(), n); break;
    case UnaryOp::Silu: unaryLoop<UnaryOp::Silu>(in.f32(), out.f32(), n); break;
    case UnaryOp::Decay6: unaryLoop<UnaryOp::Decay6>(in.f32(), out.f32(), n); break;
    case UnaryOp::Decay7: unaryLoop<UnaryOp::Decay7>(in.f32(), out.f32(), n); break;
    }
}

void lerpImpl(const DTensor& out, const DTensor& a, const DTensor& b, const DTensor& t)
{
    const DF df;
    const size_t N = hn::Lanes(df), C = size_t(out.cols);
    const int64_t sa = rowStride(a), sb = rowStride(b), st = rowStride(t);
    for (int64_t r = 0; r < out.rows; ++r) {
        const float* pa = a.f32() + r * sa;
        const float* pb = b.f32() + r * sb;
        const float* pt = t.f32() + r * st;
        float* po = out.f32() + r * out.cols;
        size_t c = 0;
        for (; c + N <= C; c += N) {
            const VF va = hn::LoadU(df, pa + c);
            hn::StoreU(hn::MulAdd(hn::Sub(hn::LoadU(df, pb + c), va), hn::LoadU(df, pt + c), va), df, po + c);
        }
        for (; c < C; ++c) po[c] = pa[c] + (pb[c] - pa[c]) * pt[c];
    }
}

void binaryImpl(BinaryOp op, const DTensor& out, const DTensor& a, const DTensor& b)
{
    const DF df;
    const size_t N = hn::Lanes(df), C = size_t(out.cols);
    const int64_t sa = rowStride(a), sb = rowStride(b);
    const bool add = op == BinaryOp::Add;
    for (int64_t r = 0; r < out.rows; ++r) {
        const float* pa = a.f32() + r * sa;
        const float* pb = b.f32() + r * sb;
        float* po = out.f32() + r * out.cols;
        size_t c = 0;
        for (; c + N <= C; c += N) {
            const VF va = hn::LoadU(df, pa + c), vb = hn::LoadU(df, pb + c);
            hn::StoreU(add ? hn::Add(va, vb) : hn::Mul(va, vb), df, po + c);
        }
        for (; c < C; ++c) po[c] = add ? pa[c] + pb[c] : pa[c] * pb[c];
    }
}

} // namespace rwkv::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace rwkv::cpu {

HWY_EXPORT(unaryImpl);
HWY_EXPORT(lerpImpl);
HWY_EXPORT(binaryImpl);

void lerpKernel(const DTensor& out, const DTensor& a, const DTensor& b, const DTensor& t)
{
    HWY_DYNAMIC_DISPATCH(lerpImpl)(out, a, b, t);
}

void unaryKernel(UnaryOp op, const DTensor& out, const DTensor& in) { HWY_DYNAMIC_DISPATCH(unaryImpl)(op, out, in); }

void binaryKernel(BinaryOp op, const DTensor& out, const DTensor& a, const DTensor& b)
{
    HWY_DYNAMIC_DISPATCH(binaryImpl)(op, out, a, b);
}

} // namespace rwkv::cpu
#endif
