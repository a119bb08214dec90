// Element-wise kernels; an operand with one row broadcasts over the rows of `out`.
#include "backends/cpu/kernels.h"

#include <cmath>

namespace rwkv::cpu {

namespace {

// Row stride in floats: 0 for a broadcast row.
int64_t rowStride(const DTensor& t) { return t.rows == 1 ? 0 : t.cols; }

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

} // namespace

void lerpKernel(const DTensor& out, const DTensor& a, const DTensor& b, const DTensor& t)
{
    const int64_t C = out.cols, sa = rowStride(a), sb = rowStride(b), st = rowStride(t);
    for (int64_t r = 0; r < out.rows; ++r) {
        const float* pa = a.f32() + r * sa;
        const float* pb = b.f32() + r * sb;
        const float* pt = t.f32() + r * st;
        float* po = out.f32() + r * C;
        for (int64_t c = 0; c < C; ++c) po[c] = pa[c] + (pb[c] - pa[c]) * pt[c];
    }
}

void unaryKernel(UnaryOp op, const DTensor& out, const DTensor& in)
{
    const int64_t n = in.numel();
    const float* x = in.f32();
    float* y = out.f32();
    switch (op) {
    case UnaryOp::Tanh: for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]); break;
    case UnaryOp::Sigmoid: for (int64_t i = 0; i < n; ++i) y[i] = sigmoid(x[i]); break;
    case UnaryOp::ReluSquare:
        for (int64_t i = 0; i < n; ++i) { const float v = x[i] > 0.0f ? x[i] : 0.0f; y[i] = v * v; }
        break;
    case UnaryOp::Silu: for (int64_t i = 0; i < n; ++i) y[i] = x[i] * sigmoid(x[i]); break;
    case UnaryOp::Decay6: for (int64_t i = 0; i < n; ++i) y[i] = std::exp(-std::exp(x[i])); break;
    case UnaryOp::Decay7: for (int64_t i = 0; i < n; ++i) y[i] = std::exp(-0.606531f * sigmoid(x[i])); break;
    }
}

void binaryKernel(BinaryOp op, const DTensor& out, const DTensor& a, const DTensor& b)
{
    const int64_t C = out.cols, sa = rowStride(a), sb = rowStride(b);
    for (int64_t r = 0; r < out.rows; ++r) {
        const float* pa = a.f32() + r * sa;
        const float* pb = b.f32() + r * sb;
        float* po = out.f32() + r * C;
        if (op == BinaryOp::Add)
            for (int64_t c = 0; c < C; ++c) po[c] = pa[c] + pb[c];
        else
            for (int64_t c = 0; c < C; ++c) po[c] = pa[c] * pb[c];
    }
}

} // namespace rwkv::cpu
